import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { and, CompileError, exists, not, func, integer, MetaData, select, string, type AnyColumn } from "../../../src/sql/index.js";
import { posts, teams, users } from "./fixtures.js";
import { compiled, sqlOf } from "./support.js";

function compileError(make: () => unknown, pattern: RegExp): void {
  assert.throws(make, (err: unknown) => {
    assert.ok(err instanceof CompileError, `expected CompileError, got ${String(err)}`);
    assert.equal(err.code, "COMPILE_ERROR");
    assert.match(err.message, pattern);
    return true;
  });
}

describe("join(): the ON clause from the foreign key", () => {
  it("infers ON from the one foreign key, in either direction", () => {
    assert.equal(
      sqlOf(select(users.c.name, teams.c.name.as("team")).join(teams), "postgresql"),
      'SELECT "users"."name", "teams"."name" AS "team" FROM "users" JOIN "teams" ON "users"."teamId" = "teams"."id"',
    );
    assert.equal(
      sqlOf(select(teams.c.name).join(users), "mysql"),
      "SELECT `teams`.`name` FROM `teams` JOIN `users` ON `users`.`teamId` = `teams`.`id`",
    );
  });

  it("a string reference (\"users.id\") resolves through the MetaData", () => {
    assert.equal(sqlOf(select(posts.c.title).join(users), "sqlite"), 'SELECT "posts"."title" FROM "posts" JOIN "users" ON "posts"."authorId" = "users"."id"');
  });

  it("outerJoin() is LEFT OUTER JOIN; chained joins find their left side among the tables already joined", () => {
    compileError(() => select(teams.c.name, posts.c.title).outerJoin(users), /Can't choose which of teams, posts to join users to/);
    const stmt = select(teams.c.name, posts.c.title).from(teams).outerJoin(users).outerJoin(posts);
    assert.equal(
      sqlOf(stmt, "postgresql"),
      'SELECT "teams"."name", "posts"."title" FROM "teams" LEFT OUTER JOIN "users" ON "users"."teamId" = "teams"."id" LEFT OUTER JOIN "posts" ON "posts"."authorId" = "users"."id"',
    );
  });

  it("an explicit ON clause is used as given, and joins from the table it names", () => {
    const stmt = select(users.c.name, posts.c.title).join(posts, and(posts.c.authorId.eq(users.c.id), posts.c.id.gt(0)));
    assert.deepEqual(compiled(stmt, "sqlite"), [
      'SELECT "users"."name", "posts"."title" FROM "users" JOIN "posts" ON "posts"."authorId" = "users"."id" AND "posts"."id" > ?',
      [0],
    ]);
  });

  it("zero foreign keys: an error naming the fix", () => {
    compileError(() => select(teams.c.name).join(posts), /Can't find a foreign key between teams and posts.*Give the ON clause/);
  });

  it("several foreign keys: an error listing them", () => {
    const md = new MetaData();
    const people = md.table("people", { id: integer().primaryKey() });
    const messages = md.table("messages", {
      id: integer().primaryKey(),
      senderId: integer().references(() => people.c.id),
      recipientId: integer().references(() => people.c.id),
    });
    compileError(() => select(messages.c.id).join(people), /2 foreign key paths \(messages\.senderId = people\.id; messages\.recipientId = people\.id\)/);
    const ok = select(messages.c.id).join(people, messages.c.senderId.eq(people.c.id));
    assert.equal(sqlOf(ok, "postgresql"), 'SELECT "messages"."id" FROM "messages" JOIN "people" ON "messages"."senderId" = "people"."id"');
  });

  it("a composite foreign key joins on all its columns", () => {
    const md = new MetaData();
    const versions = md.table("versions", { doc: integer().primaryKey(), rev: integer().primaryKey(), body: string(10) });
    const comments = md.table(
      "comments",
      { id: integer().primaryKey(), doc: integer().notNull(), rev: integer().notNull() },
      { foreignKeys: [{ columns: ["doc", "rev"], references: () => [versions.c.doc, versions.c.rev] }] },
    );
    assert.equal(
      sqlOf(select(comments.c.id).join(versions), "postgresql"),
      'SELECT "comments"."id" FROM "comments" JOIN "versions" ON "comments"."doc" = "versions"."doc" AND "comments"."rev" = "versions"."rev"',
    );
  });

  it("aliases: a self-join names the alias; a self-referential key needs the ON clause", () => {
    const md = new MetaData();
    const staff = md.table("staff", { id: integer().primaryKey(), managerId: integer().references("staff.id"), name: string(20) });
    const boss = staff.alias("boss");
    const stmt = select(staff.c.name, boss.c.name.as("bossName")).outerJoin(boss, staff.c.managerId.eq(boss.c.id));
    assert.equal(
      sqlOf(stmt, "mysql"),
      "SELECT `staff`.`name`, `boss`.`name` AS `bossName` FROM `staff` LEFT OUTER JOIN `staff` AS `boss` ON `staff`.`managerId` = `boss`.`id`",
    );
    compileError(() => select(staff.c.name).join(boss), /2 foreign key paths/);
    // An alias of another table still knows the foreign key.
    const t = teams.alias("t");
    assert.equal(sqlOf(select(users.c.id).join(t), "postgresql"), 'SELECT "users"."id" FROM "users" JOIN "teams" AS "t" ON "users"."teamId" = "t"."id"');
  });

  it("joining with nothing to join from is an error", () => {
    compileError(() => select(func.count()).join(users), /Nothing to join users to/);
  });
});

describe("subqueries", () => {
  const counts = select(users.c.teamId, func.count().as("n")).groupBy(users.c.teamId).subquery("counts");

  it("a named subquery in FROM, joined through the foreign key of the column it passes through", () => {
    const stmt = select(teams.c.name, counts.c.n).join(counts).where(counts.c.n.gt(1));
    assert.deepEqual(compiled(stmt, "postgresql"), [
      'SELECT "teams"."name", "counts"."n" FROM "teams" JOIN (SELECT "users"."teamId", count(*) AS "n" FROM "users" GROUP BY "users"."teamId") AS "counts" ON "counts"."teamId" = "teams"."id" WHERE "counts"."n" > $1',
      [1],
    ]);
  });

  it("select(subquery) selects its columns; from(subquery) alone", () => {
    assert.equal(
      sqlOf(select(counts).where(counts.c.n.ge(2)), "mysql"),
      "SELECT `counts`.`teamId`, `counts`.`n` FROM (SELECT `users`.`teamId`, count(*) AS `n` FROM `users` GROUP BY `users`.`teamId`) AS `counts` WHERE `counts`.`n` >= ?",
    );
  });

  it("parameters inside a subquery are numbered in text order", () => {
    const inner = select(users.c.id).where(users.c.age.gt(10)).subquery("adults");
    const stmt = select(inner.c.id).where(inner.c.id.lt(100)).limit(5);
    assert.deepEqual(compiled(stmt, "postgresql"), [
      'SELECT "adults"."id" FROM (SELECT "users"."id" FROM "users" WHERE "users"."age" > $1) AS "adults" WHERE "adults"."id" < $2 LIMIT $3',
      [10, 100, 5],
    ]);
  });

  it("in(select(...)) and a scalar subquery in the SELECT list", () => {
    const stmt = select(users.c.id).where(users.c.teamId.in(select(teams.c.id).where(teams.c.name.like("a%"))));
    assert.equal(sqlOf(stmt, "sqlite"), 'SELECT "users"."id" FROM "users" WHERE "users"."teamId" IN (SELECT "teams"."id" FROM "teams" WHERE "teams"."name" LIKE ?)');
    const postCount = select(func.count()).where(posts.c.authorId.eq(users.c.id)).scalarSubquery().as("postCount");
    assert.equal(
      sqlOf(select(users.c.name, postCount), "postgresql"),
      'SELECT "users"."name", (SELECT count(*) AS "count" FROM "posts" WHERE "posts"."authorId" = "users"."id") AS "postCount" FROM "users"',
    );
  });

  it("exists() correlates: the enclosing table is not repeated in the subquery's FROM", () => {
    const stmt = select(teams.c.name).where(exists(select(users.c.id).where(users.c.teamId.eq(teams.c.id), users.c.active.eq(true))));
    assert.deepEqual(compiled(stmt, "sqlite"), [
      'SELECT "teams"."name" FROM "teams" WHERE EXISTS (SELECT "users"."id" FROM "users" WHERE "users"."teamId" = "teams"."id" AND "users"."active" = ?)',
      [1],
    ]);
    const notExists = select(teams.c.name).where(not(select(users.c.id).where(users.c.teamId.eq(teams.c.id)).exists()));
    assert.equal(
      sqlOf(notExists, "postgresql"),
      'SELECT "teams"."name" FROM "teams" WHERE NOT EXISTS (SELECT "users"."id" FROM "users" WHERE "users"."teamId" = "teams"."id")',
    );
  });

  it("a subquery over only the enclosing table keeps its FROM (nothing left to correlate away)", () => {
    const stmt = select(users.c.id).where(users.c.age.gt(select(func.avg(users.c.age)).scalarSubquery()));
    assert.equal(sqlOf(stmt, "postgresql"), 'SELECT "users"."id" FROM "users" WHERE "users"."age" > (SELECT avg("users"."age") AS "avg" FROM "users")');
  });

  it("scalarSubquery() needs exactly one column", () => {
    assert.throws(() => select(users.c.id, users.c.name).scalarSubquery(), /exactly one column/);
  });

  it("joined subquery columns keep the foreign keys of the columns they pass through", () => {
    const active = select(users.c.id, users.c.teamId).where(users.c.active.eq(true)).subquery("active");
    const fk = active.foreignKeyLinks();
    assert.equal(fk.length, 1);
    assert.equal((fk[0]?.to as AnyColumn).describe(), "teams.id");
  });
});
