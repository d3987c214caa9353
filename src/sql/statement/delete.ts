/** delete(table).where(...).returning(...) (SQLAlchemy `Delete`). */
import type { CacheKey } from "../compiler/cache-key.js";
import type { CompiledParts, StatementRoot } from "../compiler/compile.js";
import type { CompileContext } from "../compiler/context.js";
import { BooleanList, type Expression } from "../expression/elements.js";
import type { Condition } from "../expression/operators.js";
import type { ColumnBuilders } from "../schema/row-types.js";
import type { AnyTable, Table } from "../schema/table.js";
import { compileReturning, keyReturning } from "./returning.js";
import { expandItems, resultColumns, type RowOfItems, type SelectEntry, type SelectItem } from "./select-items.js";
import { Statement } from "./statement.js";

export class Delete<C extends ColumnBuilders = ColumnBuilders, R extends object = Record<string, never>> extends Statement<R> implements StatementRoot {
  constructor(
    readonly table: Table<string, C>,
    private readonly conditions: readonly Expression[],
    private readonly returningEntries: readonly SelectEntry[],
  ) {
    super();
  }

  /** WHERE; several calls are ANDed. Without one, every row is deleted. */
  where(...conditions: readonly Condition[]): Delete<C, R> {
    return new Delete<C, R>(this.table, [...this.conditions, ...(conditions as readonly Expression[])], this.returningEntries);
  }

  /** Return columns of the deleted rows (PostgreSQL, SQLite, MariaDB 10.0.5+; not MySQL). */
  returning<const S extends readonly SelectItem[]>(...items: S): Delete<C, RowOfItems<S>> {
    return new Delete<C, RowOfItems<S>>(this.table, this.conditions, expandItems(items));
  }

  protected prepare(): StatementRoot {
    return this;
  }

  keyInto(key: CacheKey): void {
    key.add("delete");
    this.#table.keyInto(key);
    key.add(`where ${this.conditions.length}`);
    for (const condition of this.conditions) condition.keyInto(key);
    keyReturning(key, this.returningEntries);
  }

  compileRoot(ctx: CompileContext): CompiledParts {
    let sql = `DELETE FROM ${this.#table.qualifier(ctx)}`;
    const correlated = [this.#table];
    if (this.conditions.length > 0) sql += ` WHERE ${ctx.with({ correlated }, () => new BooleanList("AND", this.conditions).compile(ctx))}`;
    sql += compileReturning(ctx, "DELETE", this.returningEntries);
    return { sql, columns: resultColumns(this.returningEntries) };
  }

  get #table(): AnyTable {
    return this.table as unknown as AnyTable;
  }
}

/** `delete(users).where(users.c.id.eq(5))` (exported as `delete_` too, since `delete` is a keyword). */
export function delete_<C extends ColumnBuilders>(table: Table<string, C>): Delete<C> {
  return new Delete<C>(table, [], []);
}
