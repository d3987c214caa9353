/**
 * DELETEs of a flush step (SQLAlchemy `persistence._emit_delete_statements`, which sends the
 * rows of a table as one executemany). Here one statement per batch of rows, up to the
 * bind-parameter limit and MAX_ROWS_PER_DELETE rows:
 *
 *   DELETE FROM t WHERE t.id IN (?, ?, ...)      -- composite keys: (t.k1, t.k2) IN ((?, ?), (?, ?))
 *
 * and a batch of one row the plain `DELETE FROM t WHERE t.id = ?`. Rows of one step never
 * depend on each other (commit-order.ts puts rows that do, in a self-referencing table, in
 * separate steps), so which of them the database removes first does not matter. Row values
 * (`(a, b) IN (...)`) work on every supported database: PostgreSQL, MySQL/MariaDB, SQLite >= 3.15.
 *
 * As SQLAlchemy's `confirm_deleted_rows`, a step whose statements matched another number of
 * rows than they named (a row deleted by someone else since it was loaded) is a warning, not
 * an error: the rows are gone either way.
 */
import type { AnyColumn } from "../../sql/schema/column.js";
import type { AnyTable } from "../../sql/schema/table.js";
import type { Expression } from "../../sql/expression/elements.js";
import { Tuple } from "../../sql/expression/tuple.js";
import { valueExpression } from "../../sql/statement/dml-values.js";
import { delete_ } from "../../sql/statement/delete.js";
import type { InstanceState } from "../instance-state.js";
import type { OrmContext } from "../orm-context.js";
import { keyValue } from "./updates.js";

/** Rows per DELETE at most (as insertmanyvalues' page size): bounds the statement's length. */
export const MAX_ROWS_PER_DELETE = 1000;

export async function deleteRows(ctx: OrmContext, table: AnyTable, states: readonly InstanceState[]): Promise<void> {
  if (states.length === 0) return;
  const keys = table.primaryKey;
  const size = Math.max(1, Math.min(MAX_ROWS_PER_DELETE, Math.floor(ctx.target.capabilities.maxBindParameters / keys.length)));
  let matched = 0;
  let known = true;
  for (let start = 0; start < states.length; start += size) {
    const result = await ctx.run(deleteStatement(table, states.slice(start, start + size)));
    // A driver that cannot tell says -1: then nothing can be confirmed for the step.
    if (result.rowCount < 0) known = false;
    else matched += result.rowCount;
  }
  if (known && matched !== states.length) {
    const name = table.schema === undefined ? table.name : `${table.schema}.${table.name}`;
    ctx.logger.warn(
      `athanor: DELETE statement on table '${name}' expected to delete ${states.length} row(s); ${matched < states.length ? "only " : ""}${matched} were matched.`,
    );
  }
}

/** One DELETE of `batch`'s rows by primary key (the key as loaded, should the object's have changed). */
function deleteStatement(table: AnyTable, batch: readonly InstanceState[]) {
  const keys = table.primaryKey;
  // Bound through each key column's type, as the row's other statements bind it.
  const binds = batch.map((state) => keys.map((c) => valueExpression(c, keyValue(state, c))));
  if (batch.length === 1) return delete_(table).where(...keys.map((c, i) => c.eq((binds[0] as Expression[])[i] as never)));
  const where = keys.length === 1 ? (keys[0] as AnyColumn).in(binds.map((b) => b[0]) as never) : new Tuple(keys).in(binds.map((b) => new Tuple(b)) as never);
  return delete_(table).where(where);
}
