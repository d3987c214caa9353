/**
 * table(): a typed table definition (SQLAlchemy `Table`), made of column builders, with its
 * columns under `.c`, its keys, constraints and indexes. No decorators, no code generation:
 * the row types are inferred from the builders (row-types.ts).
 *
 *   const users = table("users", {
 *     id: integer().primaryKey(),
 *     name: string(50).notNull().unique(),
 *     teamId: integer().references(() => teams.c.id, { onDelete: "CASCADE" }),
 *   });
 *   type User = InferRow<typeof users>;   // { id: number; name: string; teamId: number | null }
 */
import { ArgumentError } from "../../errors.js";
import type { CacheKey } from "../compiler/cache-key.js";
import type { CompileContext } from "../compiler/context.js";
import type { ForeignKeyLink, SqlNode } from "../expression/node.js";
import { TableAlias } from "./alias.js";
import { Column, type AnyColumn, type ColumnOwner, type ReferentialAction } from "./column.js";
import { ForeignKeyConstraint, Index, UniqueConstraint, type ReferenceTarget, type TableLookup } from "./constraints.js";
import type { ColumnBuilders, InsertRowOf, RowOf, TableColumns } from "./row-types.js";

/** Where table() registers a table: a MetaData. */
export interface TableRegistry extends TableLookup {
  add(table: AnyTable): void;
}

export interface TableOptions<C extends ColumnBuilders> {
  /** The schema (PostgreSQL schema, MySQL database, SQLite attached database) holding the table. */
  schema?: string;
  /** Register the table here, for createAll() and "table.column" references. */
  metadata?: TableRegistry;
  indexes?: readonly { columns: readonly (keyof C & string)[]; unique?: boolean; name?: string }[];
  uniques?: readonly { columns: readonly (keyof C & string)[]; name?: string }[];
  /** Composite foreign keys: `{ columns: ["a", "b"], references: () => [other.c.x, other.c.y] }`. */
  foreignKeys?: readonly {
    columns: readonly (keyof C & string)[];
    references: ReferenceTarget;
    onDelete?: ReferentialAction;
    onUpdate?: ReferentialAction;
    name?: string;
  }[];
}

export class Table<Name extends string = string, C extends ColumnBuilders = ColumnBuilders> implements ColumnOwner {
  /** Phantom: the row type, for select(table). Never set at runtime. */
  declare readonly __row?: RowOf<C>;
  /** Phantom: the insert type. */
  declare readonly __insert?: InsertRowOf<C>;
  readonly schema: string | undefined;
  readonly c: TableColumns<C>;
  /** The columns in definition order. */
  readonly columns: readonly AnyColumn[];
  readonly primaryKey: readonly AnyColumn[];
  /** The column whose value the database generates (SERIAL/IDENTITY, AUTO_INCREMENT, rowid), if any. */
  readonly autoincrementColumn: AnyColumn | undefined;
  readonly foreignKeys: readonly ForeignKeyConstraint[];
  readonly uniques: readonly UniqueConstraint[];
  readonly indexes: readonly Index[];
  readonly metadata: TableRegistry | undefined;
  readonly ownerKey: string;

