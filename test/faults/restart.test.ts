// Fault (a): the database server restarts (fast shutdown, start again on the same port)
// while 50 workers run small transactions; and between two bursts, with and without
// poolPrePing (SPEC P13, P14, P22, E8). Throwaway servers only.
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { setTimeout as sleep } from "node:timers/promises";
import { checkAftermath, printAftermath } from "./support/aftermath.js";
import { boundsFor, measure, scenario } from "./support/scenario.js";
import { staleConnectionBursts } from "./support/stale-bursts.js";
import { SERVER_KINDS, startTarget, uniqueTable, type FaultTarget } from "./support/targets.js";
import { IdSource, mergeReports, runWorkload } from "./support/workload.js";

for (const kind of SERVER_KINDS) {
  describe(`server restart on ${kind}`, () => {
    let target: FaultTarget;
    before(async () => {
      target = await startTarget(kind);
    });
    after(() => target?.stop());

    test("during 50 workers' transactions: exact outcomes, nothing left open, bounded calls", async (t) => {
      const s = scenario(t);
      const engine = s.engine(target.url());
      const table = uniqueTable("restart");
      await target.createTable(table);
      const ids = new IdSource();
      const stop = new AbortController();
      const during = runWorkload({ engine, table, ids, until: stop.signal });
      await sleep(1_000);
      const restartMs = await measure(() => target.server.restart());
      await sleep(1_500);
      stop.abort();
      const report = await during;
      assert.ok(report.ok.length > 0, "transactions committed around the restart");

      const recovered = await runWorkload({ engine, table, ids, transactionsPerWorker: 2 });
      assert.deepEqual(recovered.errors.map(String), [], "after the restart, service is normal");

      const aftermath = await checkAftermath(target, engine, table, mergeReports([report, recovered]), boundsFor(restartMs), s);
      printAftermath(`${kind} restart during load`, aftermath, { restartMs: Math.round(restartMs) });
    });

    for (const prePing of [true, false]) {
      test(`between two bursts, poolPrePing ${prePing}`, async (t) => {
        const s = scenario(t);
        const result = await staleConnectionBursts(s, target, prePing, () => target.server.restart());
        printAftermath(`${kind} restart between bursts, prePing ${prePing}`, result.aftermath, {
          staleConnections: result.staleConnections,
          errorsAfterFault: result.errorsAfterFault,
        });
      });
    }
  });
}
