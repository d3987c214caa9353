// SPEC B1 under fault (c): a statement in flight when the network goes silent. The cancel
// request can't reach the server either (its side connection hangs in the same black hole),
// so after CANCEL_GRACE_MS the connection is given up: the caller's limit holds whatever the
// network does (P22), the transaction refuses work until rollback (E8), and once the
// partition heals the service is normal and nothing of the lost transaction was committed.
// Throwaway servers behind the fault proxy only.
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { PendingRollbackError, StatementTimeoutError, text } from "../../src/index.js";
import { rejection, sleep } from "../support/cancel-probes.js";
import { SLACK_MS } from "./support/aftermath.js";
import { describeFaults } from "./support/process-guard.js";
import { scenario } from "./support/scenario.js";
import { SERVER_KINDS, startTarget, uniqueTable, type FaultTarget } from "./support/targets.js";

const STATEMENT_TIMEOUT_MS = 1_000;
/** src/engine/cancellable-send.ts CANCEL_GRACE_MS. */
const GRACE_MS = 1_000;

for (const kind of SERVER_KINDS) {
  describe(`statement timeout in a network black hole on ${kind} (SPEC B1, P22, E8)`, () => {
    let target: FaultTarget;
    before(async () => {
      target = await startTarget(kind, { proxy: true });
    });
    after(() => target?.stop());

    test("a statement in flight: StatementTimeoutError within statementTimeoutMs + grace, its connection invalidated", async (t) => {
      const proxy = target.proxy;
      assert.ok(proxy !== undefined);
      t.after(() => proxy.mode("pass"));
      const s = scenario(t);
      const engine = s.engine(target.url(), { statementTimeoutMs: STATEMENT_TIMEOUT_MS });
      const table = uniqueTable("b1_blackhole");
      await target.createTable(table);
      const conn = await engine.connect();
      await conn.execute(text(`INSERT INTO ${table} (id) VALUES (1)`));

      proxy.mode("blackhole");
      const { error, ms } = await rejection(conn.execute(text(`INSERT INTO ${table} (id) VALUES (2)`)));
      assert.ok(error instanceof StatementTimeoutError, `got ${String(error)}`);
      assert.equal(error.timeoutMs, STATEMENT_TIMEOUT_MS);
      assert.equal(error.sent, true);
      assert.equal(error.connectionInvalidated, true);
      assert.match(error.message, /had not ended within 1000 ms of the cancel request/);
      const bound = STATEMENT_TIMEOUT_MS + GRACE_MS + SLACK_MS;
      assert.ok(ms >= STATEMENT_TIMEOUT_MS + GRACE_MS - 20 && ms <= bound, `rejected after ${ms} ms (bound ${bound})`);
      const pending = await rejection(conn.execute(text("SELECT 1")));
      assert.ok(pending.error instanceof PendingRollbackError, `got ${String(pending.error)}`);
      assert.equal(pending.error.cause, error);

      await sleep(1_000);
      proxy.mode("pass");
      await conn.rollback();
      await conn.execute(text(`INSERT INTO ${table} (id) VALUES (3)`));
      await conn.commit();
      await conn.close();
      // The invalidated driver connection is closed in the background (bounded by the
      // dialect's close timeout), then counted back.
      const until = Date.now() + 8_000;
      while (engine.pool.status().checkedOut > 0 && Date.now() < until) await sleep(50);
      assert.equal(engine.pool.status().checkedOut, 0);
      assert.deepEqual([...(await target.committedIds(table))], [3], "nothing of the lost transaction was committed");
      let sessions = await target.sessions();
      while (sessions.idleInTransaction > 0 && Date.now() < until) sessions = await target.sessions();
      assert.equal(sessions.idleInTransaction, 0, "no session of ours left idle in a transaction");
      assert.deepEqual(s.recorder.faults, [], describeFaults(s.recorder.faults));
      assert.deepEqual(s.loggedErrors, []);
      console.log(`[b1] ${kind} black hole: StatementTimeoutError after ${ms} ms (statementTimeoutMs ${STATEMENT_TIMEOUT_MS} + grace ${GRACE_MS}), connection invalidated, PendingRollbackError until rollback`);
    });
  });
}
