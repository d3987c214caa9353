/**
 * Columns: a builder that describes one (`integer().primaryKey()`), and the Column a table
 * makes of it, which is an expression (`users.c.id.eq(5)`).
 *
 * The builder's type parameters carry what the row types need: the JavaScript type and four
 * flags (NOT NULL, has a default, primary key, autoincrement). Each builder method returns a
 * new builder with the flag changed, so the inferred row type follows the declaration.
 * Columns are nullable unless declared notNull() or primaryKey(), as in SQLAlchemy.
 */
import { ArgumentError } from "../../errors.js";
import type { CacheKey } from "../compiler/cache-key.js";
import type { CompileContext } from "../compiler/context.js";
import { Expression } from "../expression/elements.js";
import { Precedence, type FromElement, type SqlNode } from "../expression/node.js";
import type { SqlType } from "./types.js";

/** "auto": autoincrement when it is the table's only primary key column and an integer (SQLAlchemy's default). */
export type AutoincrementFlag = "auto" | boolean;

export interface ColumnFlags {
  readonly notNull: boolean;
  readonly hasDefault: boolean;
  readonly primaryKey: boolean;
  readonly autoincrement: AutoincrementFlag;
}

export interface Flags<N extends boolean, D extends boolean, P extends boolean, A extends AutoincrementFlag> extends ColumnFlags {
  readonly notNull: N;
  readonly hasDefault: D;
  readonly primaryKey: P;
  readonly autoincrement: A;
}

/** The flags of a fresh builder: nullable, no default, not a key; integers may autoincrement. */
export type InitialFlags<A extends AutoincrementFlag> = Flags<false, false, false, A>;

/** The JavaScript type of a column's values, with null unless it is NOT NULL. */
export type ColumnValue<T, F extends ColumnFlags> = F["notNull"] extends true ? T : T | null;

export type ReferentialAction = "CASCADE" | "SET NULL" | "SET DEFAULT" | "RESTRICT" | "NO ACTION";

export interface ReferenceOptions {
  onDelete?: ReferentialAction;
  onUpdate?: ReferentialAction;
  /** Constraint name; the database picks one when omitted. */
  name?: string;
}

/** A referenced column: a function returning it (so tables may refer to each other), or "table.column" resolved in the MetaData. */
export type ColumnReference = (() => AnyColumn) | string;

/** A client-side default: a value, or a function called for each row that needs one. */
export type ClientDefault<T> = T | (() => T);

/** A server default: SQL (`sql\`CURRENT_TIMESTAMP\``, `now()`) or a literal written into the DDL. */
export type ServerDefault = Expression | string | number | boolean | bigint;

/** Everything a builder has collected; read by table() and the DDL compiler. */
export interface ColumnSpec {
  readonly type: SqlType;
  readonly notNull: boolean;
  readonly primaryKey: boolean;
  readonly unique: boolean;
  readonly index: boolean;
  readonly autoincrement: AutoincrementFlag;
  readonly serverDefault: ServerDefault | undefined;
  readonly clientDefault: { readonly value: unknown } | undefined;
  readonly onUpdate: { readonly value: unknown } | undefined;
  readonly references: { readonly target: ColumnReference; readonly options: ReferenceOptions } | undefined;
  /** The column's name in the database when it differs from its key in the table definition. */
  readonly dbName: string | undefined;
}

export class ColumnBuilder<T, F extends ColumnFlags> {
  /** Phantom: the value type and flags, for the row types. Never set at runtime. */
  declare readonly __column?: { value: T; flags: F };

  constructor(readonly spec: ColumnSpec) {}

  static of<T, A extends AutoincrementFlag>(type: SqlType<T>, autoincrement: A): ColumnBuilder<T, InitialFlags<A>> {
    return new ColumnBuilder({
      type,
      notNull: false,
      primaryKey: false,
      unique: false,
      index: false,
      autoincrement,
      serverDefault: undefined,
      clientDefault: undefined,
      onUpdate: undefined,
      references: undefined,
      dbName: undefined,
    });
  }

  notNull(): ColumnBuilder<T, Flags<true, F["hasDefault"], F["primaryKey"], F["autoincrement"]>> {
    return this.#with({ notNull: true });
  }

  /** Part of the primary key (several columns marked so make a composite key); implies NOT NULL. */
  primaryKey(): ColumnBuilder<T, Flags<true, F["hasDefault"], true, F["autoincrement"]>> {
    return this.#with({ primaryKey: true, notNull: true });
  }

  /** A single-column UNIQUE constraint. */
  unique(): ColumnBuilder<T, F> {
    return this.#with({ unique: true });
  }

  /** A single-column index, named ix_<table>_<column>. */
  index(): ColumnBuilder<T, F> {
    return this.#with({ index: true });
  }

