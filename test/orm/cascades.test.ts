/**
 * Delete cascades on every database (SQLAlchemy cascade="all, delete-orphan", reduced): the
 * exact SQL a flush sends, the objects' states and what the tables hold afterwards.
 *
 * - cascade "delete": session.delete(parent) deletes the children, children first; a collection
 *   that is not loaded is loaded by the flush (one SELECT by foreign key per level).
 * - cascade "deleteOrphan": a persistent child taken out of a loaded collection is DELETEd,
 *   unless it was moved to another parent (then it is UPDATEd).
 * - no cascade: the children of a deleted parent, and children taken out, get NULL; a deleted
 *   parent's collection that is not loaded is loaded for that (SQLAlchemy's default), unless the
 *   foreign key declares its own ON DELETE, which is then left to the database.
 */
import assert from "node:assert/strict";
import { after, describe, it } from "node:test";
import {
  Entity,
  executeStatement,
  insert,
  inspectObject,
  integer,
  manyToOne,
  MetaData,
  oneToMany,
  relate,
  select,
  selectinload,
  sessionmaker,
  string,
  type Engine,
} from "../../src/index.js";
import { disposeAll, engineTargets, type EngineTarget } from "../support/engines.js";
import { captureSql } from "./model.js";

after(disposeAll);

/**
 * authors ← books ← chapters, authors ← notes, and a self-referencing folders tree.
 * Author.books: delete + deleteOrphan, paired with Book.author (backPopulates);
 * Book.chapters: delete; Author.notes: no cascade; Folder.children: delete.
 */
function makeLibrary(target: EngineTarget) {
  const metadata = new MetaData();
  const authors = metadata.table(target.table("authors"), { id: integer().primaryKey(), name: string(50).notNull() });
  const books = metadata.table(target.table("books"), {
    id: integer().primaryKey(),
    title: string(50).notNull(),
    authorId: integer().references(() => authors.c.id),
  });
  const chapters = metadata.table(target.table("chapters"), {
    id: integer().primaryKey(),
    title: string(50).notNull(),
    bookId: integer().notNull().references(() => books.c.id), // NOT NULL: only a cascade can remove a book with chapters
  });
  const notes = metadata.table(target.table("notes"), {
    id: integer().primaryKey(),
    text: string(50).notNull(),
    authorId: integer().references(() => authors.c.id),
  });
  const foldersName = target.table("folders");
  const folders = metadata.table(foldersName, {
    id: integer().primaryKey(),
    name: string(50).notNull(),
    parentId: integer().references(`${foldersName}.id`),
  });
  class Author extends Entity(authors) {
    declare books: Book[];
    declare notes: Note[];
  }
  class Book extends Entity(books) {
    declare author: Author | null;
    declare chapters: Chapter[];
  }
  class Chapter extends Entity(chapters) {
    declare book: Book | null;
  }
  class Note extends Entity(notes) {
    declare author: Author | null;
  }
  class Folder extends Entity(folders) {
    declare parent: Folder | null;
    declare children: Folder[];
  }
  relate(Author, { books: oneToMany(() => Book, { backPopulates: "author", cascade: ["delete", "deleteOrphan"] }), notes: oneToMany(() => Note) });
  relate(Book, { author: manyToOne(() => Author, { backPopulates: "books" }), chapters: oneToMany(() => Chapter, { cascade: ["delete"] }) });
  relate(Chapter, { book: manyToOne(() => Book) });
  relate(Note, { author: manyToOne(() => Author) });
  relate(Folder, {
    parent: manyToOne(() => Folder, { foreignKey: folders.c.parentId }),
    children: oneToMany(() => Folder, { foreignKey: folders.c.parentId, cascade: ["delete"] }),
  });
  const q = (name: string) => (target.name === "mysql" ? `\`${name}\`` : `"${name}"`);
  return {
    metadata,
    authors,
    books,
    chapters,
    notes,
    folders,
    Author,
    Book,
    Chapter,
    Note,
    Folder,
    q,
    t: { authors: q(authors.name), books: q(books.name), chapters: q(chapters.name), notes: q(notes.name), folders: q(folders.name) },
  };
}

type Library = ReturnType<typeof makeLibrary>;

/** The item at `i`, which the test's data guarantees exists. */
function at<T>(items: readonly T[], i: number): T {
  assert.ok(i < items.length, `expected an item at ${i}, there are ${items.length}`);
  return items[i] as T;
}

