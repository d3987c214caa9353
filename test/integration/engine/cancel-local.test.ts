/**
 * SPEC B1 on all four databases: what holds whether or not the server can cancel a running
 * statement. A signal that has aborted (or a limit that has passed) before a statement is
 * sent means nothing is sent; a checkout waiting on an exhausted pool ends when its signal
 * aborts; options are checked before anything is sent. SQLite and PGlite run statements
 * synchronously in this process: a running one is not interrupted (documented limitation).
 */
import assert from "node:assert/strict";
import { after, describe, it } from "node:test";
import { ArgumentError, createEngine, PoolTimeoutError, QueryCanceledError, text } from "../../../src/index.js";
import { rejection, sleep } from "../../support/cancel-probes.js";
import { disposeAll, engineTargets } from "../../support/engines.js";
import { MemoryLogger } from "../../support/fake-driver.js";

after(disposeAll);

for (const target of await engineTargets()) {
  // PGlite's default pool is one exclusive connection; the others need to be made small.
  const onePool = target.name === "pglite" ? {} : { poolSize: 1, maxOverflow: 0 };

  describe(`cancellation before sending and at checkout, ${target.name} (SPEC B1)`, { skip: target.skip }, () => {
    it("a signal that has already aborted: QueryCanceledError, and nothing is sent (no BEGIN, no statement)", async () => {
      const logger = new MemoryLogger();
      const engine = target.engine({ echo: true, logger });
      const t = target.table("never");
      await engine.begin(async (c) => void (await c.execute(text(`CREATE TABLE ${t} (n INTEGER)`))));
      await using conn = await engine.connect();
      logger.lines.length = 0;
      const signal = AbortSignal.abort(new Error("gave up early"));
      const calls = [
        () => conn.execute(text(`INSERT INTO ${t} (n) VALUES (:n)`), { n: 1 }, { signal }),
        () => conn.execute(text(`INSERT INTO ${t} (n) VALUES (:n)`), [{ n: 1 }, { n: 2 }], { signal }),
        () => conn.stream(text(`SELECT n FROM ${t}`), {}, { signal }),
      ];
      for (const call of calls) {
        const { error } = await rejection(call());
        assert.ok(error instanceof QueryCanceledError, `got ${String(error)}`);
        assert.equal(error.sent, false);
        assert.equal(error.canceledBy, "signal");
        assert.equal(error.connectionInvalidated, false);
        assert.match(error.message, /not sent: nothing reached the server/);
        assert.match(error.message, /reason: gave up early/);
        assert.equal((error.abortReason as Error).message, "gave up early");
      }
      assert.deepEqual(logger.messages(), [], "nothing was echoed: no BEGIN, no statement");
      assert.equal(conn.inTransaction, false);
      assert.equal(Number((await conn.execute(text(`SELECT COUNT(*) AS c FROM ${t}`))).scalar()), 0);
    });

    it("a signal that aborts while a beforeExecute listener runs: the statement is not sent", async () => {
      const engine = target.engine({ isolationLevel: "AUTOCOMMIT" });
      const t = target.table("late");
      await engine.begin(async (c) => void (await c.execute(text(`CREATE TABLE ${t} (n INTEGER)`))));
      const controller = new AbortController();
      const stopListening = engine.events.on("beforeExecute", async () => {
        controller.abort();
        await sleep(20);
      });
      await using conn = await engine.connect();
      const { error } = await rejection(conn.execute(text(`INSERT INTO ${t} (n) VALUES (1)`), undefined, { signal: controller.signal }));
      assert.ok(error instanceof QueryCanceledError && error.sent === false, `got ${String(error)}`);
      stopListening();
      assert.equal(Number((await conn.execute(text(`SELECT COUNT(*) AS c FROM ${t}`))).scalar()), 0, "the INSERT never ran");
    });

    it("engine.connect({ signal }) on an exhausted pool rejects with the signal's reason as soon as it aborts", async () => {
      const engine = target.engine(onePool);
      const holder = await engine.connect();
      const controller = new AbortController();
      const reason = new Error("request ended");
      const waiting = engine.connect({ signal: controller.signal });
      await sleep(200);
      assert.equal(engine.pool.status().waiting, 1);
      const abortedAt = performance.now();
      controller.abort(reason);
      const { error, ms } = await rejection(waiting, abortedAt);
      assert.equal(error, reason, "the signal's reason, as fetch() rejects");
      assert.ok(ms < 100, `rejected ${ms} ms after abort()`);
      assert.equal(engine.pool.status().waiting, 0);
      await assert.rejects(engine.connect({ signal: AbortSignal.abort(reason) }), (e: unknown) => e === reason);
      await assert.rejects(engine.connect({ timeoutMs: 150 }), PoolTimeoutError);
      await holder.close();
      assert.equal(engine.pool.status().checkedOut, 0);
      await using again = await engine.connect({ signal: new AbortController().signal });
      assert.equal(Number((await again.execute(text("SELECT 1 AS one"))).scalar()), 1);
      if (target.name === "postgresql" || target.name === "mysql") console.log(`[b1] ${target.name} checkout abort: rejected ${ms} ms after abort()`);
    });

    it("call options are checked before anything is sent", async () => {
      const engine = target.engine();
      await using conn = await engine.connect();
      const bad: [unknown, RegExp][] = [
        [{ timeout: 5 }, /Unknown execute\(\) option 'timeout'/],
        [{ signal: "no" }, /signal must be an AbortSignal/],
        [{ timeoutMs: 0 }, /timeoutMs must be a number of milliseconds > 0/],
        [{ timeoutMs: -1 }, /timeoutMs must be/],
        [{ timeoutMs: Number.NaN }, /timeoutMs must be/],
        [{ timeoutMs: "5" }, /timeoutMs must be/],
        [5, /options must be an object/],
      ];
      for (const [options, message] of bad) {
        await assert.rejects(conn.execute(text("SELECT 1"), undefined, options as never), (e: unknown) => e instanceof ArgumentError && message.test(e.message));
      }
      await assert.rejects(conn.stream(text("SELECT 1"), {}, { yieldPer: 2, limit: 1 } as never), /Unknown stream\(\) option 'limit'/);
      assert.equal(conn.inTransaction, false, "nothing was sent, not even BEGIN");
    });
  });
}

