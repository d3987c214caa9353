/**
 * The exact SQL a flush emits (SQLAlchemy test_unitofworkv2.py's habit), on every database:
 * INSERT order across tables linked by foreign keys, DELETE order reversed, a self-reference
 * ordered row by row and a circle of rows reported, batched inserts, UPDATE of the one
 * changed column.
 */
import assert from "node:assert/strict";
import { after, describe, it } from "node:test";
import { CircularDependencyError, sessionmaker, type Engine } from "../../src/index.js";
import { disposeAll, engineTargets } from "../support/engines.js";
import { captureSql, makeModel } from "./model.js";

after(disposeAll);

for (const target of await engineTargets()) {
  describe(`flush SQL on ${target.name} (SPEC S7)`, { skip: target.skip }, () => {
    let shared: Engine | undefined;
    const engineFor = (): Engine => (shared ??= target.engine());

    async function withModel(work: (m: ReturnType<typeof makeModel>, engine: Engine) => Promise<void>): Promise<void> {
      const engine = engineFor();
      const m = makeModel(target);
      await m.metadata.createAll(engine);
      try {
        await work(m, engine);
      } finally {
        await m.metadata.dropAll(engine);
      }
    }

    const p = target.placeholder;
    /** "(?, ?), (?, ?)" or "($1, $2), ($3, $4)". */
    const groups = (rows: number, columns: number): string =>
      Array.from({ length: rows }, (_, r) => `(${Array.from({ length: columns }, (_, c) => p(r * columns + c + 1)).join(", ")})`).join(", ");

    it("inserts parents before children across three tables, whatever the add order; each table batched", async () => {
      await withModel(async (m, engine) => {
        const { t, q } = m;
        const returning = engine.dialect.capabilities.returning;
        const Session = sessionmaker({ bind: engine });
        await using session = Session();
        const team = new m.Team({ name: "red" });
        const ed = new m.User({ name: "ed" });
        const jack = new m.User({ name: "jack" });
        ed.team = team;
        jack.team = team;
        const p1 = new m.Post({ title: "first", userId: 0 });
        const p2 = new m.Post({ title: "second", userId: 0 });
        p1.author = ed;
        p2.author = jack;
        session.addAll([p2, p1]); // children first: the users and the team come by cascade
        const sql = captureSql(engine);
        await session.flush();
        const expected = returning
          ? [
              `INSERT INTO ${t.teams} (${q("name")}) VALUES ${groups(1, 1)} RETURNING ${q("id")}`,
              `INSERT INTO ${t.users} (${q("name")}, ${q("teamId")}) VALUES ${groups(2, 2)} RETURNING ${q("id")}, ${q("created_at")} AS ${q("createdAt")}`,
              `INSERT INTO ${t.posts} (${q("title")}, ${q("userId")}) VALUES ${groups(2, 2)} RETURNING ${q("id")}`,
            ]
          : [
              `INSERT INTO ${t.teams} (${q("name")}) VALUES ${groups(1, 1)}`,
              `INSERT INTO ${t.users} (${q("name")}, ${q("teamId")}) VALUES ${groups(1, 2)}`,
              `INSERT INTO ${t.users} (${q("name")}, ${q("teamId")}) VALUES ${groups(1, 2)}`,
              `INSERT INTO ${t.posts} (${q("title")}, ${q("userId")}) VALUES ${groups(1, 2)}`,
              `INSERT INTO ${t.posts} (${q("title")}, ${q("userId")}) VALUES ${groups(1, 2)}`,
            ];
        assert.deepEqual(sql.sql(), expected);
        assert.deepEqual(sql.statements[1]?.params, returning ? ["jack", team.id, "ed", team.id] : ["jack", team.id]);
        assert.equal(typeof team.id, "number");
        assert.deepEqual([p2.userId, p1.userId], [jack.id, ed.id], "generated keys read back and synced into the children");
        assert.notEqual(ed.id, jack.id);
        if (returning) assert.ok(ed.createdAt instanceof Date, "the server default came back with RETURNING");
        await session.commit();
      });
    });

    it("deletes children before parents (the insert order reversed)", async () => {
      await withModel(async (m, engine) => {
        const { t, q } = m;
        const Session = sessionmaker({ bind: engine });
        await using session = Session();
        const team = new m.Team({ name: "red" });
        const ed = new m.User({ name: "ed" });
        ed.team = team;
        const post = new m.Post({ title: "x", userId: 0 });
        post.author = ed;
        session.add(post);
        await session.commit();
        session.delete(team); // parents first on purpose
        session.delete(ed);
        session.delete(post);
        const sql = captureSql(engine);
        await session.flush();
        assert.deepEqual(sql.sql(), [
          `DELETE FROM ${t.posts} WHERE ${t.posts}.${q("id")} = ${p(1)}`,
          `DELETE FROM ${t.users} WHERE ${t.users}.${q("id")} = ${p(1)}`,
          `DELETE FROM ${t.teams} WHERE ${t.teams}.${q("id")} = ${p(1)}`,
        ]);
        await session.commit();
      });
    });

    it("a self-referencing table: rows go in levels, parents first; a circle of rows is reported", async () => {
      await withModel(async (m, engine) => {
        const { t, q } = m;
        const returning = engine.dialect.capabilities.returning;
        const Session = sessionmaker({ bind: engine });
        await using session = Session();
        const root = new m.Node({ name: "root" });
        const a = new m.Node({ name: "a" });
        const b = new m.Node({ name: "b" });
        const leaf = new m.Node({ name: "leaf" });
        a.parent = root;
        b.parent = root;
        leaf.parent = a;
        session.addAll([leaf, b, a, root]);
        const sql = captureSql(engine);
        await session.flush();
        const cols = `(${q("name")}, ${q("parentId")})`;
        const ret = returning ? ` RETURNING ${q("id")}` : "";
        const expected = returning
          ? [
              `INSERT INTO ${t.nodes} (${q("name")}) VALUES ${groups(1, 1)}${ret}`,
              `INSERT INTO ${t.nodes} ${cols} VALUES ${groups(2, 2)}${ret}`,
              `INSERT INTO ${t.nodes} ${cols} VALUES ${groups(1, 2)}${ret}`,
            ]
          : [
              `INSERT INTO ${t.nodes} (${q("name")}) VALUES ${groups(1, 1)}`,
              `INSERT INTO ${t.nodes} ${cols} VALUES ${groups(1, 2)}`,
              `INSERT INTO ${t.nodes} ${cols} VALUES ${groups(1, 2)}`,
              `INSERT INTO ${t.nodes} ${cols} VALUES ${groups(1, 2)}`,
            ];
        assert.deepEqual(sql.sql(), expected);
        assert.deepEqual([a.parentId, b.parentId, leaf.parentId], [root.id, root.id, a.id]);

        const x = new m.Node({ name: "x" });
        const y = new m.Node({ name: "y" });
        x.parent = y;
        y.parent = x;
        session.addAll([x, y]);
        sql.clear();
        await assert.rejects(session.flush(), (err: unknown) => {
          assert.ok(err instanceof CircularDependencyError);
          assert.deepEqual(err.cycle, ["Node(new)", "Node(new)", "Node(new)"]);
          assert.match(err.message, /flush\(\) one side first/);
          return true;
        });
        assert.deepEqual(sql.sql(), [], "nothing was sent");
        await session.rollback();
      });
    });

    it("updates only the column that changed, and nothing for an unchanged object", async () => {
      await withModel(async (m, engine) => {
        const { t, q } = m;
        const Session = sessionmaker({ bind: engine, expireOnCommit: false });
        await using session = Session();
        const ed = new m.User({ name: "ed", fullname: "Ed Jones" });
        const jack = new m.User({ name: "jack" });
        session.addAll([ed, jack]);
        await session.commit();
        ed.fullname = "Edward Jones";
        jack.name = "jack"; // the same value: no UPDATE
        const sql = captureSql(engine);
        await session.commit();
        assert.deepEqual(sql.sql(), [`UPDATE ${t.users} SET ${q("fullname")} = ${p(1)} WHERE ${t.users}.${q("id")} = ${p(2)}`]);
        assert.deepEqual(sql.statements.find((s) => s.sql.startsWith("UPDATE"))?.params, ["Edward Jones", ed.id]);
      });
    });

    it("batches many inserts into multi-row statements within the bind-parameter limit", async () => {
      await withModel(async (m, engine) => {
        if (!engine.dialect.capabilities.returning) return; // without RETURNING each row needs its own lastInsertId
        const Session = sessionmaker({ bind: engine });
        await using session = Session();
        const team = new m.Team({ name: "big" });
        session.add(team);
        await session.flush();
        const users = Array.from({ length: 2500 }, (_, i) => new m.User({ name: `u${i}`, teamId: team.id }));
        session.addAll(users);
        const sql = captureSql(engine);
        await session.flush();
        const inserts = sql.sql().filter((s) => s.startsWith("INSERT"));
        assert.equal(inserts.length, 3, "1000 rows per statement at most (insertmanyvalues page size)");
        const ids = users.map((u) => u.id);
        assert.equal(new Set(ids).size, 2500);
        assert.deepEqual(ids, [...ids].sort((x, y) => x - y), "keys paired with objects in order");
        await session.rollback();
      });
    });
  });
}
