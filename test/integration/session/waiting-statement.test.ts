/**
 * A session's statement that waits for the pool: the connection arrives through a callback
 * fired by another holder's close() (no promise on the way: Engine.connectWith), yet everything
 * after it runs in the waiting statement's own async scope, as it did through promises: the
 * SPEC B4 hold is recorded for its scope, and listeners see the caller's AsyncLocalStorage.
 */
import assert from "node:assert/strict";
import { AsyncLocalStorage } from "node:async_hooks";
import { after, describe, it } from "node:test";
import { InvalidRequestError, PendingRollbackError, QueuePool, scopedSession, sessionmaker, text, type Engine } from "../../../src/index.js";
import { disposeAll, engineTargets } from "../../support/engines.js";
import { MemoryLogger } from "../../support/fake-driver.js";

after(disposeAll);

async function until(condition: () => boolean): Promise<void> {
  for (let i = 0; i < 500 && !condition(); i++) await new Promise((resolve) => setTimeout(resolve, 2));
  assert.ok(condition(), "timed out waiting for the pool's queue");
}

function deferred(): { promise: Promise<void>; resolve: () => void } {
  let resolve!: () => void;
  const promise = new Promise<void>((r) => (resolve = r));
  return { promise, resolve };
}

const isWrongHandle = (e: unknown): boolean => e instanceof InvalidRequestError && e.code === "WRONG_HANDLE";

for (const target of await engineTargets()) {
  describe(`a session statement that waits for the pool, on ${target.name}`, { skip: target.skip }, () => {
    /** A pool of one connection (PGlite's is that already: its database lives in one). */
    function oneConnection(): Engine {
      const size = target.name === "pglite" ? {} : { poolSize: 1, maxOverflow: 0 };
      const engine = target.engine({ ...size, poolTimeoutMs: 5_000, wrongHandleGuard: "throw", logger: new MemoryLogger() });
      assert.ok(engine.pool instanceof QueuePool && engine.pool.poolSize === 1 && engine.pool.maxOverflow === 0);
      return engine;
    }

    it("runs in its own scope once served: its hold is its own, not the scope's that gave the connection back", async () => {
      const engine = oneConnection();
      const db = scopedSession(sessionmaker({ bind: engine }));
      const aHolds = deferred();
      const bServed = deferred();
      const bMayEnd = deferred();
      await Promise.all([
        db.scope(async () => {
          await db.execute(text("SELECT 1"));
          aHolds.resolve();
          await until(() => engine.pool.status().waiting === 1);
          await db.commit(); // gives the connection back: B is served from inside this call
          await bServed.promise;
          // A holds nothing now: asking for more waits (and times out) instead of tripping the guard.
          await assert.rejects(engine.connect({ timeoutMs: 50 }), (e: unknown) => !isWrongHandle(e) && /QueuePool limit/.test(String(e)));
          bMayEnd.resolve();
        }),
        db.scope(async () => {
          await aHolds.promise;
          const result = await db.execute(text("SELECT 2 AS n"));
          assert.equal(Number(result.scalar()), 2);
          bServed.resolve();
          // B holds the only connection: the guard knows it is B's.
          await assert.rejects(engine.connect(), isWrongHandle);
          await bMayEnd.promise;
        }),
      ]);
      assert.equal(engine.pool.status().checkedOut, 0);
    });

    it("a failure after the wait reaches handleError listeners in the caller's context, and the session refuses work until rollback", async () => {
      const engine = oneConnection();
      const mine = new AsyncLocalStorage<string>();
      const seen: (string | undefined)[] = [];
      engine.events.on("handleError", () => void seen.push(mine.getStore()));
      const Session = sessionmaker({ bind: engine });
      const holder = Session();
      await holder.execute(text("SELECT 1"));
      const failing = mine.run("caller", async () => {
        await using session = Session();
        const error = await session.execute(text(`SELECT * FROM ${target.table("missing")}`)).then(
          () => assert.fail("the statement should fail"),
          (e: unknown) => e,
        );
        await assert.rejects(session.execute(text("SELECT 1")), (e: unknown) => e instanceof PendingRollbackError && e.cause === error);
        await session.rollback();
        assert.equal(Number((await session.execute(text("SELECT 3 AS n"))).scalar()), 3);
      });
      await until(() => engine.pool.status().waiting === 1);
      await mine.run("holder", () => holder.close());
      await failing;
      assert.deepEqual(seen, ["caller"]);
      assert.equal(engine.pool.status().checkedOut, 0);
    });
  });
}
