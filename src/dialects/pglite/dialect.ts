/**
 * PGlite: PostgreSQL compiled to WebAssembly, running inside this process (SPEC E12).
 *
 * One PGlite instance is one PostgreSQL backend: one session, one transaction at a time.
 * So the default pool is always "exclusive" (one connection, held by one user at a time):
 * two "connections" to the same data directory would be two instances fighting over it,
 * and a second in-memory instance would be a second, empty database.
 *
 * The SQL is PostgreSQL's: $1 placeholders, savepoints, RETURNING, SQL-level cursors, and
 * the isolation-level statements SQLAlchemy's PostgreSQL dialect uses.
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
import { type ServerIsolationLevel, checkIsolationLevel, parseReportedIsolationLevel, SQL_ISOLATION_LEVELS } from "../shared/isolation.js";
import { noServerCancel } from "../shared/no-server-cancel.js";
import { quoteDoubleQuoted } from "../shared/quote-identifier.js";
import { pgliteConnectPlan } from "./connect-options.js";
import { PgliteCursor } from "./cursor.js";
import { openPglite, PGLITE_DRIVER_PACKAGE } from "./driver.js";
import type { PgliteLike, PgliteResultsLike } from "./driver.js";
import { classifyPgliteError, isPgliteDisconnect } from "./error-codes.js";
import { PgliteCommitRolledBackError } from "./commit-rolled-back.js";

/** Commands whose row count is "rows affected" (for PGlite versions without `rowCount`). */
const DML_COMMANDS: ReadonlySet<string> = new Set(["INSERT", "UPDATE", "DELETE", "MERGE"]);

export class PgliteDialect implements Dialect<PgliteLike> {
  readonly name = "pglite";
  readonly driver = PGLITE_DRIVER_PACKAGE;
  readonly paramStyle: ParamStyle = "numeric_dollar";
  /** standard_conforming_strings is on (PostgreSQL's default since 9.1): no backslash escapes in '...'. */
  readonly backslashEscapes = false;
  readonly capabilities: DialectCapabilities = {
    returning: true,
    savepoints: true,
    serverSideCursors: true,
    // The protocol's Bind message counts parameters in an Int16 (PostgreSQL manual,
    // protocol-message-formats.html, "Bind"); PGlite 0.5 takes 65535 and refuses 65536 (08P01).
    maxBindParameters: 65535,
    isolationLevels: SQL_ISOLATION_LEVELS,
    // One in-process session that runs each statement synchronously in WebAssembly: no
    // other connection to cancel from, and no JS runs until the statement ends (B1).
    cancel: false,
  };

  /** Cursors declared on each instance and not yet known to be closed (see rollback). */
  readonly #openCursors = new WeakMap<PgliteLike, Set<PgliteCursor>>();

  /** The same for every URL: see the top of this file. */
  defaultPool(_url?: DatabaseUrl): DefaultPool {
    return { kind: "exclusive" };
  }

  /**
   * Each call starts a new PGlite instance (about a second or more: PostgreSQL starts inside
   * WebAssembly; the pool's connectTimeoutMs applies). Memory instances start empty.
   */
  createConnector(url: DatabaseUrl, options: ConnectOptions): () => Promise<PgliteLike> {
    const plan = pgliteConnectPlan(url, options.connectArgs);
    return () => openPglite(plan.dataDir, plan.options);
  }

  async execute(conn: PgliteLike, sql: string, params: readonly unknown[]): Promise<DriverResult> {
    const result = await conn.query(sql, checkedParameters(params), { rowMode: "array" });
    return { columns: result.fields.map((field) => field.name), rows: result.rows as unknown[][], rowCount: rowCountOf(result) };
  }

