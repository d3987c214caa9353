/**
 * The contract between the engine and a database (ARCHITECTURE: "interfaces.ts (Dialect,
 * DriverConnection: the documented contract)"). A dialect is the database's knowledge plus
 * one driver: it opens driver connections, runs SQL through them and says what the
 * driver's errors mean. The engine never imports a driver; a dialect loads its driver
 * with a dynamic import() the first time a connection is needed.
 */
import type { DBAPIErrorKind } from "../errors.js";
import type { PoolDialect } from "../pool/pool-dialect.js";
import type { ParamStyle } from "../sql/text.js";
import type { DatabaseUrl } from "../url.js";

/** What one statement returned, normalised across drivers. */
export interface DriverResult {
  /** Column names in order; [] when the statement returns no rows (INSERT without RETURNING). */
  columns: readonly string[];
  /** Rows as arrays, in column order. */
  rows: unknown[][];
  /** Rows affected by INSERT/UPDATE/DELETE, or rows returned by a SELECT; -1 when unknown. */
  rowCount: number;
  /** The id of the last inserted row, where the driver reports one (MySQL, SQLite). */
  lastInsertId?: number | bigint | undefined;
}

/** A server-side cursor (or the driver's streaming equivalent) over one statement. */
export interface DriverCursor {
  /** Column names; known once the first batch has been fetched. */
  readonly columns: readonly string[];
  /** Up to `size` more rows; an empty array once exhausted. */
  fetch(size: number): Promise<unknown[][]>;
  /** Release the cursor; the connection stays usable. Safe to call twice. */
  close(): Promise<void>;
}

export type IsolationLevel = "READ UNCOMMITTED" | "READ COMMITTED" | "REPEATABLE READ" | "SERIALIZABLE" | "AUTOCOMMIT";

/** What a dialect can do (Kysely's adapter flags): code and tests key off these, not names. */
export interface DialectCapabilities {
  /** INSERT/UPDATE/DELETE ... RETURNING. */
  returning: boolean;
  /** SAVEPOINT / RELEASE SAVEPOINT / ROLLBACK TO SAVEPOINT. */
  savepoints: boolean;
  /** conn.stream() uses a real server-side cursor (or driver streaming). */
  serverSideCursors: boolean;
  /** The most bind parameters one statement may carry (for insertmanyvalues batching). */
  maxBindParameters: number;
  /** Isolation levels setIsolationLevel accepts, besides "AUTOCOMMIT". */
  isolationLevels: readonly Exclude<IsolationLevel, "AUTOCOMMIT">[];
  /**
   * SPEC B1: a running statement can be canceled on the server from another connection
   * (`sessionId` + `cancel`). False: the engine checks a call's AbortSignal and timeout only
   * before each statement is sent, and lets a running one finish (SQLite, PGlite: the
   * statement runs synchronously in this process, nothing can interrupt it from JS).
   */
  cancel: boolean;
}

/** How the engine should pool a URL when the user names no pool. */
export interface DefaultPool {
  /** "queue": QueuePool for servers; "exclusive": one connection held by one user at a time. */
  kind: "queue" | "exclusive";
}

export interface ConnectOptions {
  /** Abandon a connect that takes longer (the pool also enforces it). */
  connectTimeoutMs: number;
  /** Extra driver options from createEngine({ connectArgs }); they win over the URL's. */
  connectArgs: Readonly<Record<string, unknown>>;
}

/**
 * A database + driver. Extends the pool's minimal dialect (rollback, commit, close, ping,
 * isDisconnect), so the engine hands it to the pool as it is.
 */
export interface Dialect<C = unknown> extends PoolDialect<C> {
  /** "postgresql", "mysql", "sqlite", "pglite". */
  readonly name: string;
  /** The npm package of the driver: "pg", "mysql2", "better-sqlite3", "@electric-sql/pglite". */
  readonly driver: string;
  readonly paramStyle: ParamStyle;
  /** Backslash escapes inside '...' literals (MySQL's default sql_mode). */
  readonly backslashEscapes: boolean;
  readonly capabilities: DialectCapabilities;

