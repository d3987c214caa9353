/**
 * SELECTs used inside other statements: as a named subquery in FROM or a join
 * (`select(...).subquery("s")`, SQLAlchemy `Subquery`), or as an expression
 * (`scalarSubquery()`, `x.in(select(...))`, `exists(select(...))`).
 */
import type { CacheKey } from "../compiler/cache-key.js";
import type { CompileContext } from "../compiler/context.js";
import { Expression } from "../expression/elements.js";
import { Precedence, type ForeignKeyLink, type FromElement, type SqlNode } from "../expression/node.js";
import { Column, type AnyColumn } from "../schema/column.js";
import type { SqlType } from "../schema/types.js";
import type { SelectEntry } from "./select-items.js";

/** How a SELECT is written: the whole statement, a derived table (no correlation), or a correlated subquery. */
export type SelectMode = "top" | "derived" | "correlated";

/** What subqueries need of a SELECT. */
export interface SubquerySelect {
  readonly entries: readonly SelectEntry[];
  keyInto(key: CacheKey): void;
  compileSelect(ctx: CompileContext, mode: SelectMode): string;
}

/** A column of a subquery, referred to as `"alias"."key"`. */
export class SubqueryColumn<K extends string = string, T = unknown> extends Expression<T> {
  readonly precedence = Precedence.atom;
  readonly isSubqueryColumn = true;
  readonly name: string;

  constructor(
    readonly key: K,
    readonly type: SqlType | undefined,
    override readonly fromElement: Subquery<object>,
    /** The table column this one passes through, if it is a plain column (for join inference). */
    readonly proxied: AnyColumn | undefined,
  ) {
    super();
    this.name = key;
  }

  get selectKey(): K {
    return this.key;
  }

  describe(): string {
    return `${this.fromElement.alias}.${this.key}`;
  }

  keyInto(key: CacheKey): void {
    key.add("scol");
    key.name(this.fromElement.alias);
    key.name(this.key);
  }

  compile(ctx: CompileContext): string {
    const name = ctx.quote(this.key);
    return ctx.state.qualifyColumns ? `${ctx.quote(this.fromElement.alias)}.${name}` : name;
  }

  children(): readonly SqlNode[] {
    return [];
  }
}

export type SubqueryColumns<R> = { readonly [K in keyof R & string]: SubqueryColumn<K, R[K]> };

export class Subquery<R extends object = Record<string, unknown>> implements FromElement {
  declare readonly __row?: R;
  readonly c: SubqueryColumns<R>;
  readonly columns: readonly SubqueryColumn[];

  constructor(
    readonly select: SubquerySelect,
    readonly alias: string,
  ) {
    const byKey: Record<string, SubqueryColumn> = {};
    this.columns = select.entries.map((entry) => {
      const proxied = entry.expression instanceof Column ? (entry.expression as AnyColumn).tableColumn : undefined;
      const column = new SubqueryColumn(entry.key, entry.expression.type, this, proxied);
      byKey[entry.key] = column;
      return column;
    });
    this.c = Object.freeze(byKey) as SubqueryColumns<R>;
  }

  compileFrom(ctx: CompileContext): string {
    return `(${this.select.compileSelect(ctx, "derived")}) AS ${ctx.quote(this.alias)}`;
  }

  compile(ctx: CompileContext): string {
    return this.compileFrom(ctx);
  }

  keyInto(key: CacheKey): void {
    key.add("subquery");
    key.name(this.alias);
    this.select.keyInto(key);
  }

  children(): readonly SqlNode[] {
    return [];
  }

  leaves(): readonly FromElement[] {
    return [this];
  }

  describe(): string {
    return `subquery ${this.alias}`;
  }

  selectColumns(): readonly SubqueryColumn[] {
    return this.columns;
  }

  /** The foreign keys of the table columns passed through, seen from this subquery's columns. */
  foreignKeyLinks(): readonly ForeignKeyLink[] {
    return this.columns.flatMap((column) => {
      const proxied = column.proxied;
      if (proxied === undefined) return [];
      return proxied.fromElement.foreignKeyLinks().filter((link) => link.from === proxied).map((link) => ({ ...link, from: column }));
    });
  }

  correspondingColumn(column: SqlNode): SqlNode | undefined {
    if (column instanceof SubqueryColumn) return column.fromElement === this ? column : undefined;
    if (!(column instanceof Column)) return undefined;
    const tableColumn = (column as AnyColumn).tableColumn;
    return this.columns.find((c) => c.proxied === tableColumn);
  }
}

/** `(SELECT ...)` as a value or a row set in an expression, correlated to the enclosing statement. */
export class ScalarSubquery<T = unknown> extends Expression<T> {
  readonly precedence = Precedence.atom;
  override readonly isSubquery = true;

  constructor(readonly select: SubquerySelect) {
    super();
  }

  get type(): SqlType | undefined {
    return this.select.entries[0]?.expression.type;
  }

  keyInto(key: CacheKey): void {
    key.add("scalar");
    this.select.keyInto(key);
  }

  compile(ctx: CompileContext): string {
    return `(${this.select.compileSelect(ctx, "correlated")})`;
  }

  children(): readonly SqlNode[] {
    return [];
  }
}
