import { createEngine, Entity, integer, manyToOne, MetaData, oneToMany, relate, select, sessionmaker, string } from "../../src/index.js";
import { applicationName, pgTarget, pgUrl } from "../engine/db.js";
import type { BookLike, OrmContender, Prepared, StreamingContender } from "./contenders.js";
import { POOL_SIZE } from "./contenders.js";
import { AUTHORS, authorEmail, authorName, BOOKS, bookPages, bookTitle, REVISED_SUFFIX, type InsertData } from "./db.js";

/** The model in athanor: tables from column builders, entities over them, relationships by foreign key. */
function model() {
  const metadata = new MetaData();
  const authors = metadata.table(AUTHORS, {
    id: integer().primaryKey(),
    name: string(100).notNull(),
    email: string(200).notNull(),
  });
  const books = metadata.table(BOOKS, {
    id: integer().primaryKey(),
    title: string(200).notNull(),
    pages: integer().notNull(),
    authorId: integer().named("author_id").notNull().references(() => authors.c.id),
  });
  class Author extends Entity(authors) {
    declare books: Book[];
  }
  class Book extends Entity(books) {
    declare author: Author | null;
  }
  relate(Author, { books: oneToMany(() => Book) });
  relate(Book, { author: manyToOne(() => Author) });
  return { Author, Book };
}

export function athanorContender(): StreamingContender {
  const { Author, Book } = model();
  const engine = createEngine(pgUrl(pgTarget(), applicationName("orm:athanor")), { poolSize: POOL_SIZE, maxOverflow: 0 });
  const Session = sessionmaker({ bind: engine });
  let streaming: ReturnType<typeof Session> | undefined;

  const contender: StreamingContender = {
    bookClass: Book,

    async prepareInsert({ authors, booksPerAuthor }: InsertData): Promise<Prepared<void>> {
      const newAuthors: InstanceType<typeof Author>[] = [];
      const newBooks: InstanceType<typeof Book>[] = [];
      for (let a = 1; a <= authors; a++) {
        const author = new Author({ name: authorName(a), email: authorEmail(a) });
        newAuthors.push(author);
        for (let j = 1; j <= booksPerAuthor; j++) {
          // authorId: 0 until the flush sets it from the author's generated key.
          const book = new Book({ title: bookTitle(a, j), pages: bookPages(a, j), authorId: 0 });
          book.author = author;
          newBooks.push(book);
        }
      }
      const session = Session();
      return {
        async run() {
          session.addAll(newAuthors);
          session.addAll(newBooks);
          await session.commit();
        },
        cleanup: () => session.close(),
      };
    },

    async prepareLoad(): Promise<Prepared<readonly BookLike[]>> {
      const session = Session();
      return {
        run: async () => (await session.scalars(select(Book))).all(),
        cleanup: () => session.close(),
      };
    },

    async prepareUpdate(): Promise<Prepared<void>> {
      const session = Session();
      const books = (await session.scalars(select(Book))).all();
      return {
        async run() {
          for (const book of books) {
            book.pages += 1;
            book.title += REVISED_SUFFIX;
          }
          await session.commit();
        },
        cleanup: () => session.close(),
      };
    },

    async *streamBooks(yieldPer: number): AsyncIterable<BookLike> {
      const session = Session();
      streaming = session;
      try {
        yield* session.streamScalars(select(Book), { yieldPer });
      } finally {
        streaming = undefined;
        await session.close();
      }
    },

    identityMapSize: () => streaming?.identityMap.size ?? 0,

    close: () => engine.dispose(),
  };
  return contender satisfies OrmContender;
}
