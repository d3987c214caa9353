/**
 * The type of a literal value that has no column to take one from (`func.coalesce(x, 5)`,
 * `sql\`... ${new Date()}\``): chosen from the JavaScript value, as SQLAlchemy's
 * `_resolve_value_to_type` does, so booleans and dates are still bound the database's way.
 */
import { DateTimeType } from "./temporal-types.js";
import { BigIntegerType, BooleanType, NullType, type SqlType } from "./types.js";

const BOOLEAN = new BooleanType();
const DATETIME = new DateTimeType();
const BIGINT = new BigIntegerType("bigint");
const UNTYPED = new NullType();

export function typeOfValue(value: unknown): SqlType {
  if (typeof value === "boolean") return BOOLEAN;
  if (typeof value === "bigint") return BIGINT;
  if (value instanceof Date) return DATETIME;
  return UNTYPED;
}

/** For expressions that produce a boolean (comparisons, EXISTS): read MySQL's and SQLite's 1/0 back as booleans. */
export const BOOLEAN_RESULT: SqlType<boolean> = BOOLEAN;
