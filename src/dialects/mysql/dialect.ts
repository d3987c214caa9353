/**
 * MySQL and MariaDB through `mysql2`: SPEC E1, E3, E5, E7, E9, E12. Serves mysql://,
 * mysql+mysql2:// and mariadb:// URLs. The engine's contract is src/engine/interfaces.ts; the
 * pool half (rollback, commit, close, ping, isDisconnect) is mysql2-pool-dialect.ts.
 *
 * Make one per engine: it learns the server (MySQL or MariaDB, which version, sql_mode) at
 * each connect, and its capabilities follow (RETURNING exists only on MariaDB 10.5+).
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
import { errorChain, field } from "../shared/error-chain.js";
import { checkIsolationLevel, parseReportedIsolationLevel, SQL_ISOLATION_LEVELS, type ServerIsolationLevel } from "../shared/isolation.js";
import { quoteBackticked } from "../shared/quote-identifier.js";
import { bindProtocol, toBindValues } from "./bind-values.js";
import { classifyMysqlError } from "./classify-error.js";
import { planMysqlConnect } from "./connect-config.js";
import { openMysqlCursor } from "./cursor.js";
import type { MysqlFlavour } from "./error-codes.js";
import { openMysqlConnection, readSession, type Mysql2Connection } from "./mysql2-driver.js";
import { createMysql2PoolDialect, type Mysql2PoolDialect, type Mysql2PoolDialectOptions } from "./mysql2-pool-dialect.js";
import { toDriverResult } from "./result.js";
import {
  isolationVariable,
  returningSupport,
  sessionOf,
  type MysqlServerInfo,
  type MysqlSession,
  type ReturningSupport,
} from "./server-info.js";

/**
 * COM_STMT_PREPARE_OK gives the parameter count as int<2> (MySQL client/server protocol
 * documentation), and the server refuses more with ER_PS_MANY_PARAM 1390 "Prepared statement
 * contains too many placeholders" (integration test). The text protocol has no count limit,
 * only max_allowed_packet; one cap for both keeps batching simple and valid for either.
 */
const MYSQL_MAX_BIND_PARAMETERS = 65_535;

/** ER_UNKNOWN_SYSTEM_VARIABLE: the isolation variable has the other name on this server. */
const ER_UNKNOWN_SYSTEM_VARIABLE = 1193;

export type MysqlDialectOptions = Mysql2PoolDialectOptions;

export class MysqlDialect implements Dialect<Mysql2Connection> {
  readonly name = "mysql";
  readonly driver = "mysql2";
  /** `?`: mysql2 binds them (bind-values.ts says how). */
  readonly paramStyle: ParamStyle = "qmark";
  readonly #pool: Mysql2PoolDialect;
  /** The server seen at the latest connect; undefined before the first. */
  #server: MysqlServerInfo | undefined;
  #serverNoBackslashEscapes = false;
  /** From the URL scheme (mariadb://) until a connect says for sure. */
  #expectedFlavour: MysqlFlavour | undefined;

  constructor(options: MysqlDialectOptions = {}) {
    this.#pool = createMysql2PoolDialect(options);
  }

  /** MySQL or MariaDB, as far as known (the URL scheme, then the server itself). */
  get flavour(): MysqlFlavour | undefined {
    return this.#server?.flavour ?? this.#expectedFlavour;
  }

  /** The server seen at the latest connect. */
  get serverInfo(): MysqlServerInfo | undefined {
    return this.#server;
  }

  /**
   * Backslash escapes in '...' literals: MySQL's default, false once a connect has shown
   * sql_mode NO_BACKSLASH_ESCAPES (so the SQL scanner reads literals as the server will).
   */
  get backslashEscapes(): boolean {
    return !this.#serverNoBackslashEscapes;
  }

