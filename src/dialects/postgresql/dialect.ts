/**
 * PostgreSQL through `pg` (node-postgres): SPEC E1, E3, E5, E7, E9, E12. The engine's
 * contract is src/engine/interfaces.ts; the pool half (rollback, commit, close, ping,
 * isDisconnect) is pg-pool-dialect.ts.
 */
import type {
  ConnectOptions,
  DefaultPool,
  Dialect,
  DialectCapabilities,
  DriverCursor,
  DriverResult,
} from "../../engine/interfaces.js";
import type { DBAPIErrorKind } from "../../errors.js";
import type { ParamStyle } from "../../sql/text.js";
import type { DatabaseUrl } from "../../url.js";
import { checkIsolationLevel, parseReportedIsolationLevel, SQL_ISOLATION_LEVELS, type ServerIsolationLevel } from "../shared/isolation.js";
import { quoteDoubleQuoted } from "../shared/quote-identifier.js";
import { pgBackendPid, pgCancelBackend } from "./cancel.js";
import { classifyPgError } from "./classify-error.js";
import { planPgConnect } from "./connect-config.js";
import { openPgCursor } from "./cursor.js";
import { deferRollback } from "./deferred-rollback.js";
import { openPgClient, runPgStatement, sendPgStatement, type PgClient } from "./pg-driver.js";
import { createPgPoolDialect, type PgPoolDialect, type PgPoolDialectOptions } from "./pg-pool-dialect.js";

export const POSTGRESQL_CAPABILITIES: DialectCapabilities = Object.freeze({
  returning: true,
  savepoints: true,
  serverSideCursors: true,
  // The Bind message carries the parameter count as an Int16 (PostgreSQL manual, "Message
  // Formats", Bind); the server and libpq cap it at 65535 ("number of parameters must be
  // between 0 and 65535", libpq fe-exec.c PQ_QUERY_PARAM_MAX_LIMIT). Integration test: 65535
  // parameters run, 65536 fail.
  maxBindParameters: 65_535,
  isolationLevels: SQL_ISOLATION_LEVELS,
  // pg_cancel_backend from a side connection (cancel.ts).
  cancel: true,
});

export type PostgresqlDialectOptions = PgPoolDialectOptions;

export class PostgresqlDialect implements Dialect<PgClient> {
  readonly name = "postgresql";
  readonly driver = "pg";
  /** $1, $2, ...: pg sends them to the server with the extended protocol. */
  readonly paramStyle: ParamStyle = "numeric_dollar";
  /** standard_conforming_strings is on by default since PostgreSQL 9.1: '\' is an ordinary character. */
  readonly backslashEscapes = false;
  readonly capabilities: DialectCapabilities = POSTGRESQL_CAPABILITIES;
  readonly #pool: PgPoolDialect;

  constructor(options: PostgresqlDialectOptions = {}) {
    this.#pool = createPgPoolDialect(options);
  }

  // The pool's half (SPEC P9, P13, P14): pg-pool-dialect.ts.
  // COMMIT/ROLLBACK go the statements' light way (pg-statement.ts): one promise where pg's
  // client.query makes a Query, a promise and a catch (what they resolve to is ignored).
  rollback(conn: PgClient): Promise<unknown> {
    return runPgStatement(conn, "ROLLBACK", []);
  }
  commit(conn: PgClient): Promise<unknown> {
    return runPgStatement(conn, "COMMIT", []);
  }
  /** ROLLBACK with the next thing sent on `conn` (deferred-rollback.ts); false for a `creator`'s client. */
  deferRollback(conn: PgClient): boolean {
    return deferRollback(conn);
  }
  close(conn: PgClient): Promise<void> {
    return this.#pool.close(conn);
  }
  ping(conn: PgClient): Promise<void> {
    return this.#pool.ping(conn);
  }
  isDisconnect(err: unknown, conn?: PgClient): boolean {
    return this.#pool.isDisconnect(err, conn);
  }

  defaultPool(_url: DatabaseUrl): DefaultPool {
    return { kind: "queue" };
  }

  createConnector(url: DatabaseUrl, options: ConnectOptions): () => Promise<PgClient> {
    const plan = planPgConnect(url, options);
    return async () => openPgClient(await plan.build(), plan.prepareThreshold);
  }

  execute(conn: PgClient, sql: string, params: readonly unknown[]): Promise<DriverResult> {
    return runPgStatement(conn, sql, params);
  }

  /** BEGIN and the first statement in one round trip (pg-statement.ts). */
  executeAfter(conn: PgClient, prefix: string, sql: string, params: readonly unknown[]): Promise<DriverResult> {
    return runPgStatement(conn, sql, params, prefix);
  }

  executeWith(
    conn: PgClient,
    prefix: string | undefined,
    sql: string,
    params: readonly unknown[],
    onResult: (result: DriverResult) => void,
    onError: (err: unknown) => void,
  ): void {
    sendPgStatement(conn, sql, params, prefix, onResult, onError);
  }

  openCursor(conn: PgClient, sql: string, params: readonly unknown[], context: { inTransaction: boolean }): Promise<DriverCursor> {
    return openPgCursor(conn, sql, params, context.inTransaction);
  }

  beginSql(): string {
    return "BEGIN";
  }
  savepointSql(name: string): string {
    return `SAVEPOINT ${this.quoteIdentifier(name)}`;
  }
  releaseSavepointSql(name: string): string {
    return `RELEASE SAVEPOINT ${this.quoteIdentifier(name)}`;
  }
  rollbackToSavepointSql(name: string): string {
    return `ROLLBACK TO SAVEPOINT ${this.quoteIdentifier(name)}`;
  }

  /**
   * The session default, so it holds for every later transaction on the connection
   * (SQLAlchemy's psycopg2 dialect sets the level on the connection the same way).
   */
  isolationLevelSql(level: ServerIsolationLevel): string {
    return `SET SESSION CHARACTERISTICS AS TRANSACTION ISOLATION LEVEL ${checkIsolationLevel(level, SQL_ISOLATION_LEVELS)}`;
  }

  /** SHOW transaction_isolation answers in lower case: "read committed". */
  async getIsolationLevel(conn: PgClient): Promise<ServerIsolationLevel> {
    const result = await this.execute(conn, "SHOW transaction_isolation", []);
    return parseReportedIsolationLevel(result.rows[0]?.[0]);
  }

  classifyError(err: unknown): DBAPIErrorKind {
    return classifyPgError(err);
  }

  quoteIdentifier(name: string): string {
    return quoteDoubleQuoted(name);
  }

  /** SPEC B1: the backend pid (cancel.ts). */
  sessionId(conn: PgClient): Promise<number> {
    return pgBackendPid(conn);
  }

  /** SPEC B1: pg_cancel_backend from `side` (cancel.ts). */
  cancel(side: PgClient, sessionId: number): Promise<void> {
    return pgCancelBackend(side, sessionId);
  }
}

/** A PostgreSQL dialect; one per engine is fine, and so is sharing one (it keeps no per-server state). */
export function createPostgresqlDialect(options: PostgresqlDialectOptions = {}): PostgresqlDialect {
  return new PostgresqlDialect(options);
}
