/**
 * SPEC E8 and P14 against real servers: a backend killed from outside, inside and outside a
 * transaction.
 */
import assert from "node:assert/strict";
import { after, describe, it } from "node:test";
import { OperationalError, PendingRollbackError, sessionmaker, text, type Engine } from "../../../src/index.js";
import { disposeAll, engineTargets } from "../../support/engines.js";

after(disposeAll);

const servers = (await engineTargets()).filter((t) => t.name === "postgresql" || t.name === "mysql");

for (const target of servers) {
  const idSql = target.name === "postgresql" ? "SELECT pg_backend_pid() AS id" : "SELECT CONNECTION_ID() AS id";
  let adminEngine: Engine | undefined;
  // Its own engine: a connection from the tested pool could be the very backend to kill.
  const kill = async (_engine: Engine, id: number) => {
    adminEngine ??= target.engine({ isolationLevel: "AUTOCOMMIT" });
    await using admin = await adminEngine.connect();
    await admin.execute(text(target.name === "postgresql" ? "SELECT pg_terminate_backend(:id)" : `KILL CONNECTION ${Number(id)}`), target.name === "postgresql" ? { id } : {});
    await new Promise((r) => setTimeout(r, 100));
  };

  describe(`disconnects on ${target.name} (SPEC E8, P14)`, { skip: target.skip }, () => {
    it("a backend killed inside a transaction: one error marked connectionInvalidated, then PendingRollbackError until rollback", async () => {
      const engine = target.engine({ poolSize: 3 });
      const t = target.table("lost");
      await engine.begin(async (c) => void (await c.execute(text(`CREATE TABLE ${t} (n INTEGER)`))));
      await using conn = await engine.connect();
      await conn.execute(text(`INSERT INTO ${t} (n) VALUES (1)`));
      const id = Number((await conn.execute(text(idSql))).scalar());
      await kill(engine, id);
      const err = await conn.execute(text(`INSERT INTO ${t} (n) VALUES (2)`)).then(() => undefined, (e: unknown) => e);
      assert.ok(err instanceof OperationalError, `got ${String(err)}`);
      assert.equal(err.connectionInvalidated, true);
      assert.equal(conn.invalidated, true);
      const pending = await conn.execute(text("SELECT 1")).then(() => undefined, (e: unknown) => e);
      assert.ok(pending instanceof PendingRollbackError, `got ${String(pending)}`);
      assert.match(pending.message, /Can't reconnect until invalid transaction is rolled back/);
      assert.equal(pending.cause, err);
      await assert.rejects(conn.commit(), PendingRollbackError);
      await conn.rollback();
      const newId = Number((await conn.execute(text(idSql))).scalar());
      assert.notEqual(newId, id, "a fresh backend after rollback");
      await conn.execute(text(`INSERT INTO ${t} (n) VALUES (3)`));
      await conn.commit();
      const values = (await conn.execute(text(`SELECT n FROM ${t}`))).scalars().all().map(Number);
      assert.deepEqual(values, [3], "nothing from the lost transaction survived, and nothing ran outside it");
    });

    it("a backend killed between transactions: the statement that begins the next one fails, and that transaction is lost until rollback", async () => {
      // SQLAlchemy's autobegin makes the transaction before the first statement reaches the
      // driver, so a disconnect there leaves an invalid transaction, as mid-transaction. The
      // same whether BEGIN rides with the statement (PostgreSQL) or goes alone (MySQL).
      const engine = target.engine({ poolSize: 3 });
      await using conn = await engine.connect();
      const id = Number((await conn.execute(text(idSql))).scalar());
      await conn.commit();
      await kill(engine, id);
      const err = await conn.execute(text("SELECT 1")).then(() => undefined, (e: unknown) => e);
      assert.ok(err instanceof OperationalError, `got ${String(err)}`);
      assert.equal(err.connectionInvalidated, true);
      await assert.rejects(conn.execute(text("SELECT 1")), PendingRollbackError);
      await conn.rollback();
      assert.equal(Number((await conn.execute(text("SELECT 1"))).scalar()), 1);
    });

    it("a disconnect invalidates the pool's older connections: the next checkouts get fresh ones", async () => {
      const engine = target.engine({ poolSize: 2 });
      const [a, b] = [await engine.connect(), await engine.connect()];
      const ids = [Number((await a.execute(text(idSql))).scalar()), Number((await b.execute(text(idSql))).scalar())];
      await b.close();
      await kill(engine, ids[0]!);
      await assert.rejects(a.execute(text("SELECT 1")), (e: unknown) => e instanceof OperationalError && e.connectionInvalidated);
      await a.rollback();
      await a.close();
      await using c = await engine.connect();
      const id = Number((await c.execute(text(idSql))).scalar());
      assert.ok(!ids.includes(id), "even the idle, healthy-looking one was replaced (pool-wide invalidation)");
    });

    it("outside a transaction (AUTOCOMMIT) the next statement just reconnects", async () => {
      const engine = target.engine({ isolationLevel: "AUTOCOMMIT" });
      await using conn = await engine.connect();
      const id = Number((await conn.execute(text(idSql))).scalar());
      await kill(engine, id);
      await assert.rejects(conn.execute(text("SELECT 1")), (e: unknown) => e instanceof OperationalError && e.connectionInvalidated);
      const again = Number((await conn.execute(text(idSql))).scalar());
      assert.notEqual(again, id);
    });

    it("S3: a Session whose connection is lost refuses work until rollback(), then carries on", async () => {
      const engine = target.engine();
      const Session = sessionmaker({ bind: engine });
      await using session = Session();
      const id = Number((await session.execute(text(idSql))).scalar());
      await kill(engine, id);
      const lost = await session.execute(text("SELECT 1")).then(() => undefined, (e: unknown) => e);
      assert.ok(lost instanceof OperationalError && lost.connectionInvalidated, String(lost));
      const refused = await session.execute(text("SELECT 1")).then(() => undefined, (e: unknown) => e);
      assert.ok(refused instanceof PendingRollbackError, String(refused));
      assert.equal(refused.cause, lost);
      await session.rollback();
      assert.notEqual(Number((await session.execute(text(idSql))).scalar()), id);
      await session.close();
      assert.equal(engine.pool.status().checkedOut, 0);
    });

    it("S3: a Session.begin scope whose backend is killed rolls back by itself; the next scope works", async () => {
      const engine = target.engine();
      const t = target.table("s3");
      await engine.begin(async (c) => void (await c.execute(text(`CREATE TABLE ${t} (n INTEGER)`))));
      const Session = sessionmaker({ bind: engine });
      const err = await Session.begin(async (session) => {
        await session.execute(text(`INSERT INTO ${t} (n) VALUES (1)`));
        await kill(engine, Number((await session.execute(text(idSql))).scalar()));
        await session.execute(text(`INSERT INTO ${t} (n) VALUES (2)`));
      }).then(() => undefined, (e: unknown) => e);
      assert.ok(err instanceof OperationalError && err.connectionInvalidated, `the scope's caller sees the lost connection itself: ${String(err)}`);
      assert.equal(engine.pool.status().checkedOut, 0, "the scope closed its session");
      await Session.begin(async (session) => void (await session.execute(text(`INSERT INTO ${t} (n) VALUES (3)`))));
      await using conn = await engine.connect();
      assert.deepEqual((await conn.execute(text(`SELECT n FROM ${t}`))).scalars().all().map(Number), [3]);
    });

    it("with poolPrePing a killed idle backend costs no error at all", async () => {
      const engine = target.engine({ poolPrePing: true, poolSize: 2 });
      let id: number;
      {
        await using conn = await engine.connect();
        id = Number((await conn.execute(text(idSql))).scalar());
      }
      await kill(engine, id);
      await using conn = await engine.connect();
      assert.notEqual(Number((await conn.execute(text(idSql))).scalar()), id);
    });
  });
}
