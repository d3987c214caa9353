import pg from "pg";

/**
 * The PostgreSQL the web benchmark's servers query: the tests' server (ATHANOR_PG_URL
 * overrides it). Each contender's connections carry their own application_name, so the server
 * can count them.
 */
export interface PgTarget {
  host: string;
  port: number;
  user: string;
  password: string | undefined;
  database: string;
}

export function pgTarget(): PgTarget {
  const url = new URL(process.env.ATHANOR_PG_URL ?? "postgresql://postgres@127.0.0.1:5432/test");
  return {
    host: url.hostname,
    port: url.port === "" ? 5432 : Number(url.port),
    user: decodeURIComponent(url.username) || "postgres",
    password: url.password === "" ? undefined : decodeURIComponent(url.password),
    database: decodeURIComponent(url.pathname.slice(1)) || "test",
  };
}

export function applicationName(contender: string): string {
  return `athanor-bench-web:${contender}`.slice(0, 63);
}

/** postgresql://... for createEngine, with the contender's application_name. */
export function pgUrl(contender: string): string {
  const t = pgTarget();
  const auth = encodeURIComponent(t.user) + (t.password === undefined ? "" : `:${encodeURIComponent(t.password)}`);
  return `postgresql://${auth}@${t.host}:${t.port}/${encodeURIComponent(t.database)}?application_name=${encodeURIComponent(applicationName(contender))}`;
}

/** One number from the server, asked on a connection of the benchmark's own (not counted as a contender's). */
async function askServer(sql: string, params: readonly unknown[] = []): Promise<number> {
  const client = new pg.Client({ ...pgTarget(), application_name: "athanor-bench-web:admin" });
  client.on("error", () => undefined);
  await client.connect();
  try {
    const r = await client.query<{ n: string }>(sql, [...params]);
    return Number(r.rows[0]?.n ?? 0);
  } finally {
    await client.end();
  }
}

/** Server connections open under the contender's application_name (checked after each run). */
export function serverConnections(contender: string): Promise<number> {
  return askServer("SELECT count(*) AS n FROM pg_stat_activity WHERE application_name = $1", [applicationName(contender)]);
}

/**
 * Connection slots the server has free for the benchmark: max_connections less the superuser
 * reserve and those open now (other work on a shared server included).
 */
export function freeConnectionSlots(): Promise<number> {
  return askServer(
    "SELECT current_setting('max_connections')::int - current_setting('superuser_reserved_connections')::int - (SELECT count(*) FROM pg_stat_activity WHERE backend_type = 'client backend') AS n",
  );
}
