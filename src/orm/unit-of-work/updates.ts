/**
 * UPDATEs of a flush step (SQLAlchemy `persistence._emit_update_statements`): only the
 * changed columns (plus `.onUpdate(...)` ones) are set. Rows of the table that change the
 * same columns share statements, up to the bind-parameter limit and MAX_ROWS_PER_UPDATE rows:
 *
 *   UPDATE t SET a = CASE WHEN t.id = ? THEN ? WHEN t.id = ? THEN ? ELSE t.a END, ...
 *   WHERE t.id IN (?, ?)            -- composite keys: (t.k1, t.k2) IN ((?, ?), (?, ?))
 *
 * (the ELSE gives the column's type to the bound THEN values). On PostgreSQL and PGlite the
 * group is a join to its rows as column arrays instead, linear on the server where CASE is
 * quadratic (column-arrays.ts); CASE stays there for values that are SQL expressions. A group of one
 * row, or a group that changes a primary key column, is updated row by row with the plain
 * `UPDATE t SET a = ? WHERE t.id = ?`. The optimistic check holds per statement: a batch
 * matching fewer rows than it names raises StaleDataError naming the table and the batch's
 * keys, since the row count cannot tell which of them is missing.
 */
import type { AnyColumn } from "../../sql/schema/column.js";
import type { AnyTable } from "../../sql/schema/table.js";
import { caseWhen } from "../../sql/expression/case.js";
import { and } from "../../sql/expression/operators.js";
import { Tuple } from "../../sql/expression/tuple.js";
import { Expression } from "../../sql/expression/elements.js";
import type { Executable } from "../../sql/executable.js";
import { defaultValue, valueExpression } from "../../sql/statement/dml-values.js";
import { update } from "../../sql/statement/update.js";
import { StaleDataError } from "../errors.js";
import type { InstanceState } from "../instance-state.js";
import type { OrmContext } from "../orm-context.js";
import { arrayBatches, columnArrays, takesColumnArrays, updateFromArrays } from "./column-arrays.js";

type Values = Record<string, unknown>;
interface Change {
  readonly state: InstanceState;
  readonly values: Values;
}

/** Rows per batched UPDATE at most (as insertmanyvalues' page size). */
export const MAX_ROWS_PER_UPDATE = 1000;

export async function updateRows(ctx: OrmContext, table: AnyTable, states: readonly InstanceState[]): Promise<void> {
  const groups = new Map<number | string, Change[]>();
  for (const state of states) {
    const values = changedValues(table, state);
    if (values === undefined) continue;
    const signature = columnSignature(table.columns, (c) => Object.hasOwn(values, c.key));
    let group = groups.get(signature);
    if (group === undefined) groups.set(signature, (group = []));
    group.push({ state, values });
  }
  for (const group of groups.values()) {
    const columns = table.columns.filter((c) => Object.hasOwn((group[0] as Change).values, c.key));
    const keys = table.primaryKey;
    const perRow = columns.length * (keys.length + 1) + keys.length;
    const size = Math.min(MAX_ROWS_PER_UPDATE, Math.floor(ctx.target.capabilities.maxBindParameters / perRow));
    if (group.length === 1 || size < 2 || keys.length === 0 || columns.some((c) => keys.includes(c))) {
      for (const change of group) await updateOne(ctx, table, change);
      continue;
    }
    if (await updatedFromArrays(ctx, table, columns, group)) continue;
    for (let i = 0; i < group.length; i += size) {
      const batch = group.slice(i, i + size);
      if (batch.length === 1) await updateOne(ctx, table, batch[0] as Change);
      else await updateBatch(ctx, table, columns, batch);
    }
  }
}

/**
 * Which of `columns` a row has (`has`), as a key to group rows by: a bit per column, or past 31
 * columns a text of 0s and 1s. Rows with the same key share a batched statement.
 */
export function columnSignature(columns: readonly AnyColumn[], has: (column: AnyColumn) => boolean): number | string {
  if (columns.length > 31) return columns.map((c) => (has(c) ? "1" : "0")).join("");
  let mask = 0;
  for (let i = 0; i < columns.length; i++) if (has(columns[i] as AnyColumn)) mask |= 1 << i;
  return mask;
}

/** The columns to set, or undefined when nothing changed; `.onUpdate` values are stored on the state. */
function changedValues(table: AnyTable, state: InstanceState): Values | undefined {
  const changed = state.changedColumns();
  if (changed === undefined || changed.length === 0) return undefined;
  const columns = state.mapper.columns;
  const values: Values = {};
  if (!state.mapper.hasOnUpdate) {
    for (const i of changed) {
      const key = (columns[i] as AnyColumn).key;
      values[key] = state.values.get(key);
    }
    return values;
  }
  // Table column order, so rows changing the same columns have the same signature.
  for (let i = 0; i < columns.length; i++) {
    const column = columns[i] as AnyColumn;
    if (changed.includes(i)) values[column.key] = state.values.get(column.key);
    else if (column.spec.onUpdate !== undefined) {
      const value = defaultValue(column.spec.onUpdate);
      state.setValue(column.key, value);
      values[column.key] = value;
    }
  }
  return values;
}

