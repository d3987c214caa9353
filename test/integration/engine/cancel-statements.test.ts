/**
 * SPEC B1 on real servers: a running statement given up through an AbortSignal or a time
 * limit is canceled ON THE SERVER (PostgreSQL pg_cancel_backend, MariaDB KILL QUERY), the
 * caller gets a typed error promptly, and the connection carries on. Each test cancels only
 * its own sessions, so the shared servers are fine. Figures are printed as `[b1] ...` lines.
 */
import assert from "node:assert/strict";
import { after, describe, it } from "node:test";
import {
  InternalError,
  OperationalError,
  QueryCanceledError,
  StatementTimeoutError,
  text,
  type Engine,
} from "../../../src/index.js";
import {
  activityOf,
  CANCELED_CODE,
  driverCode,
  rejection,
  sessionIdOf,
  sleep,
  sleepSql,
  waitUntilRunning,
} from "../../support/cancel-probes.js";
import { disposeAll, engineTargets } from "../../support/engines.js";

after(disposeAll);

/** The bound the brief sets: the call rejects within ~1 s of starting a 10 s statement. */
const PROMPT_MS = 1_000;

const servers = (await engineTargets()).filter((t) => t.name === "postgresql" || t.name === "mysql");

for (const target of servers) {
  const server = target.name as "postgresql" | "mysql";
  let adminEngine: Engine | undefined;
  const admin = (): Engine => (adminEngine ??= target.engine({ isolationLevel: "AUTOCOMMIT" }));

  describe(`cancel on the server, ${target.name} (SPEC B1)`, { skip: target.skip }, () => {
    it("an AbortSignal aborted after 200 ms cancels the running statement; the session lives on", async () => {
      const engine = target.engine();
      const conn = await engine.connect();
      const id = await sessionIdOf(server, conn);
      const controller = new AbortController();
      const startedAt = performance.now();
      const running = conn.execute(text(sleepSql(server, 10)), undefined, { signal: controller.signal });
      await waitUntilRunning(server, admin(), id);
      await sleep(200 - (performance.now() - startedAt));
      const abortedAt = performance.now();
      controller.abort();
      const { error, ms } = await rejection(running, abortedAt);
      const totalMs = Math.round(performance.now() - startedAt);

      assert.ok(error instanceof QueryCanceledError && !(error instanceof StatementTimeoutError), `got ${String(error)}`);
      assert.ok(error instanceof OperationalError, "an OperationalError, as psycopg2's QueryCanceledError");
      assert.equal(error.code, "QUERY_CANCELED");
      assert.equal(error.canceledBy, "signal");
      assert.equal(error.sent, true);
      assert.equal(error.connectionInvalidated, false);
      assert.equal(driverCode(error), CANCELED_CODE[server], "the driver's own error is kept as orig");
      assert.match(error.message, /AbortSignal aborted/);
      assert.ok(totalMs < PROMPT_MS, `rejected ${totalMs} ms after the call (bound ${PROMPT_MS})`);
      const activity = await activityOf(server, admin(), id);
      assert.equal(activity.running, false, `the server still runs it: ${activity.detail}`);

      if (server === "postgresql") {
        // PostgreSQL aborts the transaction the canceled statement was in (autobegin opened one).
        await assert.rejects(conn.execute(text("SELECT 1")), (e: unknown) => e instanceof InternalError && driverCode(e) === "25P02");
        await conn.rollback();
      }
      assert.equal(Number((await conn.execute(text("SELECT 1 AS one"))).scalar()), 1);
      assert.equal(await sessionIdOf(server, conn), id, "the same session: the connection was kept");
      await conn.close();
      assert.equal(engine.pool.status().checkedOut, 0);
      console.log(`[b1] ${server} signal: rejected ${ms} ms after abort(), ${totalMs} ms after the call; server: ${activity.detail}`);
    });

    it("timeoutMs: StatementTimeoutError once the limit passes, canceled on the server", async () => {
      const engine = target.engine({ isolationLevel: "AUTOCOMMIT" });
      await using conn = await engine.connect();
      const id = await sessionIdOf(server, conn);
      const { error, ms } = await rejection(conn.execute(text(sleepSql(server, 10)), undefined, { timeoutMs: 300 }));
      assert.ok(error instanceof StatementTimeoutError, `got ${String(error)}`);
      assert.ok(error instanceof QueryCanceledError);
      assert.equal(error.code, "STATEMENT_TIMEOUT");
      assert.equal(error.canceledBy, "timeout");
      assert.equal(error.timeoutMs, 300);
      assert.equal(error.sent, true);
      assert.equal(error.connectionInvalidated, false);
      assert.match(error.message, /time limit of 300 ms/);
      assert.ok(ms >= 295 && ms < PROMPT_MS, `rejected after ${ms} ms`);
      const activity = await activityOf(server, admin(), id);
      assert.equal(activity.running, false, activity.detail);
      // AUTOCOMMIT: no transaction to roll back, the next statement just runs.
      assert.equal(Number((await conn.execute(text("SELECT 1 AS one"))).scalar()), 1);
      assert.equal(await sessionIdOf(server, conn), id);
      console.log(`[b1] ${server} timeoutMs 300: rejected after ${ms} ms; server: ${activity.detail}`);
    });

    it("the engine's statementTimeoutMs is the default; a call's timeoutMs overrides it", async () => {
      const engine = target.engine({ statementTimeoutMs: 300, isolationLevel: "AUTOCOMMIT" });
      await using conn = await engine.connect();
      const { error, ms } = await rejection(conn.execute(text(sleepSql(server, 10))));
      assert.ok(error instanceof StatementTimeoutError && error.timeoutMs === 300, `got ${String(error)}`);
      assert.ok(ms < PROMPT_MS, `${ms} ms`);
      await conn.execute(text(sleepSql(server, 0.5)), undefined, { timeoutMs: 5_000 });
      await conn.execute(text(sleepSql(server, 0.5)), undefined, { timeoutMs: Infinity });
      assert.equal(engine.statementTimeoutMs, 300);
    });

    it("inside a transaction the database decides: PostgreSQL aborts it, MariaDB keeps it", async () => {
      const engine = target.engine();
      const t = target.table("cancel_tx");
      await engine.begin(async (c) => void (await c.execute(text(`CREATE TABLE ${t} (n INTEGER)`))));
      await using conn = await engine.connect();
      await conn.execute(text(`INSERT INTO ${t} (n) VALUES (1)`));
      const { error } = await rejection(conn.execute(text(sleepSql(server, 10)), undefined, { timeoutMs: 200 }));
      assert.ok(error instanceof StatementTimeoutError, `got ${String(error)}`);
      assert.equal(conn.inTransaction, true, "the Connection's transaction is still open");
      if (server === "postgresql") {
        await assert.rejects(conn.execute(text(`INSERT INTO ${t} (n) VALUES (2)`)), (e: unknown) => driverCode(e) === "25P02");
        await conn.rollback();
      } else {
        await conn.execute(text(`INSERT INTO ${t} (n) VALUES (2)`));
        await conn.commit();
      }
      const values = (await conn.execute(text(`SELECT n FROM ${t} ORDER BY n`))).scalars().all().map(Number);
      assert.deepEqual(values, server === "postgresql" ? [] : [1, 2]);
      await conn.rollback();
    });

    it("a cancel that can't be sent (side connection refused): given up after the grace, connection invalidated, E8 until rollback", async () => {
      let refuse = false;
      let opened = 0;
      const plain = target.engine();
      const connector = plain.dialect.createConnector(plain.url, { connectTimeoutMs: 5_000, connectArgs: {} });
      // The dialect's own connector, refusing on demand: the cancel's side connection comes from it too.
      const engine = target.engine({
        creator: async () => {
          if (refuse) throw new Error("connection refused (test)");
          opened++;
          return connector();
        },
      });
      const conn = await engine.connect();
      await conn.execute(text("SELECT 1"));
      refuse = true;
      const { error, ms } = await rejection(conn.execute(text(sleepSql(server, 3)), undefined, { timeoutMs: 200 }));
      assert.ok(error instanceof StatementTimeoutError, `got ${String(error)}`);
      assert.equal(error.sent, true);
      assert.equal(error.connectionInvalidated, true);
      assert.match(error.message, /cancel request itself failed: connection refused \(test\)/);
      assert.match(error.message, /invalidated/);
      assert.ok(ms >= 200 + 1_000 - 10 && ms < 200 + 1_000 + 500, `rejected after ${ms} ms (limit 200 + grace 1000)`);
      assert.equal(conn.invalidated, true);
      await assert.rejects(conn.execute(text("SELECT 1")), /Can't reconnect until invalid transaction is rolled back/);
      refuse = false;
      await conn.rollback();
      assert.equal(Number((await conn.execute(text("SELECT 1 AS one"))).scalar()), 1);
      await conn.close();
      assert.equal(opened, 2, "a fresh connection after the rollback");
      // The abandoned statement still runs on the server until its 3 s are up; closing the
      // invalidated connection waits for it, then the pool counts it back.
      const until = Date.now() + 8_000;
      while (engine.pool.status().checkedOut > 0 && Date.now() < until) await sleep(50);
      assert.equal(engine.pool.status().checkedOut, 0);
      console.log(`[b1] ${server} cancel refused: rejected after ${ms} ms (timeoutMs 200 + grace 1000), connection invalidated`);
    });

    it("the dialect names the session the way the server does", async () => {
      const engine = target.engine();
      await using conn = await engine.connect();
      assert.equal(engine.dialect.capabilities.cancel, true);
      assert.equal(await engine.dialect.sessionId(await conn.driverConnection()), await sessionIdOf(server, conn));
    });
  });
}
