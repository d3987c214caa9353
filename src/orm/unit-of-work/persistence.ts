/**
 * Step three of a flush: the SQL (SQLAlchemy `persistence.py`). Per step (rows of one
 * table): foreign keys synced from relationships, UPDATEs of only the changed columns (batched
 * by changed-column set, see updates.ts), then
 * INSERTs batched into multi-row statements (insertmanyvalues; on PostgreSQL and PGlite one
 * statement over column arrays, column-arrays.ts) with generated keys and
 * server defaults read back by RETURNING, or, where the database has no RETURNING, one
 * INSERT per row and its lastInsertId. DELETEs by primary key, batched into IN lists (deletes.ts).
 */
import type { AnyColumn } from "../../sql/schema/column.js";
import type { AnyTable } from "../../sql/schema/table.js";
import { defaultValue } from "../../sql/statement/dml-values.js";
import { insert } from "../../sql/statement/insert.js";
import { FlushError } from "../errors.js";
import type { InstanceState } from "../instance-state.js";
import type { Executable } from "../../sql/executable.js";
import { insertsAsValues, insertValueBatches } from "./insert-values.js";
import { arrayBatches, columnArrays, insertFromArrays, takesColumnArrays } from "./column-arrays.js";
import type { OrmContext } from "../orm-context.js";
import type { FlushPlan, ForeignKeySync } from "./change-sets.js";
import type { Step } from "./commit-order.js";
import { sameValue } from "../column-values.js";
import { columnSignature, updateRows } from "./updates.js";
import { deleteRows } from "./deletes.js";

type Values = Record<string, unknown>;

export async function saveStep(ctx: OrmContext, plan: FlushPlan, step: Step): Promise<void> {
  for (const state of step.states) for (const sync of plan.syncs.get(state) ?? []) applySync(sync);
  await updateRows(ctx, step.table, step.states.filter((s) => s.status === "persistent"));
  const pending = step.states.filter((s) => s.status === "pending");
  for (const state of pending) fillClientDefaults(step.table, state);
  // Rows giving the same columns share a statement (a multi-row VALUES needs the same columns).
  let group: InstanceState[] = [];
  let groupSignature: number | string = "";
  for (const state of pending) {
    const rowSignature = columnSignature(step.table.columns, (c) => given(state, c));
    if (group.length > 0 && rowSignature !== groupSignature) {
      await insertRows(ctx, step.table, group);
      group = [];
    }
    if (group.length === 0) groupSignature = rowSignature;
    group.push(state);
  }
  if (group.length > 0) await insertRows(ctx, step.table, group);
}

export async function deleteStep(ctx: OrmContext, step: Step): Promise<void> {
  await deleteRows(ctx, step.table, step.states);
}

function applySync(sync: ForeignKeySync): void {
  const { child, rel, parent } = sync;
  rel.foreignKey.forEach((fk, i) => {
    let value: unknown = null;
    if (parent !== null) {
      value = parent.values.get((rel.referenced[i] as AnyColumn).key);
      if (value === undefined || value === null) {
        throw new FlushError(`${child.mapper.name}.${fk.key} should come from ${parent.mapper.name}.${(rel.referenced[i] as AnyColumn).key}, which has no value (is that ${parent.mapper.name} in the session?).`);
      }
    }
    if (!sameValue(child.values.get(fk.key), value)) child.setValue(fk.key, value);
  });
}

function fillClientDefaults(table: AnyTable, state: InstanceState): void {
  for (const column of table.columns) {
    if (column.spec.clientDefault !== undefined && !given(state, column)) state.setValue(column.key, defaultValue(column.spec.clientDefault));
  }
}

/** The object gives this column's value (a NULL autoincrement key means "generate it"). */
function given(state: InstanceState, column: AnyColumn): boolean {
  const value = state.values.get(column.key);
  return value !== undefined && !(value === null && column === state.mapper.table.autoincrementColumn);
}


