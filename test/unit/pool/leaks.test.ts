import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { QueuePool } from "../../../src/index.js";
import { fakeQueuePool, settle, sleep, type FakeConnection } from "../../support/fake-driver.js";

const gc = (globalThis as { gc?: () => void }).gc;

/** Check out and drop the proxy on the floor, the bug P10 is about. */
async function forgetOne(pool: QueuePool<FakeConnection>): Promise<void> {
  const conn = await pool.connect();
  await conn.dbapiConnection.query("BEGIN");
}

describe("forgotten connections (SPEC P10)", () => {
  it("a proxy garbage-collected while checked out is returned (reset first) with a warning carrying its checkout stack", async () => {
    assert.ok(gc, "run the tests with --expose-gc (npm test does)");
    const { driver, pool, logger } = fakeQueuePool({ poolSize: 2, checkoutStacks: true, leakDetectionMs: 10_000 });
    await forgetOne(pool);
    assert.equal(pool.status().checkedOut, 1);
    for (let i = 0; i < 100 && pool.status().checkedOut > 0; i++) {
      await sleep(20); // let a sweep hand the proxy to the FinalizationRegistry
      gc();
      await settle();
    }
    assert.deepEqual([pool.status().checkedIn, pool.status().checkedOut], [1, 0], "returned to the pool");
    assert.equal(driver.connections[0]!.rollbacks, 1, "reset on the way back");
    assert.equal(driver.connections[0]!.inTransaction, false);
    const warning = logger.messages("warn").find((m) => m.includes("garbage-collected"));
    assert.ok(warning, "a warning was logged");
    assert.match(warning, /connection #\d+ was garbage-collected without being closed; it has been returned to the pool/);
    assert.match(warning, /at forgetOne .*leaks\.test\.ts/, "with the checkout's stack");
  });

  it("without checkoutStacks the warning says how to record the stack", async () => {
    const { pool, logger } = fakeQueuePool({ poolSize: 2 });
    await forgetOne(pool);
    for (let i = 0; i < 200 && pool.status().checkedOut > 0; i++) {
      await sleep(20);
      gc?.();
      await settle();
    }
    assert.equal(pool.status().checkedOut, 0);
    assert.match(logger.messages("warn").join("\n"), /stack not recorded: set checkoutStacks: true or leakDetectionMs/);
  });

  it("a connection that is closed properly is never reported, however long it was held", async () => {
    const { pool, logger } = fakeQueuePool({ poolSize: 2 });
    const c = await pool.connect();
    await sleep(1_100); // past one sweep: the proxy is now watched by the registry
    gc?.();
    await settle();
    await c.close();
    gc?.();
    await sleep(20);
    assert.deepEqual(logger.messages("warn"), []);
    assert.equal(pool.status().checkedIn, 1);
  });
});

describe("leak detection and status (SPEC P11)", () => {
  it("warns once per checkout held longer than leakDetectionMs, with the checkout stack", async () => {
    const { pool, logger } = fakeQueuePool({ poolSize: 2, leakDetectionMs: 30 });
    const held = await pool.connect();
    await sleep(120);
    const warnings = logger.messages("warn");
    assert.equal(warnings.length, 1, "once, not every sweep");
    assert.match(warnings[0]!, /connection #\d+ has been checked out for \d+ ms \(leakDetectionMs 30\) and may have leaked/);
    assert.match(warnings[0]!, /leaks\.test\.ts/);
    await held.close();
    const again = await pool.connect();
    await sleep(80);
    assert.equal(logger.messages("warn").length, 2, "a new checkout can warn again");
    await again.close();
  });

  it("status() lists each checked-out connection with its age and checkout site", async () => {
    const { pool } = fakeQueuePool({ poolSize: 2, checkoutStacks: true });
    const a = await pool.connect();
    await sleep(30);
    const b = await pool.connect();
    const status = pool.status();
    assert.equal(status.connections.length, 2);
    const [first, second] = status.connections;
    assert.equal(first!.id, a.record.id);
    assert.ok(first!.checkedOutForMs >= 25, `held ${first!.checkedOutForMs} ms`);
    assert.ok(first!.ageMs >= first!.checkedOutForMs);
    assert.ok(second!.checkedOutForMs < first!.checkedOutForMs);
    assert.match(first!.checkedOutAt ?? "", /leaks\.test\.ts/);
    await a.close();
    assert.deepEqual(pool.status().connections.map((c) => c.id), [b.record.id]);
    await b.close();
  });
});
