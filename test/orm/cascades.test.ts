/**
 * Delete cascades on every database (SQLAlchemy cascade="all, delete-orphan", reduced): the
 * exact SQL a flush sends, the objects' states and what the tables hold afterwards.
 *
 * - cascade "delete": session.delete(parent) deletes the children, children first; a collection
 *   that is not loaded is loaded by the flush (one SELECT by foreign key per level). A new
 *   child there has no row: it is never INSERTed, and a pending one is expunged.
 * - cascade "deleteOrphan": a persistent child taken out of a loaded collection is DELETEd,
 *   unless it was moved to another parent (then it is UPDATEd).
 * - no cascade: the children of a deleted parent, and children taken out, get NULL; a deleted
 *   parent's collection that is not loaded is loaded for that (SQLAlchemy's default), unless the
 *   foreign key declares its own ON DELETE, which is then left to the database. A new child of
 *   a deleted parent is INSERTed with a NULL foreign key (a NOT NULL one fails at the database).
 */
import assert from "node:assert/strict";
import { after, describe, it } from "node:test";
import {
  Entity,
  executeStatement,
  IntegrityError,
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
import { arrayLiteral } from "../../src/orm/unit-of-work/column-arrays.js";
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

    /** Owners and their pets (NOT NULL foreign key, with or without its own ON DELETE), no cascade on the relationship. */
    const ownersAndPets = (onDelete: "CASCADE" | undefined) => {
      const metadata = new MetaData();
      const owners = metadata.table(target.table("owners"), { id: integer().primaryKey(), name: string(50).notNull() });
      const pets = metadata.table(target.table("pets"), {
        id: integer().primaryKey(),
        name: string(50).notNull(),
        ownerId: integer()
          .notNull()
          .references(() => owners.c.id, onDelete === undefined ? {} : { onDelete }),
      });
      class Owner extends Entity(owners) {
        declare pets: Pet[];
      }
      class Pet extends Entity(pets) {}
      relate(Owner, { pets: oneToMany(() => Pet) });
      return { metadata, owners, pets, Owner, Pet };
    };
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

    /** The DELETE a flush sends per table (per step): `t.id = ?` for one row, `t.id IN (?, ...)` for several. */
    const deleteRows = (m: Library, table: string, rows = 1): string =>
      `DELETE FROM ${table} WHERE ${table}.${m.q("id")} ${rows === 1 ? `= ${p(1)}` : `IN (${Array.from({ length: rows }, (_, i) => p(i + 1)).join(", ")})`}`;
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
        assert.deepEqual(sql.sql(), [deleteRows(m, t.chapters, 2), deleteRows(m, t.books, 2), deleteRows(m, t.authors)]);
        assert.deepEqual(paramsOf(sql), [[2, 1], [2, 1], [1]]);
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
          deleteRows(m, t.chapters, 3),
          deleteRows(m, t.books, 2),
          deleteRows(m, t.authors),
        ]);
        assert.deepEqual(paramsOf(sql), [[2], [3, 4], [2], [5, 4, 3], [4, 3], [2]]);
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
          deleteRows(m, t.folders), // the leaf
          deleteRows(m, t.folders, 2), // the level above it: rows of one level never refer to each other
          deleteRows(m, t.folders), // the root
        ]);
        assert.deepEqual(paramsOf(sql), [[1], [2, 3], [4], [4], [3, 2], [1]]);
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
          deleteRows(m, t.chapters, 2),
          deleteRows(m, t.books),
        ]);
        assert.deepEqual(paramsOf(sql), [[1], [2, 1], [1]]);
        assert.equal(inspectObject(a1).status, "deleted");
        assert.equal(inspectObject(a2).status, "persistent");

        ann.books.splice(0, 1); // in place: seen by the flush, which compares with the collection as loaded
        sql.clear();
        await session.flush();
        assert.deepEqual(sql.sql(), [selectChildren(m, t.chapters, ["id", "title", "bookId"], "bookId", 1), deleteRows(m, t.books)]);
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
        assert.equal(sent.at(-1), deleteRows(m, t.authors));
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
      const { metadata, owners, pets, Owner, Pet } = ownersAndPets("CASCADE");
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
        assert.deepEqual(sql.sql(), [updateColumn(m, t.notes, "authorId"), deleteRows(m, t.authors)]);
        assert.deepEqual(paramsOf(sql), [[null, 2], [3]]);
        assert.deepEqual([n1.authorId, n2.authorId, inspectObject(n2).status], [null, null, "persistent"]);
        await session.commit();
        assert.deepEqual(await holds(engine, m, "notes"), [[1, null], [2, null]]);
        assert.deepEqual(await holds(engine, m, "authors"), [[1], [2]]);
      });
    });

    /** 10 000 rows for author 1 (ids 11 to 10 010), 1 000 per INSERT: a statement's parameters are limited. */
    async function addMany(engine: Engine, rows: (ids: readonly number[]) => Parameters<typeof executeStatement>[1]): Promise<number[]> {
      const ids = Array.from({ length: 10_000 }, (_, i) => i + 11);
      await engine.begin(async (conn) => {
        for (let i = 0; i < ids.length; i += 1000) await executeStatement(conn, rows(ids.slice(i, i + 1000)));
      });
      return ids;
    }

    it("without a cascade, 5 000 children taken out of a loaded collection of 10 000 get a NULL foreign key, and only they", async () => {
      await withData(async (m, engine) => {
        const { t } = m;
        const ids = await addMany(engine, (chunk) => insert(m.notes).values(chunk.map((id) => ({ id, text: `n${id}`, authorId: 1 }))));
        await using session = sessionmaker({ bind: engine, expireOnCommit: false })();
        const ann = (await session.scalars(select(m.Author).where(m.Author.c.id.eq(1)).options(selectinload("notes")))).one();
        assert.equal(ann.notes.length, 10_000);
        const taken = new Set(ids.filter((id) => id % 2 === 1));
        const all = [...ann.notes];
        ann.notes = ann.notes.filter((n) => !taken.has(n.id));
        const sql = captureSql(engine);
        await session.flush();
        const sent = sql.sql();
        assert.ok(sent.length > 0 && sent.every((s) => s.startsWith(`UPDATE ${t.notes} SET ${m.q("authorId")} = `)), sent.slice(0, 3).join("\n")); // batches, or a row each
        assert.deepEqual(all.filter((n) => n.authorId === null).map((n) => n.id), [...taken]);
        assert.ok(all.every((n) => inspectObject(n).status === "persistent"));
        await session.commit();
        const expected = [[1, 3], [2, 3], ...ids.map((id) => [id, taken.has(id) ? null : 1])];
        assert.deepEqual(await holds(engine, m, "notes"), expected);
      });
    });

    it("deleteOrphan: 5 000 children taken out of a loaded collection of 10 000 are DELETEd, and only they", async () => {
      await withData(async (m, engine) => {
        const { t } = m;
        const ids = await addMany(engine, (chunk) => insert(m.books).values(chunk.map((id) => ({ id, title: `b${id}`, authorId: 1 }))));
        await using session = sessionmaker({ bind: engine, expireOnCommit: false })();
        const ann = (await session.scalars(select(m.Author).where(m.Author.c.id.eq(1)).options(selectinload("books")))).one();
        assert.equal(ann.books.length, 10_002);
        const taken = new Set(ids.filter((id) => id % 2 === 1));
        const takenOut = ann.books.filter((b) => taken.has(b.id));
        ann.books = ann.books.filter((b) => !taken.has(b.id));
        const sql = captureSql(engine);
        await session.flush();
        const sent = sql.sql();
        // Their chapters first (the delete cascade; in chunks), then the books, 1 000 per DELETE.
        const selects = sent.filter((s) => s.startsWith(`SELECT ${t.chapters}.`));
        const deletes = sql.statements.filter((s) => s.sql === deleteRows(m, t.books, 1000));
        assert.equal(deletes.length, 5);
        assert.ok(selects.length > 0 && selects.length + deletes.length === sent.length, sent.filter((s) => !s.startsWith("DELETE")).slice(0, 3).join("\n"));
        assert.deepEqual(deletes.flatMap((s) => s.params as unknown[]).sort((a, b) => Number(a) - Number(b)), [...taken]);
        assert.ok(takenOut.every((b) => inspectObject(b).status === "deleted"));
        await session.commit();
        assert.deepEqual(await holds(engine, m, "books"), [[1, 1], [2, 1], [3, 2], [4, 2], ...ids.filter((id) => !taken.has(id)).map((id) => [id, 1])]);
        assert.deepEqual(await holds(engine, m, "chapters"), [[1, 1], [2, 1], [3, 3], [4, 4], [5, 4]]);
      });
    });

    it("delete: a new child in a deleted parent's collection is deleted with it, so never INSERTed: a pending one is expunged, a transient one stays out", async () => {
      await withData(async (m, engine) => {
        const { t } = m;
        await using session = sessionmaker({ bind: engine })();
        const ann = (await session.scalars(select(m.Author).where(m.Author.c.id.eq(1)).options(selectinload("books").selectinload("chapters"), selectinload("notes")))).one();
        const [a1, a2] = ann.books;
        assert.ok(a1 && a2);
        // A pending book (added) holding a transient chapter, and a transient chapter in a persistent
        // book being deleted: the cascade reaches all three. Inserted, the book would get a NULL
        // author, and the chapters a NULL book (NOT NULL: the INSERT fails on every database).
        const newBook = new m.Book({ id: 10, title: "new" });
        session.add(newBook);
        const newChapter = new m.Chapter({ id: 10, title: "c10", bookId: 10 });
        newBook.chapters.push(newChapter);
        const lateChapter = new m.Chapter({ id: 11, title: "c11", bookId: 1 });
        a1.chapters.push(lateChapter);
        ann.books.push(newBook);
        session.delete(ann);
        const sql = captureSql(engine);
        await session.flush();
        assert.deepEqual(sql.sql(), [deleteRows(m, t.chapters, 2), deleteRows(m, t.books, 2), deleteRows(m, t.authors)], "no INSERT");
        assert.deepEqual(paramsOf(sql), [[2, 1], [2, 1], [1]]);
        assert.deepEqual([newBook, newChapter, lateChapter].map((o) => inspectObject(o).status), ["transient", "transient", "transient"]);
        assert.deepEqual([session.contains(newBook), session.new.length], [false, 0], "expunged");
        assert.deepEqual([newBook.authorId, newChapter.bookId, lateChapter.bookId], [undefined, 10, 1], "no foreign key written into them");
        await session.commit();
        assert.deepEqual(await holds(engine, m, "authors"), [[2], [3]]);
        assert.deepEqual(await holds(engine, m, "books"), [[3, 2], [4, 2]]);
        assert.deepEqual(await holds(engine, m, "chapters"), [[3, 3], [4, 4], [5, 4]]);
      });
    });

    it("without a cascade, a new child in a deleted parent's collection is INSERTed with a NULL foreign key, pending or reached by the flush", async () => {
      await withData(async (m, engine) => {
        const { t, q } = m;
        await using session = sessionmaker({ bind: engine, expireOnCommit: false })();
        const cid = (await session.scalars(select(m.Author).where(m.Author.c.id.eq(3)).options(selectinload("notes"), selectinload("books")))).one();
        const added = new m.Note({ id: 10, text: "n10" });
        session.add(added);
        const reached = new m.Note({ id: 11, text: "n11" }); // transient: the flush adds it (save-update cascade)
        cid.notes.push(added, reached);
        session.delete(cid);
        const sql = captureSql(engine);
        await session.flush();
        const rows = '"athanor_rows"';
        const columns = [q("id"), q("text"), q("authorId")].join(", ");
        const id = `${t.notes}.${q("id")}`;
        // PostgreSQL and PGlite send a batch as column arrays (unnest), the others as CASE WHEN and VALUES.
        const columnArrays = target.name === "postgresql" || target.name === "pglite";
        const arrayParam = (values: readonly unknown[]): unknown => (target.name === "postgresql" ? arrayLiteral(values) : values);
        assert.deepEqual(sql.sql(), [
          columnArrays // notes 1 and 2 (already there) get NULL
            ? `UPDATE ${t.notes} SET ${q("authorId")} = ${rows}.${q("authorId")} FROM unnest(${p(1)}::INTEGER[], ${p(2)}::INTEGER[]) AS ${rows}(${q("id")}, ${q("authorId")}) WHERE ${id} = ${rows}.${q("id")}`
            : `UPDATE ${t.notes} SET ${q("authorId")} = CASE WHEN ${id} = ? THEN ? WHEN ${id} = ? THEN ? ELSE ${t.notes}.${q("authorId")} END WHERE ${id} IN (?, ?)`,
          columnArrays // the new ones, with NULL
            ? `INSERT INTO ${t.notes} (${columns}) SELECT ${columns} FROM unnest(${p(1)}::INTEGER[], ${p(2)}::VARCHAR[], ${p(3)}::INTEGER[]) WITH ORDINALITY AS ${rows}(${columns}, "athanor_n") ORDER BY "athanor_n"`
            : `INSERT INTO ${t.notes} (${columns}) VALUES (?, ?, ?), (?, ?, ?)`,
          deleteRows(m, t.authors),
        ]);
        assert.deepEqual(
          paramsOf(sql),
          columnArrays
            ? [[arrayParam([1, 2]), arrayParam([null, null])], [arrayParam([10, 11]), arrayParam(["n10", "n11"]), arrayParam([null, null])], [3]]
            : [[1, null, 2, null, 1, 2], [10, "n10", null, 11, "n11", null], [3]],
        );
        assert.deepEqual([added, reached].map((n) => [inspectObject(n).status, n.authorId]), [["persistent", null], ["persistent", null]]);
        await session.commit();
        assert.deepEqual(await holds(engine, m, "notes"), [[1, null], [2, null], [10, null], [11, null]]);
        assert.deepEqual(await holds(engine, m, "authors"), [[1], [2]]);
      });
    });

    it("without a cascade, a new child of a deleted parent whose foreign key is NOT NULL fails at the database, as in SQLAlchemy; nothing is written", async () => {
      const engine = engineFor();
      const { metadata, pets, owners, Owner, Pet } = ownersAndPets(undefined);
      await metadata.createAll(engine);
      try {
        await engine.begin((conn) => executeStatement(conn, insert(owners).values({ id: 1, name: "o" })));
        await using session = sessionmaker({ bind: engine })();
        const owner = (await session.scalars(select(Owner).options(selectinload("pets")))).one();
        const pet = new Pet({ id: 1, name: "p", ownerId: 1 });
        owner.pets.push(pet);
        session.add(pet);
        session.delete(owner);
        const sql = captureSql(engine);
        await assert.rejects(session.flush(), IntegrityError);
        const q = (name: string): string => (target.name === "mysql" ? `\`${name}\`` : `"${name}"`);
        assert.deepEqual(sql.sql(), [`INSERT INTO ${q(pets.name)} (${q("id")}, ${q("name")}, ${q("ownerId")}) VALUES (${p(1)}, ${p(2)}, ${p(3)})`], "the INSERT fails; the DELETE is never sent");
        assert.deepEqual(paramsOf(sql), [[1, "p", null]]);
        assert.deepEqual([inspectObject(pet).status, pet.ownerId], ["pending", 1], "the failed flush put back the key it NULLed");
        await session.rollback();
        const left = async (table: typeof owners | typeof pets) => (await engine.begin((conn) => executeStatement(conn, select(table.c.id)))).all().map((r) => r._mapping.id);
        assert.deepEqual([await left(owners), await left(pets)], [[1], []]);
      } finally {
        await metadata.dropAll(engine);
      }
    });
  });
}
