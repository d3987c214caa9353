/**
 * backPopulates on every database (SQLAlchemy back_populates): assigning one side of a foreign
 * key updates the other side in memory, without any SQL; a collection that is not loaded is
 * left alone; a push into an array is not seen (the flush still sets the foreign key from it);
 * and a pair that does not match fails at first use with an ArgumentError naming both sides.
 */
import assert from "node:assert/strict";
import { after, describe, it } from "node:test";
import {
  ArgumentError,
  Entity,
  executeStatement,
  insert,
  inspectObject,
  integer,
  manyToOne,
  MetaData,
  oneToMany,
  relate,
  RelationshipNotLoadedError,
  select,
  selectinload,
  sessionmaker,
  string,
  type Engine,
} from "../../src/index.js";
import { disposeAll, engineTargets, type EngineTarget } from "../support/engines.js";
import { captureSql } from "./model.js";

after(disposeAll);

/** writers ← articles (a nullable foreign key), and a self-referencing topics tree; both pairs with backPopulates. */
function makeModel(target: EngineTarget) {
  const metadata = new MetaData();
  const writers = metadata.table(target.table("writers"), { id: integer().primaryKey(), name: string(50).notNull() });
  const articles = metadata.table(target.table("articles"), {
    id: integer().primaryKey(),
    title: string(50).notNull(),
    writerId: integer().references(() => writers.c.id),
  });
  const topicsName = target.table("topics");
  const topics = metadata.table(topicsName, { id: integer().primaryKey(), name: string(50).notNull(), parentId: integer().references(`${topicsName}.id`) });
  class Writer extends Entity(writers) {
    declare articles: Article[];
  }
  class Article extends Entity(articles) {
    declare writer: Writer | null;
  }
  class Topic extends Entity(topics) {
    declare parent: Topic | null;
    declare children: Topic[];
  }
  relate(Writer, { articles: oneToMany(() => Article, { backPopulates: "writer" }) });
  relate(Article, { writer: manyToOne(() => Writer, { backPopulates: "articles" }) });
  relate(Topic, {
    parent: manyToOne(() => Topic, { foreignKey: topics.c.parentId, backPopulates: "children" }),
    children: oneToMany(() => Topic, { foreignKey: topics.c.parentId, backPopulates: "parent" }),
  });
  const q = (name: string) => (target.name === "mysql" ? `\`${name}\`` : `"${name}"`);
  return { metadata, writers, articles, topics, Writer, Article, Topic, q, t: { articles: q(articles.name) } };
}

type Model = ReturnType<typeof makeModel>;

const notLoaded = (entity: string, relationship: string) => (err: unknown) =>
  err instanceof RelationshipNotLoadedError && err.entity === entity && err.relationship === relationship;

/** An ArgumentError whose message contains every one of `parts`. */
const argumentError = (...parts: string[]) => (err: unknown) => {
  assert.ok(err instanceof ArgumentError, String(err));
  for (const part of parts) assert.ok(err.message.includes(part), `${JSON.stringify(part)} in: ${err.message}`);
  return true;
};

