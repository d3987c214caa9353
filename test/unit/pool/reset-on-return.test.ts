import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { QueuePool } from "../../../src/index.js";
import { fakeDialect, FakeDriver, type FakeConnection, MemoryLogger } from "../../support/fake-driver.js";

describe("reset on return (SPEC P9)", () => {
  it('"rollback" (default) rolls back every returned connection', async () => {
    const driver = new FakeDriver();
    const pool = new QueuePool<FakeConnection>(driver.creator, { dialect: fakeDialect });
    const c = await pool.connect();
    await c.dbapiConnection.query("BEGIN");
    const conn = c.dbapiConnection;
    await c.close();
    assert.deepEqual([conn.rollbacks, conn.commits, conn.inTransaction], [1, 0, false]);
  });

  it('"commit" commits and "none" leaves the connection alone', async () => {
    for (const [mode, rollbacks, commits] of [["commit", 0, 1], ["none", 0, 0]] as const) {
      const driver = new FakeDriver();
      const pool = new QueuePool<FakeConnection>(driver.creator, { dialect: fakeDialect, resetOnReturn: mode });
      const c = await pool.connect();
      const conn = c.dbapiConnection;
      await c.close();
      assert.deepEqual([conn.rollbacks, conn.commits], [rollbacks, commits], mode);
    }
  });

  it("a reset that fails invalidates the connection instead of returning it", async () => {
    const driver = new FakeDriver();
    const logger = new MemoryLogger();
    const pool = new QueuePool<FakeConnection>(driver.creator, { dialect: fakeDialect, logger, poolSize: 2 });
    const c = await pool.connect();
    const conn = c.dbapiConnection;
    conn.failRollback = true;
    await c.close();
    assert.equal(conn.closed, true);
    assert.deepEqual([pool.status().checkedIn, pool.status().checkedOut], [0, 0]);
    assert.match(logger.messages("warn")[0] ?? "", /resetting connection #\d+ on return failed, so it was invalidated: Error: fake: rollback failed/);
    const next = await pool.connect();
    assert.notEqual(next.dbapiConnection, conn);
    await next.close();
  });

  it("a reset that throws synchronously is handled the same way", async () => {
    const driver = new FakeDriver();
    const dialect = { ...fakeDialect, rollback: () => { throw new Error("sync boom"); } };
    const pool = new QueuePool<FakeConnection>(driver.creator, { dialect, logger: new MemoryLogger() });
    const c = await pool.connect();
    const conn = c.dbapiConnection;
    await c.close();
    assert.equal(conn.closed, true);
    assert.equal(pool.status().checkedIn, 0);
  });
});
