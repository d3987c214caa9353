import type { Creator } from "./options.js";

export function callCreator<C>(creator: Creator<C>): Promise<C> {
  try {
    return Promise.resolve(creator());
  } catch (err) {
    return Promise.reject(err);
  }
}

/** The first line of an error, for log lines (never the driver object: it may hold a password). */
export function shortError(err: unknown): string {
  if (err instanceof Error) return `${err.name}: ${err.message}`;
  return String(err);
}

export function captureStack(above: (...args: never[]) => unknown): string {
  const holder: { stack?: string } = {};
  Error.captureStackTrace(holder, above);
  return (holder.stack ?? "").split("\n").slice(1).join("\n");
}
