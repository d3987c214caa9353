/**
 * The `mysql2` driver: loaded on first use with a dynamic import (SPEC E12), described by our
 * own minimal types (ARCHITECTURE habit 8). We use mysql2's documented core API
 * (`createConnection`, events, `query`/`execute` commands with `.stream()`) and its promise
 * wrapper from `connection.promise()` (mysql2 docs, "Promise Wrapper").
 */
import type { Readable } from "node:stream";
import { loadDriver } from "../shared/load-driver.js";
import type { Mysql2ConnectionConfig } from "./connect-config.js";
import { attachMysqlErrorGuard, type Mysql2ConnectionLike } from "./mysql2-pool-dialect.js";
import { hasNoBackslashEscapes, parseServerVersion, rememberSession, type MysqlSession } from "./server-info.js";

export interface Mysql2Field {
  name: string;
}

/** An OK packet (mysql2 lib/packets/resultset_header.js). */
export interface Mysql2ResultSetHeader {
  affectedRows: number;
  insertId: number | bigint | string;
  serverStatus?: number;
}

export interface Mysql2QueryOptions {
  sql: string;
  rowsAsArray: true;
}

/** [rows or OK packet (or one per result set), fields (or one per result set)]. */
export type Mysql2Outcome = [unknown, unknown];

/** A running query/execute command in event mode (mysql2 lib/commands/query.js). */
export interface Mysql2Command {
  stream(options: { highWaterMark: number }): Readable;
  on(event: "error", listener: (err: Error) => void): unknown;
  once(event: "end", listener: () => void): unknown;
}

/** The core (callback/event) connection under the promise wrapper. */
export interface Mysql2CoreConnection {
  query(options: Mysql2QueryOptions, values: unknown[]): Mysql2Command;
  execute(options: Mysql2QueryOptions, values: unknown[]): Mysql2Command;
  on(event: "error", listener: (err: Error) => void): unknown;
  on(event: "end", listener: () => void): unknown;
  once(event: "connect", listener: () => void): unknown;
  once(event: "error", listener: (err: Error) => void): unknown;
  removeListener(event: "connect" | "error" | "end", listener: (...args: never[]) => void): unknown;
  promise(): Mysql2Connection;
  destroy(): void;
}

/** The part of mysql2's PromiseConnection the dialect uses. */
export interface Mysql2Connection extends Mysql2ConnectionLike {
  query(options: Mysql2QueryOptions, values?: unknown[]): Promise<Mysql2Outcome>;
  execute(options: Mysql2QueryOptions, values: unknown[]): Promise<Mysql2Outcome>;
  readonly connection: Mysql2CoreConnection;
  /** The server's connection id from the handshake (mysql2 promise.d.ts `threadId`); null before it. */
  readonly threadId?: number | null;
}

interface Mysql2Module {
  createConnection?: (config: Mysql2ConnectionConfig) => Mysql2CoreConnection;
  default?: { createConnection?: (config: Mysql2ConnectionConfig) => Mysql2CoreConnection };
}

async function loadCreateConnection(): Promise<(config: Mysql2ConnectionConfig) => Mysql2CoreConnection> {
  // "mysql2", not "mysql2/promise": loadDriver's "not installed" message names what it imports.
  const mysql2 = await loadDriver<Mysql2Module>("mysql2", "mysql");
  const create = mysql2.createConnection ?? mysql2.default?.createConnection;
  if (create === undefined) throw new Error('The "mysql2" package loaded but exports no createConnection; is it mysql2 >= 3?');
  return create;
}

/**
 * Open one connection and read the server's version and sql_mode. Mirrors mysql2's own
 * promise createConnection (promise.js createConnectionPromise), except that the connect
 * listeners are removed afterwards and the error guard goes on in the same tick as 'connect',
 * so no 'error' can arrive with nobody listening (mysql2-pool-dialect.ts).
 */
export async function openMysqlConnection(config: Mysql2ConnectionConfig): Promise<{ conn: Mysql2Connection; session: MysqlSession }> {
  const createConnection = await loadCreateConnection();
  const core = createConnection(config);
  const conn = await new Promise<Mysql2Connection>((resolve, reject) => {
    const onConnect = (): void => {
      core.removeListener("error", onError);
      const wrapped = core.promise();
      attachMysqlErrorGuard(wrapped);
      resolve(wrapped);
    };
    const onError = (err: Error): void => {
      core.removeListener("connect", onConnect);
      core.destroy();
      reject(err);
    };
    core.once("connect", onConnect);
    core.once("error", onError);
  });
  try {
    return { conn, session: await readSession(conn) };
  } catch (err) {
    conn.destroy();
    throw err;
  }
}

/** Ask the server what it is and how its session reads strings; remembered per connection. */
export async function readSession(conn: Mysql2Connection): Promise<MysqlSession> {
  const [rows] = await conn.query({ sql: "SELECT VERSION(), @@SESSION.sql_mode", rowsAsArray: true });
  const row = (rows as unknown[][])[0] ?? [];
  const session: MysqlSession = { server: parseServerVersion(String(row[0])), noBackslashEscapes: hasNoBackslashEscapes(row[1]) };
  rememberSession(conn, session);
  return session;
}
