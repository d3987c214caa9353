// SPEC P13 and P14 as a user sees them: a burst fills the pool, something kills every idle
// connection on the server side, a second burst runs. With poolPrePing the second burst
// sees no error at all; without it each stale connection costs at most one error, marked
// connectionInvalidated, and a third burst is error-free again.
import assert from "node:assert/strict";
import { OperationalError } from "../../../src/index.js";
import { checkAftermath, type Aftermath } from "./aftermath.js";
import { boundsFor, type Scenario } from "./scenario.js";
import { uniqueTable, type FaultTarget } from "./targets.js";
import { IdSource, mergeReports, runWorkload, type WorkloadReport } from "./workload.js";

export interface StaleBurstResult {
  readonly aftermath: Aftermath;
  /** Idle connections in the pool when the fault struck. */
  readonly staleConnections: number;
  /** Errors in the burst right after the fault. */
  readonly errorsAfterFault: number;
}

export async function staleConnectionBursts(
  s: Scenario,
  target: FaultTarget,
  prePing: boolean,
  /** Breaks the server side of every idle connection; resolves once the server serves again. */
  fault: () => Promise<void>,
): Promise<StaleBurstResult> {
  const engine = s.engine(target.url(), { poolPrePing: prePing });
  const table = uniqueTable("stale");
  await target.createTable(table);
  const ids = new IdSource();
  const burst = (): Promise<WorkloadReport> => runWorkload({ engine, table, ids, workers: 50, transactionsPerWorker: 4 });

  const before = await burst();
  assert.deepEqual(before.errors.map(String), [], "the first burst runs on a healthy server");
  const staleConnections = engine.pool.status().checkedIn;
  assert.ok(staleConnections > 0, "the pool kept idle connections to go stale");

  await fault();
  const afterFault = await burst();
  if (prePing) {
    assert.deepEqual(afterFault.errors.map(String), [], "with poolPrePing the fault costs no error (P13)");
  } else {
    assert.ok(afterFault.errors.length >= 1, "without pre-ping a stale connection is found by a statement");
    assert.ok(
      afterFault.errors.length <= staleConnections,
      `${afterFault.errors.length} errors for ${staleConnections} stale connections: more than one each`,
    );
    for (const error of afterFault.errors) {
      assert.ok(error instanceof OperationalError && error.connectionInvalidated, `not a connectionInvalidated OperationalError: ${String(error)}`);
    }
  }
  const normal = await burst();
  assert.deepEqual(normal.errors.map(String), [], "then service is normal");

  // Bursts run against a serving server: no call has a fault to wait out.
  const aftermath = await checkAftermath(target, engine, table, mergeReports([before, afterFault, normal]), boundsFor(0), s);
  return { aftermath, staleConnections, errorsAfterFault: afterFault.errors.length };
}
