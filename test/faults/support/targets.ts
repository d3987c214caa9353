// A throwaway server (never the shared ones) prepared for fault scenarios: an unprivileged
// `app` login for the engine (so max_connections' superuser reserve cannot hide exhaustion,
// and so our sessions are told apart from the admin's), an optional fault proxy in front,
// and the admin queries the assertions need, each on a short-lived superuser connection
// straight to the server (a long-lived one would die with every restart).
import { setTimeout as sleep } from "node:timers/promises";
import mysql from "mysql2/promise";
import pg from "pg";
import { startFaultProxy, type FaultProxy } from "../../support/fault-proxy.js";
import { startThrowawayMariadb, type ThrowawayMariadb } from "../../support/throwaway-mariadb.js";
import { startThrowawayPostgres, type ThrowawayPostgres } from "../../support/throwaway-postgres.js";

export type ServerKind = "postgresql" | "mariadb";
export const SERVER_KINDS: readonly ServerKind[] = ["postgresql", "mariadb"];

/** The login our engines use; only our sessions run as it. */
export const APP_USER = "app";

export interface SessionCounts {
  /** Our sessions the server has open. */
  readonly total: number;
  /** Of those, how many sit inside a transaction with nothing running. */
  readonly idleInTransaction: number;
}

export interface FaultTarget {
  readonly kind: ServerKind;
  readonly server: ThrowawayPostgres | ThrowawayMariadb;
  /** Set when started with `proxy: true`; the engine URL then goes through it. */
  readonly proxy: FaultProxy | undefined;
  /** The engine's URL, as APP_USER (through the proxy when there is one). */
  url(query?: Record<string, string>): string;
  createTable(table: string): Promise<void>;
  committedIds(table: string): Promise<Set<number>>;
  sessions(): Promise<SessionCounts>;
  /** Ends every APP_USER session from the server side; resolves with how many. */
  terminateSessions(): Promise<number>;
  /** Opens plain driver connections as another unprivileged user, until `count` or refusal. */
  openOutsideConnections(count: number): Promise<{ opened: number; close(): Promise<void> }>;
  /** Proxy (if any) closed, then the server stopped and its dir removed. Idempotent. */
  stop(): Promise<void>;
}

export interface TargetOptions {
  readonly proxy?: boolean;
  /** Server settings at start-up (postgresql.conf / mariadbd flags). */
  readonly settings?: Readonly<Record<string, string | number | boolean>>;
}

const OUTSIDER = "outsider";

export async function startTarget(kind: ServerKind, options: TargetOptions = {}): Promise<FaultTarget> {
  return kind === "postgresql" ? startPostgresTarget(options) : startMariadbTarget(options);
}

// ---- PostgreSQL --------------------------------------------------------------------------

async function startPostgresTarget(options: TargetOptions): Promise<FaultTarget> {
  const server = await startThrowawayPostgres(options.settings === undefined ? {} : { settings: options.settings });
  let proxy: FaultProxy | undefined;
  try {
    const admin = async <T extends pg.QueryResultRow>(sql: string, params: unknown[] = []): Promise<T[]> => {
      const client = new pg.Client({ ...server.pgConfig, application_name: "athanor-fault-admin" });
      client.on("error", () => {}); // a restart mid-query must not crash the test process
      await client.connect();
      try {
        return (await client.query<T>(sql, params)).rows;
      } finally {
        await client.end().catch(() => undefined);
      }
    };
    await admin(`CREATE ROLE ${APP_USER} LOGIN; CREATE ROLE ${OUTSIDER} LOGIN; GRANT ALL ON SCHEMA public TO ${APP_USER}`);
    if (options.proxy === true) proxy = await startFaultProxy({ host: server.host, port: server.port });
    const port = proxy?.port ?? server.port;
    return {
      kind: "postgresql",
      server,
      proxy,
      url: (query = {}) => withQuery(`postgresql://${APP_USER}@${server.host}:${port}/test`, query),
      async createTable(table) {
        await admin(`CREATE TABLE ${table} (id integer PRIMARY KEY); GRANT ALL ON ${table} TO ${APP_USER}`);
      },
      async committedIds(table) {
        const rows = await admin<{ id: number }>(`SELECT id FROM ${table}`);
        return new Set(rows.map((r) => r.id));
      },
      async sessions() {
        const [row] = await admin<{ total: string; iit: string }>(
          "SELECT count(*) AS total, count(*) FILTER (WHERE state LIKE 'idle in transaction%') AS iit " +
            "FROM pg_stat_activity WHERE usename = $1",
          [APP_USER],
        );
        return { total: Number(row?.total), idleInTransaction: Number(row?.iit) };
      },
      async terminateSessions() {
        const [row] = await admin<{ n: string }>(
          "SELECT count(pg_terminate_backend(pid)) AS n FROM pg_stat_activity WHERE usename = $1",
          [APP_USER],
        );
        return Number(row?.n);
      },
      async openOutsideConnections(count) {
        const clients: pg.Client[] = [];
        for (let i = 0; i < count; i++) {
          const client = new pg.Client({ ...server.pgConfig, user: OUTSIDER });
          client.on("error", () => {});
          try {
            await client.connect();
          } catch {
            break; // "sorry, too many clients already": the server is full
          }
          clients.push(client);
        }
        return {
          opened: clients.length,
          close: async () => void (await Promise.all(clients.map((c) => c.end().catch(() => undefined)))),
        };
      },
      stop: stopper(proxy, server),
    };
  } catch (error) {
    await stopper(proxy, server)();
    throw error;
  }
}

