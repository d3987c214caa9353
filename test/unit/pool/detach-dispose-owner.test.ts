import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { QueuePool } from "../../../src/index.js";
import { fakeQueuePool, settle } from "../../support/fake-driver.js";

describe("detach (SPEC P19)", () => {
  it("takes the connection out of the pool; the pool may open another; close really closes it", async () => {
    const { driver, pool } = fakeQueuePool({ poolSize: 1, maxOverflow: 0 });
    const a = await pool.connect();
    const waiting = pool.connect();
    await settle();
    assert.equal(pool.status().waiting, 1);
    await a.detach();
    const b = await waiting;
    assert.equal(driver.connections.length, 2, "the freed slot opened a new connection for the waiter");
    assert.equal(a.detached, true);
    await a.dbapiConnection.query("SELECT 1");
    const conn = a.dbapiConnection;
    await a.close();
    assert.equal(conn.closed, true);
    assert.equal(conn.rollbacks, 0, "a detached connection is not reset into the pool");
    await b.close();
    assert.deepEqual([pool.status().checkedIn, pool.status().checkedOut], [1, 0]);
  });
});

describe("dispose and recreate (SPEC P20)", () => {
  it("dispose closes idle connections now and checked-out ones when they return; the pool keeps working", async () => {
    const { driver, pool } = fakeQueuePool({ poolSize: 3 });
    const a = await pool.connect();
    const b = await pool.connect();
    await b.close();
    await pool.dispose();
    assert.equal(driver.connections[1]!.closed, true, "idle: closed by dispose");
    assert.equal(driver.connections[0]!.closed, false, "checked out: left alone");
    await a.dbapiConnection.query("SELECT 1");
    await a.close();
    assert.equal(driver.connections[0]!.closed, true, "closed when returned");
    assert.deepEqual([pool.status().checkedIn, pool.status().checkedOut, pool.status().overflow], [0, 0, -3]);
    const c = await pool.connect();
    assert.equal(c.dbapiConnection.id, 3, "fresh connections after dispose");
    await c.close();
  });

  it("recreate returns an empty pool with the same settings and listeners", async () => {
    const { pool } = fakeQueuePool({ poolSize: 2, maxOverflow: 3, timeoutMs: 1234, useLifo: true });
    let checkouts = 0;
    pool.events.on("checkout", () => void checkouts++);
    await (await pool.connect()).close();
    const fresh = pool.recreate();
    assert.ok(fresh instanceof QueuePool);
    assert.notEqual(fresh, pool);
    assert.deepEqual([fresh.poolSize, fresh.maxOverflow, fresh.timeoutMs, fresh.useLifo], [2, 3, 1234, true]);
    assert.equal(fresh.status().checkedIn, 0);
    await (await fresh.connect()).close();
    assert.equal(checkouts, 2);
  });
});

describe("processes and workers (SPEC P21)", () => {
  it("a connection opened by another process is invalidated, not used", async () => {
    const { driver, pool } = fakeQueuePool({ poolSize: 1 });
    await (await pool.connect()).close();
    const realPid = process.pid;
    // A pool whose memory came from elsewhere (a restored snapshot) sees a different pid.
    Object.defineProperty(process, "pid", { value: realPid + 1, configurable: true, writable: false, enumerable: true });
    try {
      const c = await pool.connect();
      assert.equal(driver.connections[0]!.closed, true, "the foreign connection was closed");
      assert.equal(c.dbapiConnection.id, 2);
      assert.equal(c.record.ownerPid, realPid + 1);
      await c.close();
    } finally {
      Object.defineProperty(process, "pid", { value: realPid, configurable: true, writable: false, enumerable: true });
    }
    const d = await pool.connect();
    assert.equal(d.dbapiConnection.id, 3, "and back in the original process, the other's connection is not used either");
    await d.close();
  });
});