  /** The pool this URL should get by default (SQLite :memory: and PGlite: exclusive). */
  defaultPool(url: DatabaseUrl): DefaultPool;
  /**
   * A function that opens one driver connection for this URL. Check the URL's query
   * options here and throw ArgumentError for unknown ones: nothing may be sent before.
   * Loads the driver lazily; a missing driver fails with an error naming the package.
   */
  createConnector(url: DatabaseUrl, options: ConnectOptions): () => Promise<C>;
  /** Run one statement with positional parameters (already in the dialect's paramStyle). */
  execute(conn: C, sql: string, params: readonly unknown[]): Promise<DriverResult>;
  /**
   * Optional: run `prefix` (the transaction's BEGIN, no parameters) and then the statement in
   * one round trip, the statement skipped if the prefix fails; resolves with the statement's
   * result. With it the engine sends a transaction's BEGIN together with its first statement
   * instead of on its own (a dialect without it gets BEGIN sent alone).
   */
  executeAfter?(conn: C, prefix: string, sql: string, params: readonly unknown[]): Promise<DriverResult>;
  /**
   * Optional: execute(), after `prefix` as executeAfter() when one is given, reporting to
   * callbacks instead of a promise, for drivers that are callback-based underneath (pg). The
   * engine's statement path uses it so that a statement run through a Session makes one
   * promise, the caller's: in a web request's AsyncLocalStorage scope every promise costs its
   * hooks. The callbacks run from the driver's I/O; exactly one of them runs, never at once.
   */
  executeWith?(
    conn: C,
    prefix: string | undefined,
    sql: string,
    params: readonly unknown[],
    onResult: (result: DriverResult) => void,
    onError: (err: unknown) => void,
  ): void;
  /**
   * Optional: roll back the open transaction without the caller waiting, the ROLLBACK going out
   * with the next thing sent on the connection (or on its own a moment later: the pg dialect's
   * ROLLBACK_WINDOW_MS), and never after anything sent later. Used by close(), whose caller
   * needs no answer. False: this connection can't, and the caller rolls back itself.
   */
  deferRollback?(conn: C): boolean;
  /**
   * Open a cursor over one statement. `inTransaction` says whether the engine has a
   * transaction open on this connection (false in AUTOCOMMIT mode): PostgreSQL's DECLARE
   * needs one, or WITH HOLD.
   */
  openCursor(conn: C, sql: string, params: readonly unknown[], context: { inTransaction: boolean }): Promise<DriverCursor>;
  /** The SQL that starts a transaction ("BEGIN"; MySQL "START TRANSACTION"). */
  beginSql(): string;
  savepointSql(name: string): string;
  releaseSavepointSql(name: string): string;
  rollbackToSavepointSql(name: string): string;
  /** The SQL that sets the session's isolation level (not "AUTOCOMMIT": that never reaches the server). */
  isolationLevelSql(level: Exclude<IsolationLevel, "AUTOCOMMIT">): string;
  /** Read the session's current isolation level (to restore it when the connection returns). */
  getIsolationLevel(conn: C): Promise<Exclude<IsolationLevel, "AUTOCOMMIT">>;
  /** Which DB-API error class a driver error is (from SQLSTATE / errno / SQLite codes). */
  classifyError(err: unknown): DBAPIErrorKind;
  /** Quote an identifier for this database ("x" or `x`), doubling embedded quotes. */
  quoteIdentifier(name: string): string;
  /**
   * SPEC B1: the server's id for this connection's session (PostgreSQL backend pid, MySQL
   * connection id), which `cancel` names. Asked once per driver connection, before its
   * first statement that may be canceled, with nothing running on it; the engine keeps the
   * answer in the connection's info record. Only called when `capabilities.cancel`.
   */
  sessionId(conn: C): Promise<number>;
  /**
   * SPEC B1: cancel whatever statement session `sessionId` is running, through `side`: a
   * separate driver connection to the same server, opened by the engine for this (from the
   * engine's own connector) and closed by it afterwards. Resolves once the server has taken
   * the request; throws if it refused it. The session itself must survive (cancel the
   * statement, never the connection). Only called when `capabilities.cancel`.
   */
  cancel(side: C, sessionId: number): Promise<void>;
}
