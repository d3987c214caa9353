/** A small schema shared by the unit tests: teams, users (FK to teams), posts (FK to users), tags. */
import {
  MetaData,
  bigInteger,
  boolean,
  dateTime,
  func,
  integer,
  json,
  numeric,
  string,
  textColumn,
} from "../../../src/sql/index.js";

export const metadata = new MetaData();

export const teams = metadata.table("teams", {
  id: integer().primaryKey(),
  name: string(50).notNull().unique(),
});

export const users = metadata.table("users", {
  id: integer().primaryKey(),
  name: string(50).notNull(),
  email: string(100),
  active: boolean().notNull().default(true),
  age: integer(),
  teamId: integer().references(() => teams.c.id, { onDelete: "CASCADE" }),
  createdAt: dateTime().named("created_at").serverDefault(func.now()),
  meta: json<{ tags: string[] }>(),
  big: bigInteger({ mode: "bigint" }),
  price: numeric(10, 2),
  bio: textColumn(),
});

export const posts = metadata.table("posts", {
  id: integer().primaryKey(),
  authorId: integer().notNull().references("users.id"),
  title: string(200).notNull(),
});
