/**
 * Reading many entities without holding them all (SPEC S8): offset pages with a total
 * (Flask-SQLAlchemy's paginate), keyset pages (WHERE (a, b) > (last a, last b): each page
 * costs the same however deep), and streaming in keyset batches. Streaming by keyset rather
 * than a server-side cursor works the same on every database and keeps no cursor open
 * between batches; with clean objects held weakly the heap stays flat.
 */
import { ArgumentError, describeValue } from "../errors.js";
import { Column, type AnyColumn } from "../sql/schema/column.js";
import { OrderByItem, type Expression } from "../sql/expression/elements.js";
import { and, or } from "../sql/expression/operators.js";
import { func } from "../sql/expression/functions.js";
import { select as coreSelect } from "../sql/statement/select.js";
import type { EntitySelect } from "./entity-select.js";
import { loadEntities } from "./loading.js";
import { stateOf } from "./mapper.js";
import type { OrmContext } from "./orm-context.js";

export interface PageOptions {
  /** 1-based. */
  page: number;
  perPage: number;
}

export interface Page<E> {
  readonly items: E[];
  readonly total: number;
  readonly page: number;
  readonly perPage: number;
  readonly pages: number;
  readonly hasNext: boolean;
  readonly hasPrev: boolean;
}

export interface KeysetOptions {
  perPage: number;
  /** The previous page's `next` cursor; omit for the first page. */
  after?: readonly unknown[] | undefined;
}

export interface KeysetPage<E> {
  readonly items: E[];
  /** Pass as `after` for the next page; undefined on the last page. */
  readonly next: readonly unknown[] | undefined;
}

export interface StreamEntitiesOptions {
  /** Rows per batch (default 1000). */
  yieldPer?: number;
}

function checkPositive(value: number, what: string): void {
  if (!Number.isSafeInteger(value) || value < 1) throw new ArgumentError(`${what} must be a positive integer; got ${describeValue(value)}.`);
}

export async function paginate<E extends object>(ctx: OrmContext, statement: EntitySelect<E>, options: PageOptions): Promise<Page<E>> {
  checkPositive(options.page, "page");
  checkPositive(options.perPage, "perPage");
  const { page, perPage } = options;
  const items = await loadEntities(ctx, statement.limit(perPage).offset((page - 1) * perPage));
  const total = await countRows(ctx, statement, false);
  const pages = Math.ceil(total / perPage);
  return { items, total, page, perPage, pages, hasNext: page < pages, hasPrev: page > 1 };
}

/**
 * How many rows `statement` selects: SELECT count(*) FROM (the statement, unordered, without
 * eager loads) — nothing is loaded. `page`: keep its LIMIT/OFFSET (Query.count() counts the
 * query as written; a paginated total counts them all).
 */
export async function countRows(ctx: OrmContext, statement: EntitySelect<object>, page: boolean): Promise<number> {
  const counted = coreSelect(func.count().as("total")).from(statement.toCore({ order: false, page, eager: false }).statement.subquery("counted"));
  return Number((await ctx.run(counted)).scalar() ?? 0);
}

interface SortKey {
  readonly column: AnyColumn;
  readonly descending: boolean;
}

/** The statement's ORDER BY as columns of the entity, with the primary key appended so the order is total. */
function sortKeys(statement: EntitySelect<object>): SortKey[] {
  const keys = statement.orderByItems.map((item) => {
    const expression: Expression = item instanceof OrderByItem ? item.expression : item;
    if (!(expression instanceof Column) || !statement.mapper.columns.includes((expression as AnyColumn).tableColumn)) {
      throw new ArgumentError(`Keyset pagination orders by columns of ${statement.mapper.name}; ORDER BY ${expression.constructor.name} is not one.`);
    }
    return { column: (expression as AnyColumn).tableColumn, descending: item instanceof OrderByItem && item.direction === "DESC" };
  });
  for (const column of statement.mapper.primaryKey) if (!keys.some((k) => k.column === column)) keys.push({ column, descending: false });
  return keys;
}

export async function keysetPage<E extends object>(ctx: OrmContext, statement: EntitySelect<E>, options: KeysetOptions): Promise<KeysetPage<E>> {
  checkPositive(options.perPage, "perPage");
  const keys = sortKeys(statement as EntitySelect<object>);
  let paged = statement.reorder(...keys.map((k) => (k.descending ? k.column.desc() : k.column.asc())));
  const after = options.after;
  if (after !== undefined) {
    if (after.length !== keys.length) throw new ArgumentError(`This keyset cursor has ${after.length} values; the order has ${keys.length} columns. Pass the \`next\` of the previous page.`);
    // (a, b) after (x, y): a > x OR (a = x AND b > y), each comparison in its column's direction.
    const branches = keys.map((key, i) => {
      const value = after[i] as never;
      const beyond = key.descending ? key.column.lt(value) : key.column.gt(value);
      const equalBefore = keys.slice(0, i).map((k, j) => k.column.eq(after[j] as never));
      return equalBefore.length === 0 ? beyond : and(...equalBefore, beyond);
    });
    paged = paged.where(branches.length === 1 ? (branches[0] as Expression<boolean>) : or(...branches));
  }
  const rows = await loadEntities(ctx, paged.limit(options.perPage + 1));
  const items = rows.slice(0, options.perPage);
  const last = items[items.length - 1];
  const next = rows.length > options.perPage && last !== undefined ? keys.map((k) => stateOf(last).values.get(k.column.key)) : undefined;
  return { items, next };
}

/** Entities page by page, each page fetched when the previous one is consumed. */
export async function* streamEntities<E>(fetch: (after: readonly unknown[] | undefined) => Promise<KeysetPage<E>>): AsyncGenerator<E> {
  let after: readonly unknown[] | undefined;
  do {
    const page = await fetch(after);
    after = page.next;
    yield* page.items;
  } while (after !== undefined);
}
