import assert from "node:assert/strict";
import { after, describe, it } from "node:test";
import { text, type Connection, type Engine } from "../../../src/index.js";
import {
  bindparam,
  CompileError,
  delete_,
  type Condition,
  executeBatches,
  executeStatement,
  exists,
  func,
  insert,
  not,
  ResultTypeError,
  select,
  statementCacheFor,
  update,
} from "../../../src/sql/index.js";
import { disposeAll, engineTargets } from "../../support/engines.js";
import { makeSchema } from "./schema.js";

after(disposeAll);

for (const target of await engineTargets()) {
  describe(`SQL statements on ${target.name}`, { skip: target.skip }, () => {
    // One engine per database for the whole suite (an in-memory PGlite takes seconds to start);
    // each test gets its own tables.
    let shared: Engine | undefined;
    const engineFor = (): Engine => (shared ??= target.engine());

    /** A fresh schema with three teams and five users; the tables are dropped afterwards. */
    async function withData(work: (conn: Connection, schema: ReturnType<typeof makeSchema>, engine: Engine) => Promise<void>): Promise<void> {
      const engine = engineFor();
      const schema = makeSchema(target);
      const { metadata, teams, users } = schema;
      await metadata.createAll(engine);
      try {
        await using conn = await engine.connect();
        // Generated ids (1, 2, 3...): explicit ones would leave PostgreSQL's identity sequence behind.
        await executeStatement(conn, insert(teams).values([{ name: "red" }, { name: "blue" }, { name: "empty" }]));
        await executeStatement(
          conn,
          insert(users).values([
            { name: "Ann", email: "ann@x.io", teamId: 1 },
            { name: "bob", email: "bob@x.io", teamId: 1, active: false },
            { name: "Cid", email: null, teamId: 2 },
            { name: "dee", email: "dee@x.io", teamId: 2 },
            { name: "Eve", email: "eve@x.io", teamId: null },
          ]),
        );
        await conn.commit();
        await work(conn, schema, engine);
        await conn.rollback();
      } finally {
        await metadata.dropAll(engine);
      }
    }

    it("types round-trip: booleans, instants, dates, JSON, bigints, numerics, UUIDs, unicode and NULLs", async () => {
      await withData(async (conn, { values }) => {
        const at = new Date("2024-05-01T12:34:56.789Z");
        const exactBigint = target.name === "postgresql" || target.name === "pglite";
        const big = exactBigint ? 9007199254740993n : 9007199254740991n; // mysql2 and better-sqlite3 return numbers by default
        const doc = { text: "naïve ☕ 日本語 🎉", nested: { list: [1, 2.5, null, true], empty: {} } };
        const full = {
          id: 1, flag: true, at, day: "2024-02-29", doc, big, small: -42, price: "1234.50", ratio: 0.125,
          label: "O'Brien \\ \"quoted\" 🎉", body: "x".repeat(70_000), ref: "A0EEBC99-9C0B-4EF8-BB6D-6BB9BD380A11",
        };
        await executeStatement(conn, insert(values).values([full, { id: 2, flag: false, doc: "just a string" }, { id: 3, doc: [1, "two"] }]));
        const rows = (await executeStatement(conn, select(values).orderBy(values.c.id))).all().map((r) => r._mapping);
        assert.deepEqual(rows[0], { ...full, ref: "a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11" });
        assert.deepEqual(rows[1], { id: 2, flag: false, at: null, day: null, doc: "just a string", big: null, small: null, price: null, ratio: null, label: null, body: null, ref: null });
        assert.deepEqual(rows[2]?.doc, [1, "two"]);
        const typed = (await executeStatement(conn, select(values.c.flag, values.c.at, values.c.big).where(values.c.id.eq(1)))).one();
        assert.equal(typeof typed.flag, "boolean");
        assert.ok(typed.at instanceof Date);
        assert.equal(typeof typed.big, "bigint");
        const byFlag = await executeStatement(conn, select(values.c.id).where(values.c.flag.eq(false)));
        assert.deepEqual(byFlag.scalars().all(), [2], "booleans compare as bound parameters");
        const byTime = await executeStatement(conn, select(values.c.id).where(values.c.at.ge(new Date("2024-05-01T12:34:56.789Z"))));
        assert.deepEqual(byTime.scalars().all(), [1], "instants compare exactly, milliseconds included");
      });
    });

    // Every dialect reads BIGINTs exactly (mysql2 supportBigNumbers, SQLite safeIntegers), so the type can refuse.
    it("a BIGINT read as a number refuses values beyond 2^53 instead of rounding them", async () => {
      await withData(async (conn, { values }) => {
        await conn.execute(text(`INSERT INTO ${values.name} (id, small) VALUES (9, 9007199254740993)`));
        await assert.rejects(executeStatement(conn, select(values.c.small)), ResultTypeError);
      });
    });

    it("server and client defaults: now() and true fill in", async () => {
      await withData(async (conn, { users }) => {
        const row = (await executeStatement(conn, select(users.c.active, users.c.createdAt).where(users.c.id.eq(1)))).one();
        assert.equal(row.active, true);
        assert.ok(row.createdAt instanceof Date && Math.abs(row.createdAt.getTime() - Date.now()) < 5 * 60_000, `createdAt ${String(row.createdAt)}`);
      });
    });

    it("joins on the foreign key, GROUP BY and HAVING, outer joins counting zero", async () => {
      await withData(async (conn, { users, teams }) => {
        const members = await executeStatement(
          conn,
          select(teams.c.name, func.count(users.c.id).as("n")).outerJoin(users).groupBy(teams.c.name).orderBy(teams.c.name),
        );
        assert.deepEqual(members.all().map((r) => [r.name, r.n]), [["blue", 2], ["empty", 0], ["red", 2]]);
        const busy = await executeStatement(
          conn,
          select(teams.c.name).join(users).where(users.c.active.eq(true)).groupBy(teams.c.name).having(func.count(users.c.id).ge(2)),
        );
        assert.deepEqual(busy.scalars().all(), ["blue"]);
        const pairs = await executeStatement(conn, select(users.c.name, teams.c.name.as("team")).join(teams).orderBy(users.c.id));
        assert.deepEqual(pairs.all().map((r) => `${r.name}/${r.team}`), ["Ann/red", "bob/red", "Cid/blue", "dee/blue"]);
      });
    });

    it("subqueries: a derived table joined by its foreign key, IN (SELECT), EXISTS, a correlated scalar", async () => {
      await withData(async (conn, { users, teams }) => {
        const counts = select(users.c.teamId, func.count().as("n")).groupBy(users.c.teamId).subquery("counts");
        const joined = await executeStatement(conn, select(teams.c.name, counts.c.n).join(counts).orderBy(teams.c.name));
        assert.deepEqual(joined.all().map((r) => [r.name, r.n]), [["blue", 2], ["red", 2]]);
        const inRed = await executeStatement(conn, select(users.c.name).where(users.c.teamId.in(select(teams.c.id).where(teams.c.name.eq("red")))).orderBy(users.c.id));
        assert.deepEqual(inRed.scalars().all(), ["Ann", "bob"]);
        const withMembers = await executeStatement(conn, select(teams.c.name).where(exists(select(users.c.id).where(users.c.teamId.eq(teams.c.id)))).orderBy(teams.c.name));
        assert.deepEqual(withMembers.scalars().all(), ["blue", "red"]);
        const lonely = await executeStatement(conn, select(teams.c.name).where(not(exists(select(users.c.id).where(users.c.teamId.eq(teams.c.id))))));
        assert.deepEqual(lonely.scalars().all(), ["empty"]);
        const size = select(func.count()).where(users.c.teamId.eq(teams.c.id)).scalarSubquery().as("size");
        const sizes = await executeStatement(conn, select(teams.c.name, size).orderBy(teams.c.id));
        assert.deepEqual(sizes.all().map((r) => r.size), [2, 2, 0]);
      });
    });

    it("LIKE, ILIKE (case-insensitive everywhere), IN lists, BETWEEN, IS NULL", async () => {
      await withData(async (conn, { users }) => {
        const names = async (where: Condition) =>
          (await executeStatement(conn, select(users.c.name).where(where).orderBy(users.c.id))).scalars().all();
        assert.deepEqual(await names(users.c.name.ilike("%E%")), ["dee", "Eve"]);
        assert.deepEqual(await names(users.c.email.like("b%")), ["bob"]);
        const caseSensitiveLike = target.name === "postgresql" || target.name === "pglite";
        assert.deepEqual(await names(users.c.name.like("e%")), caseSensitiveLike ? [] : ["Eve"], "LIKE is case-sensitive on PostgreSQL only (SQLite: ASCII; MySQL: default collations)");
        assert.deepEqual(await names(users.c.id.in([1, 3, 5])), ["Ann", "Cid", "Eve"]);
        assert.deepEqual(await names(users.c.id.in([])), []);
        assert.deepEqual(await names(users.c.id.between(2, 3)), ["bob", "Cid"]);
        assert.deepEqual(await names(users.c.email.eq(null)), ["Cid"]);
        assert.deepEqual(await names(users.c.teamId.isNull()), ["Eve"]);
      });
    });

    it("LIMIT and OFFSET page through rows, OFFSET alone included", async () => {
      await withData(async (conn, { users }) => {
        const page = (limit: number | null, offset: number | null) => select(users.c.id).orderBy(users.c.id).limit(limit).offset(offset);
        assert.deepEqual((await executeStatement(conn, page(2, 0))).scalars().all(), [1, 2]);
        assert.deepEqual((await executeStatement(conn, page(2, 2))).scalars().all(), [3, 4]);
        assert.deepEqual((await executeStatement(conn, page(2, 4))).scalars().all(), [5]);
        assert.deepEqual((await executeStatement(conn, page(null, 3))).scalars().all(), [4, 5]);
      });
    });

    it("bindparam() values come from execute()'s parameters", async () => {
      await withData(async (conn, { users }) => {
        const stmt = select(users.c.name).where(users.c.teamId.eq(bindparam("team")), users.c.active.eq(bindparam("active"))).orderBy(users.c.id);
        assert.deepEqual((await executeStatement(conn, stmt, { team: 1, active: true })).scalars().all(), ["Ann"]);
        assert.deepEqual((await executeStatement(conn, stmt, { team: 1, active: false })).scalars().all(), ["bob"]);
      });
    });

    it("UPDATE and DELETE report their row counts; RETURNING where the database has it", async () => {
      await withData(async (conn, { users }) => {
        const updated = await executeStatement(conn, update(users).set({ active: false }).where(users.c.teamId.eq(2)));
        assert.equal(updated.rowCount, 2);
        const deleted = await executeStatement(conn, delete_(users).where(users.c.active.eq(false)));
        assert.equal(deleted.rowCount, 3);
        assert.deepEqual((await executeStatement(conn, select(users.c.id).orderBy(users.c.id))).scalars().all(), [1, 5]);
        if (target.name !== "mysql") {
          const renamed = await executeStatement(conn, update(users).set({ name: "ANN" }).where(users.c.id.eq(1)).returning(users.c.id, users.c.name, users.c.active));
          assert.deepEqual(renamed.all().map((r) => r._mapping), [{ id: 1, name: "ANN", active: true }]);
        }
      });
    });

    it("INSERT ... RETURNING gives the generated keys (MariaDB too); without RETURNING, lastInsertId", async () => {
      await withData(async (conn, { teams }, engine) => {
        if (!engine.dialect.capabilities.returning) {
          const result = await executeStatement(conn, insert(teams).values({ name: "green" }));
          assert.equal(Number(result.lastInsertId), 4);
          await assert.rejects(executeStatement(conn, insert(teams).values({ name: "x" }).returning(teams.c.id)), CompileError);
          return;
        }
        const returned = await executeStatement(conn, insert(teams).values([{ name: "green" }, { name: "gold" }]).returning(teams.c.id, teams.c.name));
        assert.deepEqual(returned.all().map((r) => r._mapping), [{ id: 4, name: "green" }, { id: 5, name: "gold" }]);
        const removed = await executeStatement(conn, delete_(teams).where(teams.c.id.eq(5)).returning(teams.c.name));
        assert.deepEqual(removed.scalars().all(), ["gold"]);
      });
    });

    it("executeBatches() sends thousands of rows as several inserts, RETURNING rows in input order", async () => {
      await withData(async (conn, { teams }, engine) => {
        const rows = Array.from({ length: 2500 }, (_, i) => ({ name: `team ${i}` }));
        if (engine.dialect.capabilities.returning) {
          const result = await executeBatches(conn, insert(teams).values(rows).returning(teams.c.name));
          assert.deepEqual(result.scalars().all(), rows.map((r) => r.name));
        } else {
          const result = await executeBatches(conn, insert(teams).values(rows));
          assert.equal(result.rowCount, 2500);
        }
        const count = await executeStatement(conn, select(func.count()).from(teams));
        assert.equal(count.scalar(), 2503);
      });
    });

    it("the statement cache: repeated executions with other values hit the compiled SQL", async () => {
      await withData(async (conn, { users }, engine) => {
        const cache = statementCacheFor(engine.dialect);
        const byTeam = (team: number) => select(users.c.name).where(users.c.teamId.eq(team)).orderBy(users.c.id);
        await executeStatement(conn, byTeam(1));
        const hits = cache.hits;
        const misses = cache.misses;
        assert.deepEqual((await executeStatement(conn, byTeam(2))).scalars().all(), ["Cid", "dee"]);
        assert.deepEqual((await executeStatement(conn, byTeam(1))).scalars().all(), ["Ann", "bob"]);
        assert.deepEqual([cache.hits - hits, cache.misses - misses], [2, 0]);
        // conn.execute() goes through the same cache.
        await conn.execute(byTeam(3));
        assert.equal(cache.hits - hits, 3);
      });
    });
  });
}
