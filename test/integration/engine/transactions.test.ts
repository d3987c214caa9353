import assert from "node:assert/strict";
import { after, describe, it } from "node:test";
import { InvalidRequestError, ResourceClosedError, text, type Engine } from "../../../src/index.js";
import { disposeAll, engineTargets } from "../../support/engines.js";
import { MemoryLogger } from "../../support/fake-driver.js";

after(disposeAll);

async function count(engine: Engine, table: string): Promise<number> {
  await using conn = await engine.connect();
  return Number((await conn.execute(text(`SELECT COUNT(*) AS c FROM ${table}`))).scalar());
}

for (const target of await engineTargets()) {
  describe(`transactions on ${target.name} (SPEC E2, E3)`, { skip: target.skip }, () => {
    const beginSql = target.name === "mysql" ? "START TRANSACTION" : "BEGIN";

    it("autobegin and commit as you go; close rolls back what was not committed", async () => {
      const logger = new MemoryLogger();
      const engine = target.engine({ echo: true, logger });
      const t = target.table("cago");
      await engine.begin(async (conn) => void (await conn.execute(text(`CREATE TABLE ${t} (n INTEGER)`))));
      logger.lines.length = 0;
      {
        await using conn = await engine.connect();
        await conn.execute(text(`INSERT INTO ${t} (n) VALUES (1)`));
        assert.equal(conn.inTransaction, true, "the first statement began a transaction");
        await conn.commit();
        assert.equal(conn.inTransaction, false);
        await conn.execute(text(`INSERT INTO ${t} (n) VALUES (2)`));
        await conn.rollback();
        await conn.execute(text(`INSERT INTO ${t} (n) VALUES (3)`));
      } // closed: the third insert is rolled back
      assert.equal(await count(engine, t), 1);
      const lines = logger.messages().filter((m) => /BEGIN|COMMIT|ROLLBACK|INSERT/.test(m));
      assert.deepEqual(lines.slice(0, 6), [
        "athanor.engine BEGIN (implicit)",
        `athanor.engine INSERT INTO ${t} (n) VALUES (1)`,
        "athanor.engine COMMIT",
        "athanor.engine BEGIN (implicit)",
        `athanor.engine INSERT INTO ${t} (n) VALUES (2)`,
        "athanor.engine ROLLBACK",
      ]);
      assert.equal(engine.pool.status().checkedOut, 0);
    });

    it("conn.begin() gives a Transaction that 'await using' rolls back unless committed", async () => {
      const logger = new MemoryLogger();
      const engine = target.engine({ echo: true, logger });
      const t = target.table("tx");
      await engine.begin(async (conn) => void (await conn.execute(text(`CREATE TABLE ${t} (n INTEGER)`))));
      const conn = await engine.connect();
      {
        await using tx = await conn.begin();
        await conn.execute(text(`INSERT INTO ${t} (n) VALUES (1)`));
        assert.equal(tx.isActive, true);
      }
      {
        await using tx = await conn.begin();
        await conn.execute(text(`INSERT INTO ${t} (n) VALUES (2)`));
        await tx.commit();
        assert.equal(tx.state, "committed");
        await assert.rejects(tx.commit(), (err: unknown) => err instanceof InvalidRequestError && /no longer active \(it was committed\)/.test(err.message));
      }
      await conn.close(); // PGlite has one connection: give it back before counting
      assert.equal(await count(engine, t), 1);
      assert.ok(logger.messages().includes(`athanor.engine ${beginSql}`), "an explicit begin is echoed as the dialect's SQL");
    });

    it("a second begin, and use after close, are errors that name the fix", async () => {
      const engine = target.engine();
      const conn = await engine.connect();
      await conn.execute(text("SELECT 1"));
      await assert.rejects(conn.begin(), /already begun on this Connection.*beginNested\(\)/s);
      await conn.close();
      await conn.close();
      await assert.rejects(conn.execute(text("SELECT 1")), (err: unknown) => err instanceof ResourceClosedError && /engine\.connect\(\)/.test(err.message));
      assert.equal(engine.pool.status().checkedOut, 0);
    });

    it("engine.begin commits on success and rolls back on throw", async () => {
      const engine = target.engine();
      const t = target.table("eb");
      await engine.begin(async (conn) => void (await conn.execute(text(`CREATE TABLE ${t} (n INTEGER)`))));
      await engine.begin(async (conn) => void (await conn.execute(text(`INSERT INTO ${t} (n) VALUES (1)`))));
      await assert.rejects(
        engine.begin(async (conn) => {
          await conn.execute(text(`INSERT INTO ${t} (n) VALUES (2)`));
          throw new Error("changed my mind");
        }),
        /changed my mind/,
      );
      assert.equal(await count(engine, t), 1);
      assert.equal(engine.pool.status().checkedOut, 0);
    });

    it("savepoints three deep with partial rollbacks", async () => {
      const logger = new MemoryLogger();
      const engine = target.engine({ echo: true, logger });
      const t = target.table("sp");
      await engine.begin(async (conn) => void (await conn.execute(text(`CREATE TABLE ${t} (n INTEGER)`))));
      await using conn = await engine.connect();
      await conn.execute(text(`INSERT INTO ${t} (n) VALUES (1)`));
      const sp1 = await conn.beginNested();
      await conn.execute(text(`INSERT INTO ${t} (n) VALUES (2)`));
      const sp2 = await conn.beginNested();
      await conn.execute(text(`INSERT INTO ${t} (n) VALUES (3)`));
      const sp3 = await conn.beginNested();
      await conn.execute(text(`INSERT INTO ${t} (n) VALUES (4)`));
      await sp3.rollback(); // drops 4
      await conn.execute(text(`INSERT INTO ${t} (n) VALUES (5)`));
      await sp2.commit(); // keeps 3 and 5
      const sp4 = await conn.beginNested();
      await conn.execute(text(`INSERT INTO ${t} (n) VALUES (6)`));
      const sp5 = await conn.beginNested();
      await conn.execute(text(`INSERT INTO ${t} (n) VALUES (7)`));
      await sp4.rollback(); // drops 6 and 7, and ends sp5
      assert.equal(sp5.state, "deactivated");
      await sp1.commit();
      await conn.commit();
      const values = (await conn.execute(text(`SELECT n FROM ${t} ORDER BY n`))).scalars().all().map(Number);
      assert.deepEqual(values, [1, 2, 3, 5]);
      const sql = logger.messages().filter((m) => /SAVEPOINT/.test(m));
      const d = engine.dialect;
      assert.deepEqual(sql.slice(0, 5), [
        d.savepointSql("athanor_sp_1"),
        d.savepointSql("athanor_sp_2"),
        d.savepointSql("athanor_sp_3"),
        d.rollbackToSavepointSql("athanor_sp_3"),
        d.releaseSavepointSql("athanor_sp_2"),
      ].map((s) => `athanor.engine ${s}`));
      assert.match(sql[0]!, /^athanor\.engine SAVEPOINT ["`]?athanor_sp_1["`]?$/);
    });

    it("isolation level per connection is restored before the connection returns to the pool", async () => {
      const engine = target.engine({ poolSize: target.name === "pglite" ? undefined : 1 });
      let original: string;
      {
        await using conn = await engine.connect();
        original = await conn.getIsolationLevel();
        const other = engine.dialect.capabilities.isolationLevels.find((l) => l !== original)!;
        await conn.setIsolationLevel(other);
        assert.equal(await conn.getIsolationLevel(), other);
        await conn.execute(text("SELECT 1"));
        await assert.rejects(conn.setIsolationLevel(original as never), /inside a transaction/);
        await conn.rollback();
      }
      {
        await using conn = await engine.connect();
        assert.equal(await conn.getIsolationLevel(), original, "the pool got it back at its old level");
      }
      await using conn = await engine.connect();
      await assert.rejects(conn.setIsolationLevel("CHAOS" as never), /not known to/);
    });

    it("AUTOCOMMIT: statements commit by themselves and no BEGIN is sent", async () => {
      const logger = new MemoryLogger();
      const engine = target.engine({ isolationLevel: "AUTOCOMMIT", echo: true, logger });
      const t = target.table("ac");
      {
        await using conn = await engine.connect();
        assert.equal(await conn.getIsolationLevel(), "AUTOCOMMIT");
        await conn.execute(text(`CREATE TABLE ${t} (n INTEGER)`));
        await conn.execute(text(`INSERT INTO ${t} (n) VALUES (1)`));
      }
      assert.equal(await count(engine, t), 1);
      assert.ok(!logger.messages().some((m) => /BEGIN|START TRANSACTION/.test(m)));
    });
  });
}