// ---- MariaDB -----------------------------------------------------------------------------

async function startMariadbTarget(options: TargetOptions): Promise<FaultTarget> {
  const server = await startThrowawayMariadb(options.settings === undefined ? {} : { settings: options.settings });
  let proxy: FaultProxy | undefined;
  try {
    const admin = async <T>(sql: string, params: unknown[] = []): Promise<T[]> => {
      const conn = await mysql.createConnection({ ...server.mysqlConfig, multipleStatements: true });
      conn.on("error", () => {});
      try {
        const [rows] = await conn.query(sql, params);
        return rows as T[];
      } finally {
        await conn.end().catch(() => conn.destroy());
      }
    };
    // Both hosts: a client on 127.0.0.1 may be matched as 'localhost' (name resolution).
    for (const user of [APP_USER, OUTSIDER]) {
      for (const host of ["%", "localhost"]) {
        await admin(`CREATE USER '${user}'@'${host}'; GRANT ALL ON test.* TO '${user}'@'${host}'`);
      }
    }
    if (options.proxy === true) proxy = await startFaultProxy({ host: server.host, port: server.port });
    const port = proxy?.port ?? server.port;
    const ourThreads = async (): Promise<number[]> =>
      (await admin<{ ID: number }>("SELECT ID FROM information_schema.PROCESSLIST WHERE USER = ?", [APP_USER])).map((r) => Number(r.ID));
    return {
      kind: "mariadb",
      server,
      proxy,
      url: (query = {}) => withQuery(`mariadb://${APP_USER}@${server.host}:${port}/test`, query),
      async createTable(table) {
        await admin(`CREATE TABLE ${table} (id INT PRIMARY KEY) ENGINE=InnoDB`);
      },
      async committedIds(table) {
        const rows = await admin<{ id: number }>(`SELECT id FROM ${table}`);
        return new Set(rows.map((r) => Number(r.id)));
      },
      async sessions() {
        // information_schema.innodb_trx is refreshed at most every 100 ms (InnoDB trx cache).
        await sleep(150);
        const [row] = await admin<{ total: number; iit: number }>(
          "SELECT (SELECT COUNT(*) FROM information_schema.PROCESSLIST WHERE USER = ?) AS total, " +
            "(SELECT COUNT(*) FROM information_schema.INNODB_TRX t JOIN information_schema.PROCESSLIST p " +
            "ON p.ID = t.trx_mysql_thread_id WHERE p.USER = ? AND p.COMMAND = 'Sleep') AS iit",
          [APP_USER, APP_USER],
        );
        return { total: Number(row?.total), idleInTransaction: Number(row?.iit) };
      },
      async terminateSessions() {
        const ids = await ourThreads();
        // One admin connection for all the KILLs; a thread that ended meanwhile is no error.
        const conn = await mysql.createConnection(server.mysqlConfig);
        conn.on("error", () => {});
        try {
          for (const id of ids) await conn.query(`KILL CONNECTION ${Number(id)}`).catch(() => undefined);
        } finally {
          await conn.end().catch(() => conn.destroy());
        }
        return ids.length;
      },
      async openOutsideConnections(count) {
        const conns: mysql.Connection[] = [];
        for (let i = 0; i < count; i++) {
          try {
            const conn = await mysql.createConnection({ ...server.mysqlConfig, user: OUTSIDER, password: "" });
            conn.on("error", () => {});
            conns.push(conn);
          } catch {
            break; // ER_CON_COUNT_ERROR (1040): the server is full
          }
        }
        return {
          opened: conns.length,
          close: async () => void (await Promise.all(conns.map((c) => c.end().catch(() => c.destroy())))),
        };
      },
      stop: stopper(proxy, server),
    };
  } catch (error) {
    await stopper(proxy, server)();
    throw error;
  }
}

// ---- helpers -----------------------------------------------------------------------------

function withQuery(base: string, query: Record<string, string>): string {
  const pairs = new URLSearchParams(query).toString();
  return pairs === "" ? base : `${base}?${pairs}`;
}

function stopper(proxy: FaultProxy | undefined, server: { stop(): Promise<void> }): () => Promise<void> {
  let stopping: Promise<void> | undefined;
  return () => {
    stopping ??= (async () => {
      try {
        await proxy?.close();
      } finally {
        await server.stop();
      }
    })();
    return stopping;
  };
}

/** A table name unique to this process and call. */
let tableCounter = 0;
export function uniqueTable(base: string): string {
  return `${base}_${process.pid}_${++tableCounter}`;
}
