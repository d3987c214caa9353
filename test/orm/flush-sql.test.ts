/**
 * The exact SQL a flush emits (SQLAlchemy test_unitofworkv2.py's habit), on every database:
 * INSERT order across tables linked by foreign keys, DELETE order reversed, a self-reference
 * ordered row by row and a circle of rows reported, batched inserts, UPDATE of the one
 * changed column, and UPDATEs batched per set of changed columns (CASE WHEN ... END; on
 * PostgreSQL and PGlite, batches of rows are statements over column arrays: unnest); DELETEs
 * batched per table into `IN (...)` lists of 1 000 keys at most (row values for composite keys),
 * and a warning when a DELETE matches fewer rows than it names.
 */
import assert from "node:assert/strict";
import { after, describe, it, mock } from "node:test";
import {
  boolean, CircularDependencyError, DataError, dateTime, delete_, Entity, executeStatement, inspectObject, integer, json, MetaData, select, sessionmaker, sql, StaleDataError, string, type Engine,
} from "../../src/index.js";
import { arrayLiteral } from "../../src/orm/unit-of-work/column-arrays.js";
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
    /** PostgreSQL and PGlite send batches of rows as column arrays (INSERT ... SELECT / UPDATE ... FROM unnest); the others as VALUES and CASE WHEN. */
    const columnArrays = target.name === "postgresql" || target.name === "pglite";
    const rowsAlias = '"athanor_rows"';
    /** A column array as the driver gets it: node-postgres as the array's text (column-arrays.ts), PGlite as the array. */
    const arrayParam = (values: readonly unknown[]): unknown => (target.name === "postgresql" ? arrayLiteral(values) : values);
    /** unnest($1::T1[], $2::T2[], ...): one array parameter per column. */
    const unnest = (types: readonly string[]): string => `unnest(${types.map((type, i) => `${p(i + 1)}::${type}[]`).join(", ")})`;
    /** A batched INSERT over column arrays. */
    const arrayInsert = (table: string, columns: readonly string[], types: readonly string[], returning: string): string =>
      `INSERT INTO ${table} (${columns.join(", ")}) SELECT ${columns.join(", ")} FROM ${unnest(types)} WITH ORDINALITY AS ${rowsAlias}(${columns.join(", ")}, "athanor_n") ORDER BY "athanor_n" RETURNING ${returning}`;
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
        const expected = columnArrays
          ? [
              `INSERT INTO ${t.teams} (${q("name")}) VALUES ${groups(1, 1)} RETURNING ${q("id")}`,
              arrayInsert(t.users, [q("name"), q("teamId")], ["VARCHAR", "INTEGER"], `${q("id")}, ${q("created_at")} AS ${q("createdAt")}`),
              arrayInsert(t.posts, [q("title"), q("userId")], ["VARCHAR", "INTEGER"], q("id")),
            ]
          : returning
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
        assert.deepEqual(sql.statements[1]?.params, columnArrays ? [arrayParam(["jack", "ed"]), arrayParam([team.id, team.id])] : returning ? ["jack", team.id, "ed", team.id] : ["jack", team.id]);
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
        // First the collections of the deleted parents (team.members, ed.posts), loaded to NULL
        // the foreign keys of children that stay (SQLAlchemy's default); here every child goes too.
        const selects = sql.sql().filter((s) => s.startsWith("SELECT"));
        assert.deepEqual(selects.map((s) => s.slice(s.indexOf(" FROM ") + 6).split(" ")[0]), [t.users, t.posts]);
        assert.deepEqual(sql.sql().filter((s) => !s.startsWith("SELECT")), [
          `DELETE FROM ${t.posts} WHERE ${t.posts}.${q("id")} = ${p(1)}`,
          `DELETE FROM ${t.users} WHERE ${t.users}.${q("id")} = ${p(1)}`,
          `DELETE FROM ${t.teams} WHERE ${t.teams}.${q("id")} = ${p(1)}`,
        ]);
        await session.commit();
      });
    });

    /** `DELETE FROM t WHERE <key> IN (...)`: `rows` placeholders, or `rows` groups of `columns` for row values. */
    const deleteIn = (table: string, key: string, rows: number, columns = 1): string =>
      `DELETE FROM ${table} WHERE ${key} IN (${columns === 1 ? Array.from({ length: rows }, (_, i) => p(i + 1)).join(", ") : groups(rows, columns)})`;

    it("batches DELETEs of one table: 2 500 rows in IN lists of 1 000 keys at most, and the rows are gone", async () => {
      await withModel(async (m, engine) => {
        const { t, q } = m;
        const Session = sessionmaker({ bind: engine, expireOnCommit: false });
        await using session = Session();
        const author = new m.User({ id: 1, name: "ed" });
        // Keys given, so every database batches the INSERT (without RETURNING a generated key takes a statement per row).
        const posts = Array.from({ length: 2500 }, (_, i) => new m.Post({ id: i + 1, title: `p${i}`, userId: 1 }));
        session.add(author);
        session.addAll(posts);
        await session.commit();
        for (const post of posts) session.delete(post);
        const sql = captureSql(engine);
        await session.flush();
        const key = `${t.posts}.${q("id")}`;
        assert.deepEqual(sql.sql(), [deleteIn(t.posts, key, 1000), deleteIn(t.posts, key, 1000), deleteIn(t.posts, key, 500)]);
        // The flush deletes a step's rows in the reverse of the order they were deleted in.
        const ids = posts.map((post) => post.id).reverse();
        assert.deepEqual(sql.statements.map((s) => s.params), [ids.slice(0, 1000), ids.slice(1000, 2000), ids.slice(2000)]);
        assert.ok(posts.every((post) => inspectObject(post).status === "deleted"));
        await session.commit();
        const left = await engine.begin((conn) => executeStatement(conn, select(m.posts.c.id)));
        assert.deepEqual(left.all(), []);
      });
    });

    it("batches DELETEs by a composite key as row values; one row alone is key = ? AND key = ?", async () => {
      const engine = engineFor();
      const metadata = new MetaData();
      const pairs = metadata.table(target.table("pairs"), {
        k1: integer().primaryKey().autoincrement(false),
        k2: string(10).primaryKey(),
        note: string(20),
      });
      class Pair extends Entity(pairs) {}
      await metadata.createAll(engine);
      try {
        const Session = sessionmaker({ bind: engine, expireOnCommit: false });
        await using session = Session();
        // Two rows share each k1 and each k2: only the pair picks a row.
        const rows = [1, 2, 3].flatMap((k1) => ["a", "b"].map((k2) => new Pair({ k1, k2, note: `${k1}${k2}` })));
        session.addAll(rows);
        await session.commit();
        const qt = (n: string) => (target.name === "mysql" ? `\`${n}\`` : `"${n}"`);
        const tn = qt(pairs.name);
        const byNote = (note: string): Pair => rows.find((r) => r.note === note) as Pair;
        for (const note of ["1a", "2b", "3a"]) session.delete(byNote(note));
        const sql = captureSql(engine);
        await session.flush();
        assert.deepEqual(sql.sql(), [deleteIn(tn, `(${tn}.${qt("k1")}, ${tn}.${qt("k2")})`, 3, 2)]);
        assert.deepEqual(sql.statements[0]?.params, [3, "a", 2, "b", 1, "a"]);
        session.delete(byNote("1b"));
        sql.clear();
        await session.flush();
        assert.deepEqual(sql.sql(), [`DELETE FROM ${tn} WHERE ${tn}.${qt("k1")} = ${p(1)} AND ${tn}.${qt("k2")} = ${p(2)}`]);
        assert.deepEqual(sql.statements[0]?.params, [1, "b"]);
        await session.commit();
        const left = await engine.begin((conn) => executeStatement(conn, select(pairs.c.k1, pairs.c.k2).orderBy(pairs.c.k1, pairs.c.k2)));
        assert.deepEqual(left.all().map((r) => [r._mapping.k1, r._mapping.k2]), [[2, "a"], [3, "b"]]);
      } finally {
        await metadata.dropAll(engine);
      }
    });

    it("a DELETE matching fewer rows than it names is a warning through the engine's logger (console by default), not an error", async () => {
      await withModel(async (m, engine) => {
        const { t, q } = m;
        const Session = sessionmaker({ bind: engine, expireOnCommit: false });
        await using session = Session();
        const author = new m.User({ id: 1, name: "ed" });
        const [a, b, c] = [1, 2, 3].map((id) => new m.Post({ id, title: `p${id}`, userId: 1 })) as [InstanceType<typeof m.Post>, InstanceType<typeof m.Post>, InstanceType<typeof m.Post>];
        session.add(author);
        session.addAll([a, b, c]);
        await session.commit();
        // Gone behind the session's back.
        await engine.begin((conn) => executeStatement(conn, delete_(m.posts).where(m.posts.c.id.eq(b.id))));
        session.delete(a);
        session.delete(b);
        const warn = mock.method(console, "warn", () => undefined);
        const sql = captureSql(engine);
        try {
          await session.flush();
        } finally {
          warn.mock.restore();
        }
        assert.deepEqual(sql.sql(), [deleteIn(t.posts, `${t.posts}.${q("id")}`, 2)], "both rows in one statement");
        const warnings = warn.mock.calls.map((call) => String(call.arguments[0])).filter((w) => w.includes("DELETE statement"));
        assert.deepEqual(warnings, [`athanor: DELETE statement on table '${m.posts.name}' expected to delete 2 row(s); only 1 were matched.`]);
        assert.deepEqual([a, b].map((post) => inspectObject(post).status), ["deleted", "deleted"]);
        await session.commit();
        const left = await engine.begin((conn) => executeStatement(conn, select(m.posts.c.id)));
        assert.deepEqual(left.all().map((r) => r._mapping.id), [c.id]);
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
              columnArrays ? arrayInsert(t.nodes, [q("name"), q("parentId")], ["VARCHAR", "INTEGER"], q("id")) : `INSERT INTO ${t.nodes} ${cols} VALUES ${groups(2, 2)}${ret}`,
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

    it("null assigned to a many-to-one that was never loaded sets the foreign key to NULL", async () => {
      await withModel(async (m, engine) => {
        const { t, q } = m;
        const Session = sessionmaker({ bind: engine });
        await using session = Session();
        const team = new m.Team({ name: "red" });
        const ed = new m.User({ name: "ed" });
        ed.team = team;
        session.add(ed);
        await session.commit();
        await using other = Session();
        const loaded = await other.get(m.User, ed.id);
        assert.ok(loaded);
        loaded.team = null; // team never loaded in this session
        const sql = captureSql(engine);
        await other.commit();
        assert.deepEqual(sql.sql(), [`UPDATE ${t.users} SET ${q("teamId")} = ${p(1)} WHERE ${t.users}.${q("id")} = ${p(2)}`]);
        assert.deepEqual(sql.statements.find((s) => s.sql.startsWith("UPDATE"))?.params, [null, ed.id]);
        const reread = await engine.begin((conn) => executeStatement(conn, select(m.users.c.teamId).where(m.users.c.id.eq(ed.id))));
        assert.equal(reread.one()._mapping.teamId, null);
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
        if (columnArrays) assert.equal(inserts.length, 1, "one statement over column arrays (up to 10 000 rows)");
        else assert.equal(inserts.length, 3, "1000 rows per statement at most (insertmanyvalues page size)");
        const ids = users.map((u) => u.id);
        assert.equal(new Set(ids).size, 2500);
        assert.deepEqual(ids, [...ids].sort((x, y) => x - y), "keys paired with objects in order");
        await session.rollback();
      });
    });

    it("batches UPDATEs of rows changing the same column into one statement (a join to column arrays on PostgreSQL, CASE elsewhere)", async () => {
      await withModel(async (m, engine) => {
        const { t, q } = m;
        const Session = sessionmaker({ bind: engine, expireOnCommit: false });
        await using session = Session();
        const users = ["a", "b", "c"].map((name) => new m.User({ name }));
        session.addAll(users);
        await session.commit();
        users.forEach((u, i) => (u.fullname = `full ${i}`));
        const sql = captureSql(engine);
        await session.commit();
        const id = `${t.users}.${q("id")}`;
        const ids = users.map((u) => u.id);
        if (columnArrays) {
          assert.deepEqual(sql.sql(), [
            `UPDATE ${t.users} SET ${q("fullname")} = ${rowsAlias}.${q("fullname")} FROM ${unnest(["INTEGER", "VARCHAR"])} ` +
              `AS ${rowsAlias}(${q("id")}, ${q("fullname")}) WHERE ${id} = ${rowsAlias}.${q("id")}`,
          ]);
          assert.deepEqual(sql.statements.find((s) => s.sql.startsWith("UPDATE"))?.params, [arrayParam(ids), arrayParam(["full 0", "full 1", "full 2"])]);
        } else {
          assert.deepEqual(sql.sql(), [
            `UPDATE ${t.users} SET ${q("fullname")} = CASE WHEN ${id} = ${p(1)} THEN ${p(2)} WHEN ${id} = ${p(3)} THEN ${p(4)} WHEN ${id} = ${p(5)} THEN ${p(6)} ` +
              `ELSE ${t.users}.${q("fullname")} END WHERE ${id} IN (${p(7)}, ${p(8)}, ${p(9)})`,
          ]);
          assert.deepEqual(sql.statements.find((s) => s.sql.startsWith("UPDATE"))?.params, [ids[0], "full 0", ids[1], "full 1", ids[2], "full 2", ...ids]);
        }
        const reread = await engine.begin((conn) => executeStatement(conn, select(m.users.c.fullname).where(m.users.c.id.in(ids)).orderBy(m.users.c.id)));
        assert.deepEqual(reread.all().map((r) => r._mapping.fullname), ["full 0", "full 1", "full 2"]);
      });
    });

    it("a mixed flush: one statement per set of changed columns", async () => {
      await withModel(async (m, engine) => {
        const { t, q } = m;
        const Session = sessionmaker({ bind: engine, expireOnCommit: false });
        await using session = Session();
        const [a, b, c, d] = ["a", "b", "c", "d"].map((name) => new m.User({ name })) as [InstanceType<typeof m.User>, InstanceType<typeof m.User>, InstanceType<typeof m.User>, InstanceType<typeof m.User>];
        session.addAll([a, b, c, d]);
        await session.commit();
        a.name = "A";
        c.name = "C";
        c.fullname = "Cee";
        b.name = "B";
        d.name = "D";
        d.fullname = "Dee";
        const sql = captureSql(engine);
        await session.commit();
        const id = `${t.users}.${q("id")}`;
        const when = (n: number) => `WHEN ${id} = ${p(n)} THEN ${p(n + 1)}`;
        const set = (column: string) => `${q(column)} = ${rowsAlias}.${q(column)}`;
        assert.deepEqual(
          sql.sql(),
          columnArrays
            ? [
                `UPDATE ${t.users} SET ${set("name")} FROM ${unnest(["INTEGER", "VARCHAR"])} AS ${rowsAlias}(${q("id")}, ${q("name")}) WHERE ${id} = ${rowsAlias}.${q("id")}`,
                `UPDATE ${t.users} SET ${set("name")}, ${set("fullname")} FROM ${unnest(["INTEGER", "VARCHAR", "VARCHAR"])} ` +
                  `AS ${rowsAlias}(${q("id")}, ${q("name")}, ${q("fullname")}) WHERE ${id} = ${rowsAlias}.${q("id")}`,
              ]
            : [
                `UPDATE ${t.users} SET ${q("name")} = CASE ${when(1)} ${when(3)} ELSE ${t.users}.${q("name")} END WHERE ${id} IN (${p(5)}, ${p(6)})`,
                `UPDATE ${t.users} SET ${q("name")} = CASE ${when(1)} ${when(3)} ELSE ${t.users}.${q("name")} END, ` +
                  `${q("fullname")} = CASE ${when(5)} ${when(7)} ELSE ${t.users}.${q("fullname")} END WHERE ${id} IN (${p(9)}, ${p(10)})`,
              ],
        );
        const rows = await engine.begin((conn) => executeStatement(conn, select(m.users.c.name, m.users.c.fullname).orderBy(m.users.c.id)));
        assert.deepEqual(rows.all().map((r) => [r._mapping.name, r._mapping.fullname]), [["A", null], ["B", null], ["C", "Cee"], ["D", "Dee"]]);
      });
    });

    it("a SQL expression as a value goes out as SQL: in new rows, and in batched UPDATEs (CASE WHEN on every database)", async () => {
      await withModel(async (m, engine) => {
        const { t } = m;
        const Session = sessionmaker({ bind: engine, expireOnCommit: false });
        await using session = Session();
        const users = ["a", "b"].map((name) => new m.User({ name, fullname: sql`LOWER('NEW')` as never }));
        session.addAll(users);
        await session.commit();
        const inserted = await engine.begin((conn) => executeStatement(conn, select(m.users.c.fullname).orderBy(m.users.c.id)));
        assert.deepEqual(inserted.all().map((r) => r._mapping.fullname), ["new", "new"]);
        for (const u of users) u.fullname = sql`LOWER('FROM SQL')` as never;
        const captured = captureSql(engine);
        await session.commit();
        const updates = captured.sql().filter((s) => s.startsWith("UPDATE"));
        assert.equal(updates.length, 1);
        assert.ok((updates[0] as string).startsWith(`UPDATE ${t.users} SET`) && (updates[0] as string).includes("CASE WHEN"), String(updates[0]));
        const reread = await engine.begin((conn) => executeStatement(conn, select(m.users.c.fullname).orderBy(m.users.c.id)));
        assert.deepEqual(reread.all().map((r) => r._mapping.fullname), ["from sql", "from sql"]);
      });
    });

    it("batched strings arrive exactly (quotes, backslashes, braces, commas, the word NULL, empty, unicode, NULL)", async () => {
      await withModel(async (m, engine) => {
        const Session = sessionmaker({ bind: engine, expireOnCommit: false });
        await using session = Session();
        const tricky = ['say "hi"', "back\\slash", "{a,b}", "NULL", "", "ünïcødé ✓", null, "it's", " padded "];
        const users = tricky.map((fullname, i) => new m.User({ name: `u${i}`, fullname }));
        session.addAll(users);
        await session.commit();
        const read = async (): Promise<unknown[]> =>
          (await engine.begin((conn) => executeStatement(conn, select(m.users.c.fullname).orderBy(m.users.c.id)))).all().map((r) => r._mapping.fullname);
        assert.deepEqual(await read(), tricky, "inserted as given");
        const reversed = [...tricky].reverse();
        users.forEach((u, i) => (u.fullname = reversed[i] as string | null));
        await session.commit();
        assert.deepEqual(await read(), reversed, "updated as given");
      });
    });

    it("a string too long for its column fails a batched INSERT and UPDATE; nothing is truncated (SQLite keeps it whole)", async () => {
      await withModel(async (m, engine) => {
        const Session = sessionmaker({ bind: engine, expireOnCommit: false });
        await using session = Session();
        const long = "x".repeat(51); // name is string(50)
        const names = async (): Promise<unknown[]> =>
          (await engine.begin((conn) => executeStatement(conn, select(m.users.c.name).orderBy(m.users.c.id)))).all().map((r) => r._mapping.name);
        if (target.name === "sqlite") {
          // SQLite does not enforce VARCHAR lengths: the value must arrive whole.
          const users = [new m.User({ name: "ok" }), new m.User({ name: long })];
          session.addAll(users);
          await session.commit();
          users.forEach((u) => (u.name = `${long}y`));
          await session.commit();
          assert.deepEqual(await names(), [`${long}y`, `${long}y`]);
          return;
        }
        session.addAll([new m.User({ name: "ok" }), new m.User({ name: long })]);
        await assert.rejects(session.flush(), (e: unknown) => e instanceof DataError);
        await session.rollback();
        const users = ["a", "b"].map((name) => new m.User({ name }));
        session.addAll(users);
        await session.commit();
        users.forEach((u) => (u.name = long));
        await assert.rejects(session.flush(), (e: unknown) => e instanceof DataError);
        await session.rollback();
        assert.deepEqual(await names(), ["a", "b"]);
      });
    });

    if (columnArrays) it("column-array batches hold 10 000 rows at most", async () => {
      await withModel(async (m, engine) => {
        const Session = sessionmaker({ bind: engine, expireOnCommit: false });
        await using session = Session();
        const users = Array.from({ length: 10_001 }, (_, i) => new m.User({ name: `u${i}` }));
        session.addAll(users);
        const sql = captureSql(engine);
        await session.flush();
        assert.equal(sql.sql().length, 2);
        const names = users.map((u) => u.name);
        assert.deepEqual(sql.statements.filter((s) => s.sql.startsWith("INSERT")).map((s) => (s.params as unknown[])[0]), [arrayParam(names.slice(0, 10_000)), arrayParam(names.slice(10_000))]);
        const ids = users.map((u) => u.id);
        assert.deepEqual(ids, [...ids].sort((x, y) => x - y), "keys paired with objects in order across batches");
        users.forEach((u, i) => (u.fullname = `f${i}`));
        sql.clear();
        await session.flush();
        assert.deepEqual(sql.statements.filter((s) => s.sql.startsWith("UPDATE")).map((s) => (s.params as unknown[])[0]), [arrayParam(ids.slice(0, 10_000)), arrayParam(ids.slice(10_000))]);
        await session.commit();
        const count = await engine.begin((conn) => executeStatement(conn, select(m.users.c.id).where(m.users.c.fullname.eq("f10000"))));
        assert.deepEqual(count.all().map((r) => r._mapping.id), [users[10_000]?.id]);
      });
    });

    it("a batch matching fewer rows than it names raises StaleDataError naming the table", async () => {
      await withModel(async (m, engine) => {
        const Session = sessionmaker({ bind: engine, expireOnCommit: false });
        await using session = Session();
        const users = ["a", "b", "c"].map((name) => new m.User({ name }));
        session.addAll(users);
        await session.commit();
        await engine.begin((conn) => executeStatement(conn, delete_(m.users).where(m.users.c.id.eq((users[1] as InstanceType<typeof m.User>).id))));
        users.forEach((u) => (u.fullname = "x"));
        await assert.rejects(session.flush(), (e: unknown) => e instanceof StaleDataError && /UPDATE of 3 User rows in table '[^']*users[^']*' matched 2/.test(e.message));
        await session.rollback();
      });
    });

    it("batched values go through the column types (booleans, JSON, dates), composite keys, onUpdate", async () => {
      const engine = engineFor();
      const metadata = new MetaData();
      let revision = 0;
      const flags = metadata.table(target.table("flags"), {
        k1: integer().primaryKey().autoincrement(false),
        k2: string(10).primaryKey(),
        active: boolean().notNull(),
        meta: json<{ tags: string[] }>(),
        seenAt: dateTime().named("seen_at"),
        rev: integer().notNull().default(0).onUpdate(() => ++revision),
      });
      class Flag extends Entity(flags) {}
      await metadata.createAll(engine);
      try {
        const Session = sessionmaker({ bind: engine, expireOnCommit: false });
        await using session = Session();
        const rows = [1, 2, 3].map((k1) => new Flag({ k1, k2: `k${k1}`, active: k1 === 2, meta: null, seenAt: null }));
        session.addAll(rows);
        await session.commit();
        const seen = new Date("2024-05-06T07:08:09.123Z");
        rows.forEach((f, i) => {
          f.active = !f.active; // every row changes the same four columns (rev by onUpdate)
          f.meta = { tags: [`t${i}`] };
          f.seenAt = seen;
        });
        const sql = captureSql(engine);
        await session.commit();
        const updates = sql.sql().filter((s) => s.startsWith("UPDATE"));
        assert.equal(updates.length, 1);
        const qt = (n: string) => (target.name === "mysql" ? `\`${n}\`` : `"${n}"`);
        const tn = qt(flags.name);
        if (columnArrays) {
          const types = ["INTEGER", "VARCHAR", "BOOLEAN", "JSONB", "TIMESTAMP WITH TIME ZONE", "INTEGER"];
          const columns = ["k1", "k2", "active", "meta", "seen_at", "rev"].map(qt).join(", ");
          assert.ok((updates[0] as string).includes(`FROM ${unnest(types)} AS ${rowsAlias}(${columns})`), String(updates[0]));
          assert.ok((updates[0] as string).endsWith(`WHERE ${tn}.${qt("k1")} = ${rowsAlias}.${qt("k1")} AND ${tn}.${qt("k2")} = ${rowsAlias}.${qt("k2")}`), String(updates[0]));
        } else {
          assert.ok((updates[0] as string).endsWith(`WHERE (${tn}.${qt("k1")}, ${tn}.${qt("k2")}) IN ((${p(37)}, ${p(38)}), (${p(39)}, ${p(40)}), (${p(41)}, ${p(42)}))`), String(updates[0]));
          assert.ok((updates[0] as string).includes(`CASE WHEN ${tn}.${qt("k1")} = ${p(1)} AND ${tn}.${qt("k2")} = ${p(2)} THEN ${p(3)} WHEN`), String(updates[0]));
        }
        assert.deepEqual(rows.map((f) => f.rev), [1, 2, 3], "onUpdate evaluated per row and stored on the object");
        await using fresh = Session();
        const loaded = await fresh.scalars(select(Flag).orderBy(flags.c.k1));
        assert.deepEqual(
          loaded.all().map((f) => [f.active, f.meta, f.seenAt?.toISOString(), f.rev]),
          [[true, { tags: ["t0"] }, seen.toISOString(), 1], [false, { tags: ["t1"] }, seen.toISOString(), 2], [true, { tags: ["t2"] }, seen.toISOString(), 3]],
        );
      } finally {
        await metadata.dropAll(engine);
      }
    });
  });
}
