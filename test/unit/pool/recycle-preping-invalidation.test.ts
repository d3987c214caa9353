import assert from "node:assert/strict";
import { describe, it } from "node:test";

import { fakeQueuePool, sleep } from "../../support/fake-driver.js";

describe("recycle (SPEC P12)", () => {
  it("replaces a connection older than recycleMs at its next checkout, never while checked out", async () => {
    const { driver, pool } = fakeQueuePool({ poolSize: 1, recycleMs: 40 });
    const a = await pool.connect();
    const first = a.dbapiConnection;
    await sleep(60);
    assert.equal(first.closed, false, "not closed while checked out");
    await a.close();
    assert.equal(first.closed, false, "returned normally");
    const b = await pool.connect();
    assert.equal(first.closed, true, "closed at the next checkout");
    assert.notEqual(b.dbapiConnection, first);
    await b.close();
    const c = await pool.connect();
    assert.equal(c.dbapiConnection, b.record.dbapiConnection, "a young connection is reused");
    await c.close();
    assert.equal(driver.connectCalls, 2);
  });
});

describe("pre-ping (SPEC P13)", () => {
  it("pings at checkout; a dead connection is replaced and every older one is marked stale", async () => {
    const { driver, pool } = fakeQueuePool({ poolSize: 3, prePing: true });
    const held = [await pool.connect(), await pool.connect(), await pool.connect()];
    for (const c of held) await c.close();
    assert.equal(driver.connections.reduce((n, c) => n + c.pings, 0), 0, "new connections are not pinged");
    driver.restartServer();
    const a = await pool.connect();
    assert.equal(a.isValid, true);
    assert.equal(driver.connections[0]!.pings, 1);
    assert.equal(driver.connections[0]!.closed, true);
    assert.equal(driver.connections.length, 4, "one reconnect for the caller");
    const b = await pool.connect();
    assert.equal(driver.connections[1]!.pings, 0, "the other old ones are replaced without a ping");
    assert.equal(driver.connections[1]!.closed, true);
    assert.equal(driver.connections.length, 5);
    await a.close();
    await b.close();
    assert.equal(pool.status().checkedIn, 3);
  });

  it("a restart between two bursts costs zero errors", async () => {
    const { driver, pool } = fakeQueuePool({ poolSize: 5, prePing: true });
    const burst = () =>
      Promise.all(
        Array.from({ length: 5 }, async () => {
          const c = await pool.connect();
          await c.dbapiConnection.query("SELECT 1");
          await c.close();
        }),
      );
    await burst();
    driver.restartServer();
    await burst();
    assert.equal(driver.open.length, 5);
  });

  it("when the database is down the caller gets the connect error", async () => {
    const { driver, pool } = fakeQueuePool({ poolSize: 1, prePing: true });
    await (await pool.connect()).close();
    driver.restartServer();
    driver.down = new Error("ECONNREFUSED 127.0.0.1:5432");
    await assert.rejects(pool.connect(), /ECONNREFUSED/);
    assert.deepEqual([pool.status().checkedIn, pool.status().checkedOut], [0, 0], "the slot was given back");
    driver.down = undefined;
    const c = await pool.connect();
    assert.equal(c.isValid, true);
    await c.close();
  });

  it("a ping that never answers is cut by connectTimeoutMs and the connection replaced", async () => {
    const { driver, pool } = fakeQueuePool({ poolSize: 1, prePing: true, connectTimeoutMs: 50 });
    await (await pool.connect()).close();
    driver.connections[0]!.hangPing = true;
    const started = Date.now();
    const c = await pool.connect();
    assert.ok(Date.now() - started < 1_000);
    assert.equal(c.dbapiConnection.id, 2);
    await c.close();
  });
});

describe("invalidation (SPEC P14, P15)", () => {
  it("invalidateAll: idle connections are replaced at checkout, checked-out ones closed on return", async () => {
    const { driver, pool } = fakeQueuePool({ poolSize: 3 });
    const a = await pool.connect();
    const b = await pool.connect();
    await b.close();
    pool.invalidateAll(new Error("server restarted"));
    const aConn = a.dbapiConnection;
    await a.close();
    assert.equal(aConn.closed, true, "closed on return");
    const c = await pool.connect();
    assert.equal(driver.connections[1]!.closed, true, "the idle one was replaced at checkout");
    assert.equal(c.dbapiConnection.id, 3);
    await c.close();
    assert.deepEqual([pool.status().checkedIn, pool.status().checkedOut], [1, 0]);
  });

  it("hard invalidate closes now and ends the checkout; the slot is free again", async () => {
    const { pool } = fakeQueuePool({ poolSize: 1, maxOverflow: 0 });
    const a = await pool.connect();
    const conn = a.dbapiConnection;
    await a.invalidate(new Error("broken"));
    assert.equal(conn.closed, true);
    assert.equal(a.closed, true);
    assert.throws(() => a.dbapiConnection, /closed/);
    assert.deepEqual([pool.status().checkedIn, pool.status().checkedOut, pool.status().overflow], [0, 0, -1]);
    const b = await pool.connect();
    assert.notEqual(b.dbapiConnection, conn);
    await b.close();
  });

  it("soft invalidate keeps the connection usable until returned, then replaces it at the next checkout", async () => {
    const { pool } = fakeQueuePool({ poolSize: 1 });
    const a = await pool.connect();
    const conn = a.dbapiConnection;
    await a.invalidate(undefined, { soft: true });
    assert.equal(a.isValid, true);
    await a.dbapiConnection.query("SELECT 1");
    await a.close();
    assert.equal(conn.closed, true, "closed when it came back");
    const b = await pool.connect();
    assert.notEqual(b.dbapiConnection, conn);
    await b.close();
  });
});
