import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { ArgumentError } from "../../../src/errors.js";
import {
  and,
  asc,
  bindparam,
  cast,
  desc,
  fn,
  func,
  FunctionCall,
  IntegerType,
  integer,
  literal,
  not,
  or,
  select,
  sql,
  string,
  table,
} from "../../../src/sql/index.js";
import { teams, users } from "./fixtures.js";
import { compiled, sqlOf, type TargetName } from "./support.js";

/** Asserts [sql, params] on PostgreSQL ($n, "x"), MySQL (?, `x`) and SQLite (?, "x"). */
function expectSql(
  statement: Parameters<typeof compiled>[0],
  expected: Partial<Record<TargetName, [string, unknown[]]>>,
  params?: Record<string, unknown>,
): void {
  for (const [target, value] of Object.entries(expected) as [TargetName, [string, unknown[]]][]) {
    assert.deepEqual(compiled(statement, target, params), value, `on ${target}`);
  }
}

describe("select(): columns, FROM inference, WHERE", () => {
  it("qualifies and quotes every identifier, per dialect", () => {
    expectSql(select(users.c.id, users.c.name), {
      postgresql: ['SELECT "users"."id", "users"."name" FROM "users"', []],
      pglite: ['SELECT "users"."id", "users"."name" FROM "users"', []],
      mysql: ["SELECT `users`.`id`, `users`.`name` FROM `users`", []],
      sqlite: ['SELECT "users"."id", "users"."name" FROM "users"', []],
    });
  });

  it("select(table) selects every column; a column named differently from its key is labelled with the key", () => {
    const stmt = select(teams);
    assert.equal(sqlOf(stmt, "postgresql"), 'SELECT "teams"."id", "teams"."name" FROM "teams"');
    assert.equal(sqlOf(select(users.c.createdAt), "mysql"), "SELECT `users`.`created_at` AS `createdAt` FROM `users`");
  });

  it("binds literal values as parameters, never in the SQL text", () => {
    const evil = "x'; DROP TABLE users; --";
    expectSql(select(users.c.id).where(users.c.name.eq(evil)), {
      postgresql: ['SELECT "users"."id" FROM "users" WHERE "users"."name" = $1', [evil]],
      mysql: ["SELECT `users`.`id` FROM `users` WHERE `users`.`name` = ?", [evil]],
    });
  });

  it("ANDs several where() calls and arguments", () => {
    const stmt = select(users.c.id).where(users.c.age.gt(18), users.c.age.lt(65)).where(users.c.name.ne("ed"));
    expectSql(stmt, {
      postgresql: ['SELECT "users"."id" FROM "users" WHERE "users"."age" > $1 AND "users"."age" < $2 AND "users"."name" <> $3', [18, 65, "ed"]],
      sqlite: ['SELECT "users"."id" FROM "users" WHERE "users"."age" > ? AND "users"."age" < ? AND "users"."name" <> ?', [18, 65, "ed"]],
    });
  });

  it("writes each comparison operator", () => {
    const c = users.c.age;
    const ops = [c.eq(1), c.ne(1), c.lt(1), c.le(1), c.gt(1), c.ge(1)];
    const where = ops.map((op) => sqlOf(select(users.c.id).where(op), "sqlite").split(" WHERE ")[1]);
    assert.deepEqual(where, ['"users"."age" = ?', '"users"."age" <> ?', '"users"."age" < ?', '"users"."age" <= ?', '"users"."age" > ?', '"users"."age" >= ?']);
  });

  it("eq(null) / ne(null) become IS NULL / IS NOT NULL, as in SQLAlchemy", () => {
    assert.equal(sqlOf(select(users.c.id).where(users.c.email.eq(null)), "postgresql"), 'SELECT "users"."id" FROM "users" WHERE "users"."email" IS NULL');
    assert.equal(sqlOf(select(users.c.id).where(users.c.email.ne(null)), "postgresql"), 'SELECT "users"."id" FROM "users" WHERE "users"."email" IS NOT NULL');
    assert.equal(sqlOf(select(users.c.id).where(users.c.email.isNull(), users.c.age.isNotNull()), "mysql"),
      "SELECT `users`.`id` FROM `users` WHERE `users`.`email` IS NULL AND `users`.`age` IS NOT NULL");
  });

  it("parenthesises OR inside AND, and NOT's operand", () => {
    const stmt = select(users.c.id).where(and(or(users.c.age.lt(18), users.c.age.gt(65)), not(users.c.active.eq(true))));
    expectSql(stmt, {
      postgresql: ['SELECT "users"."id" FROM "users" WHERE ("users"."age" < $1 OR "users"."age" > $2) AND NOT ("users"."active" = $3)', [18, 65, true]],
    });
  });

  it("flattens nested and() / or(); and() of nothing is true, or() of nothing false", () => {
    const stmt = select(users.c.id).where(and(and(users.c.age.eq(1), users.c.age.eq(2)), users.c.age.eq(3)));
    assert.equal(sqlOf(stmt, "sqlite"), 'SELECT "users"."id" FROM "users" WHERE "users"."age" = ? AND "users"."age" = ? AND "users"."age" = ?');
    assert.equal(sqlOf(select(users.c.id).where(and()), "postgresql"), 'SELECT "users"."id" FROM "users" WHERE true');
    assert.equal(sqlOf(select(users.c.id).where(or()), "sqlite"), 'SELECT "users"."id" FROM "users" WHERE 0');
  });

  it("in() binds each value; an empty list is a false condition, notIn([]) a true one", () => {
    expectSql(select(users.c.id).where(users.c.id.in([1, 2, 3])), {
      postgresql: ['SELECT "users"."id" FROM "users" WHERE "users"."id" IN ($1, $2, $3)', [1, 2, 3]],
      mysql: ["SELECT `users`.`id` FROM `users` WHERE `users`.`id` IN (?, ?, ?)", [1, 2, 3]],
    });
    assert.equal(sqlOf(select(users.c.id).where(users.c.id.notIn([4])), "sqlite"), 'SELECT "users"."id" FROM "users" WHERE "users"."id" NOT IN (?)');
    assert.equal(sqlOf(select(users.c.id).where(users.c.id.in([])), "sqlite"), 'SELECT "users"."id" FROM "users" WHERE 1 != 1');
    assert.equal(sqlOf(select(users.c.id).where(users.c.id.notIn([])), "sqlite"), 'SELECT "users"."id" FROM "users" WHERE 1 = 1');
  });

  it("like() everywhere; ilike() is ILIKE on PostgreSQL and lower() LIKE lower() elsewhere", () => {
    assert.equal(sqlOf(select(users.c.id).where(users.c.name.like("a%")), "mysql"), "SELECT `users`.`id` FROM `users` WHERE `users`.`name` LIKE ?");
    assert.equal(sqlOf(select(users.c.id).where(users.c.name.notLike("a%")), "sqlite"), 'SELECT "users"."id" FROM "users" WHERE "users"."name" NOT LIKE ?');
    const ilike = select(users.c.id).where(users.c.name.ilike("%ED%"));
    expectSql(ilike, {
      postgresql: ['SELECT "users"."id" FROM "users" WHERE "users"."name" ILIKE $1', ["%ED%"]],
      pglite: ['SELECT "users"."id" FROM "users" WHERE "users"."name" ILIKE $1', ["%ED%"]],
      mysql: ["SELECT `users`.`id` FROM `users` WHERE lower(`users`.`name`) LIKE lower(?)", ["%ED%"]],
      sqlite: ['SELECT "users"."id" FROM "users" WHERE lower("users"."name") LIKE lower(?)', ["%ED%"]],
    });
    assert.equal(sqlOf(select(users.c.id).where(users.c.name.notIlike("x")), "postgresql"), 'SELECT "users"."id" FROM "users" WHERE "users"."name" NOT ILIKE $1');
    assert.equal(sqlOf(select(users.c.id).where(users.c.name.notIlike("x")), "sqlite"), 'SELECT "users"."id" FROM "users" WHERE lower("users"."name") NOT LIKE lower(?)');
  });

  it("between() and notBetween()", () => {
    expectSql(select(users.c.id).where(users.c.age.between(18, 65)), {
      postgresql: ['SELECT "users"."id" FROM "users" WHERE "users"."age" BETWEEN $1 AND $2', [18, 65]],
    });
    assert.equal(sqlOf(select(users.c.id).where(users.c.age.notBetween(1, 2)), "mysql"), "SELECT `users`.`id` FROM `users` WHERE `users`.`age` NOT BETWEEN ? AND ?");
  });

  it("arithmetic keeps its grouping", () => {
    const expr = users.c.age.add(1).mul(users.c.age.sub(2)).as("x");
    assert.equal(sqlOf(select(expr), "postgresql"), 'SELECT ("users"."age" + $1) * ("users"."age" - $2) AS "x" FROM "users"');
    const right = users.c.age.sub(users.c.age.sub(1)).as("y");
    assert.equal(sqlOf(select(right), "sqlite"), 'SELECT "users"."age" - ("users"."age" - ?) AS "y" FROM "users"');
    assert.equal(sqlOf(select(users.c.age.div(2).as("half")), "mysql"), "SELECT `users`.`age` / ? AS `half` FROM `users`");
  });

  it("an unnamed expression in a SELECT list must be labelled", () => {
    assert.throws(() => select(users.c.age.add(1) as never), (err: unknown) => err instanceof ArgumentError && /label it/.test(err.message));
  });
});

