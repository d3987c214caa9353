import { resolveDialect } from "../dialects/registry.js";
import { ArgumentError } from "../errors.js";
import type { Logger } from "../log.js";
import type { BasePoolOptions, Creator, ResetOnReturn } from "../pool/options.js";
import { Pool } from "../pool/pool.js";
import { QueuePool } from "../pool/queue-pool.js";
import { toDatabaseUrl, type DatabaseUrl } from "../url.js";
import { Engine, type WrongHandleGuard } from "./engine.js";
import type { Dialect, IsolationLevel } from "./interfaces.js";
import { checkTimeoutMs } from "./call-guard.js";
import { checkIsolationLevel } from "./isolation.js";

/** A pool class createEngine can build (QueuePool, NullPool, StaticPool, ...). */
export type PoolClass<C> = new (creator: Creator<C>, options?: BasePoolOptions<C>) => Pool<C>;

export interface EngineOptions<C = unknown> {
  /** QueuePool: connections kept open (default 5). */
  poolSize?: number;
  /** QueuePool: extra connections under load (default 10). */
  maxOverflow?: number;
  /** How long a checkout waits for a connection (default 30 000). */
  poolTimeoutMs?: number;
  /** Replace connections older than this at checkout (default: never). */
  poolRecycleMs?: number;
  /** Ping each connection at checkout (default false). */
  poolPrePing?: boolean;
  poolUseLifo?: boolean;
  poolResetOnReturn?: ResetOnReturn;
  /**
   * Record where each checkout happened (default: with leakDetectionMs): shown by
   * pool.status(), leak warnings and the wrong-handle guard. Costs a stack capture per checkout.
   */
  poolCheckoutStacks?: boolean;
  /** The pool class to build; default QueuePool (one exclusive connection for SQLite :memory: and PGlite). */
  poolclass?: PoolClass<C>;
  /** A pool built elsewhere, to use (and share) as it is. */
  pool?: Pool<C>;
  /** Opens driver connections instead of the dialect's own connector. */
  creator?: Creator<C>;
  /** Every connection's isolation level, "AUTOCOMMIT" included. */
  isolationLevel?: IsolationLevel;
  /** Log every statement through `logger`. */
  echo?: boolean;
  /** Log pool events ("debug": more). */
  echoPool?: boolean | "debug";
  logger?: Logger;
  /** Keep parameters out of errors and logs. */
  hideParameters?: boolean;
  leakDetectionMs?: number;
  /** Give up on a connect after this long (default 10 000). */
  connectTimeoutMs?: number;
  /** Extra options for the driver's connect, over those from the URL. */
  connectArgs?: Record<string, unknown>;
  /**
   * SPEC B4: engine.connect() in a scope whose Session already holds a connection of this
   * engine, with the pool exhausted: "warn" (default) logs both call sites, "throw" raises.
   */
  wrongHandleGuard?: WrongHandleGuard;
  /**
   * SPEC B1: the time limit of each conn.execute()/stream() call that names none (its
   * `timeoutMs`), in ms; Infinity (default): none. A statement still running then is
   * canceled on the server (PostgreSQL, MySQL) and the call fails with StatementTimeoutError.
   * The cancel request goes through a new connection opened like the pool's (the dialect's
   * connector, or `creator`), outside the pool.
   */
  statementTimeoutMs?: number;
}

/** Engine option → the pool option it sets. */
const POOL_OPTIONS = {
  poolSize: "poolSize",
  maxOverflow: "maxOverflow",
  poolTimeoutMs: "timeoutMs",
  poolRecycleMs: "recycleMs",
  poolPrePing: "prePing",
  poolUseLifo: "useLifo",
  poolResetOnReturn: "resetOnReturn",
  leakDetectionMs: "leakDetectionMs",
  poolCheckoutStacks: "checkoutStacks",
  connectTimeoutMs: "connectTimeoutMs",
  echoPool: "echo",
} as const;

const ENGINE_OPTIONS = new Set<string>([
  ...Object.keys(POOL_OPTIONS),
  "poolclass",
  "pool",
  "creator",
  "isolationLevel",
  "echo",
  "logger",
  "hideParameters",
  "connectArgs",
  "wrongHandleGuard",
  "statementTimeoutMs",
]);

/** Options that would break a database living in one connection (SQLite :memory:, PGlite). */
const NOT_FOR_EXCLUSIVE = ["poolSize", "maxOverflow", "poolRecycleMs"] as const;

/**
 * Build an Engine (SQLAlchemy `create_engine`), reading top to bottom: URL → dialect →
 * driver connector → pool → engine. Everything is checked here, before any connection is
 * attempted: a bad URL or option fails now, with an error that names it.
 */
