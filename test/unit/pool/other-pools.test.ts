import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { AssertionPool, NullPool, PoolAssertionError, runInScope, SingletonPool, StaticPool } from "../../../src/index.js";
import { fakeDialect, FakeDriver, type FakeConnection } from "../../support/fake-driver.js";

describe("NullPool (SPEC P3)", () => {
  it("opens a connection per checkout and closes it on return", async () => {
    const driver = new FakeDriver();
    const pool = new NullPool<FakeConnection>(driver.creator, { dialect: fakeDialect });
    const a = await pool.connect();
    const b = await pool.connect();
    assert.notEqual(a.dbapiConnection, b.dbapiConnection);
    assert.deepEqual({ ...pool.status(), connections: undefined }, {
      pool: "NullPool", size: 0, checkedIn: 0, checkedOut: 2, overflow: 0, waiting: 0, connections: undefined,
    });
    const conn = a.dbapiConnection;
    await a.close();
    assert.equal(conn.closed, true);
    assert.equal(conn.rollbacks, 1, "reset on return still runs first");
    await b.close();
    assert.equal(driver.open.length, 0);
    assert.equal(pool.status().checkedOut, 0);
  });
});

describe("StaticPool (SPEC P4)", () => {
  it("hands the one connection to every checkout and resets it when the last holder returns it", async () => {
    const driver = new FakeDriver();
    const pool = new StaticPool<FakeConnection>(driver.creator, { dialect: fakeDialect });
    const [a, b] = await Promise.all([pool.connect(), pool.connect()]);
    assert.equal(driver.connectCalls, 1, "concurrent first checkouts open it once");
    assert.equal(a.dbapiConnection, b.dbapiConnection);
    assert.equal(pool.status().checkedOut, 2);
    await a.close();
    assert.equal(b.dbapiConnection.rollbacks, 0, "no reset under another holder's feet");
    const conn = b.dbapiConnection;
    await b.close();
    assert.equal(conn.rollbacks, 1);
    assert.equal(conn.closed, false);
    assert.deepEqual([pool.status().checkedIn, pool.status().checkedOut], [1, 0]);
    const c = await pool.connect();
    assert.equal(c.dbapiConnection, conn);
    await c.close();
    await pool.dispose();
    assert.equal(conn.closed, true);
  });

  it("reconnects after the connection was invalidated", async () => {
    const driver = new FakeDriver();
    const pool = new StaticPool<FakeConnection>(driver.creator, { dialect: fakeDialect });
    const a = await pool.connect();
    const first = a.dbapiConnection;
    await a.invalidate(new Error("gone"));
    assert.equal(first.closed, true);
    const b = await pool.connect();
    assert.notEqual(b.dbapiConnection, first);
    await b.close();
  });
});

describe("SingletonPool (SPEC P5)", () => {
  it("keeps one connection per async scope, shared by checkouts in that scope", async () => {
    const driver = new FakeDriver();
    const pool = new SingletonPool<FakeConnection>(driver.creator, { dialect: fakeDialect, poolSize: 2 });
    const idsIn = () =>
      runInScope(async () => {
        const a = await pool.connect();
        const b = await pool.connect();
        assert.equal(a.dbapiConnection, b.dbapiConnection, "same scope, same connection");
        const id = a.dbapiConnection.id;
        await a.close();
        await b.close();
        const again = await pool.connect();
        assert.equal(again.dbapiConnection.id, id, "still the same after returning it");
        await again.close();
        return id;
      });
    const [x, y] = await Promise.all([idsIn(), idsIn()]);
    assert.notEqual(x, y, "two scopes, two connections");
    assert.equal(pool.status().checkedIn, 2);
  });

  it("remembers at most poolSize scopes, closing the least recently used idle one", async () => {
    const driver = new FakeDriver();
    const pool = new SingletonPool<FakeConnection>(driver.creator, { dialect: fakeDialect, poolSize: 2 });
    for (let i = 0; i < 3; i++) await runInScope(async () => (await pool.connect()).close());
    assert.equal(driver.connections.length, 3);
    assert.equal(driver.connections[0]!.closed, true, "the oldest scope's connection was closed");
    assert.equal(driver.open.length, 2);
    assert.equal(pool.status().checkedIn, 2);
  });
});

describe("AssertionPool (SPEC P6)", () => {
  it("refuses a second checkout, naming where the first one happened", async () => {
    const driver = new FakeDriver();
    const pool = new AssertionPool<FakeConnection>(driver.creator, { dialect: fakeDialect });
    const first = await pool.connect(); // the line the error must point at
    const err = await pool.connect().then(() => assert.fail("second checkout must fail"), (e: unknown) => e);
    assert.ok(err instanceof PoolAssertionError);
    assert.equal(err.code, "POOL_ASSERTION");
    assert.match(err.message, /already checked out/);
    assert.match(err.message, /other-pools\.test\.ts/, "the first checkout's stack is in the message");
    await first.close();
    const again = await pool.connect();
    assert.equal(again.dbapiConnection, first.record.dbapiConnection, "the one connection is reused");
    assert.equal(driver.connectCalls, 1);
    await again.close();
  });

  it("storeTraceback: false leaves the stack out", async () => {
    const pool = new AssertionPool(() => ({}), { storeTraceback: false });
    const first = await pool.connect();
    await assert.rejects(pool.connect(), (err: Error) => !/checked out at/.test(err.message));
    await first.close();
  });
});