async function updateOne(ctx: OrmContext, table: AnyTable, { state, values }: Change): Promise<void> {
  const where = table.primaryKey.map((c) => c.eq(keyValue(state, c) as never));
  const result = await ctx.run(update(table).set(values as never).where(...where));
  if (result.rowCount === 0) {
    throw new StaleDataError(`UPDATE of ${state.mapper.name} ${describeKey(state)} matched no row: it was deleted (or its key changed) by someone else since it was loaded.`);
  }
}

async function updateBatch(ctx: OrmContext, table: AnyTable, columns: readonly AnyColumn[], batch: readonly Change[]): Promise<void> {
  await checkedUpdate(ctx, table, batchStatement(table, columns, batch), batch);
}

/** Run a batched UPDATE of `batch`'s rows; fewer rows matched than named is a StaleDataError. */
async function checkedUpdate(ctx: OrmContext, table: AnyTable, statement: Executable, batch: readonly Change[]): Promise<void> {
  const result = await ctx.run(statement);
  if (result.rowCount !== batch.length) {
    const first = (batch[0] as Change).state;
    throw new StaleDataError(
      `UPDATE of ${batch.length} ${first.mapper.name} rows in table '${table.name}' matched ${result.rowCount}: ` +
        `some were deleted (or their keys changed) by someone else since they were loaded. ` +
        `The batch was ${batch.slice(0, 10).map((c) => describeKey(c.state)).join(", ")}${batch.length > 10 ? ", ..." : ""}; the row count cannot tell which.`,
    );
  }
}

/**
 * PostgreSQL and PGlite: the group as UPDATE ... FROM unnest(arrays) (column-arrays.ts).
 * False (nothing sent) elsewhere, or when a value cannot be an array element (an SQL expression).
 */
async function updatedFromArrays(ctx: OrmContext, table: AnyTable, columns: readonly AnyColumn[], group: readonly Change[]): Promise<boolean> {
  if (!takesColumnArrays(ctx.target)) return false;
  const keys = table.primaryKey;
  const valueAt = (r: number, c: number): unknown => {
    const { state, values } = group[r] as Change;
    return c < keys.length ? keyValue(state, keys[c] as AnyColumn) : values[(columns[c - keys.length] as AnyColumn).key];
  };
  const arrays = columnArrays(ctx.target, [...keys, ...columns], group.length, valueAt);
  if (arrays === undefined) return false;
  let start = 0;
  for (const batch of arrayBatches(arrays, group.length)) {
    const size = (batch[0] as unknown[]).length;
    await checkedUpdate(ctx, table, updateFromArrays(table, columns, batch), group.slice(start, start + size));
    start += size;
  }
  return true;
}

/** CASE WHEN per column (MySQL, SQLite, and SQL expression values anywhere). */
function batchStatement(table: AnyTable, columns: readonly AnyColumn[], batch: readonly Change[]): Executable {
  const keys = table.primaryKey;
  // One bound node per key value, met again in every CASE and the WHERE (each occurrence its own placeholder).
  const keyBinds = batch.map(({ state }) => keys.map((c) => valueExpression(c, keyValue(state, c))));
  const matches = keyBinds.map((binds) => (keys.length === 1 ? (keys[0] as AnyColumn).eq(binds[0] as never) : and(...keys.map((c, i) => c.eq(binds[i] as never)))));
  const set: Record<string, Expression> = {};
  for (const column of columns) {
    set[column.key] = caseWhen(
      batch.map(({ values }, i) => [matches[i] as Expression<boolean>, valueExpression(column, values[column.key])] as const),
      column as Expression,
    );
  }
  const where = keys.length === 1 ? (keys[0] as AnyColumn).in(keyBinds.map((b) => b[0]) as never) : new Tuple(keys).in(keyBinds.map((b) => new Tuple(b)) as never);
  return update(table).set(set as never).where(where);
}

/** The primary key value that identifies the row in the database (the loaded one, if the key was changed). */
export function keyValue(state: InstanceState, column: AnyColumn): unknown {
  return state.committed.has(column.key) ? state.committed.get(column.key) : state.values.get(column.key);
}

function describeKey(state: InstanceState): string {
  return `(${state.mapper.primaryKey.map((c) => `${c.key}=${String(keyValue(state, c))}`).join(", ")})`;
}
