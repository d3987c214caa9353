/**
 * update(table).set({...}).where(...).returning(...) (SQLAlchemy `Update`). Columns declared
 * with `.onUpdate(...)` and not set explicitly get that value, once per execution.
 */
import { ArgumentError } from "../../errors.js";
import type { CacheKey } from "../compiler/cache-key.js";
import type { CompiledParts, StatementRoot } from "../compiler/compile.js";
import type { CompileContext } from "../compiler/context.js";
import { BooleanList, type Expression } from "../expression/elements.js";
import type { Condition } from "../expression/operators.js";
import type { AnyColumn } from "../schema/column.js";
import type { ColumnBuilders, UpdateValuesOf } from "../schema/row-types.js";
import type { AnyTable, Table } from "../schema/table.js";
import { defaultValue, presentKeys, valueExpression } from "./dml-values.js";
import { compileReturning, keyReturning } from "./returning.js";
import { expandItems, resultColumns, type RowOfItems, type SelectEntry, type SelectItem } from "./select-items.js";
import { Statement } from "./statement.js";

interface UpdateState {
  readonly values: Readonly<Record<string, unknown>>;
  readonly where: readonly Expression[];
  readonly returning: readonly SelectEntry[];
}

export class Update<C extends ColumnBuilders = ColumnBuilders, R extends object = Record<string, never>> extends Statement<R> {
  constructor(
    readonly table: Table<string, C>,
    private readonly state: UpdateState,
  ) {
    super();
  }

  /** Columns to set: values (bound) or SQL (`users.c.n.add(1)`); several calls merge, later wins. */
  set(values: UpdateValuesOf<C>): Update<C, R> {
    presentKeys(this.#table, values as Readonly<Record<string, unknown>>, "update().set()");
    return new Update<C, R>(this.table, { ...this.state, values: { ...this.state.values, ...values } });
  }

  /** WHERE; several calls are ANDed. Without one, every row is updated. */
  where(...conditions: readonly Condition[]): Update<C, R> {
    return new Update<C, R>(this.table, { ...this.state, where: [...this.state.where, ...(conditions as readonly Expression[])] });
  }

  /** Return columns of the updated rows (PostgreSQL and SQLite; not MySQL or MariaDB). */
  returning<const S extends readonly SelectItem[]>(...items: S): Update<C, RowOfItems<S>> {
    return new Update<C, RowOfItems<S>>(this.table, { ...this.state, returning: expandItems(items) });
  }

  protected prepare(): StatementRoot {
    const table = this.#table;
    const keys = presentKeys(table, this.state.values, "update().set()");
    if (keys.size === 0) throw new ArgumentError(`update(${table.name}) has nothing to set: call .set({ column: value }).`);
    const assignments: [AnyColumn, Expression][] = [];
    for (const column of table.columns) {
      if (keys.has(column.key)) assignments.push([column, valueExpression(column, this.state.values[column.key])]);
      else if (column.spec.onUpdate !== undefined) assignments.push([column, valueExpression(column, defaultValue(column.spec.onUpdate))]);
    }
    return new PreparedUpdate(table, assignments, this.state.where, this.state.returning);
  }

  get #table(): AnyTable {
    return this.table as unknown as AnyTable;
  }
}

class PreparedUpdate implements StatementRoot {
  constructor(
    private readonly table: AnyTable,
    private readonly assignments: readonly [AnyColumn, Expression][],
    private readonly where: readonly Expression[],
    private readonly returning: readonly SelectEntry[],
  ) {}

  keyInto(key: CacheKey): void {
    key.add("update");
    this.table.keyInto(key);
    key.add(`set ${this.assignments.length}`);
    for (const [column, value] of this.assignments) {
      key.name(column.name);
      value.keyInto(key);
    }
    key.add(`where ${this.where.length}`);
    for (const condition of this.where) condition.keyInto(key);
    keyReturning(key, this.returning);
  }

  compileRoot(ctx: CompileContext): CompiledParts {
    const set = this.assignments.map(([column, value]) => `${ctx.quote(column.name)} = ${value.compile(ctx)}`).join(", ");
    let sql = `UPDATE ${this.table.qualifier(ctx)} SET ${set}`;
    const correlated = [this.table];
    if (this.where.length > 0) sql += ` WHERE ${ctx.with({ correlated }, () => new BooleanList("AND", this.where).compile(ctx))}`;
    sql += compileReturning(ctx, "UPDATE", this.returning);
    return { sql, columns: resultColumns(this.returning) };
  }
}

export function update<C extends ColumnBuilders>(table: Table<string, C>): Update<C> {
  return new Update<C>(table, { values: {}, where: [], returning: [] });
}
