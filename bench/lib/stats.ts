/** Small statistics and formatting helpers shared by the benchmarks. */

export function median(values: readonly number[]): number {
  if (values.length === 0) return NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 === 1 ? (sorted[mid] as number) : ((sorted[mid - 1] as number) + (sorted[mid] as number)) / 2;
}

/**
 * A distribution-free confidence interval (about 95%) for the median: the order statistics
 * n/2 ± 0.98·√n apart (the sign test's binomial, normal approximation). No assumption about
 * how the values spread, as this machine's runs do not spread normally.
 */
export function medianInterval(values: readonly number[]): [number, number] {
  if (values.length === 0) return [NaN, NaN];
  const sorted = [...values].sort((a, b) => a - b);
  const n = sorted.length;
  const k = Math.max(0, Math.floor((n - 1.96 * Math.sqrt(n)) / 2));
  return [sorted[k] as number, sorted[n - 1 - k] as number];
}

export function min(values: readonly number[]): number {
  return values.reduce((a, b) => Math.min(a, b), Infinity);
}

export function max(values: readonly number[]): number {
  return values.reduce((a, b) => Math.max(a, b), -Infinity);
}

/** Nearest-rank percentile (p in 0..1) of an ascending-sorted array. */
export function percentileSorted(sorted: Float64Array, p: number): number {
  if (sorted.length === 0) return NaN;
  const rank = Math.ceil(p * sorted.length) - 1;
  return sorted[Math.min(sorted.length - 1, Math.max(0, rank))] as number;
}

export function fmtNs(ns: number): string {
  return ns < 100 ? ns.toFixed(1) : ns.toFixed(0);
}

export function fmtRate(perSecond: number): string {
  return `${(perSecond / 1e6).toFixed(2)} M/s`;
}

export function fmtUs(us: number): string {
  return us < 10 ? us.toFixed(2) : us.toFixed(1);
}

export function fmtRatio(ratio: number): string {
  return `${ratio.toFixed(2)}×`;
}

export function fmtBytes(bytes: number): string {
  const sign = bytes < 0 ? "-" : "+";
  const abs = Math.abs(bytes);
  if (abs < 1024) return `${sign}${abs.toFixed(0)} B`;
  if (abs < 1024 * 1024) return `${sign}${(abs / 1024).toFixed(1)} KB`;
  return `${sign}${(abs / 1024 / 1024).toFixed(2)} MB`;
}

export function fmtMB(bytes: number): string {
  return `${(bytes / 1024 / 1024).toFixed(2)} MB`;
}
