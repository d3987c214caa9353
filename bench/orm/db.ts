import { withAdmin } from "../engine/db.js";

/**
 * The ORM benchmark's two tables and its data, the same for every contender: authors 1—N
 * books. The tables are created here with plain DDL (no ORM's schema generator), dropped and
 * re-created before every timed operation, and seeded with SQL (INSERT ... SELECT
 * generate_series) where a scenario starts from existing rows, so every ORM meets the same
 * rows in the same fresh tables. Only one contender runs at a time, so they share the names.
 */

export const AUTHORS = "bench_orm_authors";
export const BOOKS = "bench_orm_books";

/** The data of one scenario, derived from its sizes (the same for every contender). */
export interface InsertData {
  authors: number;
  booksPerAuthor: number;
}

export function authorName(i: number): string {
  return `author ${i}`;
}

export function authorEmail(i: number): string {
  return `author${i}@example.com`;
}

export function bookTitle(author: number, j: number): string {
  return `author ${author} book ${j}`;
}

export function bookPages(author: number, j: number): number {
  return 100 + ((author * 7 + j * 13) % 400);
}

/** Drop and create both tables (empty; serial keys start at 1). */
export async function freshTables(): Promise<void> {
  await withAdmin(undefined, async (c) => {
    await c.query(`DROP TABLE IF EXISTS ${BOOKS}`);
    await c.query(`DROP TABLE IF EXISTS ${AUTHORS}`);
    await c.query(`CREATE TABLE ${AUTHORS} (id serial PRIMARY KEY, name varchar(100) NOT NULL, email varchar(200) NOT NULL)`);
    await c.query(
      `CREATE TABLE ${BOOKS} (id serial PRIMARY KEY, title varchar(200) NOT NULL, pages integer NOT NULL, author_id integer NOT NULL REFERENCES ${AUTHORS} (id))`,
    );
    await c.query(`CREATE INDEX ${BOOKS}_author_id ON ${BOOKS} (author_id)`);
  });
}

export async function dropTables(): Promise<void> {
  await withAdmin(undefined, async (c) => {
    await c.query(`DROP TABLE IF EXISTS ${BOOKS}`);
    await c.query(`DROP TABLE IF EXISTS ${AUTHORS}`);
  });
}

/**
 * Fresh tables holding `authors` authors with `booksPerAuthor` books each, the same values the
 * ORMs would write (book k of author i has id (i - 1) * booksPerAuthor + k), analyzed.
 */
export async function seed(data: InsertData): Promise<void> {
  await freshTables();
  const { authors, booksPerAuthor } = data;
  await withAdmin(undefined, async (c) => {
    await c.query(
      `INSERT INTO ${AUTHORS} (name, email) SELECT 'author ' || i, 'author' || i || '@example.com' FROM generate_series(1, $1::int) AS i`,
      [authors],
    );
    await c.query(
      `INSERT INTO ${BOOKS} (title, pages, author_id)
       SELECT 'author ' || a || ' book ' || j, 100 + ((a * 7 + j * 13) % 400), a
       FROM generate_series(1, $1::int) AS a, generate_series(1, $2::int) AS j ORDER BY a, j`,
      [authors, booksPerAuthor],
    );
    await c.query(`ANALYZE ${AUTHORS}`);
    await c.query(`ANALYZE ${BOOKS}`);
  });
}

/** Sum of pages the seeded (or inserted) books have: what a load must add up to. */
export function expectedPages(data: InsertData): number {
  let sum = 0;
  for (let a = 1; a <= data.authors; a++) for (let j = 1; j <= data.booksPerAuthor; j++) sum += bookPages(a, j);
  return sum;
}

export interface TableCheck {
  authors: number;
  books: number;
  pages: number;
  /** Books whose title names the author their author_id points to (every book, if the foreign keys are right). */
  booksWithTheirAuthor: number;
  /** Books whose title carries the update scenario's suffix. */
  revised: number;
}

export const REVISED_SUFFIX = " (2nd ed.)";

/** What the tables hold, checked after each timed operation (outside the timing). */
export async function checkTables(): Promise<TableCheck> {
  return withAdmin(undefined, async (c) => {
    const r = await c.query<{ authors: string; books: string; pages: string | null; matched: string; revised: string }>(
      `SELECT (SELECT count(*) FROM ${AUTHORS}) AS authors,
              (SELECT count(*) FROM ${BOOKS}) AS books,
              (SELECT sum(pages) FROM ${BOOKS}) AS pages,
              (SELECT count(*) FROM ${BOOKS} b JOIN ${AUTHORS} a ON a.id = b.author_id WHERE b.title LIKE a.name || ' book %') AS matched,
              (SELECT count(*) FROM ${BOOKS} WHERE title LIKE '%' || $1) AS revised`,
      [REVISED_SUFFIX],
    );
    const row = r.rows[0];
    return {
      authors: Number(row?.authors),
      books: Number(row?.books),
      pages: Number(row?.pages ?? 0),
      booksWithTheirAuthor: Number(row?.matched),
      revised: Number(row?.revised),
    };
  });
}
