import { Deque } from "./deque.js";

interface Waiter<R, X> {
  resolve: (value: R | PromiseLike<R>) => void;
  /** What deliver() needs besides the value (the checkout's request and stack). */
  readonly context: X;
  reject: (reason: unknown) => void;
  readonly startedAt: number;
  readonly deadline: number;
  readonly timeoutMs: number;
  settled: boolean;
  readonly signal: AbortSignal | undefined;
  onAbort: (() => void) | undefined;
}

/**
 * Checkouts waiting for a connection, served first come, first served. One timer serves the
 * whole queue, armed for the earliest deadline: a timer armed and cleared per acquire is
 * what makes tarn and pg-pool slow, and a checkout that never waits arms none.
 */
export class WaitQueue<T, R, X> {
  private queue = new Deque<Waiter<R, X>>();
  private pending = 0;
  private timer: NodeJS.Timeout | undefined = undefined;
  private timerAt = Infinity;

  /**
   * `timeoutError` builds the error for a waiter whose time ran out. `deliver` turns a served
   * value into what the waiter gets, inside serve(): the pool hands out the connection there,
   * so a waiter's promise settles in one hop, not two.
   */
  constructor(
    private readonly timeoutError: (waitedMs: number, timeoutMs: number) => Error,
    private readonly deliver: (value: T, context: X, startedAt: number) => R | PromiseLike<R>,
  ) {}

  /** Waiters still waiting. */
  get length(): number {
    return this.pending;
  }

  /**
   * Wait for a value, reporting to callbacks rather than a promise: the pool makes a promise of
   * it only for callers that want one (the engine's hot path does not: in a web request's
   * AsyncLocalStorage scope each promise costs its hooks). `resolve` gets what `deliver` made of
   * the value: the value, or a promise of it. Either callback may run at once (a signal already
   * aborted, no time to wait), or later from whatever serves or expires the waiter, in that
   * code's async context (the caller restores its own: Pool.checkoutWith).
   */
  enqueue(
    timeoutMs: number,
    signal: AbortSignal | undefined,
    context: X,
    resolve: (value: R | PromiseLike<R>) => void,
    reject: (reason: unknown) => void,
  ): void {
    if (signal?.aborted === true) {
      reject(signal.reason);
      return;
    }
    if (timeoutMs <= 0) {
      reject(this.timeoutError(0, timeoutMs));
      return;
    }
    const startedAt = Date.now();
    const waiter: Waiter<R, X> = {
      resolve,
      context,
      reject,
      startedAt,
      deadline: startedAt + timeoutMs,
      timeoutMs,
      settled: false,
      signal,
      onAbort: undefined,
    };
    if (signal !== undefined) {
      waiter.onAbort = () => this.abort(waiter);
      signal.addEventListener("abort", waiter.onAbort, { once: true });
    }
    this.queue.push(waiter);
    this.pending++;
    if (waiter.deadline < this.timerAt) this.arm(waiter.deadline);
    else this.timer?.ref();
  }

  /** Give `value` to the oldest waiter. Returns false if nobody is waiting. */
  serve(value: T): boolean {
    while (this.pending > 0) {
      const waiter = this.queue.shift();
      if (waiter === undefined) return false;
      if (waiter.settled) continue;
      this.settle(waiter);
      try {
        waiter.resolve(this.deliver(value, waiter.context, waiter.startedAt));
      } catch (err) {
        waiter.reject(err);
      }
      return true;
    }
    return false;
  }

  /** Fail every waiter (the pool is being torn down for good). */
  rejectAll(reason: unknown): void {
    for (const waiter of this.queue.drain()) {
      if (waiter.settled) continue;
      this.settle(waiter);
      waiter.reject(reason);
    }
  }

  private settle(waiter: Waiter<R, X>): void {
    waiter.settled = true;
    this.pending--;
    if (waiter.onAbort !== undefined) waiter.signal?.removeEventListener("abort", waiter.onAbort);
    // An idle queue must not keep the process alive; the timer is kept for reuse.
    if (this.pending === 0) this.timer?.unref();
  }

  private abort(waiter: Waiter<R, X>): void {
    if (waiter.settled) return;
    this.settle(waiter);
    waiter.reject(waiter.signal?.reason);
  }

  private arm(deadline: number): void {
    if (this.timer !== undefined) clearTimeout(this.timer);
    this.timerAt = deadline;
    this.timer = setTimeout(() => this.expire(), Math.max(0, deadline - Date.now()));
  }

  private expire(): void {
    this.timer = undefined;
    this.timerAt = Infinity;
    const now = Date.now();
    let next = Infinity;
    const live = new Deque<Waiter<R, X>>();
    for (const waiter of this.queue.drain()) {
      if (waiter.settled) continue;
      if (waiter.deadline <= now) {
        this.settle(waiter);
        waiter.reject(this.timeoutError(now - waiter.startedAt, waiter.timeoutMs));
      } else {
        live.push(waiter);
        if (waiter.deadline < next) next = waiter.deadline;
      }
    }
    this.queue = live;
    if (next !== Infinity) this.arm(next);
  }
}
