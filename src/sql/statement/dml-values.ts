/**
 * Values for INSERT and UPDATE: plain values become bound parameters of the column's type,
 * SQL expressions stay expressions, keys that are not columns are errors, and client-side
 * defaults (`.default(...)`, `.onUpdate(...)`) are evaluated, once per execution.
 */
import { ArgumentError } from "../../errors.js";
import { BindValue, Expression } from "../expression/elements.js";
import type { AnyColumn } from "../schema/column.js";
import type { AnyTable } from "../schema/table.js";

/** Check a row object's keys against the table; `undefined` values count as absent. */
export function presentKeys(table: AnyTable, row: Readonly<Record<string, unknown>>, what: string): Set<string> {
  if (typeof row !== "object" || row === null || Array.isArray(row)) {
    throw new ArgumentError(`${what} takes an object of column key -> value; got ${Array.isArray(row) ? "an array" : typeof row}.`);
  }
  const keys = new Set<string>();
  for (const [key, value] of Object.entries(row)) {
    if (!Object.hasOwn(table.c, key)) {
      const known = table.columns.map((c) => `'${c.key}'`).join(", ");
      throw new ArgumentError(`${what}: table '${table.name}' has no column '${key}'. Its columns are ${known}.`);
    }
    if (value !== undefined) keys.add(key);
  }
  return keys;
}

/** A client-side default's value for this execution: functions are called, values used as they are. */
export function defaultValue(holder: { readonly value: unknown }): unknown {
  return typeof holder.value === "function" ? (holder.value as () => unknown)() : holder.value;
}

/** A value for a column as an expression: bound with the column's type unless it already is SQL. */
export function valueExpression(column: AnyColumn, value: unknown): Expression {
  if (value instanceof Expression) return value;
  return new BindValue(value, column.type, column.describe());
}
