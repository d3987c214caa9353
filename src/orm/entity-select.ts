/**
 * select(User): a SELECT of entities (SQLAlchemy 2.0's ORM-enabled select). Immutable like
 * the Core select(); executed through a Session it returns entity instances through the
 * identity map:
 *
 *   const users = (await session.execute(select(User).where(User.c.name.eq("ed")).orderBy(User.c.id).limit(10))).scalars().all();
 *   const withPosts = await session.scalars(select(User).options(selectinload("posts")));
 *
 * It is not a Core statement (conn.execute() refuses it): only a session knows how to turn its
 * rows into objects. Other select() calls go to the Core select().
 */
import { ArgumentError } from "../errors.js";
import { and } from "../sql/expression/operators.js";
import type { Condition } from "../sql/expression/operators.js";
import { Expression, OrderByItem } from "../sql/expression/elements.js";
import type { FromElement } from "../sql/expression/node.js";
import type { AnyColumn } from "../sql/schema/column.js";
import { select as coreSelect, type Select } from "../sql/statement/select.js";
import type { RowOfItems, SelectItem } from "../sql/statement/select-items.js";
import { isEntityClass, type EntityClass } from "./entity-class.js";
import { resolveLoaderPath, type LoaderOption } from "./loader-options.js";
import { mapperOf, type Mapper } from "./mapper.js";
import type { Relationship } from "./relationships.js";

interface JoinClause {
  readonly target: FromElement;
  readonly on: Condition | undefined;
  readonly outer: boolean;
}

interface EntitySelectState {
  readonly where: readonly Condition[];
  readonly orderBy: readonly (OrderByItem | Expression)[];
  readonly limit: number | null;
  readonly offset: number | null;
  readonly joins: readonly JoinClause[];
  readonly loaders: readonly LoaderOption[];
}

/** A joined eager load as compiled: the alias, and the row keys of its columns. */
export interface JoinedLoad {
  readonly relationship: Relationship;
  /** Row key of each of the target's columns, in table order. */
  readonly keys: readonly string[];
}

export class EntitySelect<E extends object> {
  readonly mapper: Mapper;

  /** @internal */
  constructor(
    readonly entity: EntityClass<E>,
    private readonly state: EntitySelectState,
  ) {
    this.mapper = mapperOf(entity);
  }

  where(...conditions: readonly Condition[]): EntitySelect<E> {
    return this.#with({ where: [...this.state.where, ...conditions] });
  }

  /** Equality conditions by attribute name: `filterBy({ name: "ed" })`. */
  filterBy(values: Partial<Record<keyof E & string, unknown>>): EntitySelect<E> {
    const conditions = Object.entries(values).map(([key, value]) => {
      const column = (this.mapper.table.c as Readonly<Record<string, AnyColumn>>)[key];
      if (column === undefined || !Object.hasOwn(this.mapper.table.c, key)) throw new ArgumentError(`filterBy(): ${this.mapper.name} has no column '${key}'.`);
      return value === null ? column.isNull() : column.eq(value as never);
    });
    return this.where(...conditions);
  }

  orderBy(...items: readonly (OrderByItem | Expression)[]): EntitySelect<E> {
    return this.#with({ orderBy: [...this.state.orderBy, ...items] });
  }

  /** The same select with its ORDER BY replaced. */
  reorder(...items: readonly (OrderByItem | Expression)[]): EntitySelect<E> {
    return this.#with({ orderBy: items });
  }

  limit(count: number | null): EntitySelect<E> {
    return this.#with({ limit: count });
  }

  offset(count: number | null): EntitySelect<E> {
    return this.#with({ offset: count });
  }

  /** INNER JOIN another entity or table (ON from the foreign key unless given); rows repeat per match. */
  join(target: EntityClass | FromElement, on?: Condition): EntitySelect<E> {
    return this.#with({ joins: [...this.state.joins, { target: fromOf(target), on, outer: false }] });
  }

  outerJoin(target: EntityClass | FromElement, on?: Condition): EntitySelect<E> {
    return this.#with({ joins: [...this.state.joins, { target: fromOf(target), on, outer: true }] });
  }

