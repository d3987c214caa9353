import { DataSource, EntitySchema } from "typeorm";
import { applicationName, pgTarget } from "../engine/db.js";
import type { BookLike, OrmContender, Prepared } from "./contenders.js";
import { POOL_SIZE } from "./contenders.js";
import { AUTHORS, authorEmail, authorName, BOOKS, bookPages, bookTitle, REVISED_SUFFIX, type InsertData } from "./db.js";

/** The model in TypeORM: plain classes mapped by EntitySchema (no decorators). */
class TAuthor {
  id!: number;
  name!: string;
  email!: string;
  books?: TBook[];
}

class TBook {
  id!: number;
  title!: string;
  pages!: number;
  author!: TAuthor;
}

const AuthorSchema = new EntitySchema<TAuthor>({
  name: "TAuthor",
  target: TAuthor,
  tableName: AUTHORS,
  columns: {
    id: { type: Number, primary: true, generated: "increment" },
    name: { type: "varchar", length: 100 },
    email: { type: "varchar", length: 200 },
  },
  relations: {
    books: { type: "one-to-many", target: "TBook", inverseSide: "author" },
  },
});

const BookSchema = new EntitySchema<TBook>({
  name: "TBook",
  target: TBook,
  tableName: BOOKS,
  columns: {
    id: { type: Number, primary: true, generated: "increment" },
    title: { type: "varchar", length: 200 },
    pages: { type: "int" },
  },
  relations: {
    author: { type: "many-to-one", target: "TAuthor", inverseSide: "books", joinColumn: { name: "author_id" }, nullable: false },
  },
});

export async function typeormContender(): Promise<OrmContender> {
  const t = pgTarget();
  const dataSource = new DataSource({
    type: "postgres",
    host: t.host,
    port: t.port,
    username: t.user,
    database: t.database,
    entities: [AuthorSchema, BookSchema],
    synchronize: false,
    logging: false,
    poolSize: POOL_SIZE,
    applicationName: applicationName("orm:typeorm"),
  });
  await dataSource.initialize();
  const books = dataSource.getRepository(TBook);

  return {
    bookClass: TBook,

    async prepareInsert({ authors, booksPerAuthor }: InsertData): Promise<Prepared<void>> {
      const newAuthors: TAuthor[] = [];
      const newBooks: TBook[] = [];
      for (let a = 1; a <= authors; a++) {
        const author = new TAuthor();
        author.name = authorName(a);
        author.email = authorEmail(a);
        newAuthors.push(author);
        for (let j = 1; j <= booksPerAuthor; j++) {
          const book = new TBook();
          book.title = bookTitle(a, j);
          book.pages = bookPages(a, j);
          book.author = author;
          newBooks.push(book);
        }
      }
      return {
        async run() {
          await dataSource.manager.save<TAuthor | TBook>([...newAuthors, ...newBooks]);
        },
        cleanup: async () => undefined,
      };
    },

    async prepareLoad(): Promise<Prepared<readonly BookLike[]>> {
      return {
        run: () => books.find(),
        cleanup: async () => undefined,
      };
    },

    async prepareUpdate(): Promise<Prepared<void>> {
      const loaded = await books.find();
      return {
        async run() {
          for (const book of loaded) {
            book.pages += 1;
            book.title += REVISED_SUFFIX;
          }
          await books.save(loaded);
        },
        cleanup: async () => undefined,
      };
    },

    close: () => dataSource.destroy(),
  };
}