  async openCursor(conn: PgliteLike, sql: string, params: readonly unknown[], context: { inTransaction: boolean }): Promise<DriverCursor> {
    let open = this.#openCursors.get(conn);
    if (open === undefined) {
      open = new Set();
      this.#openCursors.set(conn, open);
    }
    const tracked = open;
    const cursor = await PgliteCursor.declare(conn, sql, checkedParameters(params), !context.inTransaction, (done) => tracked.delete(done));
    tracked.add(cursor);
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

  /** SQLAlchemy PGDialect.set_isolation_level: the session default for the transactions that follow. */
  isolationLevelSql(level: ServerIsolationLevel): string {
    return `SET SESSION CHARACTERISTICS AS TRANSACTION ISOLATION LEVEL ${checkIsolationLevel(level, SQL_ISOLATION_LEVELS)}`;
  }

  /** SQLAlchemy PGDialect.get_isolation_level: `show transaction isolation level`, upper-cased. */
  async getIsolationLevel(conn: PgliteLike): Promise<ServerIsolationLevel> {
    const result = await conn.query("SHOW transaction_isolation", [], { rowMode: "array" });
    return parseReportedIsolationLevel((result.rows[0] as unknown[] | undefined)?.[0]);
  }

  /**
   * ROLLBACK when a transaction is open (or when the instance is closed, so that the
   * "PGlite is closed" error reaches the pool, which then discards it). Then CLOSE the
   * dialect's cursors still open: a WITH HOLD cursor survives ROLLBACK and would hold its
   * rows until the instance closes.
   */
  async rollback(conn: PgliteLike): Promise<void> {
    if (conn.closed || conn.isInTransaction?.() !== false) await conn.query("ROLLBACK");
    const open = this.#openCursors.get(conn);
    if (open !== undefined) for (const cursor of [...open]) await cursor.closeInSession();
  }

  /**
   * COMMIT when a transaction is open. PostgreSQL answers COMMIT of a failed transaction by
   * rolling it back, with the command tag ROLLBACK and no error (sql-commit.html; PGlite's own
   * transaction() raises TransactionAbortedError for it). Silently losing the transaction is
   * worse than an error, so that case throws.
   */
  async commit(conn: PgliteLike): Promise<void> {
    if (!conn.closed && conn.isInTransaction?.() === false) return;
    const result = await conn.query("COMMIT");
    if (result.command === "ROLLBACK") throw new PgliteCommitRolledBackError();
  }

  /** Never throws. */
  async close(conn: PgliteLike): Promise<void> {
    this.#openCursors.delete(conn);
    if (conn.closed) return;
    try {
      await conn.close();
    } catch {
      // It is being thrown away; a failure to flush has nowhere better to go.
    }
  }

  async ping(conn: PgliteLike): Promise<void> {
    await conn.query("SELECT 1");
  }

  isDisconnect(err: unknown): boolean {
    return isPgliteDisconnect(err);
  }

  classifyError(err: unknown): DBAPIErrorKind {
    return classifyPgliteError(err);
  }

  quoteIdentifier(name: string): string {
    return quoteDoubleQuoted(name);
  }

  /** Never called (capabilities.cancel is false): see shared/no-server-cancel.ts. */
  async sessionId(_conn: PgliteLike): Promise<number> {
    return noServerCancel("PGlite");
  }

  async cancel(_side: PgliteLike, _sessionId: number): Promise<void> {
    noServerCancel("PGlite");
  }
}

/**
 * PGlite binds undefined as NULL. athanor refuses it in every dialect: it is nearly always a
 * missing or misspelt value, and SQL NULL is spelt null.
 */
function checkedParameters(params: readonly unknown[]): unknown[] {
  const index = params.indexOf(undefined);
  if (index >= 0) {
    throw new ArgumentError(`Parameter ${index + 1} is undefined. Bind null for SQL NULL; undefined usually means a missing or misspelt value.`);
  }
  return [...params];
}

/** Rows returned, or rows affected; -1 when the statement has no count (DDL, SET, BEGIN). */
function rowCountOf(result: PgliteResultsLike): number {
  if (result.rowCount !== undefined) return result.rowCount;
  if (result.fields.length > 0) return result.rows.length;
  if (result.command === undefined || DML_COMMANDS.has(result.command)) return result.affectedRows ?? -1;
  return -1;
}

/** The PGlite dialect. */
export const pgliteDialect = new PgliteDialect();
