/**
 * Nested eager-loading paths on every database: `selectinload("members").selectinload("posts")`
 * and `joinedload("author").selectinload("team")` load one more SELECT ... IN per nested level
 * (over every object the level above reached, those already in the session included), and
 * nothing else: a relationship not asked for still raises RelationshipNotLoadedError.
 */
import assert from "node:assert/strict";
import { after, describe, it } from "node:test";
import { ArgumentError, executeStatement, insert, inspectObject, joinedload, RelationshipNotLoadedError, select, selectinload, sessionmaker, type Engine } from "../../src/index.js";
import { disposeAll, engineTargets } from "../support/engines.js";
import { captureSql, makeModel } from "./model.js";

after(disposeAll);

type Model = ReturnType<typeof makeModel>;

/** The item at `i`, which the test's data guarantees exists. */
function at<T>(items: readonly T[], i: number): T {
  assert.ok(i < items.length, `expected an item at ${i}, there are ${items.length}`);
  return items[i] as T;
}

/** The error names the fix, the chained loader for an object reached through another relationship included. */
const notLoaded = (entity: string, relationship: string) => (err: unknown) =>
  err instanceof RelationshipNotLoadedError &&
  err.entity === entity &&
  err.relationship === relationship &&
  err.message.includes(`selectinload("${relationship}")`) &&
  err.message.includes(`selectinload("<that relationship>").selectinload("${relationship}")`);

