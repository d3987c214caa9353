/**
 * select() (SQLAlchemy `Select`): an immutable builder; each method returns a new statement.
 * Row types come from the selected columns: `select(users.c.id, users.c.name)` executes to
 * rows of `{ id: number; name: string }`.
 *
 *   select(users.c.name, func.count(addresses.c.id).as("n"))
 *     .join(addresses)                       // ON inferred from the foreign key
 *     .where(users.c.active.eq(true))
 *     .groupBy(users.c.name)
 *     .having(func.count(addresses.c.id).gt(1))
 *     .orderBy(users.c.name.desc())
 *     .limit(10).offset(20)
 */
import { ArgumentError, describeValue } from "../../errors.js";
import type { CacheKey } from "../compiler/cache-key.js";
import type { CompiledParts, StatementRoot } from "../compiler/compile.js";
import type { CompileContext } from "../compiler/context.js";
import { CompileError } from "../errors.js";
import { BindValue, BooleanList, Expression, OrderByItem, Unary } from "../expression/elements.js";
import { Precedence, type FromElement, type SqlNode } from "../expression/node.js";
import type { Condition } from "../expression/operators.js";
import { IntegerType } from "../schema/types.js";
import { canJoin, correlate, fromsOf, inferOnClause, Join, mergeFroms, type JoinKind } from "./from-clause.js";
import { compileEntry, expandItems, keyEntries, resultColumns, type RowOfItems, type SelectEntry, type SelectItem } from "./select-items.js";
import { Statement } from "./statement.js";
import { ScalarSubquery, Subquery, type SelectMode, type SubquerySelect } from "./subquery.js";

interface SelectState {
  readonly entries: readonly SelectEntry[];
  /** FROM elements given with from() or built by join(); undefined until either is called. */
  readonly froms: readonly FromElement[] | undefined;
  readonly where: readonly Expression[];
  readonly groupBy: readonly Expression[];
  readonly having: readonly Expression[];
  readonly orderBy: readonly OrderByItem[];
  readonly limit: BindValue | undefined;
  readonly offset: BindValue | undefined;
  readonly distinct: boolean;
}

const INTEGER = new IntegerType();

export class Select<R extends object = Record<string, unknown>> extends Statement<R> implements SubquerySelect, StatementRoot {
  constructor(private readonly state: SelectState) {
    super();
  }

  get entries(): readonly SelectEntry[] {
    return this.state.entries;
  }

  /** Add FROM elements explicitly (SQLAlchemy `select_from`); otherwise they come from the columns. */
  from(...froms: readonly FromElement[]): Select<R> {
    return this.#with({ froms: [...(this.state.froms ?? []), ...froms] });
  }

  /** INNER JOIN; without `on`, the ON clause comes from the one foreign key between the two sides. */
  join(target: FromElement, on?: Condition): Select<R> {
    return this.#join(target, on, "INNER");
  }

  /** LEFT OUTER JOIN, with the same ON inference as join(). */
  outerJoin(target: FromElement, on?: Condition): Select<R> {
    return this.#join(target, on, "LEFT");
  }

  /** WHERE; several calls (and several arguments) are ANDed together. */
  where(...conditions: readonly Condition[]): Select<R> {
    return this.#with({ where: [...this.state.where, ...(conditions as readonly Expression[])] });
  }

  groupBy(...expressions: readonly Expression[]): Select<R> {
    return this.#with({ groupBy: [...this.state.groupBy, ...expressions] });
  }

  having(...conditions: readonly Condition[]): Select<R> {
    return this.#with({ having: [...this.state.having, ...(conditions as readonly Expression[])] });
  }

  /** ORDER BY; a bare expression sorts ascending. */
  orderBy(...items: readonly (OrderByItem | Expression)[]): Select<R> {
    const order = items.map((item) => (item instanceof OrderByItem ? item : new OrderByItem(item, "ASC")));
    return this.#with({ orderBy: [...this.state.orderBy, ...order] });
  }

  /** At most `count` rows (a bound parameter, so every page shares one compiled statement); null removes it. */
  limit(count: number | null): Select<R> {
    return this.#with({ limit: count === null ? undefined : new BindValue(checkCount(count, "limit"), INTEGER, "limit()") });
  }

  offset(count: number | null): Select<R> {
    return this.#with({ offset: count === null ? undefined : new BindValue(checkCount(count, "offset"), INTEGER, "offset()") });
  }

  distinct(): Select<R> {
    return this.#with({ distinct: true });
  }

  /** A named subquery usable in FROM and joins, with its columns under `.c`. */
  subquery(alias: string): Subquery<R> {
    if (typeof alias !== "string" || alias === "") throw new ArgumentError("subquery() needs an alias: select(...).subquery(\"totals\").");
    return new Subquery<R>(this, alias);
  }

  /** The statement as a value in another (one column, at most one row); label it in a SELECT list. */
  scalarSubquery(): ScalarSubquery<R[keyof R] | null> {
    if (this.state.entries.length !== 1) throw new ArgumentError(`A scalar subquery selects exactly one column; this one selects ${this.state.entries.length}.`);
    return new ScalarSubquery(this);
  }

  /** `EXISTS (this select)`. */
  exists(): Expression<boolean> {
    return new Unary("EXISTS", new ScalarSubquery(this), "prefix", Precedence.unary);
  }

  asExpressionSubquery(): SqlNode {
    return new ScalarSubquery(this);
  }

  protected prepare(): StatementRoot {
    return this;
  }

