import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { PoolTimeoutError, QueuePool, type PooledConnection } from "../../../src/index.js";
import { fakeQueuePool, settle, type FakeConnection } from "../../support/fake-driver.js";

/** (size, checkedIn, overflow, checkedOut), as SQLAlchemy's test_pool.py asserts them. */
function figures(pool: QueuePool<FakeConnection>): [number, number, number, number] {
  const s = pool.status();
  return [s.size, s.checkedIn, s.overflow, s.checkedOut];
}

describe("QueuePool (SPEC P1, P2)", () => {
  it("P1: opens nothing until used, and grows only to what is used at once", async () => {
    const { driver, pool } = fakeQueuePool({ poolSize: 5 });
    assert.equal(driver.connectCalls, 0);
    assert.deepEqual(figures(pool), [5, 0, -5, 0]);
    for (let i = 0; i < 10; i++) await (await pool.connect()).close();
    assert.equal(driver.connectCalls, 1, "sequential checkouts reuse one connection");
    const a = await pool.connect();
    const b = await pool.connect();
    assert.equal(driver.connectCalls, 2);
    await a.close();
    await b.close();
    assert.deepEqual(figures(pool), [5, 2, -3, 0]);
  });

  it("P2: poolSize 3, unlimited overflow: six checkouts, returns fill the pool first, surplus closes", async () => {
    const { driver, pool } = fakeQueuePool({ poolSize: 3, maxOverflow: -1 });
    const held: PooledConnection<FakeConnection>[] = [];
    const expected: [number, number, number, number][] = [
      [3, 0, -2, 1],
      [3, 0, -1, 2],
      [3, 0, 0, 3],
      [3, 0, 1, 4],
      [3, 0, 2, 5],
      [3, 0, 3, 6],
    ];
    for (const step of expected) {
      held.push(await pool.connect());
      assert.deepEqual(figures(pool), step);
    }
    await held[3]!.close();
    await held[2]!.close();
    await held[1]!.close();
    assert.deepEqual(figures(pool), [3, 3, 3, 3]);
    assert.equal(driver.open.length, 6, "the first three returns are kept open");
    await held[0]!.close();
    await held[4]!.close();
    await held[5]!.close();
    assert.deepEqual(figures(pool), [3, 3, 0, 0]);
    assert.equal(driver.open.length, 3, "the surplus three were closed");
  });

  it("P2: total is capped at poolSize + maxOverflow and the rest wait FIFO", async () => {
    const { pool } = fakeQueuePool({ poolSize: 2, maxOverflow: 1, timeoutMs: 5_000 });
    const held = [await pool.connect(), await pool.connect(), await pool.connect()];
    assert.deepEqual(figures(pool), [2, 0, 1, 3]);
    const order: number[] = [];
    const waiters = [1, 2, 3].map((n) =>
      pool.connect().then((c) => {
        order.push(n);
        return c;
      }),
    );
    await settle();
    assert.equal(pool.status().waiting, 3);
    const servedBy = held[1]!.record;
    await held[1]!.close();
    const first = await waiters[0]!;
    assert.equal(first.record, servedBy, "a returned connection goes straight to the oldest waiter");
    await held[0]!.close();
    await held[2]!.close();
    const rest = await Promise.all(waiters.slice(1));
    assert.deepEqual(order, [1, 2, 3]);
    assert.equal(pool.status().waiting, 0);
    assert.deepEqual(figures(pool), [2, 0, 1, 3]);
    for (const c of [first, ...rest]) await c.close();
    assert.deepEqual(figures(pool), [2, 2, 0, 0]);
  });

  it("P2: a waiter times out with PoolTimeoutError naming size, overflow, checked-out count and timeout", async () => {
    const { pool } = fakeQueuePool({ poolSize: 1, maxOverflow: 1, timeoutMs: 50 });
    const a = await pool.connect();
    const b = await pool.connect();
    const started = Date.now();
    const err = await pool.connect().then(
      () => assert.fail("should time out"),
      (e: unknown) => e,
    );
    const waited = Date.now() - started;
    assert.ok(err instanceof PoolTimeoutError);
    assert.equal(err.code, "POOL_TIMEOUT");
    assert.match(err.message, /QueuePool limit of size 1 overflow 1 reached, 2 checked out/);
    assert.match(err.message, /within 50 ms/);
    assert.equal(err.cause, undefined, "connects are not failing, so no cause");
    assert.ok(waited >= 45 && waited < 1_000, `waited ${waited} ms`);
    assert.equal(pool.status().waiting, 0);
    await a.close();
    await b.close();
  });

  it("P2: timeoutMs 0 fails at once when nothing is free; a per-checkout timeoutMs overrides the pool's", async () => {
    const { pool } = fakeQueuePool({ poolSize: 1, maxOverflow: 0, timeoutMs: 0 });
    const a = await pool.connect();
    await assert.rejects(pool.connect(), PoolTimeoutError);
    const waiting = pool.connect({ timeoutMs: 1_000 });
    await settle();
    await a.close();
    const b = await waiting;
    await b.close();
  });

  it("P2: poolSize 0 means no size limit: every returned connection is kept", async () => {
    const { driver, pool } = fakeQueuePool({ poolSize: 0, maxOverflow: -1 });
    const held = await Promise.all(Array.from({ length: 20 }, () => pool.connect()));
    for (const c of held) await c.close();
    assert.equal(pool.status().checkedIn, 20);
    assert.equal(driver.open.length, 20);
    assert.equal(pool.status().overflow, 0);
  });

  it("P2: FIFO by default cycles through idle connections; useLifo reuses the most recent", async () => {
    for (const useLifo of [false, true]) {
      const { pool } = fakeQueuePool({ poolSize: 3, useLifo });
      const held = [await pool.connect(), await pool.connect(), await pool.connect()];
      const ids = held.map((c) => c.dbapiConnection.id);
      for (const c of held) await c.close();
      const seen: number[] = [];
      for (let i = 0; i < 3; i++) {
        const c = await pool.connect();
        seen.push(c.dbapiConnection.id);
        await c.close();
      }
      if (useLifo) assert.deepEqual(seen, [ids[2], ids[2], ids[2]]);
      else assert.deepEqual(seen, [ids[0], ids[1], ids[2]]);
    }
  });

  it("a waiter's AbortSignal removes it from the queue", async () => {
    const { pool } = fakeQueuePool({ poolSize: 1, maxOverflow: 0 });
    const a = await pool.connect();
    const controller = new AbortController();
    const waiting = pool.connect({ signal: controller.signal });
    await settle();
    assert.equal(pool.status().waiting, 1);
    controller.abort(new Error("user went away"));
    await assert.rejects(waiting, /user went away/);
    assert.equal(pool.status().waiting, 0);
    await a.close();
    assert.deepEqual(figures(pool), [1, 1, 0, 0], "the returned connection is idle, not given to the aborted waiter");
  });

  it("close() twice returns the connection once; a closed proxy refuses use", async () => {
    const { pool } = fakeQueuePool({ poolSize: 2 });
    const a = await pool.connect();
    await a.close();
    const b = await pool.connect();
    await a.close();
    assert.deepEqual(figures(pool), [2, 0, -1, 1], "the stale handle did not return b's connection");
    assert.throws(() => a.dbapiConnection, /closed \(returned to the pool\)/);
    assert.equal(a.closed, true);
    await b.close();
  });

  it("await using returns the connection at the end of the block", async () => {
    const { pool } = fakeQueuePool({ poolSize: 2 });
    {
      await using c = await pool.connect();
      assert.equal(c.isValid, true);
      assert.equal(pool.status().checkedOut, 1);
    }
    assert.equal(pool.status().checkedOut, 0);
    assert.equal(pool.status().checkedIn, 1);
  });
});
