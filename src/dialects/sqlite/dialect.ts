/**
 * SQLite through better-sqlite3 (SPEC E12).
 *
 * better-sqlite3 is synchronous: each call runs on the JS thread and blocks the event loop
 * for as long as SQLite works. The methods here are `async` so that whatever it throws
 * becomes a rejected promise, like every other dialect's errors.
 *
 * Notes for users:
 * - better-sqlite3 compiles SQLite with SQLITE_DEFAULT_FOREIGN_KEYS=1 (deps/defines.gypi):
 *   foreign keys are enforced by default, unlike Python's sqlite3.
 * - While a stream (cursor) is open on a connection, nothing may write on that connection
 *   (see cursor.ts).
 */
import { ArgumentError } from "../../errors.js";
import type { DBAPIErrorKind } from "../../errors.js";
import type {
  ConnectOptions,
  DefaultPool,
  Dialect,
  DialectCapabilities,
  DriverCursor,
  DriverResult,
} from "../../engine/interfaces.js";
import type { ParamStyle } from "../../sql/text.js";
import type { DatabaseUrl } from "../../url.js";
import { type ServerIsolationLevel, checkIsolationLevel } from "../shared/isolation.js";
import { noServerCancel } from "../shared/no-server-cancel.js";
import { quoteDoubleQuoted } from "../shared/quote-identifier.js";
import { toSqliteParameters } from "./bind-values.js";
import { exactIntegers } from "./integers.js";
import { isSqliteMemoryUrl, sqliteConnectPlan } from "./connect-options.js";
import { SqliteConnectionState } from "./connection-state.js";
import { SqliteCursor } from "./cursor.js";
import { openSqliteDatabase, SQLITE_DRIVER_PACKAGE } from "./driver.js";
import type { SqliteDatabaseLike } from "./driver.js";
import { classifySqliteError, isSqliteDisconnect } from "./error-codes.js";
import { DEFAULT_STATEMENT_CACHE_SIZE } from "./statement-cache.js";

/**
 * SQLAlchemy's SQLite dialect `_isolation_lookup`: the two levels SQLite has, set through
 * PRAGMA read_uncommitted = 1 / 0 (sqlite.org/pragma.html#pragma_read_uncommitted). That
 * pragma only changes anything for connections in shared-cache mode, which better-sqlite3
 * compiles out (SQLITE_OMIT_SHARED_CACHE, deps/defines.gypi): every connection is in effect
 * SERIALIZABLE, and READ UNCOMMITTED is accepted and reported back, as SQLAlchemy does.
 */
const SQLITE_ISOLATION_LEVELS: readonly ServerIsolationLevel[] = ["READ UNCOMMITTED", "SERIALIZABLE"];

/** `INSERT` / `REPLACE` first, after whitespace and comments: only these set last_insert_rowid. */
const INSERT_STATEMENT = /^(?:\s+|--[^\n]*(?:\n|$)|\/\*[\s\S]*?\*\/)*(?:insert|replace)\b/i;

export interface SqliteDialectOptions {
  /** Prepared statements kept per connection (LRU); 0 disables the cache. Default 100. */
  statementCacheSize?: number;
}

export class SqliteDialect implements Dialect<SqliteDatabaseLike> {
  readonly name = "sqlite";
  readonly driver = SQLITE_DRIVER_PACKAGE;
  readonly paramStyle: ParamStyle = "qmark";
  /** SQLite strings have no backslash escapes ('C:\' is a whole string; sqlite.org/lang_expr.html). */
  readonly backslashEscapes = false;
  readonly capabilities: DialectCapabilities = {
    // RETURNING arrived in SQLite 3.35.0 (sqlite.org/lang_returning.html); better-sqlite3 >= 9
    // bundles a newer SQLite (12.x: 3.53).
    returning: true,
    savepoints: true,
    // stmt.iterate() steps the statement row by row (cursor.ts).
    serverSideCursors: true,
    // SQLITE_MAX_VARIABLE_NUMBER: 32766 by default since SQLite 3.32.0 (sqlite.org/limits.html,
    // "Maximum Number Of Host Parameters"); better-sqlite3 12 reports MAX_VARIABLE_NUMBER=32766
    // in PRAGMA compile_options.
    maxBindParameters: 32766,
    isolationLevels: SQLITE_ISOLATION_LEVELS,
    // better-sqlite3 runs each statement synchronously on the JS thread and exposes no
    // sqlite3_interrupt(): a running statement can't be stopped (B1).
    cancel: false,
  };

  readonly #statementCacheSize: number;
  readonly #states = new WeakMap<SqliteDatabaseLike, SqliteConnectionState>();

  constructor(options: SqliteDialectOptions = {}) {
    const size = options.statementCacheSize ?? DEFAULT_STATEMENT_CACHE_SIZE;
    if (!Number.isSafeInteger(size) || size < 0) {
      throw new ArgumentError(`statementCacheSize must be a whole number >= 0; got ${String(size)}.`);
    }
    this.#statementCacheSize = size;
  }

  /** In-memory: one connection for everything (each connection would be a separate, empty database). */
  defaultPool(url: DatabaseUrl): DefaultPool {
    return { kind: isSqliteMemoryUrl(url) ? "exclusive" : "queue" };
  }

  createConnector(url: DatabaseUrl, options: ConnectOptions): () => Promise<SqliteDatabaseLike> {
    const plan = sqliteConnectPlan(url, options.connectArgs);
    return async () => {
      const db = await openSqliteDatabase(plan.filename, plan.options);
      this.#states.set(db, new SqliteConnectionState(this.#statementCacheSize));
      return db;
    };
  }

