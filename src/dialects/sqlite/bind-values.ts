/**
 * JavaScript values -> what better-sqlite3 can bind. It binds numbers, strings, bigints,
 * Buffers/Uint8Arrays and null, and throws a TypeError for anything else (src/util/binder.cpp).
 * Choices, each following what SQLAlchemy stores in SQLite:
 * - boolean -> 1 / 0. SQLite has no boolean type; SQLAlchemy's Boolean stores 1/0 there, and
 *   Python's sqlite3 binds True/False as the integers they are.
 * - Date -> `toISOString()` text, "2024-05-01T12:00:00.000Z". SQLAlchemy stores datetimes in
 *   SQLite as ISO-8601 text too; ours always carry the UTC "Z" (a JS Date is an instant),
 *   which SQLite's date functions accept (sqlite.org/lang_datefunc.html, "Time Values"), and
 *   the fixed width keeps text order = time order. An invalid Date is an ArgumentError.
 * - undefined -> ArgumentError. Binding NULL for it would hide a bug (a misspelt property).
 * - plain objects and arrays -> ArgumentError: better-sqlite3 would take an object argument
 *   as a set of *named* parameters, a confusing failure; serialize it (JSON.stringify) first.
 */
import { ArgumentError } from "../../errors.js";

export function toSqliteParameters(params: readonly unknown[]): unknown[] {
  const out = new Array<unknown>(params.length);
  for (let i = 0; i < params.length; i++) out[i] = toSqliteValue(params[i], i);
  return out;
}

function toSqliteValue(value: unknown, index: number): unknown {
  switch (typeof value) {
    case "number":
      // SQLite stores NaN as NULL (sqlite3_bind_double): refuse rather than lose the value.
      if (Number.isNaN(value)) throw new ArgumentError(`Parameter ${index + 1} is NaN, which SQLite would store as NULL; bind null explicitly if that is meant.`);
      return value;
    case "string":
    case "bigint":
      return value;
    case "boolean":
      return value ? 1 : 0;
    case "undefined":
      throw new ArgumentError(
        `Parameter ${index + 1} is undefined. Bind null for SQL NULL; undefined usually means a missing or misspelt value.`,
      );
    case "object":
      if (value === null || value instanceof Uint8Array) return value; // Buffer is a Uint8Array
      if (value instanceof Date) return dateToText(value, index);
      throw new ArgumentError(
        `Parameter ${index + 1} is ${Array.isArray(value) ? "an array" : "an object"}, which SQLite cannot store. ` +
          "Bind a string (JSON.stringify(value)), a number, a bigint, a Buffer or null.",
      );
    default:
      throw new ArgumentError(`Parameter ${index + 1} is a ${typeof value}, which SQLite cannot store.`);
  }
}

function dateToText(date: Date, index: number): string {
  if (Number.isNaN(date.getTime())) throw new ArgumentError(`Parameter ${index + 1} is an invalid Date.`);
  return date.toISOString();
}