for (const target of await engineTargets()) {
  describe(`backPopulates on ${target.name}`, { skip: target.skip }, () => {
    let shared: Engine | undefined;
    const engineFor = (): Engine => (shared ??= target.engine());
    const p = target.placeholder;

    /** Writers ann(1): articles 1, 2; bob(2): article 3. */
    async function withModel(work: (m: Model, engine: Engine) => Promise<void>): Promise<void> {
      const engine = engineFor();
      const m = makeModel(target);
      await m.metadata.createAll(engine);
      try {
        await engine.begin(async (conn) => {
          // Keys generated (ids 1, 2, 3 in new tables), so the sequences go on from them for the tests' own rows.
          await executeStatement(conn, insert(m.writers).values([{ name: "ann" }, { name: "bob" }]));
          await executeStatement(conn, insert(m.articles).values([{ title: "x1", writerId: 1 }, { title: "x2", writerId: 1 }, { title: "x3", writerId: 2 }]));
        });
        await work(m, engine);
      } finally {
        await m.metadata.dropAll(engine);
      }
    }

    /** [article title, writer name or null] for the articles with these titles (all of them by default), by title. */
    async function articleWriters(engine: Engine, m: Model, titles?: readonly string[]): Promise<unknown[][]> {
      const rows = await engine.begin((conn) =>
        executeStatement(conn, select(m.articles.c.title, m.writers.c.name).outerJoin(m.writers, m.articles.c.writerId.eq(m.writers.c.id)).orderBy(m.articles.c.title)),
      );
      return rows.all().map((r) => [r._mapping.title, r._mapping.name]).filter(([title]) => titles === undefined || titles.includes(title as string));
    }

    it("new objects: article.writer = w joins w.articles and leaves the previous writer's; nothing is sent", async () => {
      await withModel(async (m, engine) => {
        await using session = sessionmaker({ bind: engine })();
        const sql = captureSql(engine);
        const w1 = new m.Writer({ name: "w1" });
        const w2 = new m.Writer({ name: "w2" });
        const a1 = new m.Article({ title: "a1" });
        const a2 = new m.Article({ title: "a2" });
        a1.writer = w1;
        a2.writer = w1;
        assert.deepEqual(w1.articles, [a1, a2], "a new writer's collection starts empty and is kept in step");
        a1.writer = w2;
        assert.deepEqual([w1.articles, w2.articles], [[a2], [a1]]);
        a1.writer = w2; // the same writer again: no duplicate
        assert.deepEqual(w2.articles, [a1]);
        a2.writer = null;
        assert.deepEqual(w1.articles, []);
        // Through the constructor too (its type lists columns; it takes relationships as well).
        const a3 = new m.Article({ title: "a3", writer: w1 } as { title: string });
        assert.deepEqual(w1.articles, [a3]);

        const root = new m.Topic({ name: "root" });
        const leaf = new m.Topic({ name: "leaf" });
        leaf.parent = root;
        assert.deepEqual(root.children, [leaf], "a self-referencing pair");
        root.children = [];
        assert.equal(leaf.parent, null);
        leaf.parent = root;

        session.addAll([w1, w2, a2, root]);
        assert.deepEqual(sql.sql(), [], "assignments send nothing");
        await session.flush();
        assert.deepEqual([a1.writerId, a2.writerId, a3.writerId, leaf.parentId], [w2.id, null, w1.id, root.id]);
        await session.commit();
        assert.deepEqual(await articleWriters(engine, m, ["a1", "a2", "a3"]), [["a1", "w2"], ["a2", null], ["a3", "w1"]]);
      });
    });

    it("new objects: w.articles = [...] sets the writer of items coming in and clears it on items taken out", async () => {
      await withModel(async (m, engine) => {
        await using session = sessionmaker({ bind: engine })();
        const w1 = new m.Writer({ name: "w1" });
        const w2 = new m.Writer({ name: "w2" });
        const [a1, a2, a3] = ["a1", "a2", "a3"].map((title) => new m.Article({ title })) as [InstanceType<typeof m.Article>, InstanceType<typeof m.Article>, InstanceType<typeof m.Article>];
        w1.articles = [a1, a2];
        assert.deepEqual([a1.writer, a2.writer], [w1, w1]);
        w2.articles = [a2, a3];
        assert.deepEqual([a2.writer, a3.writer], [w2, w2]);
        assert.deepEqual(w1.articles, [a1], "a2 left w1's collection");
        w1.articles = [];
        assert.equal(a1.writer, null, "taken out: its writer was w1, so it is cleared");
        w1.articles = [a3];
        assert.deepEqual([a3.writer, w2.articles], [w1, [a2]]);
        session.addAll([w1, w2, a1]);
        await session.commit();
        assert.deepEqual(await articleWriters(engine, m, ["a1", "a2", "a3"]), [["a1", null], ["a2", "w2"], ["a3", "w1"]]);
      });
    });

    it("persistent objects: loaded collections kept in step, a collection not loaded left alone, and no SQL until the flush", async () => {
      await withModel(async (m, engine) => {
        const { t, q } = m;
        await using session = sessionmaker({ bind: engine, expireOnCommit: false })();
        const ann = (await session.scalars(select(m.Writer).where(m.Writer.c.id.eq(1)).options(selectinload("articles")))).one();
        const bob = await session.get(m.Writer, 2);
        assert.ok(bob);
        const [x1, x2] = ann.articles;
        assert.ok(x1 && x2);
        assert.throws(() => x1.writer, notLoaded("Article", "writer"));
        const sql = captureSql(engine);
        x1.writer = bob; // its previous writer, not loaded on it, is found in the session by the foreign key
        assert.deepEqual(ann.articles, [x2]);
        assert.throws(() => bob.articles, notLoaded("Writer", "articles"), "not loaded: left alone, not queried");
        assert.deepEqual(sql.sql(), []);
        assert.deepEqual([inspectObject(x1).modified, inspectObject(ann).modified, inspectObject(bob).modified], [true, true, false]);
        await session.flush();
        assert.deepEqual(sql.sql(), [`UPDATE ${t.articles} SET ${q("writerId")} = ${p(1)} WHERE ${t.articles}.${q("id")} = ${p(2)}`]);
        assert.deepEqual(sql.statements.find((s) => s.sql.startsWith("UPDATE"))?.params, [2, 1]);

        await session.refresh(bob, ["articles"]);
        const x3 = bob.articles.find((a) => a.id === 3);
        assert.ok(x3);
        assert.deepEqual(bob.articles.map((a) => a.id), [1, 3]);
        sql.clear();
        ann.articles = [x2, x3]; // x3's writer (not loaded) is bob: it leaves bob's loaded collection
        assert.equal(x3.writer, ann);
        assert.deepEqual(bob.articles.map((a) => a.id), [1]);
        ann.articles = [x3]; // x2 taken out; its writer, by the foreign key, is ann: cleared
        assert.equal(x2.writer, null);
        assert.deepEqual(sql.sql(), []);
        await session.commit();
        assert.deepEqual(await articleWriters(engine, m), [["x1", "bob"], ["x2", null], ["x3", "ann"]]);
      });
    });

    it("a push into a collection is not intercepted: the writer stays unset in memory, and the flush still sets the foreign key", async () => {
      await withModel(async (m, engine) => {
        await using session = sessionmaker({ bind: engine })();
        const w = new m.Writer({ name: "w" });
        const a = new m.Article({ title: "pushed" });
        w.articles.push(a);
        assert.equal(a.writer, null, "only assignments reach the other side");
        session.add(w);
        await session.flush();
        assert.equal(a.writerId, w.id, "the flush syncs the foreign key from the collection, as without backPopulates");
        await session.commit();
        assert.deepEqual(await articleWriters(engine, m, ["pushed"]), [["pushed", "w"]]);
      });
    });

    it("a pair that does not match fails at first use, naming both sides and the fix; options checked at declaration", async () => {
      const metadata = new MetaData();
      const people = metadata.table(target.table("people"), { id: integer().primaryKey() });
      const letters = metadata.table(target.table("letters"), {
        id: integer().primaryKey(),
        senderId: integer().references(() => people.c.id),
        receiverId: integer().references(() => people.c.id),
      });

      // The other side is missing.
      class P1 extends Entity(people) {
        declare letters: L1[];
      }
      class L1 extends Entity(letters) {
        declare sender: P1 | null;
      }
      relate(P1, { letters: oneToMany(() => L1, { foreignKey: letters.c.senderId, backPopulates: "sendr" as "sender" }) });
      relate(L1, { sender: manyToOne(() => P1, { foreignKey: letters.c.senderId }) });
      const p1 = new P1();
      const missing = argumentError("P1.letters", 'backPopulates: "sendr"', "L1 has no relationship 'sendr'", 'relate(L1, { sendr: manyToOne(() => P1, { backPopulates: "letters" }) })');
      assert.throws(() => p1.letters, missing);
      assert.throws(() => (p1.letters = []), missing, "every use, not only the first");

      // The other side does not name this one back.
      class P2 extends Entity(people) {
        declare sent: L2[];
      }
      class L2 extends Entity(letters) {
        declare sender: P2 | null;
      }
      relate(P2, { sent: oneToMany(() => L2, { foreignKey: letters.c.senderId, backPopulates: "sender" }) });
      relate(L2, { sender: manyToOne(() => P2, { foreignKey: letters.c.senderId }) });
      assert.throws(() => new L2().sender, argumentError("P2.sent", "L2.sender has no backPopulates", 'Give L2.sender { backPopulates: "sent" }'));

      // Two sides of different foreign keys.
      class P3 extends Entity(people) {
        declare sent: L3[];
      }
      class L3 extends Entity(letters) {
        declare receiver: P3 | null;
      }
      relate(P3, { sent: oneToMany(() => L3, { foreignKey: letters.c.senderId, backPopulates: "receiver" }) });
      relate(L3, { receiver: manyToOne(() => P3, { foreignKey: letters.c.receiverId, backPopulates: "sent" }) });
      assert.throws(() => new P3().sent, argumentError("P3.sent", "L3.receiver", ".senderId", ".receiverId", "must be one foreign key", "Give both the same { foreignKey: L3.c."));

      // Both sides of the same kind.
      const nodesName = target.table("pairs");
      const nodes = metadata.table(nodesName, { id: integer().primaryKey(), parentId: integer().references(`${nodesName}.id`) });
      class N extends Entity(nodes) {
        declare children: N[];
        declare kids: N[];
      }
      relate(N, {
        children: oneToMany(() => N, { foreignKey: nodes.c.parentId, backPopulates: "kids" }),
        kids: oneToMany(() => N, { foreignKey: nodes.c.parentId, backPopulates: "children" }),
      });
      assert.throws(() => new N().kids, argumentError("N.children", "N.kids", "both are oneToMany", "manyToOne"));

      // What the declaration alone shows fails there.
      class P4 extends Entity(people) {}
      class L4 extends Entity(letters) {}
      assert.throws(() => manyToOne(() => P4, { cascade: ["delete"] } as never), argumentError("manyToOne() takes no cascade", 'oneToMany(() => Post, { cascade: ["delete"] })'));
      assert.throws(() => oneToMany(() => L4, { cascade: ["all"] } as never), argumentError('"delete", "deleteOrphan"', '["all"]'));
      assert.throws(() => oneToMany(() => L4, { cascade: ["deleteOrphan"] }), argumentError('cascade: ["delete", "deleteOrphan"]'));
      assert.throws(() => oneToMany(() => L4, { backPopulates: "" as never }), argumentError("backPopulates"));
    });
  });
}
