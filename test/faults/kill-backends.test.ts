// Fault (b): every one of our sessions is ended from the server side (pg_terminate_backend /
// KILL CONNECTION), repeatedly, while 50 workers run transactions; and once between two
// bursts, with and without poolPrePing (SPEC P13, P14, E8). Throwaway servers only.
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { setTimeout as sleep } from "node:timers/promises";
import { checkAftermath, printAftermath } from "./support/aftermath.js";
import { boundsFor, measure, scenario } from "./support/scenario.js";
import { staleConnectionBursts } from "./support/stale-bursts.js";
import { SERVER_KINDS, startTarget, uniqueTable, type FaultTarget } from "./support/targets.js";
import { IdSource, mergeReports, runWorkload } from "./support/workload.js";

const KILL_ROUNDS = 3;

for (const kind of SERVER_KINDS) {
  describe(`every backend killed on ${kind}`, () => {
    let target: FaultTarget;
    before(async () => {
      target = await startTarget(kind);
    });
    after(() => target?.stop());

    test(`${KILL_ROUNDS} rounds during 50 workers' transactions: exact outcomes, nothing left open`, async (t) => {
      const s = scenario(t);
      const engine = s.engine(target.url());
      const table = uniqueTable("kill");
      await target.createTable(table);
      const ids = new IdSource();
      const stop = new AbortController();
      const during = runWorkload({ engine, table, ids, until: stop.signal });
      let killed = 0;
      let longestKillMs = 0;
      for (let round = 0; round < KILL_ROUNDS; round++) {
        await sleep(500);
        longestKillMs = Math.max(longestKillMs, await measure(async () => (killed += await target.terminateSessions())));
      }
      await sleep(500);
      stop.abort();
      const report = await during;
      assert.ok(killed > 0, "there were sessions to kill");
      assert.ok(report.failed.length + report.ambiguous.length > 0, "the kills broke transactions");

      const recovered = await runWorkload({ engine, table, ids, transactionsPerWorker: 2 });
      assert.deepEqual(recovered.errors.map(String), [], "after the kills, service is normal");

      const aftermath = await checkAftermath(target, engine, table, mergeReports([report, recovered]), boundsFor(longestKillMs), s);
      printAftermath(`${kind} kill all backends ×${KILL_ROUNDS} during load`, aftermath, { sessionsKilled: killed });
    });

    for (const prePing of [true, false]) {
      test(`between two bursts, poolPrePing ${prePing}`, async (t) => {
        const s = scenario(t);
        const result = await staleConnectionBursts(s, target, prePing, async () => {
          assert.ok((await target.terminateSessions()) > 0);
          // Let the server finish ending them, as a kill between two requests would.
          await sleep(200);
        });
        printAftermath(`${kind} kill between bursts, prePing ${prePing}`, result.aftermath, {
          staleConnections: result.staleConnections,
          errorsAfterFault: result.errorsAfterFault,
        });
      });
    }
  });
}