  async execute(conn: SqliteDatabaseLike, sql: string, params: readonly unknown[]): Promise<DriverResult> {
    const bound = toSqliteParameters(params);
    const statement = this.#state(conn).statements.prepare(conn, sql);
    if (statement.reader) {
      const rows = (statement.raw(true).safeIntegers(true).all(...bound) as unknown[][]).map(exactIntegers);
      // Read the columns after running: a statement re-prepared for a schema change has the new ones.
      return { columns: columnNames(statement.columns()), rows, rowCount: rows.length };
    }
    const info = statement.run(...bound);
    // last_insert_rowid is per connection and survives other statements; report it only for an
    // INSERT/REPLACE that inserted (Python's cursor.lastrowid documents the same rule).
    const inserted = info.changes > 0 && INSERT_STATEMENT.test(sql);
    return { columns: [], rows: [], rowCount: info.changes, lastInsertId: inserted ? info.lastInsertRowid : undefined };
  }

  /** `_context` is not needed: SQLite steps a statement the same inside or outside a transaction. */
  async openCursor(
    conn: SqliteDatabaseLike,
    sql: string,
    params: readonly unknown[],
    _context?: { inTransaction: boolean },
  ): Promise<DriverCursor> {
    const bound = toSqliteParameters(params);
    const state = this.#state(conn);
    // A fresh statement, not a cached one: a statement that is iterating is locked, and the
    // same SQL may be run (it is a read) while this stream is open.
    const statement = conn.prepare(sql);
    const iterator = statement.raw(true).safeIntegers(true).iterate(...bound);
    const cursor = new SqliteCursor(columnNames(statement.columns()), iterator, (done) => state.openCursors.delete(done));
    state.openCursors.add(cursor);
    return cursor;
  }

  beginSql(): string {
    return "BEGIN";
  }

  savepointSql(name: string): string {
    return `SAVEPOINT ${quoteDoubleQuoted(name)}`;
  }

  releaseSavepointSql(name: string): string {
    return `RELEASE SAVEPOINT ${quoteDoubleQuoted(name)}`;
  }

  rollbackToSavepointSql(name: string): string {
    return `ROLLBACK TO SAVEPOINT ${quoteDoubleQuoted(name)}`;
  }

  isolationLevelSql(level: ServerIsolationLevel): string {
    const readUncommitted = checkIsolationLevel(level, SQLITE_ISOLATION_LEVELS) === "READ UNCOMMITTED";
    return `PRAGMA read_uncommitted = ${readUncommitted ? 1 : 0}`;
  }

  async getIsolationLevel(conn: SqliteDatabaseLike): Promise<ServerIsolationLevel> {
    const { rows } = await this.execute(conn, "PRAGMA read_uncommitted", []);
    const value = Number(rows[0]?.[0] ?? 0);
    return value === 0 ? "SERIALIZABLE" : "READ UNCOMMITTED";
  }

  /**
   * ROLLBACK only inside a transaction: outside one SQLite fails with "cannot rollback - no
   * transaction is active" (SQLAlchemy's pysqlite relies on Python's sqlite3 making the same
   * check). Open cursors are closed first, since better-sqlite3 refuses ROLLBACK beside them,
   * as Python's sqlite3 resets its statements before rolling back. On a closed connection the
   * statement still runs, so the driver's "not open" error tells the pool to discard it.
   */
  async rollback(conn: SqliteDatabaseLike): Promise<void> {
    this.#state(conn).closeCursors();
    if (conn.inTransaction || !conn.open) this.#run(conn, "ROLLBACK");
  }

  /** COMMIT only inside a transaction (outside one SQLite fails: "cannot commit - no transaction is active"). */
  async commit(conn: SqliteDatabaseLike): Promise<void> {
    if (conn.inTransaction || !conn.open) this.#run(conn, "COMMIT");
  }

  /** Never throws: closes open cursors, then the database (close() refuses while one is open). */
  async close(conn: SqliteDatabaseLike): Promise<void> {
    try {
      this.#states.get(conn)?.closeCursors();
      if (conn.open) conn.close();
    } catch {
      // Nothing useful to do: the connection is being thrown away.
    } finally {
      this.#states.get(conn)?.statements.clear();
      this.#states.delete(conn);
    }
  }

  async ping(conn: SqliteDatabaseLike): Promise<void> {
    this.#state(conn).statements.prepare(conn, "SELECT 1").raw(true).all();
  }

  isDisconnect(err: unknown): boolean {
    return isSqliteDisconnect(err);
  }

  classifyError(err: unknown): DBAPIErrorKind {
    return classifySqliteError(err);
  }

  quoteIdentifier(name: string): string {
    return quoteDoubleQuoted(name);
  }

  /** Never called (capabilities.cancel is false): see shared/no-server-cancel.ts. */
  async sessionId(_conn: SqliteDatabaseLike): Promise<number> {
    return noServerCancel("SQLite");
  }

  async cancel(_side: SqliteDatabaseLike, _sessionId: number): Promise<void> {
    noServerCancel("SQLite");
  }

  #state(conn: SqliteDatabaseLike): SqliteConnectionState {
    let state = this.#states.get(conn);
    if (state === undefined) {
      state = new SqliteConnectionState(this.#statementCacheSize);
      this.#states.set(conn, state);
    }
    return state;
  }

  #run(conn: SqliteDatabaseLike, sql: string): void {
    this.#state(conn).statements.prepare(conn, sql).run();
  }
}

function columnNames(columns: ReadonlyArray<{ name: string }>): string[] {
  return columns.map((column) => column.name);
}

/** The SQLite dialect with default options. */
export const sqliteDialect = new SqliteDialect();
