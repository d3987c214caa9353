import { ArgumentError, describeValue } from "../errors.js";
import type { Logger } from "../log.js";
import type { PoolDialect } from "./pool-dialect.js";

/** Opens one driver connection. May be async; may throw (the pool reports it). */
export type Creator<C> = () => C | Promise<C>;

export type ResetOnReturn = "rollback" | "commit" | "none";

/** Options every pool class accepts. Times are milliseconds. */
export interface BasePoolOptions<C> {
  /** Opens a driver connection; may instead be the constructor's first argument. */
  creator?: Creator<C>;
  /** How to reset, ping, close and classify errors; default: genericPoolDialect. */
  dialect?: PoolDialect<C>;
  /** Replace a connection older than this at its next checkout. 0 = never (default). */
  recycleMs?: number;
  /** Ping each connection at checkout and replace it if the ping fails. Default false. */
  prePing?: boolean;
  /** How a returned connection is reset. Default "rollback". */
  resetOnReturn?: ResetOnReturn;
  /** Warn (once per checkout, with its stack) when one is held longer than this. 0 = off. */
  leakDetectionMs?: number;
  /** A connect (or pre-ping) taking longer than this fails. Default 10 000; Infinity = none. */
  connectTimeoutMs?: number;
  /**
   * Record where each checkout happened, for leak warnings and status(). It costs ~2.5 µs
   * per checkout (a captured stack trace), so it is on only when asked for or when
   * leakDetectionMs or echo "debug" is set.
   */
  checkoutStacks?: boolean;
  /** Log checkouts, checkins, invalidations and sizing; "debug" logs more. */
  echo?: boolean | "debug";
  /** Where warnings and echo lines go. Default console. */
  logger?: Logger;
}

export interface QueuePoolOptions<C> extends BasePoolOptions<C> {
  /** Connections kept open while idle. Default 5; 0 = no limit. */
  poolSize?: number;
  /** Connections opened beyond poolSize under load, closed when returned. Default 10; -1 = no limit. */
  maxOverflow?: number;
  /** How long a checkout may wait for a connection. Default 30 000; Infinity = forever. */
  timeoutMs?: number;
  /** Reuse the most recently returned connection first (idle ones can then age out). */
  useLifo?: boolean;
}

export interface SingletonPoolOptions<C> extends BasePoolOptions<C> {
  /** How many async scopes keep a connection. Default 5. */
  poolSize?: number;
}

export interface AssertionPoolOptions<C> extends BasePoolOptions<C> {
  /** Remember where the connection was checked out, for the error. Default true. */
  storeTraceback?: boolean;
}

/** Settings after validation, with defaults applied. */
export interface ResolvedBaseOptions<C> {
  creator: Creator<C>;
  dialect: PoolDialect<C> | undefined;
  recycleMs: number;
  prePing: boolean;
  resetOnReturn: ResetOnReturn;
  leakDetectionMs: number;
  connectTimeoutMs: number;
  checkoutStacks: boolean;
  echo: boolean | "debug";
  logger: Logger;
}

export const BASE_OPTION_NAMES = [
  "creator",
  "dialect",
  "recycleMs",
  "prePing",
  "resetOnReturn",
  "leakDetectionMs",
  "connectTimeoutMs",
  "checkoutStacks",
  "echo",
  "logger",
] as const;

/** Rejects names this pool class does not know, naming them and the ones it does. */
export function rejectUnknownOptions(
  poolName: string,
  options: object,
  extraNames: readonly string[],
): void {
  const known = new Set<string>([...BASE_OPTION_NAMES, ...extraNames]);
  const unknown = Object.keys(options).filter((k) => !known.has(k));
  if (unknown.length === 0) return;
  throw new ArgumentError(
    `Unknown option${unknown.length > 1 ? "s" : ""} ${unknown.map((k) => `'${k}'`).join(", ")} ` +
      `for ${poolName}. It accepts: ${[...known].sort().join(", ")}.`,
  );
}