for (const target of await engineTargets()) {
  describe(`Nested loader options on ${target.name}`, { skip: target.skip }, () => {
    let shared: Engine | undefined;
    const engineFor = (): Engine => (shared ??= target.engine());

    /**
     * Teams red(1) {ann(1): p1, p2; bob(2): none}, blue(2) {cid(3): p3}, empty(3); dee(4) has no
     * team and writes p4. Nodes: root(1) > a(2) > a1(4) > a1x(6), a(2) > a2(5), root(1) > b(3);
     * lone(7) has no parent and no children. Explicit ids, inserted parents first.
     */
    async function withData(work: (m: Model, engine: Engine) => Promise<void>): Promise<void> {
      const engine = engineFor();
      const m = makeModel(target);
      await m.metadata.createAll(engine);
      try {
        {
          await using conn = await engine.connect();
          await executeStatement(conn, insert(m.teams).values([{ id: 1, name: "red" }, { id: 2, name: "blue" }, { id: 3, name: "empty" }]));
          await executeStatement(
            conn,
            insert(m.users).values([
              { id: 1, name: "ann", teamId: 1 },
              { id: 2, name: "bob", teamId: 1 },
              { id: 3, name: "cid", teamId: 2 },
              { id: 4, name: "dee", teamId: null },
            ]),
          );
          await executeStatement(
            conn,
            insert(m.posts).values([
              { id: 1, title: "p1", userId: 1 },
              { id: 2, title: "p2", userId: 1 },
              { id: 3, title: "p3", userId: 3 },
              { id: 4, title: "p4", userId: 4 },
            ]),
          );
          for (const [id, name, parentId] of [[1, "root", null], [2, "a", 1], [3, "b", 1], [4, "a1", 2], [5, "a2", 2], [6, "a1x", 4], [7, "lone", null]] as const) {
            await executeStatement(conn, insert(m.nodes).values({ id, name, parentId }));
          }
          await conn.commit();
        }
        await work(m, engine);
      } finally {
        await m.metadata.dropAll(engine);
      }
    }

    it("selectinload at every level: Team -> members -> posts in three SELECTs", async () => {
      await withData(async (m, engine) => {
        await using session = sessionmaker({ bind: engine })();
        const sql = captureSql(engine);
        const teams = (await session.scalars(select(m.Team).options(selectinload("members").selectinload("posts")).orderBy(m.Team.c.id))).all();
        const statements = sql.sql();
        assert.equal(statements.length, 3, statements.join("\n"));
        assert.ok(at(statements, 1).includes(m.users.name) && at(statements, 2).includes(m.posts.name), "users, then posts");
        assert.deepEqual(
          teams.map((t) => [t.name, t.members.map((u) => [u.name, u.posts.map((p) => p.title)])]),
          [
            ["red", [["ann", ["p1", "p2"]], ["bob", []]]],
            ["blue", [["cid", ["p3"]]]],
            ["empty", []],
          ],
        );
        const ann = at(at(teams, 0).members, 0);
        assert.throws(() => ann.team, notLoaded("User", "team"));
        assert.throws(() => at(ann.posts, 0).author, notLoaded("Post", "author"));
        assert.equal(sql.sql().length, 3, "reading sent nothing");
      });
    });

    it("joinedload at the root, selectinload below, four levels: Post -> author -> team -> members -> posts", async () => {
      await withData(async (m, engine) => {
        await using session = sessionmaker({ bind: engine })();
        const sql = captureSql(engine);
        const option = joinedload("author").selectinload("team").selectinload("members").selectinload("posts");
        const posts = (await session.scalars(select(m.Post).options(option).orderBy(m.Post.c.id))).all();
        const statements = sql.sql();
        assert.equal(statements.length, 4, statements.join("\n"));
        assert.match(at(statements, 0), /LEFT OUTER JOIN/);
        assert.deepEqual(posts.map((p) => p.author?.team?.name ?? null), ["red", "red", "blue", null]);
        const p1 = at(posts, 0);
        const red = p1.author?.team;
        assert.ok(red);
        assert.deepEqual(red.members.map((u) => [u.name, u.posts.map((p) => p.title)]), [["ann", ["p1", "p2"]], ["bob", []]]);
        assert.equal(at(at(red.members, 0).posts, 0), p1, "objects come through the identity map");
        // dee has no team: the path stops at null there, so dee's posts were not loaded.
        const dee = at(posts, 3).author;
        assert.equal(dee?.name, "dee");
        assert.throws(() => dee?.posts, notLoaded("User", "posts"));
        assert.throws(() => at(red.members, 1).team, notLoaded("User", "team"), "bob was reached through members, not through author");
        assert.equal(sql.sql().length, 4);
      });
    });

    it("a self-referencing path: children of children of children, and parent of parent of parent", async () => {
      await withData(async (m, engine) => {
        {
          await using session = sessionmaker({ bind: engine })();
          const sql = captureSql(engine);
          const roots = (
            await session.scalars(select(m.Node).where(m.Node.c.parentId.isNull()).options(selectinload("children").selectinload("children").selectinload("children")).orderBy(m.Node.c.id))
          ).all();
          assert.equal(sql.sql().length, 4, sql.sql().join("\n"));
          type Tree = [string, Tree[]];
          const tree = (node: InstanceType<typeof m.Node>, depth: number): Tree => [node.name, depth === 0 ? [] : node.children.map((c) => tree(c, depth - 1))];
          assert.deepEqual(
            roots.map((r) => tree(r, 3)),
            [
              ["root", [["a", [["a1", [["a1x", []]]], ["a2", []]]], ["b", []]]],
              ["lone", []],
            ],
          );
          const a1x = at(at(at(at(roots, 0).children, 0).children, 0).children, 0);
          assert.deepEqual(at(at(at(roots, 0).children, 0).children, 1).children, [], "a2: loaded, empty");
          assert.throws(() => a1x.children, notLoaded("Node", "children"), "a fourth level was not asked for");
          assert.throws(() => at(roots, 0).parent, notLoaded("Node", "parent"));
          sql.clear();
        }
        await using session = sessionmaker({ bind: engine })();
        const sql = captureSql(engine);
        const [leaf] = (await session.scalars(select(m.Node).where(m.Node.c.id.eq(6)).options(selectinload("parent").selectinload("parent").selectinload("parent")))).all();
        assert.equal(sql.sql().length, 4, "a fresh session: one SELECT per level");
        assert.ok(leaf);
        assert.equal(leaf.parent?.parent?.parent?.name, "root");
        const root = leaf.parent?.parent?.parent;
        assert.throws(() => root?.parent, notLoaded("Node", "parent"));
        assert.throws(() => leaf.children, notLoaded("Node", "children"));
      });
    });

    it("objects loaded earlier in the session: their unloaded relationships load, loaded ones stay as they were", async () => {
      await withData(async (m, engine) => {
        // No autoflush, so the draft below stays a new object with no row, as before a flush.
        await using session = sessionmaker({ bind: engine, autoflush: false })();
        const ann = await session.get(m.User, 1);
        assert.ok(ann);
        await session.refresh(ann, ["posts"]);
        const annPosts = ann.posts;
        // A new post in the loaded collection: no row yet, so no level loads (or marks loaded)
        // anything of it; its unset author reads as null, as any new object's does.
        const draft = new m.Post({ id: 50, title: "draft", userId: 1 });
        annPosts.push(draft);
        const first = (await session.scalars(select(m.Team).options(selectinload("members")).orderBy(m.Team.c.id))).all();
        const sql = captureSql(engine);
        const option = selectinload("members").selectinload("posts").selectinload("author");
        const teams = (await session.scalars(select(m.Team).options(option).orderBy(m.Team.c.id))).all();
        const statements = sql.sql();
        // teams, then posts of bob and cid (members and ann's posts were loaded); every author is in the session.
        assert.equal(statements.length, 2, statements.join("\n"));
        assert.ok(at(statements, 1).includes(m.posts.name));
        assert.deepEqual(teams, first, "the same objects");
        assert.equal(ann.posts, annPosts, "a collection loaded before is left as it was");
        assert.deepEqual(
          teams.flatMap((t) => t.members.map((u) => [u.name, u.posts.map((p) => [p.title, p.author?.name ?? null])])),
          [
            ["ann", [["p1", "ann"], ["p2", "ann"], ["draft", null]]],
            ["bob", []],
            ["cid", [["p3", "cid"]]],
          ],
        );
        assert.equal(inspectObject(draft).status, "transient");
        assert.throws(() => ann.team, notLoaded("User", "team"));
      });
    });

    it("several branches under one relationship: the shared level is loaded once, a many-to-one found in the session costs nothing", async () => {
      await withData(async (m, engine) => {
        await using session = sessionmaker({ bind: engine })();
        const sql = captureSql(engine);
        const statement = select(m.Team)
          .options(selectinload("members").selectinload("posts"), selectinload("members").selectinload("team"))
          .orderBy(m.Team.c.id);
        const teams = (await session.scalars(statement)).all();
        // teams, users, posts; every member's team is one of the teams just loaded.
        assert.equal(sql.sql().length, 3, sql.sql().join("\n"));
        for (const team of teams) for (const member of team.members) assert.equal(member.team, team);
        const bob = at(at(teams, 0).members, 1);
        assert.deepEqual(bob.posts, []);
        assert.throws(() => at(at(at(teams, 0).members, 0).posts, 0).author, notLoaded("Post", "author"));
      });
    });

    it("an unknown relationship at any level raises ArgumentError when the options are given, before any SQL", async () => {
      await withData(async (m, engine) => {
        await using session = sessionmaker({ bind: engine })();
        const sql = captureSql(engine);
        const unknown = (entity: string, key: string) => (err: unknown) =>
          err instanceof ArgumentError && err.message.startsWith(`${entity} has no relationship '${key}'`);
        assert.throws(() => select(m.Team).options(selectinload("nope")), unknown("Team", "nope"), "the root level, as before");
        assert.throws(() => select(m.Team).options(selectinload("members").selectinload("nope")), unknown("User", "nope"));
        assert.throws(() => select(m.Post).options(joinedload("author").selectinload("team").selectinload("posts")), unknown("Team", "posts"));
        assert.throws(() => session.query(m.Team).options(selectinload("members").selectinload("posts").selectinload("comments")), unknown("Post", "comments"));
        assert.equal(sql.statements.length, 0, "nothing was sent");
      });
    });

    it("a nested level over more than 500 objects is loaded in chunks of 500", async () => {
      await withData(async (m, engine) => {
        {
          await using conn = await engine.connect();
          const many = Array.from({ length: 501 }, (_, i) => ({ id: 101 + i, name: `u${101 + i}`, teamId: 3 }));
          await executeStatement(conn, insert(m.users).values(many));
          await executeStatement(conn, insert(m.posts).values({ id: 100, title: "last", userId: 601 }));
          await conn.commit();
        }
        await using session = sessionmaker({ bind: engine })();
        const sql = captureSql(engine);
        const [empty] = (await session.scalars(select(m.Team).where(m.Team.c.id.eq(3)).options(selectinload("members").selectinload("posts")))).all();
        assert.ok(empty);
        // teams, users, then posts for 500 users and for the one left.
        assert.equal(sql.sql().length, 4, sql.sql().map((s) => s.slice(0, 80)).join("\n"));
        assert.equal(empty.members.length, 501);
        assert.deepEqual(
          empty.members.filter((u) => u.posts.length > 0).map((u) => [u.name, u.posts.map((p) => p.title)]),
          [["u601", ["last"]]],
        );
      });
    });
  });
}
