import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { ConnectTimeoutError, PoolTimeoutError } from "../../../src/index.js";
import { fakeQueuePool, settle, sleep } from "../../support/fake-driver.js";

const refused = () => Object.assign(new Error("connect ECONNREFUSED 127.0.0.1:5432"), { code: "ECONNREFUSED" });

describe("fail fast (SPEC P22)", () => {
  it("with the database down, every caller gets the connect error and no slot leaks", async () => {
    const { driver, pool } = fakeQueuePool({ poolSize: 2, maxOverflow: 3 });
    driver.down = refused();
    const results = await Promise.allSettled(Array.from({ length: 50 }, () => pool.connect()));
    assert.ok(results.every((r) => r.status === "rejected" && /ECONNREFUSED/.test(String(r.reason))));
    assert.deepEqual(
      { ...pool.status(), connections: pool.status().connections.length },
      { pool: "QueuePool", size: 2, checkedIn: 0, checkedOut: 0, overflow: -2, waiting: 0, connections: 0 },
    );
    assert.equal(pool.lastConnectError, driver.down);
    driver.down = undefined;
    const c = await pool.connect();
    assert.equal(pool.lastConnectError, undefined, "a good connect clears it");
    await c.close();
  });

  it("a waiter whose slot frees up while the database is down gets the connect error", async () => {
    const { driver, pool } = fakeQueuePool({ poolSize: 1, maxOverflow: 0, timeoutMs: 5_000 });
    const a = await pool.connect();
    const waiting = pool.connect();
    await settle();
    driver.down = refused();
    await a.invalidate(new Error("server went away"));
    const started = Date.now();
    await assert.rejects(waiting, /ECONNREFUSED/);
    assert.ok(Date.now() - started < 1_000, "long before its 5 s timeout");
    assert.deepEqual([pool.status().checkedIn, pool.status().checkedOut, pool.status().waiting], [0, 0, 0]);
  });

  it("a connect that hangs is cut by connectTimeoutMs; the late connection is closed, not leaked", async () => {
    const { driver, pool } = fakeQueuePool({ poolSize: 1, connectTimeoutMs: 50 });
    driver.connectDelayMs = 200;
    const started = Date.now();
    const err = await pool.connect().then(() => assert.fail("must time out"), (e: unknown) => e);
    assert.ok(err instanceof ConnectTimeoutError);
    assert.equal(err.code, "CONNECT_TIMEOUT");
    assert.match(err.message, /longer than connectTimeoutMs \(50 ms\)/);
    assert.ok(Date.now() - started < 190);
    assert.equal(pool.status().checkedOut, 0);
    await sleep(250);
    assert.equal(driver.connections.length, 1);
    assert.equal(driver.connections[0]!.closed, true, "arrived too late and was closed");
  });

  it("a blackholed connect fails within the checkout's timeout with the last connect error as cause", async () => {
    const { driver, pool } = fakeQueuePool({ poolSize: 1, timeoutMs: 100, connectTimeoutMs: 10_000 });
    driver.down = refused();
    await assert.rejects(pool.connect(), /ECONNREFUSED/);
    driver.down = undefined;
    driver.hang = true;
    const started = Date.now();
    const err = await pool.connect().then(() => assert.fail("must time out"), (e: unknown) => e);
    const waited = Date.now() - started;
    assert.ok(err instanceof PoolTimeoutError, String(err));
    assert.match(err.message, /Connecting is failing: Error: connect ECONNREFUSED/);
    assert.equal((err.cause as Error).message, "connect ECONNREFUSED 127.0.0.1:5432");
    assert.ok(waited >= 95 && waited < 1_000, `waited ${waited} ms`);
    assert.equal(pool.status().checkedOut, 0);
  });

  it("opening a connection never blocks other checkouts", async () => {
    const { driver, pool } = fakeQueuePool({ poolSize: 2, maxOverflow: 0 });
    const a = await pool.connect();
    driver.connectDelayMs = 200;
    const order: string[] = [];
    const slow = pool.connect().then((c) => (order.push("slow connect"), c));
    await settle();
    const waiter = pool.connect().then((c) => (order.push("waiter"), c));
    await settle();
    await a.close();
    const w = await waiter;
    assert.deepEqual(order, ["waiter"], "served by the returned connection while the other still connects");
    const s = await slow;
    assert.deepEqual(order, ["waiter", "slow connect"]);
    await w.close();
    await s.close();
  });

  it("an AbortSignal cuts a connect in progress", async () => {
    const { driver, pool } = fakeQueuePool({ poolSize: 1 });
    driver.hang = true;
    const controller = new AbortController();
    const pending = pool.connect({ signal: controller.signal });
    await settle();
    controller.abort(new Error("request cancelled"));
    await assert.rejects(pending, /request cancelled/);
    assert.equal(pool.status().checkedOut, 0);
    await assert.rejects(pool.connect({ signal: AbortSignal.abort(new Error("already")) }), /already/);
  });
});
