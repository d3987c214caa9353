/**
 * "The server shows no session idle in transaction": which of the engine's connections the
 * server itself reports as inside a transaction, asked over a separate admin connection
 * (pg_stat_activity on PostgreSQL, information_schema.innodb_trx on MariaDB; SQLite has no
 * server, so each driver connection's own inTransaction flag).
 */
import mysql from "mysql2/promise";
import pg from "pg";
import type { Engine } from "../../../src/index.js";
import { mysqlConfigFromUrl, pgConfigFromUrl } from "../../support/databases.js";

export interface ServerConnections {
  readonly kind: "postgresql" | "mysql" | "sqlite";
  /** PostgreSQL backend pids / MariaDB thread ids of every connection the pool opened. */
  readonly ids: Set<number>;
  /** SQLite: the driver connections themselves. */
  readonly sqlite: Set<{ inTransaction: boolean }>;
}

/** Record each connection the engine's pool opens (call before the first request). */
export function trackServerConnections(engine: Engine, kind: ServerConnections["kind"]): ServerConnections {
  const server: ServerConnections = { kind, ids: new Set(), sqlite: new Set() };
  engine.pool.events.on("connect", (dbapi: unknown) => {
    const pid = (dbapi as { processID?: unknown }).processID; // pg.Client
    const thread = (dbapi as { connection?: { threadId?: unknown } }).connection?.threadId; // mysql2 PromiseConnection
    if (typeof pid === "number") server.ids.add(pid);
    else if (typeof thread === "number") server.ids.add(thread);
    else if (typeof (dbapi as { inTransaction?: unknown }).inTransaction === "boolean") server.sqlite.add(dbapi as { inTransaction: boolean });
  });
  return server;
}

/** The ids of our connections the server shows inside a transaction (expected: none). */
export async function idleInTransaction(engine: Engine, server: ServerConnections): Promise<number[]> {
  switch (server.kind) {
    case "sqlite":
      return [...server.sqlite].flatMap((conn, i) => (conn.inTransaction ? [i] : []));
    case "postgresql":
      return postgresIdleInTransaction(engine, [...server.ids]);
    case "mysql":
      return mariadbOpenTransactions(engine, [...server.ids]);
  }
}

async function postgresIdleInTransaction(engine: Engine, pids: number[]): Promise<number[]> {
  if (pids.length === 0) throw new Error("no PostgreSQL connection was recorded: is the connect listener wired?");
  const client = new pg.Client(pgConfigFromUrl(engine.url.renderAsString({ hidePassword: false })));
  await client.connect();
  try {
    const r = await client.query<{ pid: number }>(
      "SELECT pid FROM pg_stat_activity WHERE pid = ANY($1::int[]) AND state LIKE 'idle in transaction%'",
      [pids],
    );
    return r.rows.map((row) => row.pid);
  } finally {
    await client.end();
  }
}

async function mariadbOpenTransactions(engine: Engine, threads: number[]): Promise<number[]> {
  if (threads.length === 0) throw new Error("no MariaDB connection was recorded: is the connect listener wired?");
  const conn = await mysql.createConnection(mysqlConfigFromUrl(engine.url.renderAsString({ hidePassword: false })));
  try {
    const [rows] = await conn.query(
      `SELECT trx_mysql_thread_id AS thread FROM information_schema.innodb_trx WHERE trx_mysql_thread_id IN (${threads.map(() => "?").join(",")})`,
      threads,
    );
    return (rows as { thread: number }[]).map((row) => Number(row.thread));
  } finally {
    await conn.end();
  }
}
