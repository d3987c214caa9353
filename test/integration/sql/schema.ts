/**
 * The schema the SQL integration tests run on, with table names unique to the run (the
 * PostgreSQL and MariaDB servers are shared).
 */
import {
  bigInteger,
  boolean,
  date,
  dateTime,
  float,
  func,
  integer,
  json,
  MetaData,
  numeric,
  string,
  textColumn,
  uuid,
} from "../../../src/sql/index.js";
import type { EngineTarget } from "../../support/engines.js";

export function makeSchema(target: EngineTarget) {
  const metadata = new MetaData();
  // Defined child-first on purpose: createAll() must still create teams first.
  const users = metadata.table(target.table("users"), {
    id: integer().primaryKey(),
    name: string(50).notNull(),
    email: string(100).unique(),
    active: boolean().notNull().default(true),
    teamId: integer().references(() => teams.c.id, { onDelete: "CASCADE" }).index(),
    createdAt: dateTime().notNull().named("created_at").serverDefault(func.now()),
  });
  const teams = metadata.table(target.table("teams"), {
    id: integer().primaryKey(),
    name: string(50).notNull().unique(),
  });
  const values = metadata.table(target.table("vals"), {
    id: integer().primaryKey(),
    flag: boolean(),
    at: dateTime(),
    day: date(),
    doc: json<unknown>(),
    big: bigInteger({ mode: "bigint" }),
    small: bigInteger(),
    price: numeric(10, 2),
    ratio: float(),
    label: string(100),
    body: textColumn(),
    ref: uuid(),
  });
  const memberships = metadata.table(
    target.table("memberships"),
    {
      userId: integer().primaryKey().references(() => users.c.id, { onDelete: "CASCADE" }),
      teamId: integer().primaryKey().references(() => teams.c.id, { onDelete: "CASCADE" }),
      role: string(10).notNull().default("member"),
    },
    { indexes: [{ columns: ["role", "teamId"], unique: false }] },
  );
  const grants = metadata.table(
    target.table("grants"),
    { id: integer().primaryKey(), userId: integer().notNull(), teamId: integer().notNull(), what: string(20).notNull() },
    {
      foreignKeys: [{ columns: ["userId", "teamId"], references: () => [memberships.c.userId, memberships.c.teamId], onDelete: "CASCADE" }],
      uniques: [{ columns: ["userId", "teamId", "what"] }],
    },
  );
  return { metadata, users, teams, values, memberships, grants };
}