async function insertRows(ctx: OrmContext, table: AnyTable, states: readonly InstanceState[]): Promise<void> {
  const first = states[0] as InstanceState;
  const columns = table.columns.filter((c) => given(first, c));
  const auto = table.autoincrementColumn;
  const needKey = auto !== undefined && !columns.includes(auto);
  for (const column of table.primaryKey) {
    if (!columns.includes(column) && column !== auto) {
      throw new FlushError(`${first.mapper.name} has no value for its primary key column '${column.key}', and the database does not generate one: set it before flush().`);
    }
  }
  const serverDefaulted = table.columns.filter((c) => !columns.includes(c) && c !== auto && c.spec.serverDefault !== undefined);
  const rows = (): Record<string, unknown>[] => states.map((s) => Object.fromEntries(columns.map((c) => [c.key, s.values.get(c.key)])));
  const returning = ctx.target.capabilities.returning;
  // Columns left out with no default of any kind are NULL in the new row: known without asking.
  const knownNull = (state: InstanceState): void => {
    for (const column of table.columns) {
      if (!columns.includes(column) && column !== auto && column.spec.serverDefault === undefined) state.setValue(column.key, null);
    }
  };
  states.forEach(knownNull);
  if (needKey && !returning) {
    // No RETURNING (MySQL): one row per statement, so each lastInsertId is known.
    for (const [i, row] of rows().entries()) {
      const result = await ctx.run(insert(table).values(row as never));
      const id = result.lastInsertId;
      if (id === undefined) throw new FlushError(`The database returned no generated key for the ${first.mapper.name} just inserted.`);
      (states[i] as InstanceState).setValue(auto.key, typeof id === "bigint" && id <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(id) : id);
    }
    return;
  }
  const fetch = returning ? [...(needKey ? [auto] : []), ...serverDefaulted] : [];
  const values = states.map((s) => columns.map((c) => s.values.get(c.key)));
  let batches: readonly Executable[];
  const arrays = states.length > 1 && takesColumnArrays(ctx.target) ? columnArrays(ctx.target, columns, values.length, (r, c) => (values[r] as unknown[])[c]) : undefined;
  if (arrays !== undefined) {
    batches = arrayBatches(arrays, states.length).map((batch) => insertFromArrays(table, columns, batch, fetch));
  } else if (insertsAsValues(columns, values)) {
    batches = insertValueBatches(table, columns, values, fetch, ctx.target);
  } else {
    const statement = fetch.length > 0 ? insert(table).values(rows() as never).returning(...fetch) : insert(table).values(rows() as never);
    batches = statement.batches(ctx.target);
  }
  let offset = 0;
  for (const batch of batches) {
    const result = await ctx.run(batch);
    const batchStates = states.slice(offset, offset + result.rowCount);
    offset += batchStates.length;
    if (fetch.length === 0) continue;
    let returned = result.all().map((r) => r._mapping);
    // Generated keys rise in VALUES order (sequences, AUTO_INCREMENT, rowid), whatever order
    // RETURNING gives the rows in: sort by the key to pair rows with objects (SQLAlchemy's
    // insertmanyvalues does the same for integer keys). They almost always come back in order.
    if (needKey) {
      if (!ascending(returned, auto.key)) returned = [...returned].sort((a, b) => compareKeys(a[auto.key], b[auto.key]));
    } else {
      returned = orderByKey(table, batchStates, returned);
    }
    for (let i = 0; i < returned.length && i < batchStates.length; i++) {
      const row = returned[i] as Values;
      const state = batchStates[i] as InstanceState;
      for (const column of fetch) state.setValue(column.key, row[column.key]);
    }
  }
}

function ascending(rows: readonly Values[], key: string): boolean {
  for (let i = 1; i < rows.length; i++) if (compareKeys((rows[i - 1] as Values)[key], (rows[i] as Values)[key]) > 0) return false;
  return true;
}

function compareKeys(a: unknown, b: unknown): number {
  return (a as number) < (b as number) ? -1 : (a as number) > (b as number) ? 1 : 0;
}

/** Rows returned for given keys, in the order of `states`. */
function orderByKey(table: AnyTable, states: readonly InstanceState[], rows: readonly Values[]): Values[] {
  const key = (get: (c: AnyColumn) => unknown) => table.primaryKey.map((c) => String(get(c))).join("|");
  const byKey = new Map(rows.map((r) => [key((c) => r[c.key]), r]));
  return states.map((s) => byKey.get(key((c) => s.values.get(c.key))) ?? {});
}
