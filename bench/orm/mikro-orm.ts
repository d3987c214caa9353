import { Collection, EntitySchema } from "@mikro-orm/core";
import { MikroORM } from "@mikro-orm/postgresql";
import { applicationName, pgTarget } from "../engine/db.js";
import type { BookLike, OrmContender, Prepared } from "./contenders.js";
import { POOL_SIZE } from "./contenders.js";
import { AUTHORS, authorEmail, authorName, BOOKS, bookPages, bookTitle, REVISED_SUFFIX, type InsertData } from "./db.js";

/** The model in MikroORM 6: plain classes mapped by EntitySchema (no decorators, no reflection). */
class MAuthor {
  id!: number;
  name!: string;
  email!: string;
  books = new Collection<MBook>(this);
}

class MBook {
  id!: number;
  title!: string;
  pages!: number;
  author!: MAuthor;
}

const AuthorSchema = new EntitySchema<MAuthor>({
  class: MAuthor,
  tableName: AUTHORS,
  properties: {
    id: { type: "number", primary: true, autoincrement: true },
    name: { type: "string", length: 100 },
    email: { type: "string", length: 200 },
    books: { kind: "1:m", entity: () => MBook, mappedBy: "author" },
  },
});

const BookSchema = new EntitySchema<MBook>({
  class: MBook,
  tableName: BOOKS,
  properties: {
    id: { type: "number", primary: true, autoincrement: true },
    title: { type: "string", length: 200 },
    pages: { type: "number" },
    author: { kind: "m:1", entity: () => MAuthor, fieldName: "author_id" },
  },
});

export async function mikroOrmContender(): Promise<OrmContender> {
  const t = pgTarget();
  const orm = await MikroORM.init({
    host: t.host,
    port: t.port,
    user: t.user,
    dbName: t.database,
    entities: [AuthorSchema, BookSchema],
    pool: { min: 0, max: POOL_SIZE },
    driverOptions: { connection: { application_name: applicationName("orm:mikro-orm") } },
    allowGlobalContext: false,
    debug: false,
  });

  return {
    bookClass: MBook,

    async prepareInsert({ authors, booksPerAuthor }: InsertData): Promise<Prepared<void>> {
      const newAuthors: MAuthor[] = [];
      const newBooks: MBook[] = [];
      for (let a = 1; a <= authors; a++) {
        const author = new MAuthor();
        author.name = authorName(a);
        author.email = authorEmail(a);
        newAuthors.push(author);
        for (let j = 1; j <= booksPerAuthor; j++) {
          const book = new MBook();
          book.title = bookTitle(a, j);
          book.pages = bookPages(a, j);
          book.author = author;
          newBooks.push(book);
        }
      }
      const em = orm.em.fork();
      return {
        async run() {
          em.persist(newAuthors);
          em.persist(newBooks);
          await em.flush();
        },
        cleanup: async () => em.clear(),
      };
    },

    async prepareLoad(): Promise<Prepared<readonly BookLike[]>> {
      const em = orm.em.fork();
      return {
        run: () => em.find(MBook, {}),
        cleanup: async () => em.clear(),
      };
    },

    async prepareUpdate(): Promise<Prepared<void>> {
      const em = orm.em.fork();
      const books = await em.find(MBook, {});
      return {
        async run() {
          for (const book of books) {
            book.pages += 1;
            book.title += REVISED_SUFFIX;
          }
          await em.flush();
        },
        cleanup: async () => em.clear(),
      };
    },

    close: () => orm.close(true),
  };
}
