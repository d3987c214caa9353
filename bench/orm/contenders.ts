import type { InsertData } from "./db.js";

/**
 * The ORM benchmark's contenders: the same authors 1—N books model mapped in athanor,
 * MikroORM 6 and TypeORM, each doing the same three operations on the same fresh tables.
 * Each contender runs in its own worker thread (bench/orm/worker.ts), so only its own ORM is
 * loaded there and its call sites, heap and GC are its own.
 *
 * Every operation is split the same way: `prepare` does the untimed part (build the new
 * objects; open a session / EntityManager; load the rows the update will change) and returns
 * `run`, the timed part (the ORM's persist + flush/commit; query + hydration; modify + flush),
 * and `cleanup` (untimed again: close the session, clear the EntityManager).
 */

export const CONTENDERS = ["athanor", "mikro-orm", "typeorm"] as const;
export type ContenderName = (typeof CONTENDERS)[number];
export const PEERS = ["mikro-orm", "typeorm"] as const satisfies readonly ContenderName[];
export type PeerName = (typeof PEERS)[number];

export function isContender(name: string): name is ContenderName {
  return (CONTENDERS as readonly string[]).includes(name);
}

/** Connections each contender's pool may open (one is used: the operations run one at a time). */
export const POOL_SIZE = 5;

/** What the load returns: enough to check that every row was hydrated (outside the timing). */
export interface BookLike {
  readonly id: number;
  readonly pages: number;
}

export interface Prepared<R> {
  /** The timed part. */
  run(): Promise<R>;
  /** Untimed: close what prepare opened. */
  cleanup(): Promise<void>;
}

export interface OrmContender {
  /** The book entity class: a load must return instances of it. */
  readonly bookClass: abstract new (...args: never[]) => object;
  /**
   * Build `authors` new authors with `booksPerAuthor` new books each (every book's
   * many-to-one set to its author object, the foreign key left to the ORM); `run` hands them
   * all to the ORM and writes them in one transaction.
   */
  prepareInsert(data: InsertData): Promise<Prepared<void>>;
  /** A fresh session / EntityManager; `run` selects every book and returns the entities. */
  prepareLoad(): Promise<Prepared<readonly BookLike[]>>;
  /** Load every book (untimed); `run` changes two columns of each (pages + 1, a title suffix) and flushes. */
  prepareUpdate(): Promise<Prepared<void>>;
  close(): Promise<void>;
}

export interface StreamingContender extends OrmContender {
  /** Every book, `yieldPer` entities per batch, in a session of its own (closed when the iteration ends). */
  streamBooks(yieldPer: number): AsyncIterable<BookLike>;
  /** Entries in the open streaming session's identity map (for the report). */
  identityMapSize(): number;
}

export const DESCRIPTIONS: Record<ContenderName, string> = {
  athanor:
    "athanor: `class Book extends Entity(books)`, `relate(...)`; a `sessionmaker({ bind: engine })` session with its defaults (autoflush, expireOnCommit); insert: `session.addAll(authors)`, `session.addAll(books)`, `session.commit()`; load: `session.scalars(select(Book))`; update: set the attributes, `session.commit()`",
  "mikro-orm":
    "MikroORM 6.6 (@mikro-orm/postgresql): `EntitySchema` with classes, defaults (batchSize 300, implicit transactions); a fresh `orm.em.fork()` per operation; insert: `em.persist(authors)`, `em.persist(books)`, `em.flush()`; load: `em.find(Book, {})`; update: set the properties, `em.flush()`",
  typeorm:
    "TypeORM 1.1 (pg driver): `EntitySchema` with classes, defaults; insert: `manager.save([...authors, ...books])` (one transaction); load: `repository.find()`; update: set the properties, `repository.save(books)`",
};

export async function makeContender(name: ContenderName): Promise<OrmContender> {
  switch (name) {
    case "athanor":
      return (await import("./athanor.js")).athanorContender();
    case "mikro-orm":
      return (await import("./mikro-orm.js")).mikroOrmContender();
    case "typeorm":
      return (await import("./typeorm.js")).typeormContender();
  }
}

export function isStreaming(contender: OrmContender): contender is StreamingContender {
  return typeof (contender as Partial<StreamingContender>).streamBooks === "function";
}
