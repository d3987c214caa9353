export interface DeadlineOptions<T> {
  /** Give up after this long (Infinity: never). */
  ms: number;
  /** Give up when this aborts (with its reason). */
  signal: AbortSignal | undefined;
  onTimeout: () => Error;
  /** Receives the value if `work` succeeds after we gave up (e.g. close a late connection). */
  onLateValue: (value: T) => void;
}

/**
 * Settle with `work`, or fail when the time runs out or the signal aborts, whichever comes
 * first. Work cannot be cancelled, so what it yields after we gave up goes to onLateValue
 * instead of being lost (a connection opened too late is closed, not leaked).
 */
export function raceDeadline<T>(work: Promise<T>, options: DeadlineOptions<T>): Promise<T> {
  const { ms, signal } = options;
  if (ms === Infinity && signal === undefined) return work;
  return new Promise<T>((resolve, reject) => {
    let done = false;
    let timer: NodeJS.Timeout | undefined;
    const finish = (): boolean => {
      if (done) return false;
      done = true;
      if (timer !== undefined) clearTimeout(timer);
      signal?.removeEventListener("abort", onAbort);
      return true;
    };
    const onAbort = (): void => {
      if (finish()) reject(signal?.reason);
    };
    work.then(
      (value) => {
        if (finish()) resolve(value);
        else options.onLateValue(value);
      },
      (err: unknown) => {
        if (finish()) reject(err);
      },
    );
    if (done) return;
    if (signal !== undefined) {
      if (signal.aborted) {
        onAbort();
        return;
      }
      signal.addEventListener("abort", onAbort, { once: true });
    }
    if (ms !== Infinity) {
      timer = setTimeout(() => {
        if (finish()) reject(options.onTimeout());
      }, Math.max(0, ms));
    }
  });
}
