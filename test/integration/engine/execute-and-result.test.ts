import assert from "node:assert/strict";
import { after, describe, it } from "node:test";
import { MultipleResultsFound, NoResultFound, text } from "../../../src/index.js";
import { disposeAll, engineTargets } from "../../support/engines.js";
import { MemoryLogger } from "../../support/fake-driver.js";

after(disposeAll);

for (const target of await engineTargets()) {
  describe(`execute and Result on ${target.name} (SPEC E2, E4, E6)`, { skip: target.skip }, () => {
    it("binds :name parameters in the driver's style and reads rows by name, position and destructuring", async () => {
      const logger = new MemoryLogger();
      const engine = target.engine({ echo: true, logger });
      const t = target.table("pets");
      await using conn = await engine.connect();
      await conn.execute(text(`CREATE TABLE ${t} (id INTEGER PRIMARY KEY, name VARCHAR(50), legs INTEGER)`));
      await conn.execute(text(`INSERT INTO ${t} (id, name, legs) VALUES (:id, :name, :legs)`), [
        { id: 1, name: "rex", legs: 4 },
        { id: 2, name: "tweety", legs: 2 },
        { id: 3, name: "nemo", legs: 0 },
      ]);
      const result = await conn.execute<{ id: number; name: string; legs: number }>(
        text(`SELECT id, name, legs FROM ${t} WHERE legs >= :min ORDER BY id`),
        { min: 2 },
      );
      assert.ok(logger.messages().includes(`athanor.engine SELECT id, name, legs FROM ${t} WHERE legs >= ${target.placeholder(1)} ORDER BY id`));
      assert.deepEqual(result.keys(), ["id", "name", "legs"]);
      const rows = result.all();
      assert.equal(rows.length, 2);
      const [first] = rows;
      assert.equal(first!.name, "rex");
      assert.equal(first![1], "rex");
      const [id, name, legs] = first!;
      assert.deepEqual([Number(id), name, Number(legs)], [1, "rex", 4]);
      assert.deepEqual(result.mappings().all().map((m) => m.name), ["rex", "tweety"]);
      assert.deepEqual(result.scalars().all().map(Number), [1, 2]);
      assert.deepEqual(result.scalars<string>(1).all(), ["rex", "tweety"]);
      assert.equal(JSON.stringify(first), JSON.stringify({ id: first!.id, name: "rex", legs: first!.legs }));
      const names: string[] = [];
      for await (const row of result) names.push(row.name);
      assert.deepEqual(names, ["rex", "tweety"]);
    });

    it("first, one, oneOrNone, scalar and rowCount", async () => {
      const engine = target.engine();
      const t = target.table("nums");
      await using conn = await engine.connect();
      await conn.execute(text(`CREATE TABLE ${t} (n INTEGER)`));
      const inserted = await conn.execute(text(`INSERT INTO ${t} (n) VALUES (:n)`), [{ n: 1 }, { n: 2 }, { n: 3 }]);
      assert.equal(inserted.rowCount, 3);
      const none = await conn.execute(text(`SELECT n FROM ${t} WHERE n > 10`));
      assert.equal(none.first(), undefined);
      assert.equal(none.oneOrNone(), undefined);
      assert.equal(none.scalar(), undefined);
      assert.throws(() => none.one(), NoResultFound);
      const many = await conn.execute(text(`SELECT n FROM ${t} ORDER BY n`));
      assert.throws(() => many.one(), MultipleResultsFound);
      assert.throws(() => many.oneOrNone(), MultipleResultsFound);
      assert.equal(Number(many.scalar()), 1);
      const one = await conn.execute(text(`SELECT n FROM ${t} WHERE n = :n`), { n: 2 });
      assert.equal(Number(one.one().n), 2);
      const updated = await conn.execute(text(`UPDATE ${t} SET n = n + 10 WHERE n >= :n`), { n: 2 });
      assert.equal(updated.rowCount, 2);
    });

    it("values are bound, never spliced: injection strings, quotes, NUL-free unicode round-trip", async () => {
      const engine = target.engine();
      const t = target.table("strs");
      await using conn = await engine.connect();
      await conn.execute(text(`CREATE TABLE ${t} (s VARCHAR(200))`));
      const nasty = ["'; DROP TABLE x; --", "Robert'); DELETE FROM t;--", "a\\'b", ":notaparam", "$1", "?", "ünïcødé ✓"];
      await conn.execute(text(`INSERT INTO ${t} (s) VALUES (:s)`), nasty.map((s) => ({ s })));
      const back = (await conn.execute(text(`SELECT s FROM ${t}`))).scalars<string>().all();
      assert.deepEqual([...back].sort(), [...nasty].sort());
    });

    it("SQL text keeps casts, literals and escaped colons as written", async () => {
      const engine = target.engine();
      await using conn = await engine.connect();
      const sql = target.name === "postgresql" || target.name === "pglite"
        ? "SELECT ':x' AS lit, CAST(:n AS INTEGER)::text AS n, '12:30' AS t, 'a\\:b' AS esc"
        : "SELECT ':x' AS lit, CAST(:n AS CHAR) AS n, '12:30' AS t, 'a\\:b' AS esc";
      const row = (await conn.execute(text(sql), { n: 7 })).one();
      assert.equal(row.lit, ":x");
      assert.equal(Number(row.n), 7); // better-sqlite3 binds JS numbers as REAL: '7.0'
      assert.equal(row.t, "12:30");
      assert.equal(row.esc, target.name === "mysql" ? "a:b" : "a\\:b");
    });

    it("a missing parameter is an error before anything is sent", async () => {
      const engine = target.engine();
      const sent: string[] = [];
      engine.events.on("beforeExecute", (_c, sql) => void sent.push(sql));
      await using conn = await engine.connect();
      await assert.rejects(conn.execute(text("SELECT :a AS a, :b AS b"), { a: 1 }), /A value is required for bind parameter 'b'/);
      await assert.rejects(conn.execute(text("SELECT 1"), [{}, { x: 1 }].slice(0, 0)), /at least one parameter set/);
      assert.deepEqual(sent, []);
      await assert.rejects(conn.execute("SELECT 1" as never), /wrap SQL in text\(\)/);
    });
  });
}