for (const target of await engineTargets()) {
  describe(`Delete cascades on ${target.name}`, { skip: target.skip }, () => {
    let shared: Engine | undefined;
    const engineFor = (): Engine => (shared ??= target.engine());
    const p = target.placeholder;

    /**
     * Authors ann(1): books a1(1) {chapters 1, 2}, a2(2) {}; bob(2): b1(3) {3}, b2(4) {4, 5};
     * cid(3): no books, notes 1, 2. Folders root(1) > a(2) > a1(4), root(1) > b(3); lone(5).
     */
    async function withData(work: (m: Library, engine: Engine) => Promise<void>): Promise<void> {
      const engine = engineFor();
      const m = makeLibrary(target);
      await m.metadata.createAll(engine);
      try {
        await engine.begin(async (conn) => {
          await executeStatement(conn, insert(m.authors).values([{ id: 1, name: "ann" }, { id: 2, name: "bob" }, { id: 3, name: "cid" }]));
          await executeStatement(
            conn,
            insert(m.books).values([
              { id: 1, title: "a1", authorId: 1 },
              { id: 2, title: "a2", authorId: 1 },
              { id: 3, title: "b1", authorId: 2 },
              { id: 4, title: "b2", authorId: 2 },
            ]),
          );
          await executeStatement(conn, insert(m.chapters).values([1, 1, 3, 4, 4].map((bookId, i) => ({ id: i + 1, title: `c${i + 1}`, bookId }))));
          await executeStatement(conn, insert(m.notes).values([{ id: 1, text: "n1", authorId: 3 }, { id: 2, text: "n2", authorId: 3 }]));
          for (const [id, name, parentId] of [[1, "root", null], [2, "a", 1], [3, "b", 1], [4, "a1", 2], [5, "lone", null]] as const) {
            await executeStatement(conn, insert(m.folders).values({ id, name, parentId }));
          }
        });
        await work(m, engine);
      } finally {
        await m.metadata.dropAll(engine);
      }
    }

    /** `DELETE FROM t WHERE t.id = ?`, as the flush sends one per row. */
    const deleteRow = (m: Library, table: string): string => `DELETE FROM ${table} WHERE ${table}.${m.q("id")} = ${p(1)}`;
    /** The SELECT a flush sends to load a collection: the children by foreign key, in key order. */
    const selectChildren = (m: Library, table: string, columns: readonly string[], foreignKey: string, keys: number): string =>
      `SELECT ${columns.map((c) => `${table}.${m.q(c)}`).join(", ")} FROM ${table} WHERE ${table}.${m.q(foreignKey)} ` +
      `IN (${Array.from({ length: keys }, (_, i) => p(i + 1)).join(", ")}) ORDER BY ${table}.${m.q("id")} ASC`;
    const updateColumn = (m: Library, table: string, column: string): string =>
      `UPDATE ${table} SET ${m.q(column)} = ${p(1)} WHERE ${table}.${m.q("id")} = ${p(2)}`;

    /** The parameters of the statements sql() lists (transaction control left out). */
    const paramsOf = (sql: ReturnType<typeof captureSql>): unknown[] =>
      sql.statements.filter((s) => !/^(BEGIN|COMMIT|ROLLBACK|SAVEPOINT|RELEASE|START)/i.test(s.sql)).map((s) => s.params);

    /** What a table holds: [id, foreign key] per row, by id. */
    async function holds(engine: Engine, m: Library, table: "books" | "chapters" | "notes" | "folders" | "authors"): Promise<unknown[][]> {
      const run = <R extends object>(statement: Parameters<typeof executeStatement<R>>[1]) => engine.begin((conn) => executeStatement<R>(conn, statement));
      switch (table) {
        case "authors":
          return (await run(select(m.authors.c.id).orderBy(m.authors.c.id))).all().map((r) => [r._mapping.id]);
        case "books":
          return (await run(select(m.books.c.id, m.books.c.authorId).orderBy(m.books.c.id))).all().map((r) => [r._mapping.id, r._mapping.authorId]);
        case "chapters":
          return (await run(select(m.chapters.c.id, m.chapters.c.bookId).orderBy(m.chapters.c.id))).all().map((r) => [r._mapping.id, r._mapping.bookId]);
        case "notes":
          return (await run(select(m.notes.c.id, m.notes.c.authorId).orderBy(m.notes.c.id))).all().map((r) => [r._mapping.id, r._mapping.authorId]);
        case "folders":
          return (await run(select(m.folders.c.id, m.folders.c.parentId).orderBy(m.folders.c.id))).all().map((r) => [r._mapping.id, r._mapping.parentId]);
      }
    }

    it("delete, collections loaded: the children and theirs are DELETEd before the parent, and nothing is SELECTed", async () => {
      await withData(async (m, engine) => {
        const { t } = m;
        await using session = sessionmaker({ bind: engine })();
        // notes loaded too: without a cascade their foreign key is nulled, and an unloaded collection would be SELECTed for that.
        const ann = (await session.scalars(select(m.Author).where(m.Author.c.id.eq(1)).options(selectinload("books").selectinload("chapters"), selectinload("notes")))).one();
        const books = [...ann.books];
        const chapters = books.flatMap((b) => b.chapters);
        assert.deepEqual([books.map((b) => b.id), chapters.map((c) => c.id)], [[1, 2], [1, 2]]);
        session.delete(ann);
        const sql = captureSql(engine);
        await session.flush();
        assert.deepEqual(sql.sql(), [deleteRow(m, t.chapters), deleteRow(m, t.chapters), deleteRow(m, t.books), deleteRow(m, t.books), deleteRow(m, t.authors)]);
        assert.deepEqual(paramsOf(sql), [[2], [1], [2], [1], [1]]);
        for (const object of [ann, ...books, ...chapters]) assert.equal(inspectObject(object).status, "deleted");
        await session.commit();
        for (const object of [ann, ...books, ...chapters]) assert.equal(inspectObject(object).status, "detached");
        assert.deepEqual(await holds(engine, m, "authors"), [[2], [3]]);
        assert.deepEqual(await holds(engine, m, "books"), [[3, 2], [4, 2]]);
        assert.deepEqual(await holds(engine, m, "chapters"), [[3, 3], [4, 4], [5, 4]]);
      });
    });

    it("delete, collections not loaded: the flush loads them first, one SELECT by foreign key per level; rollback brings the rows back", async () => {
      await withData(async (m, engine) => {
        const { t } = m;
        await using session = sessionmaker({ bind: engine })();
        const bob = await session.get(m.Author, 2);
        assert.ok(bob);
        session.delete(bob);
        const sql = captureSql(engine);
        await session.flush();
        assert.deepEqual(sql.sql(), [
          selectChildren(m, t.books, ["id", "title", "authorId"], "authorId", 1),
          selectChildren(m, t.chapters, ["id", "title", "bookId"], "bookId", 2),
          selectChildren(m, t.notes, ["id", "text", "authorId"], "authorId", 1), // no cascade: loaded to NULL their key (bob has none)
          deleteRow(m, t.chapters),
          deleteRow(m, t.chapters),
          deleteRow(m, t.chapters),
          deleteRow(m, t.books),
          deleteRow(m, t.books),
          deleteRow(m, t.authors),
        ]);
        assert.deepEqual(paramsOf(sql), [[2], [3, 4], [2], [5], [4], [3], [4], [3], [2]]);
        const books = bob.books;
        assert.deepEqual(books.map((b) => [b.title, inspectObject(b).status]), [["b1", "deleted"], ["b2", "deleted"]], "loaded by the flush, and deleted");
        await session.rollback();
        assert.deepEqual(books.map((b) => inspectObject(b).status), ["persistent", "persistent"], "restored by the rollback");
        assert.equal(inspectObject(bob).status, "persistent");
        assert.deepEqual(await holds(engine, m, "books"), [[1, 1], [2, 1], [3, 2], [4, 2]]);
        assert.deepEqual(await holds(engine, m, "chapters"), [[1, 1], [2, 1], [3, 3], [4, 4], [5, 4]]);

        session.delete(bob); // again, committed this time
        await session.commit();
        assert.deepEqual(await holds(engine, m, "authors"), [[1], [3]]);
        assert.deepEqual(await holds(engine, m, "books"), [[1, 1], [2, 1]]);
        assert.deepEqual(await holds(engine, m, "chapters"), [[1, 1], [2, 1]]);
      });
    });

    it("delete through a self-referencing tree: one SELECT per level, then leaves first", async () => {
      await withData(async (m, engine) => {
        const { t } = m;
        await using session = sessionmaker({ bind: engine })();
        const root = await session.get(m.Folder, 1);
        assert.ok(root);
        session.delete(root);
        const sql = captureSql(engine);
        await session.commit();
        const columns = ["id", "name", "parentId"];
        assert.deepEqual(sql.sql(), [
          selectChildren(m, t.folders, columns, "parentId", 1),
          selectChildren(m, t.folders, columns, "parentId", 2),
          selectChildren(m, t.folders, columns, "parentId", 1),
          deleteRow(m, t.folders),
          deleteRow(m, t.folders),
          deleteRow(m, t.folders),
          deleteRow(m, t.folders),
        ]);
        assert.deepEqual(paramsOf(sql), [[1], [2, 3], [4], [4], [3], [2], [1]]);
        assert.deepEqual(await holds(engine, m, "folders"), [[5, null]]);
      });
    });

    it("deleteOrphan: a child taken out of a loaded collection (assigned, or spliced) is DELETEd with its own cascade, not given NULL", async () => {
      await withData(async (m, engine) => {
        const { t } = m;
        await using session = sessionmaker({ bind: engine, expireOnCommit: false })();
        const ann = (await session.scalars(select(m.Author).where(m.Author.c.id.eq(1)).options(selectinload("books")))).one();
        const a1 = at(ann.books, 0);
        const a2 = at(ann.books, 1);
        ann.books = [a2];
        assert.equal(a1.author, null, "backPopulates cleared the reference in memory");
        const sql = captureSql(engine);
        await session.flush();
        assert.deepEqual(sql.sql(), [
          selectChildren(m, t.chapters, ["id", "title", "bookId"], "bookId", 1), // a1's chapters: not loaded, deleted with it
          deleteRow(m, t.chapters),
          deleteRow(m, t.chapters),
          deleteRow(m, t.books),
        ]);
        assert.deepEqual(paramsOf(sql), [[1], [2], [1], [1]]);
        assert.equal(inspectObject(a1).status, "deleted");
        assert.equal(inspectObject(a2).status, "persistent");

        ann.books.splice(0, 1); // in place: seen by the flush, which compares with the collection as loaded
        sql.clear();
        await session.flush();
        assert.deepEqual(sql.sql(), [selectChildren(m, t.chapters, ["id", "title", "bookId"], "bookId", 1), deleteRow(m, t.books)]);
        assert.deepEqual(paramsOf(sql), [[2], [2]]);
        assert.equal(inspectObject(a2).status, "deleted");
        await session.commit();
        assert.deepEqual(await holds(engine, m, "authors"), [[1], [2], [3]], "the parent stays");
        assert.deepEqual(await holds(engine, m, "books"), [[3, 2], [4, 2]]);
        assert.deepEqual(await holds(engine, m, "chapters"), [[3, 3], [4, 4], [5, 4]]);
      });
    });

    it("deleteOrphan: a child moved to another parent (either side assigned) is UPDATEd, not deleted", async () => {
      await withData(async (m, engine) => {
        const { t } = m;
        await using session = sessionmaker({ bind: engine, expireOnCommit: false })();
        const [ann, bob] = (await session.scalars(select(m.Author).where(m.Author.c.id.in([1, 2])).options(selectinload("books")).orderBy(m.Author.c.id))).all();
        assert.ok(ann && bob);
        const a1 = at(ann.books, 0);
        const b1 = at(bob.books, 0);
        a1.author = bob;
        assert.deepEqual([ann.books.map((b) => b.id), bob.books.map((b) => b.id)], [[2], [3, 4, 1]]);
        const sql = captureSql(engine);
        await session.flush();
        assert.deepEqual(sql.sql(), [updateColumn(m, t.books, "authorId")]);
        assert.deepEqual(paramsOf(sql), [[2, 1]]);

        ann.books = [...ann.books, b1];
        assert.equal(b1.author, ann);
        assert.deepEqual(bob.books.map((b) => b.id), [4, 1], "taken out of its previous author's loaded collection");
        sql.clear();
        await session.flush();
        assert.deepEqual(sql.sql(), [updateColumn(m, t.books, "authorId")]);
        assert.deepEqual(paramsOf(sql), [[1, 3]]);
        assert.deepEqual([a1, b1].map((b) => inspectObject(b).status), ["persistent", "persistent"]);
        await session.commit();
        assert.deepEqual(await holds(engine, m, "books"), [[1, 2], [2, 1], [3, 1], [4, 2]]);
        assert.deepEqual(await holds(engine, m, "chapters"), [[1, 1], [2, 1], [3, 3], [4, 4], [5, 4]]);
      });
    });

    it("without a cascade, children of a deleted parent that were not loaded are loaded and get a NULL foreign key (SQLAlchemy's default)", async () => {
      await withData(async (m, engine) => {
        const { t } = m;
        await using session = sessionmaker({ bind: engine, expireOnCommit: false })();
        const cid = await session.get(m.Author, 3);
        assert.ok(cid);
        session.delete(cid);
        const sql = captureSql(engine);
        await session.flush();
        const sent = sql.sql();
        assert.deepEqual(sent.slice(0, 2), [
          selectChildren(m, t.books, ["id", "title", "authorId"], "authorId", 1), // the delete cascade's
          selectChildren(m, t.notes, ["id", "text", "authorId"], "authorId", 1),
        ]);
        assert.equal(sent.at(-1), deleteRow(m, t.authors));
        const updates = sent.slice(2, -1);
        assert.ok(updates.length > 0 && updates.every((u) => u.startsWith(`UPDATE ${t.notes} SET ${m.q("authorId")} = `)), updates.join("\n")); // one batch, or a row each
        assert.deepEqual((cid.notes as InstanceType<typeof m.Note>[]).map((n) => n.authorId), [null, null], "loaded by the flush, and nulled");
        await session.commit();
        assert.deepEqual(await holds(engine, m, "notes"), [[1, null], [2, null]]);
        assert.deepEqual(await holds(engine, m, "authors"), [[1], [2]]);
      });
    });

    it("a foreign key with its own ON DELETE is left to the database: nothing loaded, nothing nulled", async () => {
      const engine = engineFor();
      const metadata = new MetaData();
      const owners = metadata.table(target.table("owners"), { id: integer().primaryKey(), name: string(50).notNull() });
      const pets = metadata.table(target.table("pets"), {
        id: integer().primaryKey(),
        name: string(50).notNull(),
        ownerId: integer().notNull().references(() => owners.c.id, { onDelete: "CASCADE" }),
      });
      class Owner extends Entity(owners) {
        declare pets: Pet[];
      }
      class Pet extends Entity(pets) {}
      relate(Owner, { pets: oneToMany(() => Pet) });
      await metadata.createAll(engine);
      try {
        await engine.begin(async (conn) => {
          await executeStatement(conn, insert(owners).values({ id: 1, name: "o" }));
          await executeStatement(conn, insert(pets).values([{ id: 1, name: "p1", ownerId: 1 }, { id: 2, name: "p2", ownerId: 1 }]));
        });
        await using session = sessionmaker({ bind: engine })();
        const owner = await session.get(Owner, 1);
        assert.ok(owner);
        session.delete(owner);
        const sql = captureSql(engine);
        await session.commit();
        const q = (name: string): string => (target.name === "mysql" ? `\`${name}\`` : `"${name}"`);
        assert.deepEqual(sql.sql(), [`DELETE FROM ${q(owners.name)} WHERE ${q(owners.name)}.${q("id")} = ${p(1)}`]);
        const left = await engine.begin((conn) => executeStatement(conn, select(pets.c.id)));
        assert.deepEqual(left.all(), [], "the database's ON DELETE CASCADE removed them");
      } finally {
        await metadata.dropAll(engine);
      }
    });

    it("without a cascade nothing changes: children taken out, and children of a deleted parent, get a NULL foreign key", async () => {
      await withData(async (m, engine) => {
        const { t } = m;
        await using session = sessionmaker({ bind: engine, expireOnCommit: false })();
        const cid = (await session.scalars(select(m.Author).where(m.Author.c.id.eq(3)).options(selectinload("notes"), selectinload("books")))).one();
        assert.deepEqual(cid.books, []);
        const [n1, n2] = cid.notes;
        assert.ok(n1 && n2);
        cid.notes = [n2];
        const sql = captureSql(engine);
        await session.flush();
        assert.deepEqual(sql.sql(), [updateColumn(m, t.notes, "authorId")]);
        assert.deepEqual(paramsOf(sql), [[null, 1]]);
        assert.equal(inspectObject(n1).status, "persistent");

        session.delete(cid);
        sql.clear();
        await session.flush();
        assert.deepEqual(sql.sql(), [updateColumn(m, t.notes, "authorId"), deleteRow(m, t.authors)]);
        assert.deepEqual(paramsOf(sql), [[null, 2], [3]]);
        assert.deepEqual([n1.authorId, n2.authorId, inspectObject(n2).status], [null, null, "persistent"]);
        await session.commit();
        assert.deepEqual(await holds(engine, m, "notes"), [[1, null], [2, null]]);
        assert.deepEqual(await holds(engine, m, "authors"), [[1], [2]]);
      });
    });
  });
}
