import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { ArgumentError, DisconnectionError } from "../../../src/index.js";
import { fakeQueuePool, sleep, type FakeConnection } from "../../support/fake-driver.js";

describe("pool events (SPEC P17)", () => {
  it("fires connect, firstConnect, checkout, checkin, reset, invalidate, softInvalidate, close, detach, closeDetached", async () => {
    const { pool } = fakeQueuePool({ poolSize: 1, maxOverflow: 1 });
    const log: string[] = [];
    for (const name of ["connect", "firstConnect", "checkout", "checkin", "reset", "invalidate", "softInvalidate", "close", "detach", "closeDetached"] as const) {
      pool.events.on(name, (...args: unknown[]) => {
        const conn = args[0] as FakeConnection | null;
        log.push(`${name}:${conn?.id ?? "none"}`);
      });
    }
    const a = await pool.connect();
    const b = await pool.connect();
    await a.invalidate(undefined, { soft: true });
    await a.close(); // soft-invalidated: closed on return, its record dropped
    await b.close(); // fills the pool
    const e = await pool.connect();
    const f = await pool.connect();
    await e.close();
    await f.close(); // the pool is full: overflow is closed on return
    const c = await pool.connect();
    await c.invalidate(new Error("x"));
    const d = await pool.connect();
    await d.detach();
    await d.close();
    assert.deepEqual(log, [
      "firstConnect:1", "connect:1", "checkout:1",
      "connect:2", "checkout:2",
      "softInvalidate:1", "close:1", "checkin:none",
      "reset:2", "checkin:2",
      "checkout:2", "connect:3", "checkout:3",
      "reset:2", "checkin:2", "reset:3", "checkin:3", "close:3",
      "checkout:2", "invalidate:2", "close:2", "checkin:none",
      "connect:4", "checkout:4", "detach:4", "closeDetached:4",
    ]);
  });

  it("async listeners are awaited where the pool waits (connect, checkout)", async () => {
    const { pool } = fakeQueuePool();
    const steps: string[] = [];
    pool.events.on("connect", async (conn) => {
      await sleep(10);
      conn.inTransaction = false;
      steps.push("connect done");
    });
    pool.events.on("checkout", async () => {
      await sleep(10);
      steps.push("checkout done");
    });
    const c = await pool.connect();
    steps.push("got it");
    assert.deepEqual(steps, ["connect done", "checkout done", "got it"]);
    await c.close();
  });

  it("a listener that throws on checkin is reported and the pool stays consistent", async () => {
    const { pool, logger } = fakeQueuePool({ poolSize: 2 });
    pool.events.on("checkin", () => {
      throw new Error("listener bug");
    });
    const c = await pool.connect();
    await c.close();
    assert.match(logger.messages("error")[0] ?? "", /a 'checkin' listener threw; carrying on\. Error: listener bug/);
    assert.deepEqual([pool.status().checkedIn, pool.status().checkedOut], [1, 0]);
  });

  it("a checkout listener's other error reaches the caller and the connection goes back", async () => {
    const { pool } = fakeQueuePool({ poolSize: 2 });
    const off = pool.events.on("checkout", () => {
      throw new TypeError("not today");
    });
    await assert.rejects(pool.connect(), /not today/);
    assert.deepEqual([pool.status().checkedIn, pool.status().checkedOut], [1, 0]);
    off();
    const c = await pool.connect();
    await c.close();
  });

  it("unknown event names are rejected", () => {
    const { pool } = fakeQueuePool();
    assert.throws(() => pool.events.on("checkedout" as "checkout", () => undefined), ArgumentError);
  });

  it("once() runs a listener a single time", async () => {
    const { pool } = fakeQueuePool();
    let n = 0;
    pool.events.once("checkout", () => void n++);
    await (await pool.connect()).close();
    await (await pool.connect()).close();
    assert.equal(n, 1);
  });
});

describe("checkout listeners may refuse (SPEC P16)", () => {
  it("DisconnectionError from a checkout listener makes the pool try a fresh connection", async () => {
    const { driver, pool } = fakeQueuePool({ poolSize: 2 });
    let refusals = 1;
    pool.events.on("checkout", () => {
      if (refusals-- > 0) throw new DisconnectionError("stale session");
    });
    const c = await pool.connect();
    assert.equal(driver.connections.length, 2);
    assert.equal(driver.connections[0]!.closed, true);
    assert.equal(c.dbapiConnection.id, 2);
    await c.close();
    assert.deepEqual([pool.status().checkedIn, pool.status().checkedOut], [1, 0]);
  });

  it("gives up after 3 attempts with a DisconnectionError carrying the last one", async () => {
    const { driver, pool } = fakeQueuePool({ poolSize: 2 });
    pool.events.on("checkout", () => {
      throw new DisconnectionError("always stale");
    });
    const err = await pool.connect().then(() => assert.fail("must fail"), (e: unknown) => e);
    assert.ok(err instanceof DisconnectionError);
    assert.match(err.message, /refused 3 connections in a row/);
    assert.ok(err.cause instanceof DisconnectionError);
    assert.equal(driver.connections.length, 3);
    assert.equal(driver.open.length, 0);
    assert.deepEqual([pool.status().checkedIn, pool.status().checkedOut], [0, 0], "no slot leaked");
  });
});

describe("info (SPEC P18)", () => {
  it("survives across checkouts of the same connection and is shared by proxy and record", async () => {
    const { pool } = fakeQueuePool({ poolSize: 1 });
    const a = await pool.connect();
    a.info.tenant = "acme";
    assert.equal(a.record.info.tenant, "acme");
    await a.close();
    const b = await pool.connect();
    assert.equal(b.info.tenant, "acme");
    await b.invalidate(undefined, { soft: true });
    await b.close();
    const c = await pool.connect();
    assert.deepEqual(c.info, {}, "a new driver connection starts a fresh info");
    await c.close();
  });
});