describe("select(): functions, labels, ordering, paging", () => {
  it("labels every function call, with its name unless given one", () => {
    expectSql(select(func.count()).from(users), {
      postgresql: ['SELECT count(*) AS "count" FROM "users"', []],
      mysql: ["SELECT count(*) AS `count` FROM `users`", []],
    });
    const stmt = select(func.count(users.c.id).as("n"), func.max(users.c.age), func.min(users.c.age), func.sum(users.c.age), func.avg(users.c.age));
    assert.equal(
      sqlOf(stmt, "sqlite"),
      'SELECT count("users"."id") AS "n", max("users"."age") AS "max", min("users"."age") AS "min", sum("users"."age") AS "sum", avg("users"."age") AS "avg" FROM "users"',
    );
  });

  it("coalesce binds its fallback with the column's type; lower/upper; any other name", () => {
    assert.deepEqual(compiled(select(func.coalesce(users.c.age, 0)), "postgresql"), ['SELECT coalesce("users"."age", $1) AS "coalesce" FROM "users"', [0]]);
    assert.equal(sqlOf(select(func.lower(users.c.name), func.upper(users.c.name).as("u")), "mysql"), "SELECT lower(`users`.`name`) AS `lower`, upper(`users`.`name`) AS `u` FROM `users`");
    const untyped = (func as unknown as Record<string, (...args: unknown[]) => FunctionCall>)["char_length"] as (...args: unknown[]) => FunctionCall;
    assert.equal(sqlOf(select(untyped(users.c.name).as("len")), "postgresql"), 'SELECT char_length("users"."name") AS "len" FROM "users"');
    assert.equal(sqlOf(select(fn("char_length", [users.c.name], new IntegerType())), "mysql"), "SELECT char_length(`users`.`name`) AS `char_length` FROM `users`");
    assert.throws(() => (func as unknown as Record<string, unknown>)["x; DROP TABLE t"], ArgumentError);
  });

  it("func.now() is the current instant in each database's DateTime form", () => {
    assert.equal(sqlOf(select(func.now()), "postgresql"), 'SELECT CURRENT_TIMESTAMP AS "now"');
    assert.equal(sqlOf(select(func.now()), "mysql"), "SELECT CURRENT_TIMESTAMP(6) AS `now`");
    assert.equal(sqlOf(select(func.now()), "sqlite"), `SELECT strftime('%Y-%m-%dT%H:%M:%fZ', 'now') AS "now"`);
  });

  it("cast() uses the type's name, and MySQL's CAST target names", () => {
    assert.equal(sqlOf(select(cast(users.c.name, new IntegerType()).as("n")), "postgresql"), 'SELECT CAST("users"."name" AS INTEGER) AS "n" FROM "users"');
    assert.equal(sqlOf(select(cast(users.c.name, new IntegerType()).as("n")), "mysql"), "SELECT CAST(`users`.`name` AS SIGNED) AS `n` FROM `users`");
  });

  it("orderBy takes asc()/desc() and bare expressions (ascending)", () => {
    const stmt = select(users.c.id).orderBy(users.c.name, desc(users.c.age), asc(users.c.id), users.c.email.desc());
    assert.equal(sqlOf(stmt, "postgresql"), 'SELECT "users"."id" FROM "users" ORDER BY "users"."name" ASC, "users"."age" DESC, "users"."id" ASC, "users"."email" DESC');
  });

  it("binds LIMIT and OFFSET; OFFSET alone needs a LIMIT on MySQL and SQLite", () => {
    const page = select(users.c.id).limit(10).offset(20);
    expectSql(page, {
      postgresql: ['SELECT "users"."id" FROM "users" LIMIT $1 OFFSET $2', [10, 20]],
      mysql: ["SELECT `users`.`id` FROM `users` LIMIT ? OFFSET ?", [10, 20]],
      sqlite: ['SELECT "users"."id" FROM "users" LIMIT ? OFFSET ?', [10, 20]],
    });
    const skip = select(users.c.id).offset(5);
    expectSql(skip, {
      postgresql: ['SELECT "users"."id" FROM "users" OFFSET $1', [5]],
      mysql: ["SELECT `users`.`id` FROM `users` LIMIT 18446744073709551615 OFFSET ?", [5]],
      sqlite: ['SELECT "users"."id" FROM "users" LIMIT -1 OFFSET ?', [5]],
    });
    assert.equal(sqlOf(select(users.c.id).limit(3), "mysql"), "SELECT `users`.`id` FROM `users` LIMIT ?");
    assert.equal(sqlOf(select(users.c.id).limit(3).limit(null), "mysql"), "SELECT `users`.`id` FROM `users`");
    assert.throws(() => select(users.c.id).limit(-1), ArgumentError);
    assert.throws(() => select(users.c.id).offset(1.5), ArgumentError);
  });

  it("distinct, group by, having", () => {
    const stmt = select(users.c.teamId, func.count().as("n")).distinct().groupBy(users.c.teamId).having(func.count().gt(2));
    expectSql(stmt, {
      postgresql: ['SELECT DISTINCT "users"."teamId", count(*) AS "n" FROM "users" GROUP BY "users"."teamId" HAVING count(*) > $1', [2]],
    });
  });

  it("takes FROM elements from the WHERE clause too (select(func.count()).where(...))", () => {
    assert.equal(sqlOf(select(func.count()).where(users.c.active.eq(true)), "sqlite"), 'SELECT count(*) AS "count" FROM "users" WHERE "users"."active" = ?');
  });
});

