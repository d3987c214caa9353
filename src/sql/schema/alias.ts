/**
 * A table under another name (SQLAlchemy `table.alias()` / `aliased()`): `"employees" AS
 * "manager"`, with its own columns qualified by the alias, each remembering the table column
 * it stands for (so foreign keys still guide join inference).
 */
import { ArgumentError } from "../../errors.js";
import type { CacheKey } from "../compiler/cache-key.js";
import type { CompileContext } from "../compiler/context.js";
import type { ForeignKeyLink, SqlNode } from "../expression/node.js";
import { Column, type AnyColumn, type ColumnOwner } from "./column.js";
import type { ColumnBuilders, RowOf, TableColumns } from "./row-types.js";
import type { AnyTable } from "./table.js";

export class TableAlias<C extends ColumnBuilders = ColumnBuilders> implements ColumnOwner {
  /** Phantom: the row type, for select(alias). */
  declare readonly __row?: RowOf<C>;
  readonly c: TableColumns<C>;
  readonly columns: readonly AnyColumn[];
  readonly ownerKey: string;

  constructor(
    readonly table: AnyTable,
    readonly name: string,
  ) {
    if (typeof name !== "string" || name === "") throw new ArgumentError("alias() needs a non-empty name.");
    this.ownerKey = `${name} = ${table.ownerKey}`;
    const byKey: Record<string, AnyColumn> = {};
    this.columns = Object.freeze(
      table.columns.map((base) => {
        const column = new Column(base.key, base.spec, this, base) as AnyColumn;
        byKey[base.key] = column;
        return column;
      }),
    );
    this.c = Object.freeze(byKey) as TableColumns<C>;
  }

  describe(): string {
    return `${this.name} (alias of ${this.table.describe()})`;
  }

  qualifier(ctx: CompileContext): string {
    return ctx.quote(this.name);
  }

  compileFrom(ctx: CompileContext): string {
    return `${this.table.qualifier(ctx)} AS ${ctx.quote(this.name)}`;
  }

  compile(ctx: CompileContext): string {
    return this.compileFrom(ctx);
  }

  keyInto(key: CacheKey): void {
    key.add("alias");
    key.name(this.ownerKey);
  }

  children(): readonly SqlNode[] {
    return [];
  }

  leaves(): readonly TableAlias<ColumnBuilders>[] {
    return [this as unknown as TableAlias<ColumnBuilders>];
  }

  selectColumns(): readonly AnyColumn[] {
    return this.columns;
  }

  /** The table's foreign keys, seen from the alias's columns. */
  foreignKeyLinks(): readonly ForeignKeyLink[] {
    return this.table.foreignKeyLinks().map((link) => ({ ...link, from: this.correspondingColumn(link.from) as SqlNode }));
  }

  correspondingColumn(column: SqlNode): SqlNode | undefined {
    if (!(column instanceof Column)) return undefined;
    const tableColumn = (column as AnyColumn).tableColumn;
    if (tableColumn.fromElement !== (this.table as unknown)) return undefined;
    return this.columns.find((c) => c.base === tableColumn);
  }
}
