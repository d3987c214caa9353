// The checks every fault scenario ends with, exact rather than statistical: the table agrees
// with what the workers were told, nothing is left checked out or open on the server, no
// call outlived its bound, and nothing escaped to the process.
import assert from "node:assert/strict";
import { AthanorError, type Engine } from "../../../src/index.js";
import { describeFaults, type ProcessFaultRecorder } from "./process-guard.js";
import type { FaultTarget } from "./targets.js";
import { errorHistogram, slowestCalls, type Operation, type WorkloadReport } from "./workload.js";

/** The longest each operation may take, in ms (its timeout, or the fault's length, plus slack). */
export type CallBounds = Readonly<Record<Operation, number>>;

export interface Aftermath {
  readonly transactions: number;
  readonly ok: number;
  readonly failed: number;
  readonly ambiguous: number;
  /** Ambiguous commits the server did apply. */
  readonly ambiguousCommitted: number;
  readonly errors: string;
  readonly slowest: Record<Operation, number>;
  /** Transactions lost to a disconnect, each refused further work until rollback (E8). */
  readonly lostTransactions: number;
}

/**
 * Timer lateness allowed on a timeout bound. A timer fires at the earliest at its deadline;
 * then the callback waits for the event loop, which here is shared by 50 workers, the
 * driver's socket handling and GC, on a 2-CPU machine that also runs the database server.
 * Measured lateness is a few ms (checkouts that time out at 3 000 ms report 3 002-3 004 ms);
 * 500 ms is far above that and far below any timeout, so a call that ignores its deadline
 * (waits for a second attempt, a close, or forever) still fails the check.
 */
export const SLACK_MS = 500;

export async function checkAftermath(
  target: FaultTarget,
  engine: Engine,
  table: string,
  report: WorkloadReport,
  bounds: CallBounds,
  watch: { readonly recorder: ProcessFaultRecorder; readonly loggedErrors: readonly string[] },
): Promise<Aftermath> {
  const committed = await target.committedIds(table);
  const missing = report.ok.filter((id) => !committed.has(id));
  assert.deepEqual(missing, [], `${missing.length} transactions whose commit() succeeded are not in the table`);
  const phantom = report.failed.filter((id) => committed.has(id));
  assert.deepEqual(phantom, [], `${phantom.length} transactions that failed before COMMIT are in the table`);
  const known = new Set([...report.ok, ...report.ambiguous]);
  const strangers = [...committed].filter((id) => !known.has(id));
  assert.deepEqual(strangers, [], "rows nobody committed are in the table");

  const status = engine.pool.status();
  assert.equal(status.checkedOut, 0, `pool still has checked-out connections: ${JSON.stringify(status)}`);
  assert.equal(status.waiting, 0, "pool still has waiters");
  const sessions = await target.sessions();
  assert.equal(sessions.idleInTransaction, 0, "the server shows one of our sessions idle in a transaction");

  const slowest = slowestCalls(report.calls);
  for (const call of report.calls) {
    const bound = bounds[call.op];
    assert.ok(
      call.ms <= bound,
      `a ${call.op} took ${Math.round(call.ms)} ms (started at ${Math.round(call.startedAt)} ms), over its bound of ${bound} ms` +
        (call.error === undefined ? "" : `; it failed with ${String(call.error)}`),
    );
  }

  // Errors from statements go through the engine's error funnel: each must be one of ours.
  for (const call of report.calls) {
    if (call.error === undefined || call.op === "connect") continue;
    assert.ok(call.error instanceof AthanorError, `${call.op} threw a foreign error: ${String(call.error)}`);
  }
  assert.deepEqual(report.pendingRollbackViolations, [], "after a lost transaction, a statement was not refused with PendingRollbackError (E8)");
  const closeErrors = report.calls.filter((c) => c.op === "close" && c.error !== undefined);
  assert.deepEqual(closeErrors.map((c) => String(c.error)), [], "close() threw");

  assert.equal(watch.recorder.faults.length, 0, `errors reached the process:\n${describeFaults(watch.recorder.faults)}`);
  assert.deepEqual(watch.loggedErrors, [], "the engine logged errors");

  return {
    transactions: report.outcomes.length,
    ok: report.ok.length,
    failed: report.failed.length,
    ambiguous: report.ambiguous.length,
    ambiguousCommitted: report.ambiguous.filter((id) => committed.has(id)).length,
    errors: errorHistogram(report.errors),
    slowest,
    lostTransactions: report.lostTransactions,
  };
}

/** One line for the test output (and, from there, for docs/reliability.md). */
export function printAftermath(label: string, aftermath: Aftermath, extra: Record<string, unknown> = {}): void {
  console.log(`[fault] ${label}: ${JSON.stringify({ ...aftermath, ...extra })}`);
}
