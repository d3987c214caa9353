import { countingPgQueries } from "../lib/count-pg-queries.js";
import type { BookLike, OrmContender, Prepared } from "./contenders.js";
import { checkTables, expectedPages, freshTables, REVISED_SUFFIX, seed, type InsertData, type TableCheck } from "./db.js";

/**
 * The three timed operations, the same for every contender: set up the tables (untimed),
 * prepare (untimed), run (timed: wall time and the process's CPU time), check what the
 * database or the entities hold (untimed), clean up.
 *
 * - insert: `authors` × (1 author + `booksPerAuthor` books) new entities into fresh tables;
 * - load: every book of a table seeded with `authors` × `booksPerAuthor` books;
 * - update: every book of a table seeded with `authors` × `booksPerAuthor` books, loaded
 *   first (untimed), then two columns of each changed and flushed.
 */

export const SCENARIOS = ["insert", "load", "update"] as const;
export type Scenario = (typeof SCENARIOS)[number];

export interface Sizes {
  /** Interleaved timed rounds per scenario (after one verification + warm-up run per contender). */
  rounds: number;
  insert: InsertData;
  load: InsertData;
  update: InsertData;
  stream: { rows: number; yieldPer: number; sampleEvery: number; warmRows: number };
}

export function sizes(quick: boolean, rounds: number | undefined): Sizes {
  const s: Sizes = quick
    ? {
        rounds: 2,
        insert: { authors: 200, booksPerAuthor: 4 },
        load: { authors: 1_000, booksPerAuthor: 10 },
        update: { authors: 100, booksPerAuthor: 10 },
        stream: { rows: 100_000, yieldPer: 1_000, sampleEvery: 10_000, warmRows: 5_000 },
      }
    : {
        rounds: 5,
        insert: { authors: 2_000, booksPerAuthor: 4 },
        load: { authors: 10_000, booksPerAuthor: 10 },
        update: { authors: 1_000, booksPerAuthor: 10 },
        stream: { rows: 1_000_000, yieldPer: 1_000, sampleEvery: 100_000, warmRows: 20_000 },
      };
  return rounds === undefined ? s : { ...s, rounds };
}

/** Entities each operation writes or reads. */
export function entitiesOf(scenario: Scenario, data: InsertData): number {
  const books = data.authors * data.booksPerAuthor;
  return scenario === "insert" ? data.authors + books : books;
}

export interface Measured {
  elapsedNs: number;
  /** process.cpuUsage() over the timed part, user + system µs (only this thread is busy). */
  cpuUs: number;
  /** Statements sent through pg's Client.query during the timed part (when counted). */
  queries: number | null;
}

export interface RunHooks {
  /** Called just before the timed part (a full GC). */
  beforeRun(): void;
  /** Count pg queries in the timed part. */
  countQueries: boolean;
  /** Wraps the timed part (e.g. a CPU profiler). */
  around?: <T>(work: () => Promise<T>) => Promise<T>;
}

export async function runScenario(contender: OrmContender, scenario: Scenario, data: InsertData, hooks: RunHooks): Promise<Measured> {
  switch (scenario) {
    case "insert":
      await freshTables();
      return measure(await contender.prepareInsert(data), hooks, () => expectTables(scenario, data));
    case "load":
      await seed(data);
      return measure(await contender.prepareLoad(), hooks, (books) => expectBooks(data, books, contender.bookClass));
    case "update":
      await seed(data);
      return measure(await contender.prepareUpdate(), hooks, () => expectTables(scenario, data));
  }
}

async function measure<R>(prepared: Prepared<R>, hooks: RunHooks, check: (result: R) => Promise<void> | void): Promise<Measured> {
  try {
    const timed = (): Promise<R> => (hooks.around === undefined ? prepared.run() : hooks.around(() => prepared.run()));
    hooks.beforeRun();
    const cpu = process.cpuUsage();
    const start = process.hrtime.bigint();
    const { result, queries } = hooks.countQueries ? await countingPgQueries(timed) : { result: await timed(), queries: null };
    const elapsedNs = Number(process.hrtime.bigint() - start);
    const used = process.cpuUsage(cpu);
    await check(result); // before cleanup: closing an athanor session expires its objects
    return { elapsedNs, cpuUs: used.user + used.system, queries };
  } finally {
    await prepared.cleanup();
  }
}

function expectBooks(data: InsertData, books: readonly BookLike[], bookClass: OrmContender["bookClass"]): void {
  const n = data.authors * data.booksPerAuthor;
  let pages = 0;
  const ids = new Set<number>();
  for (const book of books) {
    if (!(book instanceof bookClass)) throw new Error(`load returned a ${String(book?.constructor?.name)}, not a ${bookClass.name} entity`);
    pages += book.pages;
    ids.add(book.id);
  }
  if (books.length !== n || ids.size !== n || pages !== expectedPages(data)) {
    throw new Error(`load returned ${books.length} books (${ids.size} distinct ids, ${pages} pages); expected ${n} (${expectedPages(data)} pages)`);
  }
}

async function expectTables(scenario: "insert" | "update", data: InsertData): Promise<void> {
  const books = data.authors * data.booksPerAuthor;
  const expected: TableCheck = {
    authors: data.authors,
    books,
    pages: expectedPages(data) + (scenario === "update" ? books : 0),
    booksWithTheirAuthor: books,
    revised: scenario === "update" ? books : 0,
  };
  const found = await checkTables();
  if (JSON.stringify(found) !== JSON.stringify(expected)) {
    throw new Error(`after ${scenario} the tables hold ${JSON.stringify(found)}; expected ${JSON.stringify(expected)} (suffix '${REVISED_SUFFIX}')`);
  }
}

