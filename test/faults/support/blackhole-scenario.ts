// Fault (c), shared by test/faults/blackhole.test.ts and the known-bug file for pre-ping:
// the network between the engine and the server goes silent (the fault proxy holds every
// byte, both ways, and accepts new connections without forwarding them) while 50 workers
// run transactions. Checkouts must end within poolTimeoutMs (SPEC P22). Statements in
// flight get no time limit here (statementTimeoutMs unset; with one, B1, see
// statement-timeout.test.ts), so they are bounded by the partition: when
// it heals, TCP delivers what was held and they complete.
import assert from "node:assert/strict";
import type { TestContext } from "node:test";
import { setTimeout as sleep } from "node:timers/promises";
import { ConnectTimeoutError } from "../../../src/index.js";
import { checkAftermath, SLACK_MS, type Aftermath } from "./aftermath.js";
import { boundsFor, CONNECT_TIMEOUT_MS, scenario } from "./scenario.js";
import { uniqueTable, type FaultTarget } from "./targets.js";
import { IdSource, mergeReports, runWorkload } from "./workload.js";

/** The issue asks for 5 s: longer than poolTimeoutMs (3 s), so waiters must time out. */
export const BLACKHOLE_MS = 5_000;

export async function blackholeScenario(t: TestContext, target: FaultTarget, prePing: boolean): Promise<Aftermath> {
  const proxy = target.proxy;
  assert.ok(proxy !== undefined, "the target needs a fault proxy");
  t.after(() => proxy.mode("pass")); // heal even when an assertion failed mid-way
  const s = scenario(t);
  const engine = s.engine(target.url(), { poolPrePing: prePing });
  const table = uniqueTable("blackhole");
  await target.createTable(table);
  const ids = new IdSource();
  const stop = new AbortController();
  const during = runWorkload({ engine, table, ids, until: stop.signal });
  await sleep(1_000);
  proxy.mode("blackhole");
  const cutAt = performance.now();
  // The busy pool is full, so its waiters only show the pool timeout. A second, empty
  // engine shows the connect timeout: the proxy accepts TCP and never answers (P22).
  const fresh = s.engine(target.url());
  const connectError = await fresh.connect().then(
    () => undefined,
    (error: unknown) => error,
  );
  const connectMs = performance.now() - cutAt;
  assert.ok(connectError instanceof ConnectTimeoutError, `expected a ConnectTimeoutError, got ${String(connectError)}`);
  assert.ok(connectMs <= CONNECT_TIMEOUT_MS + SLACK_MS, `a hung connect took ${Math.round(connectMs)} ms`);
  await sleep(BLACKHOLE_MS - (performance.now() - cutAt));
  proxy.mode("pass");
  const healedAt = performance.now();
  await sleep(1_000);
  stop.abort();
  const report = await during;
  assert.ok(report.failed.length > 0, "checkouts timed out during the partition");

  const recovered = await runWorkload({ engine, table, ids, transactionsPerWorker: 2 });
  assert.deepEqual(recovered.errors.map(String), [], "after the partition heals, service is normal");
  assert.equal(fresh.pool.status().checkedOut, 0, "the timed-out connect left nothing checked out");
  return checkAftermath(target, engine, table, mergeReports([report, recovered]), boundsFor(healedAt - cutAt), s);
}