  /**
   * Relationship loading: `.options(selectinload("posts"), joinedload("team"))`, nested with
   * `selectinload("members").selectinload("posts")` (see loader-options.ts).
   */
  options(...loaders: readonly LoaderOption<E>[]): EntitySelect<E> {
    for (const loader of loaders) resolveLoaderPath(this.mapper, loader); // unknown names, at any level, fail here, not after SQL was sent
    return this.#with({ loaders: [...this.state.loaders, ...(loaders as readonly LoaderOption[])] });
  }

  get loaders(): readonly LoaderOption[] {
    return this.state.loaders;
  }

  get limitValue(): number | null {
    return this.state.limit;
  }

  get orderByItems(): readonly (OrderByItem | Expression)[] {
    return this.state.orderBy;
  }

  /** The Core SELECT of the entity's columns (plus joined eager loads), and how to read the joined columns. */
  toCore(options: { order?: boolean; page?: boolean; eager?: boolean } = {}): { statement: Select<Record<string, unknown>>; joined: JoinedLoad[] } {
    const s = this.state;
    const joined: JoinedLoad[] = [];
    const extra: SelectItem[] = [];
    const joinedClauses: JoinClause[] = [];
    if (options.eager !== false) {
      s.loaders.forEach((loader, i) => {
        if (loader.strategy !== "joined") return;
        const rel = this.mapper.relationship(loader.key);
        if (rel.kind === "oneToMany" && (s.limit !== null || s.offset !== null) && options.page !== false) {
          throw new ArgumentError(
            `joinedload("${loader.key}") of a collection with limit()/offset() would limit the joined rows, not the ${this.mapper.name} rows; use selectinload("${loader.key}").`,
          );
        }
        const alias = rel.target.table.alias(`${rel.target.table.name}_${i + 1}`);
        const keys = alias.columns.map((c) => `${loader.key}_${i + 1}__${c.key}`);
        alias.columns.forEach((c, n) => extra.push(c.as(keys[n] as string)));
        const local = (column: AnyColumn) => (alias.correspondingColumn(column) as AnyColumn | undefined) ?? column;
        // The foreign key sits on the parent (many-to-one) or on the target (one-to-many).
        const pairs = rel.foreignKey.map((fk, n) => {
          const ref = rel.referenced[n] as AnyColumn;
          return rel.kind === "manyToOne" ? local(ref).eq(fk) : local(fk).eq(ref);
        });
        joinedClauses.push({ target: alias, on: pairs.length === 1 ? pairs[0] : and(...pairs), outer: true });
        joined.push({ relationship: rel, keys });
      });
    }
    let statement = coreSelect(this.mapper.table, ...extra) as unknown as Select<Record<string, unknown>>;
    for (const join of [...s.joins, ...joinedClauses]) {
      statement = join.outer ? statement.outerJoin(join.target, join.on) : statement.join(join.target, join.on);
    }
    if (s.where.length > 0) statement = statement.where(...s.where);
    if (options.order !== false && s.orderBy.length > 0) statement = statement.orderBy(...s.orderBy);
    if (options.page !== false) {
      if (s.limit !== null) statement = statement.limit(s.limit);
      if (s.offset !== null) statement = statement.offset(s.offset);
    }
    return { statement, joined };
  }

  #with(changes: Partial<EntitySelectState>): EntitySelect<E> {
    return new EntitySelect<E>(this.entity, { ...this.state, ...changes });
  }
}

function fromOf(target: EntityClass | FromElement): FromElement {
  return isEntityClass(target) ? (target.table as unknown as FromElement) : target;
}

export function isEntitySelect(value: unknown): value is EntitySelect<object> {
  return value instanceof EntitySelect;
}

/**
 * `select(User)`: an entity select; anything else is the Core select():
 * `select(users.c.id, func.count().as("n"))`.
 */
export function select<E extends object>(entity: EntityClass<E>): EntitySelect<E>;
export function select<const S extends readonly SelectItem[]>(...items: S): Select<RowOfItems<S>>;
export function select(...items: readonly unknown[]): unknown {
  const [first] = items;
  if (isEntityClass(first)) {
    if (items.length > 1) throw new ArgumentError("select(Entity) selects one entity; for columns of several tables use select(User.c.id, Post.c.title).");
    return new EntitySelect(first, { where: [], orderBy: [], limit: null, offset: null, joins: [], loaders: [] });
  }
  return (coreSelect as (...args: readonly unknown[]) => unknown)(...items);
}
