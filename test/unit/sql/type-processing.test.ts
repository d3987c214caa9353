import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { Result } from "../../../src/engine/result.js";
import { ArgumentError } from "../../../src/errors.js";
import {
  bigInteger,
  boolean,
  date,
  dateTime,
  func,
  insert,
  integer,
  json,
  MetaData,
  numeric,
  ResultTypeError,
  select,
  sql,
  uuid,
  type Statement,
} from "../../../src/sql/index.js";
import { BooleanType } from "../../../src/sql/schema/types.js";
import { targets, type TargetName } from "./support.js";

const md = new MetaData();
const things = md.table("things", {
  id: integer().primaryKey(),
  flag: boolean(),
  at: dateTime(),
  day: date(),
  doc: json<{ a: number[] }>(),
  big: bigInteger({ mode: "bigint" }),
  count: bigInteger(),
  price: numeric(10, 2),
  ref: uuid(),
});

/** The rows a driver returned, as the compiled statement's processors convert them. */
function read(statement: Statement<object>, target: TargetName, rows: unknown[][]): unknown[][] {
  const compiled = statement.compileFor(targets[target]);
  return compiled.processRows === undefined ? rows : compiled.processRows(rows);
}

describe("result processing: driver values to the columns' JavaScript types", () => {
  const all = select(things.c.flag, things.c.at, things.c.day, things.c.doc, things.c.big, things.c.count, things.c.price);

  it("SQLite: 1/0 booleans, ISO text dates (zone-less text is UTC), JSON text, numeric scale", () => {
    const [row] = read(all, "sqlite", [[1, "2024-05-01T12:00:00.000Z", "2024-02-29", '{"a":[1]}', 5, 7, 12.3]]);
    assert.deepEqual(row, [true, new Date("2024-05-01T12:00:00.000Z"), "2024-02-29", { a: [1] }, 5n, 7, "12.30"]);
    const [sqliteClock] = read(select(things.c.at), "sqlite", [["2024-05-01 12:00:00"]]);
    assert.deepEqual(sqliteClock, [new Date("2024-05-01T12:00:00Z")], "CURRENT_TIMESTAMP's format is read as UTC");
    assert.deepEqual(read(select(things.c.flag), "sqlite", [[0], [null]]), [[false], [null]], "NULL stays null");
  });

  it("PostgreSQL: int8 strings become numbers or bigints; booleans, dates and JSON come parsed from pg", () => {
    const at = new Date("2024-05-01T12:00:00Z");
    const [row] = read(all, "postgresql", [[true, at, new Date(2024, 1, 29), { a: [1] }, "9007199254740993", "7", "12.30"]]);
    assert.deepEqual(row, [true, at, "2024-02-29", { a: [1] }, 9007199254740993n, 7, "12.30"]);
  });

  it("PGlite: DATE comes as UTC midnight; int8 as bigint", () => {
    const [row] = read(select(things.c.day, things.c.count), "pglite", [[new Date(Date.UTC(2024, 1, 29)), 7n]]);
    assert.deepEqual(row, ["2024-02-29", 7]);
  });

  it("MySQL: TINYINT(1) 1/0 become booleans; JSON comes parsed from mysql2", () => {
    const [row] = read(select(things.c.flag, things.c.doc), "mysql", [[1, { a: [2] }]]);
    assert.deepEqual(row, [true, { a: [2] }]);
  });

  it("a BIGINT in number mode refuses a value a number cannot hold, naming the fix", () => {
    assert.throws(() => read(select(things.c.count), "postgresql", [["9007199254740993"]]), (err: unknown) => err instanceof ResultTypeError && /bigInteger\(\{ mode: "bigint" \}\)/.test(err.message));
    assert.throws(() => read(select(things.c.big), "sqlite", [[2 ** 60]]), (err: unknown) => err instanceof ResultTypeError && /safeIntegers/.test(err.message));
  });

  it("functions read with their types: count() from pg's string, avg() from numeric text, max() as the column", () => {
    const stmt = select(func.count().as("n"), func.avg(things.c.id).as("a"), func.max(things.c.at).as("m")).from(things);
    const [row] = read(stmt, "postgresql", [["3", "1.5000000000000000", new Date(0)]]);
    assert.deepEqual(row, [3, 1.5, new Date(0)]);
  });

  it("comparisons read as booleans on MySQL and SQLite; sql`` can be given a type", () => {
    assert.deepEqual(read(select(things.c.id.gt(1).as("big")), "mysql", [[0]]), [[false]]);
    assert.deepEqual(read(select(sql`1 = 1`.withType(new BooleanType()).as("t")), "sqlite", [[1]]), [[true]]);
    assert.deepEqual(read(select(sql`1`.as("raw")), "sqlite", [[1]]), [[1]], "untyped SQL is left alone");
  });

  it("converts the driver's rows in place, only the columns that need it", () => {
    const rows: unknown[][] = [
      [1, '"text"'],
      [2, null],
    ];
    const converted = read(select(things.c.id, things.c.doc), "sqlite", rows);
    assert.equal(converted, rows, "the same arrays: no copy per row");
    assert.deepEqual(converted, [
      [1, "text"],
      [2, null],
    ]);
  });
});

describe("bind processing: JavaScript values to what each driver takes", () => {
  const row = { flag: true, at: new Date("2024-05-01T12:00:00Z"), day: "2024-02-29", doc: { a: [1] }, big: 5n, ref: "A0EEBC99-9C0B-4EF8-BB6D-6BB9BD380A11" };
  const stmt = insert(things).values(row);

  it("PostgreSQL: ISO-8601 instants, JSON text (a JS array would become a PostgreSQL array), int8 as text", () => {
    assert.deepEqual(stmt.compileFor(targets.postgresql).params, [true, "2024-05-01T12:00:00.000Z", "2024-02-29", '{"a":[1]}', "5", "A0EEBC99-9C0B-4EF8-BB6D-6BB9BD380A11"]);
  });

  it("SQLite: 1/0, ISO text, JSON text, lower-case UUIDs", () => {
    assert.deepEqual(stmt.compileFor(targets.sqlite).params, [1, "2024-05-01T12:00:00.000Z", "2024-02-29", '{"a":[1]}', 5n, "a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11"]);
  });

  it("MySQL: Dates to mysql2 (its timezone setting both ways), JSON text, lower-case UUIDs", () => {
    assert.deepEqual(stmt.compileFor(targets.mysql).params, [true, new Date("2024-05-01T12:00:00Z"), "2024-02-29", '{"a":[1]}', 5n, "a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11"]);
  });

  it("a Date for a DATE column is its UTC calendar date; bad values name the column", () => {
    const withDate = insert(things).values({ day: new Date("2024-02-29T23:00:00Z") as unknown as string });
    assert.deepEqual(withDate.compileFor(targets.postgresql).params, ["2024-02-29"]);
    assert.throws(() => insert(things).values({ day: "29/02/2024" }).compileFor(targets.sqlite), (err: unknown) => err instanceof ArgumentError && /things\.day: A Date column takes/.test(err.message));
    assert.throws(() => insert(things).values({ at: new Date(Number.NaN) }).compileFor(targets.sqlite), /things\.at: A DateTime column takes/);
    assert.throws(() => insert(things).values({ ref: "nope" }).compileFor(targets.mysql), /things\.ref: A UUID column takes/);
  });
});
