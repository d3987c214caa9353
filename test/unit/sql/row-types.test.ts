/**
 * Row types inferred from definitions. These assertions are checked by the type checker
 * (`npm run typecheck`); at runtime the test only confirms the statements build.
 */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import type { Connection, Engine, Session } from "../../../src/index.js";
import type { Result } from "../../../src/engine/result.js";
import {
  bigInteger,
  boolean,
  dateTime,
  delete_,
  executeStatement,
  fn,
  func,
  insert,
  integer,
  IntegerType,
  json,
  MetaData,
  select,
  sql,
  string,
  update,
  type AnyColumn,
  type InferInsert,
  type InferRow,
  type ResultExecutor,
  type StatementRow,
} from "../../../src/sql/index.js";

type Equal<X, Y> = (<T>() => T extends X ? 1 : 2) extends <T>() => T extends Y ? 1 : 2 ? true : false;
function expectType<T extends true>(): T | undefined {
  return undefined;
}

const md = new MetaData();
const teams = md.table("teams", { id: integer().primaryKey(), name: string(50).notNull().unique() });
const users = md.table("users", {
  id: integer().primaryKey(),
  name: string(50).notNull(),
  createdAt: dateTime().notNull().serverDefault(func.now()),
  teamId: integer().references((): AnyColumn => teams.c.id, { onDelete: "CASCADE" }),
  active: boolean().notNull().default(true),
  big: bigInteger({ mode: "bigint" }),
  meta: json<{ tags: string[] }>(),
});
const memberships = md.table("memberships", {
  userId: integer().primaryKey().references("users.id"),
  teamId: integer().primaryKey(),
  role: string(10).notNull(),
});

describe("row types", () => {
  it("a table's row and insert types", () => {
    expectType<Equal<InferRow<typeof users>, {
      id: number;
      name: string;
      createdAt: Date;
      teamId: number | null;
      active: boolean;
      big: bigint | null;
      meta: { tags: string[] } | null;
    }>>();
    // id (sole integer key), createdAt (server default), active (client default) and the nullable columns are optional.
    expectType<Equal<InferInsert<typeof users>, {
      name: string;
      id?: number;
      createdAt?: Date;
      teamId?: number | null;
      active?: boolean;
      big?: bigint | null;
      meta?: { tags: string[] } | null;
    }>>();
    // A composite key is not autoincremented: both parts are required.
    expectType<Equal<InferInsert<typeof memberships>, { userId: number; teamId: number; role: string }>>();
    assert.ok(users.c.id);
  });

  it("select rows follow the selected columns, labels and functions", () => {
    const a = select(users.c.id, users.c.name);
    expectType<Equal<StatementRow<typeof a>, { id: number; name: string }>>();
    const b = select(teams, func.count(users.c.id).as("members"), func.max(users.c.createdAt));
    expectType<Equal<StatementRow<typeof b>, { id: number; name: string; members: number; max: Date | null }>>();
    const c = select(users.c.teamId, func.coalesce(users.c.teamId, 0).as("team"), fn("length", [users.c.name], new IntegerType()));
    expectType<Equal<StatementRow<typeof c>, { teamId: number | null; team: number; length: number }>>();
    const sub = select(users.c.teamId, func.count().as("n")).groupBy(users.c.teamId).subquery("s");
    const d = select(sub.c.n, teams.c.name.as("team")).join(sub);
    expectType<Equal<StatementRow<typeof d>, { n: number; team: string }>>();
    const e = select(sql<number>`1`.as("one"), users.c.id.eq(1).as("isOne"));
    expectType<Equal<StatementRow<typeof e>, { one: number; isOne: boolean }>>();
    assert.ok(a && b && c && d && e);
  });

  it("DML returning rows; without returning, no row type", () => {
    const ins = insert(users).values({ name: "ed" }).returning(users.c.id, users.c.createdAt);
    expectType<Equal<StatementRow<typeof ins>, { id: number; createdAt: Date }>>();
    const upd = update(users).set({ name: "x", teamId: null }).returning(users);
    expectType<Equal<StatementRow<typeof upd>, InferRow<typeof users>>>();
    const del = delete_(users);
    expectType<Equal<StatementRow<typeof del>, Record<string, never>>>();
    assert.ok(ins && upd && del);
  });

  it("Connection, Session and Engine fit the executor and DDL bind types", () => {
    const asExecutor: (c: Connection, s: Session) => ResultExecutor[] = (c, s) => [c, s];
    const asBind = (e: Engine) => md.createAll(e);
    assert.equal(typeof asExecutor, "function");
    assert.equal(typeof asBind, "function");
  });

  it("executeStatement() returns a Result typed by the statement", async () => {
    const fake: ResultExecutor = { execute: async () => ({}) as Result };
    const run = () => executeStatement(fake, select(users.c.id, users.c.meta));
    expectType<Equal<Awaited<ReturnType<typeof run>>, Result<{ id: number; meta: { tags: string[] } | null }>>>();
    assert.equal(typeof run, "function");
  });

  it("wrong types are compile errors", () => {
    // Never called: the lines are here for the type checker (runtime checks are tested elsewhere).
    const neverRun = () => {
      // @ts-expect-error name is a string column
      users.c.name.eq(5);
      // @ts-expect-error like() is for string columns
      users.c.id.like("1%");
      // @ts-expect-error name is required on insert
      insert(users).values({ teamId: 1 });
      // @ts-expect-error no such column
      update(users).set({ nope: 1 });
      // @ts-expect-error active is NOT NULL
      insert(users).values({ name: "x", active: null });
    };
    assert.equal(typeof neverRun, "function");
  });
});
