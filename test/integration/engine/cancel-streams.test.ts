/**
 * SPEC B1 for streams and sessions on real servers: a stream canceled mid-way (its signal
 * covers the whole stream), a stream's timeoutMs bounding each round trip rather than the
 * loop, and session.execute passing its options through.
 */
import assert from "node:assert/strict";
import { after, describe, it } from "node:test";
import { QueryCanceledError, sessionmaker, StatementTimeoutError, text, type Engine } from "../../../src/index.js";
import { activityOf, rejection, sessionIdOf, sleep, sleepSql } from "../../support/cancel-probes.js";
import { disposeAll, engineTargets } from "../../support/engines.js";

after(disposeAll);

const servers = (await engineTargets()).filter((t) => t.name === "postgresql" || t.name === "mysql");

for (const target of servers) {
  const server = target.name as "postgresql" | "mysql";
  let adminEngine: Engine | undefined;
  const admin = (): Engine => (adminEngine ??= target.engine({ isolationLevel: "AUTOCOMMIT" }));
  /**
   * Rows that come slowly, `perRowMs` each. On MariaDB each row is padded to 4 KB so that the
   * server's 16 KB network buffer (net_buffer_length) sends them as they are made.
   */
  const slowRows = (count: number, perRowMs: number): string =>
    server === "postgresql"
      ? `SELECT n, pg_sleep(${perRowMs / 1000}) AS z FROM generate_series(1, ${count}) AS n`
      : `SELECT seq AS n, REPEAT('x', 4000) AS pad, SLEEP(${perRowMs / 1000}) AS z FROM seq_1_to_${count}`;

  describe(`cancel a stream, ${target.name} (SPEC B1)`, { skip: target.skip }, () => {
    it("a signal aborted mid-stream cancels the round trip on the server and ends the iteration", async () => {
      const engine = target.engine();
      await using conn = await engine.connect();
      const id = await sessionIdOf(server, conn);
      const controller = new AbortController();
      const stream = await conn.stream(text(slowRows(1000, 20)), {}, { yieldPer: 5, signal: controller.signal });
      let rows = 0;
      let abortedAt = 0;
      const iterate = (async () => {
        for await (const _row of stream) {
          rows++;
          if (rows === 5) {
            // The first batch is in; abort while the next one is being made on the server.
            setTimeout(() => {
              abortedAt = performance.now();
              controller.abort(new Error("client went away"));
            }, 50);
          }
        }
      })();
      const { error } = await rejection(iterate);
      const ms = Math.round(performance.now() - abortedAt);
      assert.ok(error instanceof QueryCanceledError, `got ${String(error)}`);
      assert.equal(error.canceledBy, "signal");
      assert.match(error.message, /reason: client went away/);
      assert.ok(rows >= 5 && rows < 1000, `read ${rows} rows`);
      assert.ok(ms < 1_000, `the iteration ended ${ms} ms after abort()`);
      assert.equal(stream.closed, true);
      const activity = await activityOf(server, admin(), id);
      assert.equal(activity.running, false, activity.detail);
      await conn.rollback();
      assert.equal(Number((await conn.execute(text("SELECT 1 AS one"))).scalar()), 1, "the connection runs the next statement");
      assert.equal(await sessionIdOf(server, conn), id);
      console.log(`[b1] ${server} stream: canceled after ${rows} rows, iteration ended ${ms} ms after abort(); server: ${activity.detail}`);
    });

    it("a stream's timeoutMs bounds each round trip, not the time the loop spends on rows", async () => {
      const engine = target.engine();
      await using conn = await engine.connect();
      // 5 rows of 40 ms: each round trip ~200 ms, under the 400 ms limit; the loop sleeps
      // 500 ms per batch, so the whole stream takes far longer than the limit.
      const stream = await conn.stream(text(slowRows(15, 40)), {}, { yieldPer: 5, timeoutMs: 400 });
      let rows = 0;
      for await (const batch of stream.partitions()) {
        rows += batch.length;
        await sleep(500);
      }
      assert.equal(rows, 15);
      await conn.rollback();
      // One round trip of 50 rows takes ~2 s: over the limit.
      const slow = await conn.stream(text(slowRows(100, 40)), {}, { yieldPer: 50, timeoutMs: 400 });
      const { error, ms } = await rejection(slow.all());
      assert.ok(error instanceof StatementTimeoutError && error.timeoutMs === 400, `got ${String(error)}`);
      assert.ok(ms < 1_500, `${ms} ms`);
      await conn.rollback();
      assert.equal(Number((await conn.execute(text("SELECT 1 AS one"))).scalar()), 1);
    });

    it("session.execute takes { signal, timeoutMs }; the session then needs rollback (S3)", async () => {
      const engine = target.engine();
      const Session = sessionmaker({ bind: engine });
      await using session = Session();
      const { error, ms } = await rejection(session.execute(text(sleepSql(server, 10)), undefined, { timeoutMs: 300 }));
      assert.ok(error instanceof StatementTimeoutError, `got ${String(error)}`);
      assert.ok(ms < 1_000, `${ms} ms`);
      await assert.rejects(session.execute(text("SELECT 1")), /rolled back|rollback/i);
      await session.rollback();
      assert.equal(Number((await session.execute(text("SELECT 1 AS one"))).scalar()), 1);
      const controller = new AbortController();
      setTimeout(() => controller.abort(), 200);
      await assert.rejects(session.execute(text(sleepSql(server, 10)), undefined, { signal: controller.signal }), QueryCanceledError);
      await session.rollback();
      await session.close();
      assert.equal(engine.pool.status().checkedOut, 0);
    });
  });
}
