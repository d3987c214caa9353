import pg from "pg";

/**
 * Where the engine benchmark connects: the local PostgreSQL the tests use
 * (ATHANOR_PG_URL overrides it, as for the tests). Every contender gets the same server,
 * user and database; the TPC-B run uses its own pgbench-initialised database.
 */

export interface PgTarget {
  host: string;
  port: number;
  user: string;
  database: string;
}

export const DEFAULT_PG_URL = "postgresql://postgres@127.0.0.1:5432/test";
export const PGBENCH_DATABASE = "athanor_pgbench";

export function pgTarget(database?: string): PgTarget {
  const url = new URL(process.env.ATHANOR_PG_URL ?? DEFAULT_PG_URL);
  return {
    host: url.hostname,
    port: url.port === "" ? 5432 : Number(url.port),
    user: decodeURIComponent(url.username) || "postgres",
    database: database ?? (decodeURIComponent(url.pathname.slice(1)) || "test"),
  };
}

/** postgresql://user@host:port/db?application_name=... for athanor's createEngine. */
export function pgUrl(target: PgTarget, applicationName: string): string {
  return `postgresql://${encodeURIComponent(target.user)}@${target.host}:${target.port}/${encodeURIComponent(target.database)}?application_name=${encodeURIComponent(applicationName)}`;
}

/** Each contender's connections carry their own application_name, so the server can count them. */
export function applicationName(contender: string): string {
  return `athanor-bench:${contender}`.slice(0, 63);
}

/** One short-lived admin client (pg), for setup and checks outside the timed runs. */
export async function withAdmin<T>(database: string | undefined, work: (client: pg.Client) => Promise<T>): Promise<T> {
  const t = pgTarget(database);
  const client = new pg.Client({ host: t.host, port: t.port, user: t.user, database: t.database, application_name: "athanor-bench:admin" });
  client.on("error", () => undefined);
  await client.connect();
  try {
    return await work(client);
  } finally {
    await client.end();
  }
}

/** Server connections open under this application_name. */
export async function serverConnections(contender: string, database?: string): Promise<number> {
  return withAdmin(database, async (c) => {
    const r = await c.query<{ n: string }>("SELECT count(*) AS n FROM pg_stat_activity WHERE application_name = $1", [applicationName(contender)]);
    return Number(r.rows[0]?.n ?? 0);
  });
}
