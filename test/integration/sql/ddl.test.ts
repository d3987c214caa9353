import assert from "node:assert/strict";
import { after, describe, it } from "node:test";
import { IntegrityError, text, type Connection, type Engine } from "../../../src/index.js";
import { delete_, executeStatement, insert, MetaData, select, string, integer } from "../../../src/sql/index.js";
import { disposeAll, engineTargets, recordSql, type EngineTarget } from "../../support/engines.js";
import { makeSchema } from "./schema.js";

after(disposeAll);

/** The index names a table has, from each database's catalog. */
async function indexNames(conn: Connection, target: EngineTarget, table: string): Promise<string[]> {
  switch (target.name) {
    case "sqlite":
      return (await conn.execute(text(`SELECT name FROM sqlite_master WHERE type = 'index' AND tbl_name = :t`), { t: table })).scalars<string>().all();
    case "mysql":
      return (await conn.execute(text(`SELECT DISTINCT index_name FROM information_schema.statistics WHERE table_schema = DATABASE() AND table_name = :t`), { t: table }))
        .scalars<string>()
        .all();
    default:
      return (await conn.execute(text(`SELECT indexname FROM pg_indexes WHERE tablename = :t`), { t: table })).scalars<string>().all();
  }
}

for (const target of await engineTargets()) {
  describe(`createAll / dropAll on ${target.name}`, { skip: target.skip }, () => {
    // One engine per database (an in-memory PGlite takes seconds to start); each test has its own tables.
    let shared: Engine | undefined;
    const engineFor = (): Engine => (shared ??= target.engine());

    it("creates tables in foreign-key order, and drops them in reverse", async () => {
      const engine = engineFor();
      const { metadata, users, teams, values, memberships, grants } = makeSchema(target);
      const statements = recordSql(engine);
      await metadata.createAll(engine);
      try {
        const all = [users, teams, values, memberships, grants];
        const created = statements.map((s) => all.find((t) => s.startsWith(`CREATE TABLE ${engine.dialect.quoteIdentifier(t.name)} (`))?.name).filter((n) => n !== undefined);
        assert.deepEqual(created, [teams.name, users.name, values.name, memberships.name, grants.name]);
        await using conn = await engine.connect();
        await executeStatement(conn, insert(teams).values({ name: "red" }));
        const count = await executeStatement(conn, select(teams.c.id, teams.c.name));
        assert.deepEqual(count.all().map((r) => r.name), ["red"]);
        await conn.commit();
      } finally {
        statements.length = 0;
        await metadata.dropAll(engine);
      }
      const dropped = statements.map((s) => [users, teams, values, memberships, grants].find((t) => s.endsWith(engine.dialect.quoteIdentifier(t.name)))?.name);
      assert.deepEqual(dropped, [grants.name, memberships.name, values.name, users.name, teams.name]);
    });

    it("checkfirst: IF NOT EXISTS / IF EXISTS make createAll and dropAll repeatable", async () => {
      const engine = engineFor();
      const { metadata, teams } = makeSchema(target);
      await metadata.createAll(engine, { checkfirst: true });
      try {
        await metadata.createAll(engine, { checkfirst: true });
        await using conn = await engine.connect();
        await executeStatement(conn, insert(teams).values({ name: "kept" }));
        await conn.commit();
        await metadata.createAll(conn, { checkfirst: true });
        await conn.commit();
        assert.equal((await executeStatement(conn, select(teams.c.name))).scalars().one(), "kept", "a second createAll left the data alone");
      } finally {
        await metadata.dropAll(engine, { checkfirst: true });
      }
      await metadata.dropAll(engine, { checkfirst: true });
      await assert.rejects(metadata.dropAll(engine), "without checkfirst, dropping missing tables fails");
    });

    it("constraints are enforced: unique, NOT NULL, composite keys, ON DELETE CASCADE; indexes exist", async () => {
      const engine = engineFor();
      const { metadata, users, teams, memberships, grants } = makeSchema(target);
      await metadata.createAll(engine);
      try {
        await using conn = await engine.connect();
        await executeStatement(conn, insert(teams).values([{ id: 1, name: "red" }, { id: 2, name: "blue" }]));
        await executeStatement(conn, insert(users).values([{ id: 1, name: "ann", teamId: 1 }, { id: 2, name: "bob", teamId: 2 }]));
        await executeStatement(conn, insert(memberships).values([{ userId: 1, teamId: 1 }, { userId: 2, teamId: 2, role: "admin" }]));
        await executeStatement(conn, insert(grants).values({ userId: 1, teamId: 1, what: "read" }));
        await conn.commit();

        await assert.rejects(executeStatement(conn, insert(teams).values({ name: "red" })), IntegrityError, "unique");
        await conn.rollback();
        await assert.rejects(executeStatement(conn, insert(grants).values({ userId: 2, teamId: 1, what: "x" })), IntegrityError, "composite foreign key");
        await conn.rollback();
        await assert.rejects(executeStatement(conn, insert(memberships).values({ userId: 1, teamId: 1 })), IntegrityError, "composite primary key");
        await conn.rollback();

        await executeStatement(conn, delete_(teams).where(teams.c.id.eq(1)));
        const left = await executeStatement(conn, select(users.c.name, memberships.c.role).join(memberships));
        assert.deepEqual(left.all().map((r) => [r.name, r.role]), [["bob", "admin"]], "cascaded through users and memberships");
        assert.equal((await executeStatement(conn, select(grants.c.id))).all().length, 0, "and through the composite key");
        await conn.commit();

        const userIndexes = await indexNames(conn, target, users.name);
        assert.ok(userIndexes.includes(`ix_${users.name}_teamId`), `users' indexes: ${userIndexes.join(", ")}`);
        const membershipIndexes = await indexNames(conn, target, memberships.name);
        assert.ok(membershipIndexes.includes(`ix_${memberships.name}_role_teamId`), `memberships' indexes: ${membershipIndexes.join(", ")}`);
      } finally {
        await metadata.dropAll(engine);
      }
    });

    it("createAll and dropAll on a connection run in its transaction", async () => {
      const engine = engineFor();
      const md = new MetaData();
      const solo = md.table(target.table("solo"), { id: integer().primaryKey(), name: string(10).index() });
      await using conn = await engine.connect();
      await md.createAll(conn);
      await executeStatement(conn, insert(solo).values({ name: "x" }));
      await conn.commit();
      await md.dropAll(conn);
      await conn.commit();
      await assert.rejects(conn.execute(select(solo.c.id)));
    });
  });
}