  /** Per statement kind; `capabilities.returning` is true when INSERT and DELETE have it. */
  get returningSupport(): ReturningSupport {
    return returningSupport(this.#server);
  }

  /**
   * `returning` is true on MariaDB >= 10.5 (INSERT and DELETE ... RETURNING) although
   * UPDATE ... RETURNING does not exist there: see `returningSupport`. False on MySQL, and
   * before the first connect (not yet known).
   */
  get capabilities(): DialectCapabilities {
    const returning = this.returningSupport;
    return {
      returning: returning.insert && returning.delete,
      savepoints: true,
      serverSideCursors: true,
      maxBindParameters: MYSQL_MAX_BIND_PARAMETERS,
      isolationLevels: SQL_ISOLATION_LEVELS,
      // KILL QUERY from a side connection (cancel below).
      cancel: true,
    };
  }

  // The pool's half (SPEC P9, P13, P14): mysql2-pool-dialect.ts.
  rollback(conn: Mysql2Connection): Promise<void> {
    return this.#pool.rollback(conn);
  }
  commit(conn: Mysql2Connection): Promise<void> {
    return this.#pool.commit(conn);
  }
  close(conn: Mysql2Connection): Promise<void> {
    return this.#pool.close(conn);
  }
  ping(conn: Mysql2Connection): Promise<void> {
    return this.#pool.ping(conn);
  }
  isDisconnect(err: unknown, conn?: Mysql2Connection): boolean {
    return this.#pool.isDisconnect(err, conn);
  }

  defaultPool(_url: DatabaseUrl): DefaultPool {
    return { kind: "queue" };
  }

  createConnector(url: DatabaseUrl, options: ConnectOptions): () => Promise<Mysql2Connection> {
    const plan = planMysqlConnect(url, options);
    this.#expectedFlavour = plan.expectedFlavour;
    return async () => {
      const { conn, session } = await openMysqlConnection(await plan.build());
      this.#learn(session);
      return conn;
    };
  }

  async execute(conn: Mysql2Connection, sql: string, params: readonly unknown[]): Promise<DriverResult> {
    const session = await this.#session(conn);
    const values = toBindValues(params);
    const options = { sql, rowsAsArray: true } as const;
    const [rows, fields] =
      bindProtocol(session.noBackslashEscapes, values) === "binary" ? await conn.execute(options, values) : await conn.query(options, values);
    return toDriverResult(rows, fields, session);
  }

  async openCursor(conn: Mysql2Connection, sql: string, params: readonly unknown[], _context: { inTransaction: boolean }): Promise<DriverCursor> {
    // Streaming needs no transaction on MySQL: the result is read off the socket.
    const session = await this.#session(conn);
    const values = toBindValues(params);
    return openMysqlCursor(conn, sql, values, bindProtocol(session.noBackslashEscapes, values));
  }

  beginSql(): string {
    return "START TRANSACTION";
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

  /** SESSION: every later transaction on the connection (MySQL manual, SET TRANSACTION). */
  isolationLevelSql(level: ServerIsolationLevel): string {
    return `SET SESSION TRANSACTION ISOLATION LEVEL ${checkIsolationLevel(level, SQL_ISOLATION_LEVELS)}`;
  }

  /** "REPEATABLE-READ" from @@SESSION.transaction_isolation or tx_isolation (server-info.ts). */
  async getIsolationLevel(conn: Mysql2Connection): Promise<ServerIsolationLevel> {
    const session = await this.#session(conn);
    const preferred = isolationVariable(session.server);
    const other = preferred === "tx_isolation" ? "transaction_isolation" : "tx_isolation";
    let result: DriverResult;
    try {
      result = await this.execute(conn, `SELECT @@SESSION.${preferred}`, []);
    } catch (err) {
      if (!hasErrno(err, ER_UNKNOWN_SYSTEM_VARIABLE)) throw err;
      result = await this.execute(conn, `SELECT @@SESSION.${other}`, []);
    }
    return parseReportedIsolationLevel(result.rows[0]?.[0]);
  }

  classifyError(err: unknown): DBAPIErrorKind {
    return classifyMysqlError(err, this.flavour);
  }

  quoteIdentifier(name: string): string {
    return quoteBackticked(name);
  }

  /**
   * SPEC B1: the connection id the server gave in its handshake, which mysql2 exposes as
   * `threadId` (its documented property; the same number as CONNECTION_ID()). A connection
   * whose driver does not have it is asked.
   */
  async sessionId(conn: Mysql2Connection): Promise<number> {
    if (typeof conn.threadId === "number") return conn.threadId;
    const result = await this.execute(conn, "SELECT CONNECTION_ID()", []);
    return Number(result.rows[0]?.[0]);
  }

  /**
   * SPEC B1: KILL QUERY (MySQL and MariaDB manuals, "KILL"): ends the statement the session
   * runs, with ER_QUERY_INTERRUPTED 1317, and keeps the session and its transaction
   * (integration test). Allowed on the user's own sessions; an unknown id fails with 1094
   * ER_NO_SUCH_THREAD. KILL takes no placeholder, hence the integer check.
   */
  async cancel(side: Mysql2Connection, sessionId: number): Promise<void> {
    if (!Number.isSafeInteger(sessionId) || sessionId < 0) throw new Error(`Not a MySQL connection id: ${String(sessionId)}`);
    await this.execute(side, `KILL QUERY ${sessionId}`, []);
  }

  #learn(session: MysqlSession): void {
    this.#server = session.server;
    this.#serverNoBackslashEscapes = session.noBackslashEscapes;
  }

  /**
   * The connection's facts; a connection from a user's `creator` (SPEC P7) was not opened
   * here, so it is asked once, on first use.
   */
  async #session(conn: Mysql2Connection): Promise<MysqlSession> {
    const known = sessionOf(conn);
    if (known !== undefined) return known;
    const session = await readSession(conn);
    this.#learn(session);
    return session;
  }
}

function hasErrno(err: unknown, errno: number): boolean {
  return errorChain(err).some((e) => field(e, "errno") === errno);
}

/** A MySQL/MariaDB dialect. One per engine: it tracks that engine's server. */
export function createMysqlDialect(options: MysqlDialectOptions = {}): MysqlDialect {
  return new MysqlDialect(options);
}
