import assert from "node:assert/strict";
import { AsyncLocalStorage } from "node:async_hooks";
import { describe, it } from "node:test";
import { PoolTimeoutError } from "../../../src/errors.js";
import type { PooledConnection } from "../../../src/pool/pooled-connection.js";
import { fakeQueuePool, settle, type FakeConnection } from "../../support/fake-driver.js";

/** checkoutWith() as a promise, recording the async context each callback ran in. */
function checkoutIn(
  pool: ReturnType<typeof fakeQueuePool>["pool"],
  storage: AsyncLocalStorage<string>,
  seen: (string | undefined)[],
): Promise<PooledConnection<FakeConnection>> {
  return new Promise((resolve, reject) =>
    pool.checkoutWith(
      (proxy) => {
        seen.push(storage.getStore());
        resolve(proxy);
      },
      (err) => {
        seen.push(storage.getStore());
        reject(err);
      },
    ),
  );
}

describe("checkout with callbacks (the engine's statement path)", () => {
  it("hands a ready connection over at once, without a promise", async () => {
    const { pool } = fakeQueuePool({ poolSize: 1, maxOverflow: 0 });
    await (await pool.connect()).close(); // opened once: idle and ready
    let got: PooledConnection<FakeConnection> | undefined;
    pool.checkoutWith(
      (proxy) => (got = proxy),
      (err) => assert.fail(String(err)),
    );
    assert.ok(got !== undefined, "onProxy ran before checkoutWith returned");
    assert.equal(pool.status().checkedOut, 1);
    await got.close();
    assert.equal(pool.status().checkedIn, 1);
  });

  it("a waiter served by another holder's close() continues in its own async context, not the closer's", async () => {
    const { pool } = fakeQueuePool({ poolSize: 1, maxOverflow: 0 });
    const storage = new AsyncLocalStorage<string>();
    const held = await pool.connect();
    const seen: (string | undefined)[] = [];
    const waiting = storage.run("waiter", () => checkoutIn(pool, storage, seen));
    await settle();
    assert.equal(pool.status().waiting, 1);
    await storage.run("closer", () => held.close());
    const proxy = await waiting;
    assert.deepEqual(seen, ["waiter"]);
    await proxy.close();
    assert.deepEqual([pool.status().checkedIn, pool.status().checkedOut], [1, 0]);
  });

  it("a waiter whose time runs out gets PoolTimeoutError in its own context; the pool stays whole", async () => {
    const { pool } = fakeQueuePool({ poolSize: 1, maxOverflow: 0, timeoutMs: 30 });
    const storage = new AsyncLocalStorage<string>();
    const held = await pool.connect();
    const seen: (string | undefined)[] = [];
    await assert.rejects(
      storage.run("waiter", () => checkoutIn(pool, storage, seen)),
      (e: unknown) => e instanceof PoolTimeoutError,
    );
    assert.deepEqual(seen, ["waiter"]);
    assert.equal(pool.status().waiting, 0);
    await held.close();
    const again = await pool.connect();
    await again.close();
  });

  it("a connection that must be opened first arrives through the same callback", async () => {
    const { driver, pool } = fakeQueuePool({ poolSize: 2 });
    const storage = new AsyncLocalStorage<string>();
    const seen: (string | undefined)[] = [];
    const proxy = await storage.run("first", () => checkoutIn(pool, storage, seen));
    assert.equal(driver.connections.length, 1, "opened for this checkout");
    assert.deepEqual(seen, ["first"]);
    await proxy.close();
  });
});