  /** Force autoincrement on or off (default: on for a sole integer primary key). */
  autoincrement<const A extends boolean = true>(
    on?: A,
  ): ColumnBuilder<T, Flags<F["notNull"], A extends true ? true : F["hasDefault"], F["primaryKey"], A>> {
    const value = on ?? true;
    if (value && !this.spec.type.isInteger) throw new ArgumentError(`autoincrement needs an integer column type; this one is ${this.spec.type.key}.`);
    return this.#with({ autoincrement: value });
  }

  /** A value (or a function called per row) used when an INSERT gives none: optional in the insert type. */
  default(value: ClientDefault<T>): ColumnBuilder<T, Flags<F["notNull"], true, F["primaryKey"], F["autoincrement"]>> {
    if (value === undefined) throw new ArgumentError("default(undefined) sets nothing; pass a value, a function, or null.");
    return this.#with({ clientDefault: { value } });
  }

  /** A DEFAULT clause in CREATE TABLE: SQL (`sql\`CURRENT_TIMESTAMP\``, `now()`) or a literal. */
  serverDefault(value: ServerDefault): ColumnBuilder<T, Flags<F["notNull"], true, F["primaryKey"], F["autoincrement"]>> {
    if (value === undefined || value === null) throw new ArgumentError("serverDefault() needs SQL or a literal value.");
    return this.#with({ serverDefault: value });
  }

  /** A value (or function) set by every update() that does not set this column (SQLAlchemy `onupdate`). */
  onUpdate(value: ClientDefault<T>): ColumnBuilder<T, F> {
    return this.#with({ onUpdate: { value } });
  }

  /**
   * A FOREIGN KEY to another table's column: `references(() => teams.c.id, { onDelete: "CASCADE" })`.
   * A referencing column is no longer "auto" autoincrement (its values come from the other
   * table), as in SQLAlchemy. Two tables that reference each other need the function's
   * return type spelled out to stop TypeScript's inference going round: `(): AnyColumn => teams.c.id`.
   */
  references(
    target: ColumnReference,
    options: ReferenceOptions = {},
  ): ColumnBuilder<T, Flags<F["notNull"], F["hasDefault"], F["primaryKey"], F["autoincrement"] extends "auto" ? false : F["autoincrement"]>> {
    if (typeof target !== "function" && (typeof target !== "string" || !target.includes("."))) {
      throw new ArgumentError('references() takes a function returning the column (() => teams.c.id) or "table.column".');
    }
    return this.#with({ references: { target, options }, autoincrement: this.spec.autoincrement === "auto" ? false : this.spec.autoincrement });
  }

  /** The column's name in the database, when it differs from its key: `dateTime().named("created_at")`. */
  named(dbName: string): ColumnBuilder<T, F> {
    if (typeof dbName !== "string" || dbName === "") throw new ArgumentError("named() needs a non-empty column name.");
    return this.#with({ dbName });
  }

  #with<G extends ColumnFlags>(changes: Partial<ColumnSpec>): ColumnBuilder<T, G> {
    return new ColumnBuilder<T, G>({ ...this.spec, ...changes });
  }
}

/** What a column belongs to: a table or an alias of one. */
export interface ColumnOwner extends FromElement {
  /** The qualifier columns are written with: `"users"`, `"app"."users"`, `"u"`. */
  qualifier(ctx: CompileContext): string;
  /** Identifies the owner in cache keys. */
  readonly ownerKey: string;
}

/** A column of a table (or alias): an expression whose row key is `key`. */
export class Column<K extends string = string, T = unknown, F extends ColumnFlags = ColumnFlags> extends Expression<ColumnValue<T, F>> {
  readonly precedence = Precedence.atom;
  /** The column's name in the database. */
  readonly name: string;

  constructor(
    /** The column's key in its table definition and in result rows. */
    readonly key: K,
    readonly spec: ColumnSpec,
    override readonly fromElement: ColumnOwner,
    /** For an alias's column, the table column it stands for. */
    readonly base: AnyColumn | undefined = undefined,
  ) {
    super();
    this.name = spec.dbName ?? key;
  }

  get type(): SqlType {
    return this.spec.type;
  }

  get selectKey(): K {
    return this.key;
  }

  /** The table column this is, or stands for (through an alias). */
  get tableColumn(): AnyColumn {
    return this.base ?? (this as AnyColumn);
  }

  get nullable(): boolean {
    return !this.spec.notNull;
  }

  describe(): string {
    return `${this.fromElement.describe()}.${this.name}`;
  }

  keyInto(key: CacheKey): void {
    key.add("col");
    key.name(this.fromElement.ownerKey);
    key.name(this.name);
    key.add(this.spec.type.key);
  }

  compile(ctx: CompileContext): string {
    const name = ctx.quote(this.name);
    return ctx.state.qualifyColumns ? `${this.fromElement.qualifier(ctx)}.${name}` : name;
  }

  children(): readonly SqlNode[] {
    return [];
  }
}

/** Any column, whatever its key, type and flags. */
export type AnyColumn = Column<string, unknown, ColumnFlags>;