  keyInto(key: CacheKey): void {
    const s = this.state;
    key.add("select", s.distinct ? "distinct" : "");
    keyEntries(key, s.entries);
    // Every FROM element, implicit ones too: a subquery named only through its columns
    // still puts its whole statement (and its values) into the key.
    const froms = mergeFroms(s.froms ?? [], fromsOf(this.#expressions()));
    key.add(`from ${s.froms?.length ?? 0} ${froms.length}`);
    for (const from of froms) from.keyInto(key);
    keyList(key, "where", s.where);
    keyList(key, "group", s.groupBy);
    keyList(key, "having", s.having);
    keyList(key, "order", s.orderBy);
    key.add("limit");
    s.limit?.keyInto(key);
    key.add("offset");
    s.offset?.keyInto(key);
    key.add("end");
  }

  compileRoot(ctx: CompileContext): CompiledParts {
    return { sql: this.compileSelect(ctx, "top"), columns: resultColumns(this.state.entries) };
  }

  compileSelect(ctx: CompileContext, mode: SelectMode): string {
    const s = this.state;
    let froms = mergeFroms(s.froms ?? [], fromsOf(this.#expressions()));
    if (mode === "correlated") froms = correlate(froms, ctx.state.correlated);
    const enclosing = mode === "derived" ? [] : ctx.state.correlated;
    const correlated = [...enclosing, ...froms.flatMap((f) => f.leaves())];
    return ctx.with({ correlated, qualifyColumns: true }, () => {
      let sql = `SELECT ${s.distinct ? "DISTINCT " : ""}${s.entries.map((e) => compileEntry(ctx, e)).join(", ")}`;
      // A derived table in FROM cannot see the enclosing query (that would need LATERAL).
      if (froms.length > 0) sql += ` FROM ${froms.map((f) => ctx.with({ correlated: [] }, () => f.compileFrom(ctx))).join(", ")}`;
      if (s.where.length > 0) sql += ` WHERE ${new BooleanList("AND", s.where).compile(ctx)}`;
      if (s.groupBy.length > 0) sql += ` GROUP BY ${s.groupBy.map((e) => e.compile(ctx)).join(", ")}`;
      if (s.having.length > 0) sql += ` HAVING ${new BooleanList("AND", s.having).compile(ctx)}`;
      if (s.orderBy.length > 0) sql += ` ORDER BY ${s.orderBy.map((o) => o.compile(ctx)).join(", ")}`;
      return sql + ctx.dialect.limitOffset(s.limit?.compile(ctx), s.offset?.compile(ctx));
    });
  }

  /** Every expression whose columns may name a FROM element. */
  #expressions(): SqlNode[] {
    const s = this.state;
    return [...s.entries.map((e) => e.expression), ...s.where, ...s.groupBy, ...s.having, ...s.orderBy];
  }

  #join(target: FromElement, on: Condition | undefined, kind: JoinKind): Select<R> {
    const froms = this.state.froms ?? mergeFroms([], fromsOf(this.#expressions()));
    const others = froms.filter((f) => f !== target);
    const index = on === undefined ? this.#joinableFrom(others, target) : this.#fromNamedIn(others, on as Expression, target);
    const left = others[index] as FromElement;
    const condition = (on as Expression | undefined) ?? inferOnClause(left, target);
    const joined = others.map((f, i) => (i === index ? new Join(left, target, condition, kind) : f));
    return this.#with({ froms: joined });
  }

  /** The one FROM element `target` has a foreign key with (SQLAlchemy: the left side is inferred). */
  #joinableFrom(froms: readonly FromElement[], target: FromElement): number {
    if (froms.length === 0) throw new CompileError(`Nothing to join ${target.describe()} to: select columns from a table first, or call from() before join().`);
    if (froms.length === 1) return 0;
    const candidates = froms.flatMap((f, i) => (canJoin(f, target) ? [i] : []));
    if (candidates.length === 1) return candidates[0] as number;
    const names = froms.map((f) => f.describe()).join(", ");
    throw new CompileError(
      candidates.length === 0
        ? `Can't find a foreign key between any of ${names} and ${target.describe()}. Give the ON clause: .join(${target.describe()}, <left column>.eq(<right column>)).`
        : `Can't choose which of ${names} to join ${target.describe()} to: several have foreign keys to it. Give the ON clause, or from() the left side first.`,
    );
  }

  /** With an explicit ON clause: the first FROM element it refers to, else the first one. */
  #fromNamedIn(froms: readonly FromElement[], on: Expression, target: FromElement): number {
    if (froms.length === 0) throw new CompileError(`Nothing to join ${target.describe()} to: select columns from a table first, or call from() before join().`);
    const named = new Set(fromsOf([on]));
    const index = froms.findIndex((f) => f.leaves().some((leaf) => named.has(leaf)));
    return index < 0 ? 0 : index;
  }

  #with(changes: Partial<SelectState>): Select<R> {
    return new Select<R>({ ...this.state, ...changes });
  }
}

function keyList(key: CacheKey, name: string, nodes: readonly SqlNode[]): void {
  key.add(name, `${nodes.length}`);
  for (const node of nodes) node.keyInto(key);
}

function checkCount(value: number, what: string): number {
  if (!Number.isSafeInteger(value) || value < 0) throw new ArgumentError(`${what}() takes a non-negative integer; got ${describeValue(value)}.`);
  return value;
}

/** `select(users.c.id, users.c.name)`, `select(users)`, `select(func.count().as("n")).from(users)`. */
export function select<const S extends readonly SelectItem[]>(...items: S): Select<RowOfItems<S>> {
  if (items.length === 0) throw new ArgumentError("select() needs at least one column, table or expression.");
  return new Select<RowOfItems<S>>({
    entries: Object.freeze(expandItems(items)),
    froms: undefined,
    where: [],
    groupBy: [],
    having: [],
    orderBy: [],
    limit: undefined,
    offset: undefined,
    distinct: false,
  });
}
