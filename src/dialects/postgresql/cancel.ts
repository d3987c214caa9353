/**
 * SPEC B1 for PostgreSQL. pg has no public cancel-request API (its Query cancel is internal,
 * and `processID` from BackendKeyData is not documented API), so the session is named by
 * `pg_backend_pid()` and canceled with `pg_cancel_backend(pid)` from another connection
 * (PostgreSQL manual, "Server Signaling Functions"): the same SIGINT a protocol CancelRequest
 * delivers. The statement fails with 57014 query_canceled; the session lives on, and a
 * transaction it was in is aborted (25P02 until ROLLBACK; integration test).
 *
 * pg_cancel_backend needs the session's own role (or pg_signal_backend); the side
 * connection logs in as the engine does, so it has it. Behind PgBouncer in transaction
 * pooling the pid names whichever server connection answered, so cancel is not reliable there.
 */
import { runPgStatement, type PgClient } from "./pg-driver.js";

export async function pgBackendPid(conn: PgClient): Promise<number> {
  const row = (await runPgStatement(conn, "SELECT pg_backend_pid()", [])).rows[0];
  const pid = Number(row?.[0]);
  if (!Number.isSafeInteger(pid) || pid <= 0) throw new Error(`pg_backend_pid() answered ${String(row?.[0])}`);
  return pid;
}

export async function pgCancelBackend(side: PgClient, pid: number): Promise<void> {
  const row = (await runPgStatement(side, "SELECT pg_cancel_backend($1)", [pid])).rows[0];
  // false (with a WARNING): no backend has that pid any more.
  if (row?.[0] !== true) throw new Error(`pg_cancel_backend(${pid}) returned ${String(row?.[0])}: no such session`);
}