describe("statementTimeoutMs (createEngine)", () => {
  it("must be a number of milliseconds > 0 or Infinity; an ArgumentError naming it otherwise", () => {
    for (const value of [0, -5, Number.NaN, "1000", true]) {
      assert.throws(() => createEngine("sqlite://:memory:", { statementTimeoutMs: value as number }), (e: unknown) => e instanceof ArgumentError && /statementTimeoutMs/.test(e.message));
    }
    assert.equal(createEngine("sqlite://:memory:", { statementTimeoutMs: 250 }).statementTimeoutMs, 250);
    assert.equal(createEngine("sqlite://:memory:", { statementTimeoutMs: Infinity }).statementTimeoutMs, Infinity);
    assert.equal(createEngine("sqlite://:memory:").statementTimeoutMs, Infinity);
  });
});

// The limitation, shown: better-sqlite3 and PGlite run a statement synchronously on the JS
// thread, so no timer fires until it ends, and there is no other connection to cancel from.
const local = (await engineTargets()).filter((t) => t.name === "sqlite" || t.name === "pglite");
for (const target of local) {
  describe(`no server-side cancel on ${target.name} (SPEC B1, documented limitation)`, () => {
    it("capabilities.cancel is false; a running statement finishes despite its timeoutMs", async () => {
      const engine = target.engine();
      assert.equal(engine.dialect.capabilities.cancel, false);
      await using conn = await engine.connect();
      const slow =
        target.name === "sqlite"
          ? "WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c WHERE x < 2000000) SELECT COUNT(*) AS n FROM c"
          : "SELECT COUNT(*) AS n FROM (SELECT pg_sleep(0.3)) AS s";
      const startedAt = performance.now();
      const result = await conn.execute(text(slow), undefined, { timeoutMs: 20 });
      const ms = Math.round(performance.now() - startedAt);
      assert.ok(Number(result.scalar()) > 0);
      assert.ok(ms > 20, `${ms} ms: the statement really ran past the limit`);
      // What it can do: refuse to send once the signal has aborted.
      await assert.rejects(conn.execute(text("SELECT 1"), undefined, { signal: AbortSignal.abort() }), QueryCanceledError);
      await assert.rejects(
        engine.dialect.cancel(await conn.driverConnection(), 1),
        /can't cancel a running one \(capabilities.cancel is false\)/,
      );
      assert.equal(Number((await conn.execute(text("SELECT 1 AS one"), undefined, { timeoutMs: 1_000 })).scalar()), 1);
      console.log(`[b1] ${target.name}: a ${ms} ms statement ran to the end despite timeoutMs 20`);
    });
  });
}
