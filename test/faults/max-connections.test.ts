// Fault (e): other clients take every connection slot the server has left (max_connections)
// while 50 workers run transactions. The pool's open connections keep serving; checkouts
// that need a new connection fail promptly with the server's refusal (or time out waiting
// for one, with that refusal as the cause); once the outsiders leave, service is normal and
// the pool grows again. The engine logs in as an unprivileged user, so the superuser
// reserve (PostgreSQL superuser_reserved_connections, MariaDB's extra SUPER slot) cannot
// hide the exhaustion. Throwaway servers only.
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { setTimeout as sleep } from "node:timers/promises";
import { PoolTimeoutError } from "../../src/index.js";
import { checkAftermath, printAftermath } from "./support/aftermath.js";
import { boundsFor, scenario } from "./support/scenario.js";
import { SERVER_KINDS, startTarget, uniqueTable, type FaultTarget, type ServerKind } from "./support/targets.js";
import { IdSource, mergeReports, runWorkload } from "./support/workload.js";

const MAX_CONNECTIONS = 25;
/** What each server says when it is full: SQLSTATE 53300 / ER_CON_COUNT_ERROR. */
const REFUSAL: Record<ServerKind, string | number> = { postgresql: "53300", mariadb: 1040 };

/** The server's refusal code, found on the error or anywhere down its cause chain. */
function refusalIn(error: unknown, code: string | number): boolean {
  for (let e: unknown = error, depth = 0; e !== undefined && e !== null && depth < 5; depth++) {
    const fields = e as { code?: unknown; errno?: unknown; cause?: unknown; orig?: unknown };
    if (fields.code === code || fields.errno === code) return true;
    e = fields.orig ?? fields.cause;
  }
  return false;
}

for (const kind of SERVER_KINDS) {
  describe(`max_connections exhausted from outside on ${kind}`, () => {
    let target: FaultTarget;
    before(async () => {
      target = await startTarget(kind, { settings: { max_connections: MAX_CONNECTIONS } });
    });
    after(() => target?.stop());

    test("during 50 workers' transactions: kept connections serve, new ones are refused promptly, then it recovers", async (t) => {
      const s = scenario(t);
      const engine = s.engine(target.url());
      const table = uniqueTable("maxconn");
      await target.createTable(table);
      const ids = new IdSource();

      const warm = await runWorkload({ engine, table, ids, transactionsPerWorker: 2 });
      assert.deepEqual(warm.errors.map(String), [], "the warm-up runs on a server with room");
      const kept = engine.pool.status().checkedIn;

      const outsiders = await target.openOutsideConnections(MAX_CONNECTIONS);
      t.after(() => outsiders.close());
      assert.ok(outsiders.opened > 0, "outsiders took the free slots");
      const stop = new AbortController();
      const exhausted = runWorkload({ engine, table, ids, until: stop.signal });
      await sleep(4_000);
      stop.abort();
      const report = await exhausted;
      await outsiders.close();

      assert.ok(report.ok.length > 0, "the pool's open connections kept serving");
      const failures = report.outcomes.filter((o) => o.kind !== "ok");
      assert.ok(failures.length > 0, "checkouts needing a new connection were refused");
      for (const failure of failures) {
        assert.equal(failure.phase, "connect", `a ${failure.phase} failed: ${String(failure.error)}`);
        assert.ok(
          refusalIn(failure.error, REFUSAL[kind]) || failure.error instanceof PoolTimeoutError,
          `not the server's refusal: ${String(failure.error)}`,
        );
      }

      const recovered = await runWorkload({ engine, table, ids, transactionsPerWorker: 3 });
      assert.deepEqual(recovered.errors.map(String), [], "with the slots back, service is normal");

      const aftermath = await checkAftermath(target, engine, table, mergeReports([warm, report, recovered]), boundsFor(0), s);
      printAftermath(`${kind} max_connections exhausted`, aftermath, { keptConnections: kept, outsiders: outsiders.opened });
    });
  });
}
