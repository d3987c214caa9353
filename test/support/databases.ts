// Where the machine's shared database servers are, and whether a test may use them.
//
// Defaults: PostgreSQL at postgresql://postgres@127.0.0.1:5432/test (trust auth) and MariaDB
// at mysql://root@127.0.0.1:3306/test (empty password). Override with ATHANOR_PG_URL and
// ATHANOR_MYSQL_URL. With CI=true an unreachable server fails the test: a CI job that
// silently skips every integration test would pass while testing nothing.
import { connect } from "node:net";

export type DatabaseKind = "postgresql" | "mysql";

/** Settings accepted by `new pg.Client(config)`. */
export interface PgConnectionConfig {
  host: string;
  port: number;
  user: string;
  password?: string;
  database: string;
}

/** Settings accepted by mysql2's `createConnection(config)`. */
export interface MysqlConnectionConfig {
  host: string;
  port: number;
  user: string;
  password: string;
  database: string;
}

const DEFAULT_URLS: Record<DatabaseKind, string> = {
  postgresql: "postgresql://postgres@127.0.0.1:5432/test",
  mysql: "mysql://root@127.0.0.1:3306/test",
};
const URL_ENV: Record<DatabaseKind, string> = {
  postgresql: "ATHANOR_PG_URL",
  mysql: "ATHANOR_MYSQL_URL",
};
const DEFAULT_PORTS: Record<DatabaseKind, number> = { postgresql: 5432, mysql: 3306 };
const SCHEMES: Record<DatabaseKind, readonly string[]> = {
  postgresql: ["postgresql:", "postgres:"],
  mysql: ["mysql:", "mariadb:"],
};
const LABELS: Record<DatabaseKind, string> = { postgresql: "PostgreSQL", mysql: "MySQL/MariaDB" };
const PROBE_TIMEOUT_MS = 2_000;

/** The URL for `kind`: the env override when set, else the shared server. Read on each call. */
export function databaseUrl(kind: DatabaseKind): string {
  const override = process.env[URL_ENV[kind]];
  return override !== undefined && override !== "" ? override : DEFAULT_URLS[kind];
}

interface ParsedUrl {
  host: string;
  port: number;
  user: string;
  password: string;
  database: string;
}

function parseUrl(kind: DatabaseKind, url: string): ParsedUrl {
  const parsed = new URL(url);
  if (!SCHEMES[kind].includes(parsed.protocol)) {
    throw new Error(`${URL_ENV[kind]}: expected a ${SCHEMES[kind].join(" or ")} URL, got ${url}`);
  }
  const database = decodeURIComponent(parsed.pathname.replace(/^\//, ""));
  return {
    // WHATWG URL keeps IPv6 brackets; socket APIs want them stripped.
    host: parsed.hostname.replace(/^\[(.*)\]$/, "$1") || "127.0.0.1",
    port: parsed.port === "" ? DEFAULT_PORTS[kind] : Number(parsed.port),
    user: decodeURIComponent(parsed.username) || (kind === "postgresql" ? "postgres" : "root"),
    password: decodeURIComponent(parsed.password),
    database: database === "" ? "test" : database,
  };
}

/** pg settings for a postgresql:// URL (default: the shared server). */
export function pgConfigFromUrl(url = databaseUrl("postgresql")): PgConnectionConfig {
  const { password, ...rest } = parseUrl("postgresql", url);
  // Trust auth: omit the password rather than send an empty one.
  return password === "" ? rest : { ...rest, password };
}

/** mysql2 settings for a mysql:// URL (default: the shared server). */
export function mysqlConfigFromUrl(url = databaseUrl("mysql")): MysqlConnectionConfig {
  return parseUrl("mysql", url);
}

/** The shared PostgreSQL server, as configured when this module was loaded. */
export const pgConfig: PgConnectionConfig = pgConfigFromUrl();

/** The shared MariaDB server, as configured when this module was loaded. */
export const mysqlConfig: MysqlConnectionConfig = mysqlConfigFromUrl();

/** The part of node:test's TestContext that requireDatabase uses. */
export interface SkippableTest {
  skip(message?: string): void;
}

export type DatabaseAvailability =
  | { readonly reachable: true; readonly kind: DatabaseKind; readonly url: string }
  | { readonly reachable: false; readonly kind: DatabaseKind; readonly url: string; readonly reason: string };

/** True when unreachable servers must fail tests rather than skip them. */
export function isCi(): boolean {
  return process.env.CI === "true";
}

function probeTcp(host: string, port: number, timeoutMs: number): Promise<string | undefined> {
  return new Promise((resolve) => {
    const socket = connect({ host, port });
    const finish = (problem: string | undefined): void => {
      socket.destroy();
      resolve(problem);
    };
    socket.setTimeout(timeoutMs, () => finish(`no answer within ${timeoutMs} ms`));
    socket.once("connect", () => finish(undefined));
    socket.once("error", (error: NodeJS.ErrnoException) => finish(error.code ?? error.message));
  });
}

// One probe per URL per process: a suite of many tests against a down server should pay the
// connect timeout once, not once per test.
const probes = new Map<string, Promise<string | undefined>>();

/**
 * Checks that the `kind` server accepts TCP connections (within 2 s).
 *
 * - Reachable: resolves `{ reachable: true }`.
 * - Unreachable and CI=true: rejects, so the test fails.
 * - Unreachable otherwise: resolves `{ reachable: false, reason }` and, when `t` is given,
 *   marks the test skipped with `reason`. The test must still return early:
 *
 *     const db = await requireDatabase("postgresql", t);
 *     if (!db.reachable) return;
 */
export async function requireDatabase(kind: DatabaseKind, t?: SkippableTest): Promise<DatabaseAvailability> {
  const url = databaseUrl(kind);
  const { host, port } = parseUrl(kind, url);
  const key = `${host}:${port}`;
  let probe = probes.get(key);
  if (probe === undefined) {
    probe = probeTcp(host, port, PROBE_TIMEOUT_MS);
    probes.set(key, probe);
  }
  const problem = await probe;
  if (problem === undefined) return { reachable: true, kind, url };
  const reason =
    `${LABELS[kind]} is not reachable at ${host}:${port} (${problem}); ` +
    `start it or point ${URL_ENV[kind]} at a server`;
  if (isCi()) throw new Error(`${reason}. CI=true, so this is a failure, not a skip.`);
  t?.skip(reason);
  return { reachable: false, kind, url, reason };
}

/**
 * For suite-level skips: `describe("pg", { skip: await skipUnlessReachable("postgresql") }, …)`.
 * Resolves undefined when reachable, else the skip reason; rejects under CI=true.
 */
export async function skipUnlessReachable(kind: DatabaseKind): Promise<string | undefined> {
  const availability = await requireDatabase(kind);
  return availability.reachable ? undefined : availability.reason;
}