export function createEngine<C = unknown>(url: string | DatabaseUrl, options: EngineOptions<C> = {}): Engine<C> {
  if (typeof options !== "object" || options === null) throw new ArgumentError("createEngine options must be an object.");
  rejectUnknownOptions(options);

  const dbUrl = toDatabaseUrl(url);
  const dialect = resolveDialect(dbUrl) as Dialect<C>;

  const logger = options.logger ?? console;
  if (options.isolationLevel !== undefined) checkIsolationLevel(dialect as Dialect<unknown>, options.isolationLevel);
  const connectTimeoutMs = options.connectTimeoutMs ?? 10_000;
  const connectArgs = options.connectArgs ?? {};
  if (typeof connectArgs !== "object" || connectArgs === null || Array.isArray(connectArgs)) {
    throw new ArgumentError("connectArgs must be an object of driver options.");
  }
  if (options.pool !== undefined && !(options.pool instanceof Pool)) {
    throw new ArgumentError("pool must be a pool instance (new QueuePool(...), another engine's engine.pool); to size the engine's own pool use poolSize.");
  }
  const poolOptionsGiven = Object.keys(POOL_OPTIONS).filter((name) => (options as Record<string, unknown>)[name] !== undefined);
  if (options.pool !== undefined && (poolOptionsGiven.length > 0 || options.poolclass !== undefined)) {
    throw new ArgumentError(
      `${[...poolOptionsGiven, ...(options.poolclass !== undefined ? ["poolclass"] : [])].join(", ")} configure a pool the engine builds; ` +
        "they can't apply to the pool you passed. Configure that pool itself.",
    );
  }
  const statementTimeoutMs = options.statementTimeoutMs === undefined ? Infinity : checkTimeoutMs("statementTimeoutMs", options.statementTimeoutMs);
  const creator = options.creator ?? dialect.createConnector(dbUrl, { connectTimeoutMs, connectArgs });
  if (typeof creator !== "function") throw new ArgumentError("creator must be a function that opens a driver connection.");

  const pool = options.pool ?? buildPool(dbUrl, dialect, creator, options, logger);
  if (options.isolationLevel !== undefined && options.isolationLevel !== "AUTOCOMMIT") {
    const sql = dialect.isolationLevelSql(options.isolationLevel);
    pool.events.on("connect", async (conn) => void (await dialect.execute(conn, sql, [])));
  }

  const wrongHandleGuard = options.wrongHandleGuard ?? "warn";
  if (!["warn", "throw", "off"].includes(wrongHandleGuard)) {
    throw new ArgumentError(`wrongHandleGuard must be "warn", "throw" or "off"; got ${JSON.stringify(wrongHandleGuard)}.`);
  }
  return new Engine<C>(dbUrl, dialect, pool, {
    wrongHandleGuard,
    echo: checkFlag("echo", options.echo),
    hideParameters: checkFlag("hideParameters", options.hideParameters),
    logger,
    isolationLevel: options.isolationLevel,
    statementTimeoutMs,
    // A cancel request goes through a connection opened exactly like the pool's (same URL,
    // connectArgs, TLS, or the user's creator), outside the pool, which may be exhausted.
    cancelConnector: creator,
  });
}

function buildPool<C>(url: DatabaseUrl, dialect: Dialect<C>, creator: Creator<C>, options: EngineOptions<C>, logger: Logger): Pool<C> {
  const poolOptions: Record<string, unknown> = { dialect, logger };
  for (const [engineName, poolName] of Object.entries(POOL_OPTIONS)) {
    const value = (options as Record<string, unknown>)[engineName];
    if (value !== undefined) poolOptions[poolName] = value;
  }
  let PoolClass = options.poolclass;
  if (PoolClass === undefined && dialect.defaultPool(url).kind === "exclusive") {
    const misplaced = NOT_FOR_EXCLUSIVE.filter((name) => options[name] !== undefined);
    if (misplaced.length > 0) {
      throw new ArgumentError(
        `${misplaced.join(", ")} can't be used with ${url.toString()}: this database lives in one connection, ` +
          "held by one user at a time and never recycled (closing it would lose the data). Pass poolclass to choose a pool yourself.",
      );
    }
    poolOptions.poolSize = 1;
    poolOptions.maxOverflow = 0;
  }
  PoolClass ??= QueuePool as unknown as PoolClass<C>;
  if (typeof PoolClass !== "function") throw new ArgumentError("poolclass must be a pool class such as QueuePool or NullPool.");
  try {
    return new PoolClass(creator, poolOptions as BasePoolOptions<C>);
  } catch (err) {
    if (err instanceof ArgumentError) throw new ArgumentError(inEngineTerms(err.message), { cause: err });
    throw err;
  }
}

function rejectUnknownOptions(options: object): void {
  const unknown = Object.keys(options).filter((key) => !ENGINE_OPTIONS.has(key));
  if (unknown.length === 0) return;
  throw new ArgumentError(
    `Unknown createEngine option${unknown.length > 1 ? "s" : ""} ${unknown.map((k) => `'${k}'`).join(", ")}. ` +
      `Options: ${[...ENGINE_OPTIONS].sort().join(", ")}.`,
  );
}

/** A pool's message names pool options ("timeoutMs"); the user wrote engine options ("poolTimeoutMs"). */
function inEngineTerms(message: string): string {
  let out = message;
  for (const [engineName, poolName] of Object.entries(POOL_OPTIONS)) {
    if (engineName !== poolName) out = out.replace(new RegExp(`'${poolName}'|\\b${poolName}(?= must)`, "g"), (m) => m.replace(poolName, engineName));
  }
  return out;
}


function checkFlag(name: string, value: unknown): boolean {
  if (value === undefined) return false;
  if (typeof value !== "boolean") throw new ArgumentError(`${name} must be true or false; got ${JSON.stringify(value)}.`);
  return value;
}
