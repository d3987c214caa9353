/**
 * The legacy Query API the seeds use (SQLAlchemy `session.query(User).filter_by(id=1).first()`),
 * as a thin layer over select(Entity):
 *
 *   const ed = await session.query(User).filterBy({ name: "ed" }).first();
 *   const n = await session.query(User).filter(User.c.active.eq(true)).count();
 */
import type { ScalarResult } from "../engine/result.js";
import { NoResultFound, MultipleResultsFound } from "../errors.js";
import type { Expression, OrderByItem } from "../sql/expression/elements.js";
import type { Condition } from "../sql/expression/operators.js";
import type { EntityClass } from "./entity-class.js";
import { select, type EntitySelect } from "./entity-select.js";
import type { LoaderOption } from "./loader-options.js";
import type { Page, PageOptions } from "./pagination.js";

/** What a Query needs of its session. */
export interface QuerySession {
  scalars<E extends object>(statement: EntitySelect<E>): Promise<ScalarResult<E>>;
  paginate<E extends object>(statement: EntitySelect<E>, options: PageOptions): Promise<Page<E>>;
  count(statement: EntitySelect<object>): Promise<number>;
}

export class Query<E extends object> {
  readonly statement: EntitySelect<E>;

  constructor(
    private readonly session: QuerySession,
    entity: EntityClass<E>,
    statement?: EntitySelect<E>,
  ) {
    this.statement = statement ?? select(entity);
  }

  filter(...conditions: readonly Condition[]): Query<E> {
    return this.#with(this.statement.where(...conditions));
  }

  filterBy(values: Partial<Record<keyof E & string, unknown>>): Query<E> {
    return this.#with(this.statement.filterBy(values));
  }

  orderBy(...items: readonly (OrderByItem | Expression)[]): Query<E> {
    return this.#with(this.statement.orderBy(...items));
  }

  limit(count: number | null): Query<E> {
    return this.#with(this.statement.limit(count));
  }

  offset(count: number | null): Query<E> {
    return this.#with(this.statement.offset(count));
  }

  options(...loaders: readonly LoaderOption<E>[]): Query<E> {
    return this.#with(this.statement.options(...loaders));
  }

  async all(): Promise<E[]> {
    return (await this.session.scalars(this.statement)).all();
  }

  /** The first entity (LIMIT 1), or undefined. */
  async first(): Promise<E | undefined> {
    return (await this.session.scalars(this.statement.limit(1))).first();
  }

  async one(): Promise<E> {
    const found = await this.session.scalars(this.statement.limit(2));
    const all = found.all();
    if (all.length === 0) throw new NoResultFound();
    if (all.length > 1) throw new MultipleResultsFound("Multiple rows were found when exactly one was required.");
    return all[0] as E;
  }

  async oneOrNone(): Promise<E | undefined> {
    return (await this.session.scalars(this.statement.limit(2))).oneOrNone();
  }

  /** SELECT count(*) over the query (its limit and offset applied, as SQLAlchemy's Query.count()); loads nothing. */
  count(): Promise<number> {
    return this.session.count(this.statement);
  }

  async paginate(options: PageOptions): Promise<Page<E>> {
    return this.session.paginate(this.statement, options);
  }

  #with(statement: EntitySelect<E>): Query<E> {
    return new Query(this.session, this.statement.entity, statement);
  }
}