  constructor(
    readonly name: Name,
    builders: C,
    options: TableOptions<C> = {},
  ) {
    if (typeof name !== "string" || name === "") throw new ArgumentError("table() needs a non-empty name.");
    this.schema = options.schema;
    this.metadata = options.metadata;
    this.ownerKey = this.schema === undefined ? name : `${this.schema}.${name}`;
    const columns: AnyColumn[] = [];
    const byKey: Record<string, AnyColumn> = {};
    for (const [key, builder] of Object.entries(builders)) {
      const column = new Column(key, builder.spec, this) as AnyColumn;
      if (columns.some((c) => c.name === column.name)) throw new ArgumentError(`Table '${name}' has two columns named '${column.name}'.`);
      columns.push(column);
      byKey[key] = column;
    }
    if (columns.length === 0) throw new ArgumentError(`Table '${name}' needs at least one column.`);
    this.columns = Object.freeze(columns);
    this.c = Object.freeze(byKey) as TableColumns<C>;
    this.primaryKey = Object.freeze(columns.filter((c) => c.spec.primaryKey));
    this.autoincrementColumn = findAutoincrement(this.primaryKey, columns, name);
    const pick = (keys: readonly string[], what: string) => keys.map((key) => this.#column(key, what));
    const lookup = () => this.metadata;
    this.foreignKeys = Object.freeze([
      ...columns.flatMap((c) => {
        const ref = c.spec.references;
        if (ref === undefined) return [];
        const target: ReferenceTarget = typeof ref.target === "string" ? ref.target : () => (ref.target as () => AnyColumn)();
        return [new ForeignKeyConstraint([c], target, lookup, ref.options.onDelete, ref.options.onUpdate, ref.options.name)];
      }),
      ...(options.foreignKeys ?? []).map(
        (fk) => new ForeignKeyConstraint(pick(fk.columns, "a foreign key"), fk.references, lookup, fk.onDelete, fk.onUpdate, fk.name),
      ),
    ]);
    this.uniques = Object.freeze([
      ...columns.filter((c) => c.spec.unique).map((c) => new UniqueConstraint([c], undefined)),
      ...(options.uniques ?? []).map((u) => new UniqueConstraint(pick(u.columns, "a unique constraint"), u.name)),
    ]);
    this.indexes = Object.freeze([
      ...columns.filter((c) => c.spec.index).map((c) => new Index(indexName(name, [c]), [c], false)),
      ...(options.indexes ?? []).map((ix) => {
        const cols = pick(ix.columns, "an index");
        return new Index(ix.name ?? indexName(name, cols), cols, ix.unique === true);
      }),
    ]);
    options.metadata?.add(this as unknown as AnyTable);
  }

  /** The table under another name, for self-joins: `const manager = employees.alias("manager")`. */
  alias(aliasName: string): TableAlias<C> {
    return new TableAlias<C>(this as unknown as AnyTable, aliasName);
  }

  describe(): string {
    return this.ownerKey;
  }

  qualifier(ctx: CompileContext): string {
    return this.schema === undefined ? ctx.quote(this.name) : `${ctx.quote(this.schema)}.${ctx.quote(this.name)}`;
  }

  compileFrom(ctx: CompileContext): string {
    return this.qualifier(ctx);
  }

  compile(ctx: CompileContext): string {
    return this.qualifier(ctx);
  }

  keyInto(key: CacheKey): void {
    key.add("table");
    key.name(this.ownerKey);
  }

  children(): readonly SqlNode[] {
    return [];
  }

  leaves(): readonly Table<string, ColumnBuilders>[] {
    return [this as unknown as Table<string, ColumnBuilders>];
  }

  /** The columns select(table) returns. */
  selectColumns(): readonly AnyColumn[] {
    return this.columns;
  }

  foreignKeyLinks(): readonly ForeignKeyLink[] {
    return this.foreignKeys.flatMap((fk) =>
      fk.columns.map((from, i) => ({ from, to: fk.referencedColumns[i] as AnyColumn, constraint: fk })),
    );
  }

  correspondingColumn(column: SqlNode): SqlNode | undefined {
    if (!(column instanceof Column)) return undefined;
    const tableColumn = (column as AnyColumn).tableColumn;
    return tableColumn.fromElement === (this as unknown) ? tableColumn : undefined;
  }

  #column(key: string, what: string): AnyColumn {
    const column = (this.c as Readonly<Record<string, AnyColumn>>)[key];
    if (column === undefined || !Object.hasOwn(this.c, key)) {
      throw new ArgumentError(`${what} on table '${this.name}' names the column '${key}', which it does not have.`);
    }
    return column;
  }
}

/** Any table. */
export type AnyTable = Table<string, ColumnBuilders>;

export type InferRow<T> = T extends { readonly __row?: infer R } ? NonNullable<R> : never;
export type InferInsert<T> = T extends Table<string, infer C> ? InsertRowOf<C> : never;

/** Define a table; pass `{ metadata }` (or use metadata.table()) to have createAll() create it. */
export function table<const Name extends string, C extends ColumnBuilders>(name: Name, columns: C, options?: TableOptions<C>): Table<Name, C> {
  return new Table(name, columns, options);
}

function indexName(table: string, columns: readonly AnyColumn[]): string {
  return `ix_${table}_${columns.map((c) => c.name).join("_")}`;
}

/**
 * The column the database numbers by itself: one marked autoincrement(), or else (SQLAlchemy's
 * "auto") the table's only primary key column when it is an integer without a foreign key.
 */
function findAutoincrement(primaryKey: readonly AnyColumn[], columns: readonly AnyColumn[], table: string): AnyColumn | undefined {
  const explicit = columns.filter((c) => c.spec.autoincrement === true);
  if (explicit.length > 1) throw new ArgumentError(`Table '${table}' marks ${explicit.length} columns autoincrement; a table can have only one.`);
  const chosen = explicit[0];
  if (chosen !== undefined) {
    if (!chosen.spec.primaryKey) throw new ArgumentError(`${chosen.describe()} is autoincrement but not part of the primary key; every database requires that.`);
    return chosen;
  }
  const only = primaryKey.length === 1 ? primaryKey[0] : undefined;
  if (only === undefined || only.spec.autoincrement !== "auto" || !only.type.isInteger) return undefined;
  if (only.spec.serverDefault !== undefined || only.spec.clientDefault !== undefined) return undefined;
  return only;
}
