import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { ArgumentError } from "../../../src/errors.js";
import {
  bindparam,
  CompileError,
  dateTime,
  delete_,
  deleteFrom,
  func,
  insert,
  integer,
  MetaData,
  select,
  sql,
  string,
  update,
} from "../../../src/sql/index.js";
import { teams, users } from "./fixtures.js";
import { compiled, sqlOf, targets } from "./support.js";

describe("insert()", () => {
  it("one row: the given columns plus those with client-side defaults, in table order", () => {
    const stmt = insert(users).values({ name: "ed", teamId: 1 });
    assert.deepEqual(compiled(stmt, "postgresql"), ['INSERT INTO "users" ("name", "active", "teamId") VALUES ($1, $2, $3)', ["ed", true, 1]]);
    assert.deepEqual(compiled(stmt, "mysql"), ["INSERT INTO `users` (`name`, `active`, `teamId`) VALUES (?, ?, ?)", ["ed", true, 1]]);
    assert.deepEqual(compiled(stmt, "sqlite"), ['INSERT INTO "users" ("name", "active", "teamId") VALUES (?, ?, ?)', ["ed", 1, 1]]);
  });

  it("several rows: one multi-row VALUES, placeholders numbered across rows", () => {
    const stmt = insert(teams).values([{ name: "a" }, { name: "b" }, { name: "c" }]);
    assert.deepEqual(compiled(stmt, "postgresql"), ['INSERT INTO "teams" ("name") VALUES ($1), ($2), ($3)', ["a", "b", "c"]]);
    assert.deepEqual(compiled(stmt.values({ name: "d" }), "sqlite"), ['INSERT INTO "teams" ("name") VALUES (?), (?), (?), (?)', ["a", "b", "c", "d"]]);
  });

  it("a row missing a nullable column other rows give gets NULL; a NOT NULL or server-defaulted one is an error", () => {
    const stmt = insert(users).values([{ name: "a", age: 3 }, { name: "b" }]);
    assert.deepEqual(compiled(stmt, "postgresql")[1], ["a", true, 3, "b", true, null]);
    assert.throws(
      () => compiled(insert(users).values([{ name: "a", createdAt: new Date(0) }, { name: "b" }]), "postgresql"),
      (err: unknown) => err instanceof ArgumentError && /row 2 has no value for users\.created_at/.test(err.message),
    );
  });

  it("undefined values count as absent; unknown keys are errors naming the columns", () => {
    assert.deepEqual(compiled(insert(teams).values({ name: "a", id: undefined }), "sqlite"), ['INSERT INTO "teams" ("name") VALUES (?)', ["a"]]);
    assert.throws(() => insert(teams).values({ nam: "a" } as never), (err: unknown) => err instanceof ArgumentError && /has no column 'nam'. Its columns are 'id', 'name'/.test(err.message));
  });

  it("client defaults: functions are called once per row and per execution", () => {
    let calls = 0;
    const md = new MetaData();
    const t = md.table("stamps", { id: integer().primaryKey(), at: dateTime().notNull().default(() => new Date(1000 * ++calls)) });
    const stmt = insert(t).values([{}, {}].map(() => ({})) as never);
    assert.deepEqual(compiled(stmt, "postgresql")[1], ["1970-01-01T00:00:01.000Z", "1970-01-01T00:00:02.000Z"]);
    assert.deepEqual(compiled(stmt, "postgresql")[1], ["1970-01-01T00:00:03.000Z", "1970-01-01T00:00:04.000Z"]);
  });

  it("values may be SQL expressions", () => {
    const stmt = insert(users).values({ name: sql<string>`upper(${"ed"})`, createdAt: func.now() });
    assert.deepEqual(compiled(stmt, "mysql"), ["INSERT INTO `users` (`name`, `active`, `created_at`) VALUES (upper(?), ?, CURRENT_TIMESTAMP(6))", ["ed", true]]);
  });

  it("no values: DEFAULT VALUES, or () VALUES () on MySQL", () => {
    const md = new MetaData();
    const counters = md.table("counters", { id: integer().primaryKey(), n: integer().serverDefault(0) });
    assert.equal(sqlOf(insert(counters), "postgresql"), 'INSERT INTO "counters" DEFAULT VALUES');
    assert.equal(sqlOf(insert(counters), "sqlite"), 'INSERT INTO "counters" DEFAULT VALUES');
    assert.equal(sqlOf(insert(counters), "mysql"), "INSERT INTO `counters` () VALUES ()");
  });

  it("returning(): PostgreSQL, SQLite and MariaDB; a CompileError naming the dialect on MySQL", () => {
    const stmt = insert(teams).values({ name: "a" }).returning(teams.c.id, teams.c.name);
    assert.equal(sqlOf(stmt, "postgresql"), 'INSERT INTO "teams" ("name") VALUES ($1) RETURNING "id", "name"');
    assert.equal(sqlOf(stmt, "sqlite"), 'INSERT INTO "teams" ("name") VALUES (?) RETURNING "id", "name"');
    assert.equal(sqlOf(stmt, "mariadb"), "INSERT INTO `teams` (`name`) VALUES (?) RETURNING `id`, `name`");
    assert.throws(() => sqlOf(stmt, "mysql"), (err: unknown) => err instanceof CompileError && /INSERT \.\.\. RETURNING is not supported by the 'mysql' dialect/.test(err.message));
    assert.equal(sqlOf(insert(users).values({ name: "x" }).returning(users.c.createdAt), "postgresql"),
      'INSERT INTO "users" ("name", "active") VALUES ($1, $2) RETURNING "created_at" AS "createdAt"');
  });

  it("batches(): splits by the bind-parameter limit and 1000 rows; compiling an oversized insert names batches()", () => {
    const rows = Array.from({ length: 2500 }, (_, i) => ({ name: `t${i}` }));
    const stmt = insert(teams).values(rows);
    assert.deepEqual(stmt.batches(targets.sqlite).map((b) => compiled(b, "sqlite")[1].length), [1000, 1000, 500]);
    const small = { ...targets.postgresql, capabilities: { ...targets.postgresql.capabilities, maxBindParameters: 900 }, quoteIdentifier: (n: string) => targets.postgresql.quoteIdentifier(n) };
    const wide = insert(users).values(Array.from({ length: 1000 }, (_, i) => ({ name: `u${i}`, age: i })));
    assert.deepEqual(wide.batches(small).map((b) => b.compileFor(small).params.length), [..."x".repeat(3)].map(() => 900).concat([300]));
    assert.throws(() => wide.compileFor(small), (err: unknown) => err instanceof CompileError && /3000 parameters, more than the 'postgresql' limit of 900.*batches\(/.test(err.message));
  });
});

describe("update()", () => {
  it("SET the given columns, WHERE qualified, values bound with the column's type", () => {
    const stmt = update(users).set({ name: "ed", active: false }).where(users.c.id.eq(5));
    assert.deepEqual(compiled(stmt, "postgresql"), ['UPDATE "users" SET "name" = $1, "active" = $2 WHERE "users"."id" = $3', ["ed", false, 5]]);
    assert.deepEqual(compiled(stmt, "sqlite"), ['UPDATE "users" SET "name" = ?, "active" = ? WHERE "users"."id" = ?', ["ed", 0, 5]]);
    assert.deepEqual(compiled(stmt, "mysql"), ["UPDATE `users` SET `name` = ?, `active` = ? WHERE `users`.`id` = ?", ["ed", false, 5]]);
  });

  it("SET to SQL expressions; set() calls merge; nothing to set is an error", () => {
    const stmt = update(users).set({ age: users.c.age.add(1) }).set({ email: null });
    assert.deepEqual(compiled(stmt, "postgresql"), ['UPDATE "users" SET "email" = $1, "age" = "users"."age" + $2', [null, 1]]);
    assert.throws(() => compiled(update(users), "postgresql"), (err: unknown) => err instanceof ArgumentError && /nothing to set/.test(err.message));
  });

  it("onUpdate() columns get their value when not set explicitly", () => {
    const md = new MetaData();
    const docs = md.table("docs", { id: integer().primaryKey(), body: string(20), rev: integer().notNull().default(1).onUpdate(() => 7) });
    assert.deepEqual(compiled(update(docs).set({ body: "x" }), "sqlite"), ['UPDATE "docs" SET "body" = ?, "rev" = ?', ["x", 7]]);
    assert.deepEqual(compiled(update(docs).set({ rev: 2 }), "sqlite"), ['UPDATE "docs" SET "rev" = ?', [2]]);
  });

  it("correlated subqueries in WHERE; bindparam()", () => {
    const stmt = update(teams).set({ name: bindparam("newName") }).where(teams.c.id.in(select(users.c.teamId).where(users.c.age.gt(bindparam("age")))));
    assert.deepEqual(compiled(stmt, "postgresql", { newName: "n", age: 30 }), [
      'UPDATE "teams" SET "name" = $1 WHERE "teams"."id" IN (SELECT "users"."teamId" FROM "users" WHERE "users"."age" > $2)',
      ["n", 30],
    ]);
  });

  it("returning(): PostgreSQL and SQLite; never on MySQL/MariaDB", () => {
    const stmt = update(users).set({ name: "x" }).returning(users.c.id);
    assert.equal(sqlOf(stmt, "sqlite"), 'UPDATE "users" SET "name" = ? RETURNING "id"');
    assert.throws(() => sqlOf(stmt, "mariadb"), (err: unknown) => err instanceof CompileError && /MariaDB has RETURNING only for INSERT and DELETE/.test(err.message));
  });
});

describe("delete()", () => {
  it("DELETE FROM with WHERE and RETURNING (MariaDB too)", () => {
    const stmt = delete_(users).where(users.c.age.lt(18), users.c.active.eq(false));
    assert.deepEqual(compiled(stmt, "postgresql"), ['DELETE FROM "users" WHERE "users"."age" < $1 AND "users"."active" = $2', [18, false]]);
    assert.equal(sqlOf(deleteFrom(teams), "mysql"), "DELETE FROM `teams`");
    const returning = delete_(teams).where(teams.c.id.eq(1)).returning(teams.c.name);
    assert.equal(sqlOf(returning, "mariadb"), "DELETE FROM `teams` WHERE `teams`.`id` = ? RETURNING `name`");
    assert.throws(() => sqlOf(returning, "mysql"), CompileError);
  });
});
