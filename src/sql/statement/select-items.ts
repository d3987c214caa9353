/**
 * What select() takes and the row type it infers: columns (row key = the column's key),
 * labelled expressions (`expr.as("n")`), function calls (key = the function's name), and
 * tables, aliases and subqueries (all their columns).
 *
 *   select(users.c.id, users.c.name)           -> { id: number; name: string }
 *   select(users, func.count().as("n"))        -> { ...users' row, n: number }
 */
import { ArgumentError } from "../../errors.js";
import type { CompileContext } from "../compiler/context.js";
import type { ResultColumn } from "../compiler/compile.js";
import { Expression } from "../expression/elements.js";
import type { Simplify } from "../schema/row-types.js";
import { Column } from "../schema/column.js";
import type { CacheKey } from "../compiler/cache-key.js";

/** An expression with a row key: a column, a label, a function call, a subquery's column. */
export interface NamedExpression<K extends string = string, T = unknown> extends Expression<T> {
  readonly selectKey: K;
}

/** Something whose columns select() expands: a table, an alias, a subquery. */
export interface ColumnSource<R = unknown> {
  readonly __row?: R;
  selectColumns(): readonly NamedExpression[];
}

export type SelectItem = NamedExpression | ColumnSource;

type ItemRow<I> = I extends { selectColumns(): unknown; readonly __row?: infer R }
  ? NonNullable<R>
  : I extends { readonly selectKey: infer K extends string; readonly __type?: infer T }
    ? string extends K
      ? {} // a generic function's name is not known to the type system: label it to type it
      : { [P in K]: T }
    : never;

type Rows<S extends readonly unknown[]> = S extends readonly [infer Head, ...infer Rest] ? ItemRow<Head> & Rows<Rest> : {};

/** The row type of select(...items). */
export type RowOfItems<S extends readonly unknown[]> = Simplify<Rows<S>>;

/** One entry of a SELECT list after expanding tables: the expression and its row key. */
export interface SelectEntry {
  readonly key: string;
  readonly expression: Expression;
}

function isColumnSource(item: unknown): item is ColumnSource {
  return typeof item === "object" && item !== null && typeof (item as Partial<ColumnSource>).selectColumns === "function";
}

export function expandItems(items: readonly unknown[]): SelectEntry[] {
  const entries: SelectEntry[] = [];
  for (const item of items) {
    if (isColumnSource(item)) {
      for (const column of item.selectColumns()) entries.push({ key: column.selectKey, expression: column });
    } else if (item instanceof Expression && typeof (item as Partial<NamedExpression>).selectKey === "string") {
      entries.push({ key: (item as NamedExpression).selectKey, expression: item });
    } else if (item instanceof Expression) {
      throw new ArgumentError("select() needs a name for each expression that is not a column or function: label it, e.g. users.c.age.add(1).as(\"nextAge\").");
    } else {
      throw new ArgumentError(`select() takes columns, labelled expressions, function calls, tables and subqueries; got ${describe(item)}.`);
    }
  }
  return entries;
}

export function keyEntries(key: CacheKey, entries: readonly SelectEntry[]): void {
  key.add(`[${entries.length}`);
  for (const entry of entries) {
    key.name(entry.key);
    entry.expression.keyInto(key);
  }
  key.add("]");
}

/**
 * `expr` or `expr AS "key"`. A column whose database name is its key needs no label; every
 * other entry gets one, so the row key is the same on every database (each names an
 * unlabelled `count(*)` differently).
 */
export function compileEntry(ctx: CompileContext, entry: SelectEntry): string {
  const sql = entry.expression.compile(ctx);
  const expression = entry.expression;
  const plainColumn = (expression instanceof Column || isSubqueryColumn(expression)) && (expression as { name: string }).name === entry.key;
  return plainColumn ? sql : `${sql} AS ${ctx.quote(entry.key)}`;
}

function isSubqueryColumn(expression: Expression): boolean {
  return (expression as { isSubqueryColumn?: boolean }).isSubqueryColumn === true;
}

export function resultColumns(entries: readonly SelectEntry[]): ResultColumn[] {
  return entries.map((entry) => ({ key: entry.key, type: entry.expression.type }));
}

function describe(value: unknown): string {
  if (value === null || typeof value !== "object") return `${typeof value} ${String(value)}`;
  return `an instance of ${value.constructor?.name ?? "Object"}`;
}
