import assert from "node:assert/strict";
import { after, describe, it } from "node:test";
import { boolean, dateTime, executeStatement, insert, integer, MetaData, select, text } from "../../../src/index.js";
import { disposeAll, engineTargets, recordSql } from "../../support/engines.js";

after(disposeAll);

const gc = (globalThis as { gc?: () => void }).gc;

for (const target of await engineTargets()) {
  describe(`executemany and streaming on ${target.name} (SPEC E5, E7)`, { skip: target.skip }, () => {
    it("10 000 INSERTs are batched into multi-row VALUES within the parameter limit", async () => {
      const engine = target.engine();
      const t = target.table("bulk");
      await engine.begin(async (conn) => void (await conn.execute(text(`CREATE TABLE ${t} (id INTEGER PRIMARY KEY, label VARCHAR(40), score INTEGER)`))));
      const sent = recordSql(engine);
      const rows = Array.from({ length: 10_000 }, (_, i) => ({ id: i + 1, label: `row ${i + 1}`, score: i % 7 }));
      const result = await engine.begin((conn) => conn.execute(text(`INSERT INTO ${t} (id, label, score) VALUES (:id, :label, :score)`), rows));
      assert.equal(result.rowCount, 10_000);
      // 3 parameters per row: min(1000 rows, limit / 3) per statement.
      const perBatch = Math.min(1000, Math.floor(engine.dialect.capabilities.maxBindParameters / 3));
      assert.equal(sent.length, Math.ceil(10_000 / perBatch));
      const p = target.placeholder;
      assert.ok(sent[0]!.startsWith(`INSERT INTO ${t} (id, label, score) VALUES (${p(1)}, ${p(2)}, ${p(3)}), (${p(4)}, ${p(5)}, ${p(6)}), `));
      await using conn = await engine.connect();
      const check = (await conn.execute(text(`SELECT COUNT(*) AS c, SUM(score) AS s, MAX(label) AS m FROM ${t}`))).one();
      assert.equal(Number(check.c), 10_000);
      assert.equal(Number(check.s), rows.reduce((a, r) => a + r.score, 0));
    });

    // MariaDB has INSERT ... RETURNING (10.5+); the machine's server is MariaDB 10.11.
    it("executemany with RETURNING gives the rows in input order", async () => {
      const engine = target.engine();
      const t = target.table("ret");
      const idColumn = {
        sqlite: "id INTEGER PRIMARY KEY AUTOINCREMENT",
        mysql: "id INTEGER PRIMARY KEY AUTO_INCREMENT",
        postgresql: "id SERIAL PRIMARY KEY",
        pglite: "id SERIAL PRIMARY KEY",
      }[target.name];
      await engine.begin(async (conn) => void (await conn.execute(text(`CREATE TABLE ${t} (${idColumn}, label VARCHAR(20))`))));
      const labels = Array.from({ length: 2_500 }, (_, i) => `L${2_500 - i}`);
      const result = await engine.begin((conn) =>
        conn.execute(text(`INSERT INTO ${t} (label) VALUES (:label) RETURNING id, label`), labels.map((label) => ({ label }))),
      );
      assert.deepEqual(result.scalars<string>(1).all(), labels);
      const ids = result.scalars().all().map(Number);
      assert.deepEqual(ids, [...ids].sort((a, b) => a - b));
    });

    it("an INSERT that cannot be batched runs once per parameter set; a bad set fails before anything is sent", async () => {
      const engine = target.engine();
      const t = target.table("nb");
      await engine.begin(async (conn) => void (await conn.execute(text(`CREATE TABLE ${t} (n INTEGER)`))));
      const sent = recordSql(engine);
      await engine.begin((conn) => conn.execute(text(`UPDATE ${t} SET n = :n WHERE n = :old`), [{ n: 1, old: 0 }, { n: 2, old: 1 }]));
      assert.equal(sent.length, 2);
      await assert.rejects(
        engine.begin((conn) => conn.execute(text(`INSERT INTO ${t} (n) VALUES (:n)`), [{ n: 1 }, { m: 2 }])),
        /Parameter set 1 of 2: A value is required for bind parameter 'n'/,
      );
      assert.equal(sent.length, 2, "nothing more was sent");
    });

    it("stream() reads 100 000 rows in batches; breaking out closes the cursor and the connection stays usable", async () => {
      const engine = target.engine();
      await using conn = await engine.connect();
      const series = seriesSql(target.name, 100_000);
      let seen = 0;
      let sum = 0;
      const result = await conn.stream(text(series), {}, { yieldPer: 1000 });
      for await (const batch of result.partitions()) {
        assert.ok(batch.length <= 1000);
        seen += batch.length;
        for (const row of batch) sum += Number(row.n);
      }
      assert.equal(seen, 100_000);
      assert.equal(sum, (100_000 * 100_001) / 2);
      const early = await conn.stream(text(series), {}, { yieldPer: 500 });
      let taken = 0;
      for await (const row of early) {
        if (++taken === 1234) break;
        assert.ok(Number(row.n) > 0);
      }
      assert.equal(early.closed, true);
      assert.equal(Number((await conn.execute(text("SELECT 41 + 1 AS x"))).scalar()), 42);
      await assert.rejects(
        (async () => {
          const open = await conn.stream(text(series));
          try {
            await conn.execute(text("SELECT 1"));
          } finally {
            await open.close();
          }
        })(),
        /A stream is open on this Connection/,
      );
    });

    it("stream() takes a select(): bound values, and rows read back as the columns' types", async () => {
      const engine = target.engine();
      const metadata = new MetaData();
      const flags = metadata.table(target.table("stream_flags"), { id: integer().primaryKey(), on: boolean().notNull(), seenAt: dateTime().named("seen_at") });
      await metadata.createAll(engine);
      try {
        const seen = new Date("2024-05-06T07:08:09.123Z");
        await engine.begin((conn) => executeStatement(conn, insert(flags).values(Array.from({ length: 2500 }, (_, i) => ({ id: i + 1, on: i % 2 === 0, seenAt: seen })))));
        await using conn = await engine.connect();
        const result = await conn.stream(select(flags.c.id, flags.c.on, flags.c.seenAt).where(flags.c.id.gt(500)).orderBy(flags.c.id), undefined, { yieldPer: 700 });
        let count = 0;
        for await (const row of result) {
          count++;
          assert.equal(row.on, (row.id - 1) % 2 === 0, "booleans come back as booleans (SQLite and MySQL store 0/1)");
          assert.ok(row.seenAt instanceof Date && row.seenAt.getTime() === seen.getTime());
        }
        assert.equal(count, 2000);
      } finally {
        await metadata.dropAll(engine);
      }
    });

    if (target.name === "postgresql") {
      it("streams 1 000 000 rows with heap growth under 50 MB", async () => {
        const engine = target.engine();
        await using conn = await engine.connect();
        gc?.();
        const before = process.memoryUsage().heapUsed;
        let peak = before;
        let n = 0;
        for await (const batch of (await conn.stream(text(seriesSql("postgresql", 1_000_000)), {}, { yieldPer: 2000 })).partitions()) {
          n += batch.length;
          if (n % 100_000 === 0) {
            gc?.(); // live memory is what must stay flat; garbage awaiting collection is not
            peak = Math.max(peak, process.memoryUsage().heapUsed);
          }
        }
        gc?.();
        assert.equal(n, 1_000_000);
        const growthMb = (peak - before) / 1024 / 1024;
        assert.ok(growthMb < 50, `heap grew ${growthMb.toFixed(1)} MB`);
      });
    }
  });
}

function seriesSql(name: string, count: number): string {
  if (name === "postgresql" || name === "pglite") return `SELECT n FROM generate_series(1, ${count}) AS g(n)`;
  if (name === "mysql") {
    // MariaDB stops recursive CTEs at max_recursive_iterations (1000): cross join digits instead.
    const digits = "(SELECT 0 AS d UNION ALL SELECT 1 UNION ALL SELECT 2 UNION ALL SELECT 3 UNION ALL SELECT 4 UNION ALL SELECT 5 UNION ALL SELECT 6 UNION ALL SELECT 7 UNION ALL SELECT 8 UNION ALL SELECT 9)";
    const places = Math.ceil(Math.log10(count));
    const terms = Array.from({ length: places }, (_, i) => `${10 ** i} * t${i}.d`).join(" + ");
    const from = Array.from({ length: places }, (_, i) => `${digits} AS t${i}`).join(" CROSS JOIN ");
    return `SELECT ${terms} + 1 AS n FROM ${from} WHERE ${terms} < ${count}`;
  }
  return `WITH RECURSIVE s(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM s WHERE n < ${count}) SELECT n FROM s`;
}