export function checkInteger(name: string, value: unknown, min: number, hint: string): number {
  if (typeof value !== "number" || !Number.isInteger(value) || value < min) {
    throw new ArgumentError(`${name} must be an integer >= ${min} (${hint}); got ${describeValue(value)}.`);
  }
  return value;
}

/** A duration in ms: a finite number >= 0, or Infinity where `allowInfinity`. */
export function checkDuration(name: string, value: unknown, allowInfinity: boolean, hint: string): number {
  const ok =
    typeof value === "number" &&
    !Number.isNaN(value) &&
    value >= 0 &&
    (allowInfinity || Number.isFinite(value));
  if (!ok) {
    throw new ArgumentError(
      `${name} must be a number of milliseconds >= 0${allowInfinity ? " (or Infinity)" : ""} (${hint}); got ${describeValue(value)}.`,
    );
  }
  return value as number;
}

export function checkBoolean(name: string, value: unknown): boolean {
  if (typeof value !== "boolean") throw new ArgumentError(`${name} must be true or false; got ${describeValue(value)}.`);
  return value;
}

const consoleLogger: Logger = console;

export function resolveBaseOptions<C>(
  poolName: string,
  creatorArg: Creator<C> | undefined,
  options: BasePoolOptions<C>,
): ResolvedBaseOptions<C> {
  const creator = creatorArg ?? options.creator;
  if (typeof creator !== "function") {
    throw new ArgumentError(
      `${poolName} needs a creator: pass a function that opens a driver connection, e.g. new ${poolName}(() => driver.connect(...)).`,
    );
  }
  if (creatorArg !== undefined && options.creator !== undefined) {
    throw new ArgumentError(`${poolName} got a creator twice: as the first argument and as options.creator. Pass one.`);
  }
  const resetOnReturn = options.resetOnReturn ?? "rollback";
  if (resetOnReturn !== "rollback" && resetOnReturn !== "commit" && resetOnReturn !== "none") {
    throw new ArgumentError(
      `resetOnReturn must be "rollback", "commit" or "none"; got ${describeValue(resetOnReturn)}.`,
    );
  }
  const echo = options.echo ?? false;
  if (echo !== true && echo !== false && echo !== "debug") {
    throw new ArgumentError(`echo must be true, false or "debug"; got ${describeValue(echo)}.`);
  }
  const logger = options.logger ?? consoleLogger;
  if (typeof logger !== "object" || logger === null || typeof logger.warn !== "function" || typeof logger.error !== "function") {
    throw new ArgumentError("logger must be an object with warn() and error() methods (console, pino, winston...).");
  }
  const dialect = options.dialect;
  if (dialect !== undefined) {
    for (const method of ["rollback", "commit", "close", "ping", "isDisconnect"] as const) {
      if (typeof dialect[method] !== "function") {
        throw new ArgumentError(`dialect.${method} must be a function (see the PoolDialect interface).`);
      }
    }
  }
  const leakDetectionMs = checkDuration("leakDetectionMs", options.leakDetectionMs ?? 0, false, "0 turns it off");
  return {
    creator,
    dialect,
    recycleMs: checkDuration("recycleMs", options.recycleMs ?? 0, false, "0 turns recycling off"),
    prePing: checkBoolean("prePing", options.prePing ?? false),
    resetOnReturn,
    leakDetectionMs,
    connectTimeoutMs: positive(checkDuration("connectTimeoutMs", options.connectTimeoutMs ?? 10_000, true, "Infinity waits forever")),
    checkoutStacks: checkBoolean("checkoutStacks", options.checkoutStacks ?? (leakDetectionMs > 0 || echo === "debug")),
    echo,
    logger,
  };
}

function positive(ms: number): number {
  if (ms === 0) throw new ArgumentError("connectTimeoutMs must be > 0 (use Infinity for no limit); got 0.");
  return ms;
}
