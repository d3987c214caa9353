/**
 * SPEC B1: the per-call options `{ signal, timeoutMs }` of execute() and stream(), and the
 * guard that merges them into one AbortSignal for the call.
 */
import { ArgumentError, describeValue, type CancelCause } from "../errors.js";

/** Options of conn.execute() / session.execute(). */
export interface ExecuteOptions {
  /** Give up on the call when this aborts; a running statement is canceled on the server. */
  signal?: AbortSignal;
  /**
   * Give up after this many ms (Infinity: never), counted from the call: waiting for a
   * connection, BEGIN and the statement(s). Default: the engine's `statementTimeoutMs`.
   */
  timeoutMs?: number;
}

/** Options of conn.stream() / session.stream(). */
export interface StreamOptions extends ExecuteOptions {
  /** Rows fetched from the server per round trip. Default 1000. */
  yieldPer?: number;
  // timeoutMs here bounds each round trip (opening the cursor, each batch), not the time
  // the loop spends on rows: a stream may legitimately outlive any statement timeout.
}

const EXECUTE_OPTION_NAMES: readonly string[] = ["signal", "timeoutMs"];
const STREAM_OPTION_NAMES: readonly string[] = ["signal", "timeoutMs", "yieldPer"];

/** The checked options: the signal, and the time limit with the engine's default applied. */
export interface CallLimits {
  readonly signal: AbortSignal | undefined;
  /** Infinity: no limit. */
  readonly timeoutMs: number;
}

/** Check `options` (ArgumentError before anything is sent) and apply the engine default. */
export function callLimits(options: unknown, kind: "execute" | "stream", engineTimeoutMs: number): CallLimits {
  if (options === undefined) return { signal: undefined, timeoutMs: engineTimeoutMs };
  if (typeof options !== "object" || options === null || Array.isArray(options)) {
    throw new ArgumentError(`${kind}() options must be an object such as { signal, timeoutMs }; got ${options === null ? "null" : typeof options}.`);
  }
  const names = kind === "execute" ? EXECUTE_OPTION_NAMES : STREAM_OPTION_NAMES;
  const unknown = Object.keys(options).filter((key) => !names.includes(key));
  if (unknown.length > 0) {
    throw new ArgumentError(`Unknown ${kind}() option${unknown.length > 1 ? "s" : ""} ${unknown.map((k) => `'${k}'`).join(", ")}; options: ${names.join(", ")}.`);
  }
  const { signal, timeoutMs } = options as ExecuteOptions;
  if (signal !== undefined && !(signal instanceof AbortSignal)) throw new ArgumentError("signal must be an AbortSignal.");
  return { signal, timeoutMs: timeoutMs === undefined ? engineTimeoutMs : checkTimeoutMs("timeoutMs", timeoutMs) };
}

/** A time limit: a number of ms > 0, or Infinity for none. */
export function checkTimeoutMs(name: string, value: unknown): number {
  if (typeof value !== "number" || Number.isNaN(value) || value <= 0) {
    throw new ArgumentError(`${name} must be a number of milliseconds > 0 (Infinity: no limit); got ${describeValue(value)}.`);
  }
  return value;
}

/**
 * One call's cancellation: fires once, when the caller's signal aborts or the time limit
 * elapses, whichever comes first, and says which. `dispose()` when the call is over.
 */
export class CallGuard {
  readonly timeoutMs: number;
  readonly userSignal: AbortSignal | undefined;
  readonly #controller = new AbortController();
  #firedBy: CancelCause | undefined = undefined;
  #timer: NodeJS.Timeout | undefined = undefined;
  readonly #onAbort = (): void => this.#fire("signal");

  constructor(limits: CallLimits) {
    this.timeoutMs = limits.timeoutMs;
    this.userSignal = limits.signal;
    if (limits.signal?.aborted === true) {
      this.#fire("signal");
      return;
    }
    limits.signal?.addEventListener("abort", this.#onAbort, { once: true });
    if (Number.isFinite(limits.timeoutMs)) {
      this.#timer = setTimeout(() => this.#fire("timeout"), limits.timeoutMs);
      this.#timer.unref();
    }
  }

  /** A guard, or undefined when the call can't be canceled (no signal, no limit): no cost then. */
  static for(limits: CallLimits): CallGuard | undefined {
    return limits.signal === undefined && !Number.isFinite(limits.timeoutMs) ? undefined : new CallGuard(limits);
  }

  /** Aborts when the guard fires. */
  get signal(): AbortSignal {
    return this.#controller.signal;
  }

  get firedBy(): CancelCause | undefined {
    return this.#firedBy;
  }

  dispose(): void {
    if (this.#timer !== undefined) clearTimeout(this.#timer);
    this.#timer = undefined;
    this.userSignal?.removeEventListener("abort", this.#onAbort);
  }

  #fire(cause: CancelCause): void {
    if (this.#firedBy !== undefined) return;
    this.#firedBy = cause;
    this.dispose();
    this.#controller.abort();
  }
}