describe("select(): parameters and raw SQL", () => {
  it("bindparam() is filled from execute()'s parameters and takes the compared column's type", () => {
    const stmt = select(users.c.id).where(users.c.active.eq(bindparam("on")), users.c.age.gt(bindparam("min")));
    assert.deepEqual(compiled(stmt, "sqlite", { on: true, min: 3 }), ['SELECT "users"."id" FROM "users" WHERE "users"."active" = ? AND "users"."age" > ?', [1, 3]]);
    assert.deepEqual(compiled(stmt, "postgresql", { on: false, min: 4 }), ['SELECT "users"."id" FROM "users" WHERE "users"."active" = $1 AND "users"."age" > $2', [false, 4]]);
  });

  it("a missing bindparam value is an error naming the parameters; null is NULL", () => {
    const stmt = select(users.c.id).where(users.c.age.eq(bindparam("age")));
    assert.throws(() => compiled(stmt, "postgresql", {}), (err: unknown) => err instanceof ArgumentError && /'age'/.test(err.message));
    assert.throws(() => compiled(stmt, "postgresql", { age: undefined }), ArgumentError);
    assert.deepEqual(compiled(stmt, "postgresql", { age: null }), ['SELECT "users"."id" FROM "users" WHERE "users"."age" = $1', [null]]);
  });

  it("sql`` binds its values and compiles the expressions in it in place", () => {
    const stmt = select(users.c.id).where(sql`lower(${users.c.name}) = ${"ed"}`);
    expectSql(stmt, {
      postgresql: ['SELECT "users"."id" FROM "users" WHERE lower("users"."name") = $1', ["ed"]],
      mysql: ["SELECT `users`.`id` FROM `users` WHERE lower(`users`.`name`) = ?", ["ed"]],
    });
    const score = sql<number>`${users.c.age} + ${1}`.as("score");
    assert.equal(sqlOf(select(score).where(users.c.age.mul(sql<number>`${users.c.age} + 1`).gt(2)), "sqlite"),
      'SELECT "users"."age" + ? AS "score" FROM "users" WHERE "users"."age" * ("users"."age" + 1) > ?');
    assert.throws(() => (sql as unknown as (s: string) => unknown)("SELECT 1"), ArgumentError);
  });

  it("literal() binds a value as an expression; undefined is refused", () => {
    assert.deepEqual(compiled(select(literal(1).as("one")), "postgresql"), ['SELECT $1 AS "one"', [1]]);
    assert.deepEqual(compiled(select(literal(true).as("t")), "sqlite"), ['SELECT ? AS "t"', [1]]);
    assert.throws(() => users.c.age.eq(undefined as never), (err: unknown) => err instanceof ArgumentError && /users\.age/.test(err.message));
    assert.throws(() => literal(undefined), ArgumentError);
  });
});

describe("identifiers", () => {
  it("are always quoted, so reserved words, mixed case and quote characters are safe", () => {
    const weird = table("order", { select: integer().primaryKey(), "Mixed Case": string(10), 'a"b`c': integer() });
    assert.equal(sqlOf(select(weird), "postgresql"), 'SELECT "order"."select", "order"."Mixed Case", "order"."a""b`c" FROM "order"');
    assert.equal(sqlOf(select(weird), "mysql"), 'SELECT `order`.`select`, `order`.`Mixed Case`, `order`.`a"b``c` FROM `order`');
  });

  it("schema-qualified tables qualify their columns", () => {
    const t = table("events", { id: integer().primaryKey() }, { schema: "audit" });
    assert.equal(sqlOf(select(t.c.id), "postgresql"), 'SELECT "audit"."events"."id" FROM "audit"."events"');
  });
});
