import assert from "node:assert/strict";
import { after, describe, it } from "node:test";
import {
  IllegalStateChangeError,
  IntegrityError,
  InvalidRequestError,
  PendingRollbackError,
  runInScope,
  scopedSession,
  sessionmaker,
  text,
  type Engine,
} from "../../../src/index.js";
import { disposeAll, engineTargets } from "../../support/engines.js";
import { MemoryLogger } from "../../support/fake-driver.js";

after(disposeAll);

async function values(engine: Engine, table: string): Promise<number[]> {
  await using conn = await engine.connect();
  return (await conn.execute(text(`SELECT n FROM ${table} ORDER BY n`))).scalars().all().map(Number);
}

for (const target of await engineTargets()) {
  describe(`Session on ${target.name} (SPEC S1-S4, S6)`, { skip: target.skip }, () => {
    async function setup(options: Parameters<typeof target.engine>[0] = {}) {
      const engine = target.engine(options);
      const t = target.table("s");
      await engine.begin(async (c) => void (await c.execute(text(`CREATE TABLE ${t} (n INTEGER PRIMARY KEY)`))));
      return { engine, t, Session: sessionmaker({ bind: engine }) };
    }

    it("S1/S2: autobegin takes a connection; commit gives it back; the next statement takes one again; close rolls back", async () => {
      const { engine, t, Session } = await setup();
      {
        await using session = Session();
        assert.equal(engine.pool.status().checkedOut, 0, "a new session holds nothing");
        await session.execute(text(`INSERT INTO ${t} (n) VALUES (:n)`), { n: 1 });
        assert.equal(session.inTransaction, true);
        assert.equal(engine.pool.status().checkedOut, 1);
        await session.commit();
        assert.equal(session.inTransaction, false);
        assert.equal(engine.pool.status().checkedOut, 0, "commit returned the connection");
        const result = await session.execute(text(`SELECT n FROM ${t}`));
        assert.deepEqual(result.scalars().all().map(Number), [1], "execute returns the Core's Result");
        assert.equal(engine.pool.status().checkedOut, 1, "and the next statement took one again");
        await session.execute(text(`INSERT INTO ${t} (n) VALUES (2)`));
      }
      assert.equal(engine.pool.status().checkedOut, 0, "leaving the block closed the session");
      assert.deepEqual(await values(engine, t), [1], "and rolled back what was not committed");
    });

    it("S2: Session.begin commits on success, rolls back on throw, always closes", async () => {
      const { engine, t, Session } = await setup();
      await Session.begin(async (session) => void (await session.execute(text(`INSERT INTO ${t} (n) VALUES (1)`))));
      await assert.rejects(
        Session.begin(async (session) => {
          await session.execute(text(`INSERT INTO ${t} (n) VALUES (2)`));
          throw new Error("nope");
        }),
        /nope/,
      );
      await assert.rejects(
        Session.begin(async (session) => void (await session.execute(text(`INSERT INTO ${t} (n) VALUES (1)`)))),
        IntegrityError,
        "a failed statement inside the scope: the scope rolls back itself",
      );
      assert.deepEqual(await values(engine, t), [1]);
      assert.equal(engine.pool.status().checkedOut, 0);
    });

    it("S2: beginNested is a SAVEPOINT; commit() and rollback() act on the outermost transaction", async () => {
      const { engine, t, Session } = await setup();
      await using session = Session();
      const tx = await session.begin();
      await session.execute(text(`INSERT INTO ${t} (n) VALUES (1)`));
      const sp = await session.beginNested();
      await session.execute(text(`INSERT INTO ${t} (n) VALUES (2)`));
      await sp.rollback();
      assert.equal(sp.state, "closed");
      const sp2 = await session.beginNested();
      await session.execute(text(`INSERT INTO ${t} (n) VALUES (3)`));
      const sp3 = await session.beginNested();
      await session.execute(text(`INSERT INTO ${t} (n) VALUES (4)`));
      await session.commit(); // the outermost, with both savepoints still open
      assert.deepEqual([tx.state, sp2.state, sp3.state], ["closed", "closed", "closed"]);
      assert.deepEqual(await values(engine, t), [1, 3, 4]);
      await assert.rejects(session.begin().then(async (t2) => { await session.begin(); return t2; }), /already begun on this Session/);
      await session.rollback();
    });

    it("S3: after a failed statement the session refuses work with PendingRollbackError until rollback()", async () => {
      const { engine, t, Session } = await setup();
      await using session = Session();
      await session.execute(text(`INSERT INTO ${t} (n) VALUES (1)`));
      const original = await session.execute(text(`INSERT INTO ${t} (n) VALUES (1)`)).then(() => undefined, (e: unknown) => e);
      assert.ok(original instanceof IntegrityError);
      const refused = await session.execute(text("SELECT 1")).then(() => undefined, (e: unknown) => e);
      assert.ok(refused instanceof PendingRollbackError, String(refused));
      assert.equal(refused.cause, original, "it carries the original error");
      assert.match(refused.message, /can't run this until it is rolled back/);
      await assert.rejects(session.commit(), PendingRollbackError);
      await session.rollback();
      await session.execute(text(`INSERT INTO ${t} (n) VALUES (2)`));
      await session.commit();
      assert.deepEqual(await values(engine, t), [2]);
    });

    it("S3: a failure inside a savepoint is contained by rolling back the savepoint", async () => {
      const { engine, t, Session } = await setup();
      await using session = Session();
      await session.execute(text(`INSERT INTO ${t} (n) VALUES (1)`));
      const sp = await session.beginNested();
      await assert.rejects(session.execute(text(`INSERT INTO ${t} (n) VALUES (1)`)), IntegrityError);
      await assert.rejects(session.execute(text("SELECT 1")), PendingRollbackError);
      await assert.rejects(sp.commit(), PendingRollbackError);
      await sp.rollback();
      await session.execute(text(`INSERT INTO ${t} (n) VALUES (2)`));
      await session.commit();
      assert.deepEqual(await values(engine, t), [1, 2]);
    });

    it("S6: two overlapping operations on one session raise instead of interleaving", async () => {
      const { Session } = await setup();
      await using session = Session();
      const first = session.execute(text("SELECT 1"));
      const second = session.execute(text("SELECT 2")).then(() => undefined, (e: unknown) => e);
      assert.ok((await second) instanceof IllegalStateChangeError);
      await first;
      // close() is teardown, not overlapping work: it waits for the running call, then closes.
      const running = session.execute(text("SELECT 3"));
      await session.close();
      await running;
      assert.equal(session.inTransaction, false);
      await session.close({ final: true });
      await assert.rejects(session.execute(text("SELECT 4")), /closed for good/);
    });

    it("S4: scopedSession keeps one session per async scope; remove() closes and forgets it", async () => {
      const { engine, t, Session } = await setup();
      const db = scopedSession(Session);
      const seen = await Promise.all(
        [1, 2, 3].map((n) =>
          db.scope(async () => {
            const mine = db();
            assert.equal(db(), mine, "the same session throughout the scope");
            await new Promise((r) => setTimeout(r, 5));
            assert.equal(db(), mine, "also after an await");
            await db.execute(text(`INSERT INTO ${t} (n) VALUES (:n)`), { n });
            if (n !== 2) await db.commit();
            return mine;
          }),
        ),
      );
      assert.equal(new Set(seen).size, 3, "three scopes, three sessions");
      assert.deepEqual(await values(engine, t), [1, 3], "the uncommitted scope was rolled back when removed");
      assert.equal(engine.pool.status().checkedOut, 0);
      await runInScope(async () => {
        db();
        assert.throws(() => db({ autoflush: false }), (e: unknown) => e instanceof InvalidRequestError && /already has a session/.test(e.message));
        await db.remove({ final: true });
        assert.throws(() => db(), /This scope has ended/);
      });
    });
  });
}

const [sqlite] = await engineTargets();
describe("the wrong-handle guard (SPEC B4)", () => {
  it("warns with both call sites when a scope's session holds the exhausted pool and the engine is asked for more", async () => {
    const logger = new MemoryLogger();
    const engine = sqlite!.engine({ poolSize: 1, maxOverflow: 0, poolTimeoutMs: 100, logger, poolCheckoutStacks: true });
    const db = scopedSession(sessionmaker({ bind: engine }));
    await db.scope(async () => {
      await db.execute(text("SELECT 1"));
      await assert.rejects(engine.connect(), /QueuePool limit of size 1 overflow 0 reached/);
    });
    const warning = logger.messages("warn").join("\n");
    assert.match(warning, /self-deadlock/);
    assert.match(warning, /The session took its connection at:\n[\s\S]*session\.test\.ts/);
    assert.match(warning, /This checkout is at:\n[\s\S]*session\.test\.ts/);
  });

  it("without recorded checkout stacks it still warns, with this checkout's site and how to record the session's", async () => {
    const logger = new MemoryLogger();
    const engine = sqlite!.engine({ poolSize: 1, maxOverflow: 0, poolTimeoutMs: 100, logger });
    const db = scopedSession(sessionmaker({ bind: engine }));
    await db.scope(async () => {
      await db.execute(text("SELECT 1"));
      await assert.rejects(engine.connect(), /QueuePool limit of size 1 overflow 0 reached/);
    });
    const warning = logger.messages("warn").join("\n");
    assert.match(warning, /The session took its connection at:\n\s+\(not recorded: createEngine\(url, \{ poolCheckoutStacks: true \}\)/);
    assert.match(warning, /This checkout is at:\n[\s\S]*session\.test\.ts/);
  });

  it("throws at once in strict mode, and stays quiet when the pool has room", async () => {
    const engine = sqlite!.engine({ poolSize: 1, maxOverflow: 0, wrongHandleGuard: "throw", logger: new MemoryLogger() });
    const db = scopedSession(sessionmaker({ bind: engine }));
    await db.scope(async () => {
      await db.execute(text("SELECT 1"));
      await assert.rejects(engine.connect(), (e: unknown) => e instanceof InvalidRequestError && e.code === "WRONG_HANDLE");
    });
    const roomy = sqlite!.engine({ poolSize: 2, wrongHandleGuard: "throw" });
    const db2 = scopedSession(sessionmaker({ bind: roomy }));
    await db2.scope(async () => {
      await db2.execute(text("SELECT 1"));
      await using extra = await roomy.connect();
      await extra.execute(text("SELECT 2"));
    });
  });
});
