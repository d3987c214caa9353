/**
 * SPEC B1 tests: what the server says about one of our sessions, asked from another
 * connection (an AUTOCOMMIT admin engine), and timing helpers.
 */
import assert from "node:assert/strict";
import { text, type Connection, type Engine } from "../../src/index.js";

export type ServerName = "postgresql" | "mysql";

/** A statement that runs for `seconds` on the server. */
export function sleepSql(server: ServerName, seconds: number): string {
  return server === "postgresql" ? `SELECT pg_sleep(${seconds})` : `SELECT SLEEP(${seconds})`;
}

/** The server's id for the connection's session. */
export async function sessionIdOf(server: ServerName, conn: Connection): Promise<number> {
  const sql = server === "postgresql" ? "SELECT pg_backend_pid() AS id" : "SELECT CONNECTION_ID() AS id";
  return Number((await conn.execute(text(sql))).scalar());
}

export interface SessionActivity {
  /** A statement is running in the session. */
  readonly running: boolean;
  /** What the server reported, for assertion messages. */
  readonly detail: string;
}

/**
 * pg_stat_activity (state 'active' while a statement runs) or MariaDB's PROCESSLIST
 * (COMMAND 'Query' with INFO the statement; 'Sleep' and NULL when idle).
 */
export async function activityOf(server: ServerName, admin: Engine, id: number): Promise<SessionActivity> {
  await using conn = await admin.connect();
  if (server === "postgresql") {
    const row = (await conn.execute(text("SELECT state, query FROM pg_stat_activity WHERE pid = :id"), { id })).one();
    return { running: row.state === "active", detail: `state=${String(row.state)} query=${String(row.query)}` };
  }
  const row = (await conn.execute(text("SELECT COMMAND AS command, INFO AS info FROM information_schema.PROCESSLIST WHERE ID = :id"), { id })).one();
  return { running: row.command !== "Sleep" || row.info !== null, detail: `command=${String(row.command)} info=${String(row.info)}` };
}

/** Poll until the session runs a statement (it was sent and reached the server). */
export async function waitUntilRunning(server: ServerName, admin: Engine, id: number): Promise<void> {
  const until = Date.now() + 2_000;
  for (;;) {
    const activity = await activityOf(server, admin, id);
    if (activity.running) return;
    if (Date.now() > until) assert.fail(`the statement never showed as running: ${activity.detail}`);
    await sleep(20);
  }
}

export const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/** The error a promise rejects with, and how long it took from `since`. */
export async function rejection(work: Promise<unknown>, since = performance.now()): Promise<{ error: unknown; ms: number }> {
  const error = await work.then(
    () => assert.fail("expected the call to reject"),
    (e: unknown) => e,
  );
  return { error, ms: Math.round(performance.now() - since) };
}

/** The driver's code on a wrapped error's orig: SQLSTATE or MySQL errno. */
export function driverCode(error: unknown): string | number | undefined {
  return (error as { driverCode?: string | number }).driverCode;
}

/** PostgreSQL 57014 query_canceled; MySQL 1317 ER_QUERY_INTERRUPTED. */
export const CANCELED_CODE: Record<ServerName, string | number> = { postgresql: "57014", mysql: 1317 };
