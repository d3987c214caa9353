import { MultipleResultsFound, NoResultFound } from "../errors.js";
import { rowClassFor, type Row } from "./row.js";

/**
 * A buffered statement result (SQLAlchemy `Result`). Iterate it (sync or `for await`) or
 * ask for `all()`, `first()`, `one()`, `oneOrNone()`, `scalar()`, `scalars()`,
 * `mappings()`. The rows are held in memory, so each method sees all of them; for results
 * too large for memory use `conn.stream()`.
 */
export class Result<T extends object = Record<string, unknown>> implements Iterable<Row<T>>, AsyncIterable<Row<T>> {
  private rowsCache: Row<T>[] | undefined = undefined;

  constructor(
    private readonly columns: readonly string[],
    private readonly rawRows: readonly (readonly unknown[])[],
    /** Rows affected (INSERT/UPDATE/DELETE) or returned (SELECT); -1 when the driver does not say. */
    readonly rowCount: number,
    /** The id of the last inserted row where the driver reports it (MySQL, SQLite). */
    readonly lastInsertId?: number | bigint,
  ) {}

  /** Column names. */
  keys(): string[] {
    return [...this.columns];
  }

  /** @internal The rows as the driver's arrays, in column order: for readers (the ORM) that need no Row objects. */
  rowValues(): readonly (readonly unknown[])[] {
    return this.rawRows;
  }

  /** Does the statement return rows (a SELECT or RETURNING)? */
  get returnsRows(): boolean {
    return this.columns.length > 0;
  }

  all(): Row<T>[] {
    if (this.rowsCache === undefined) {
      const RowClass = rowClassFor(this.columns);
      this.rowsCache = this.rawRows.map((values) => new RowClass(values) as Row<T>);
    }
    return this.rowsCache;
  }

  /** The first row, or undefined when there is none. */
  first(): Row<T> | undefined {
    return this.all()[0];
  }

  /** Exactly one row, else NoResultFound / MultipleResultsFound. */
  one(): Row<T> {
    const rows = this.all();
    if (rows.length === 0) throw new NoResultFound();
    if (rows.length > 1) throw new MultipleResultsFound(`Multiple rows (${rows.length}) were found when exactly one was required.`);
    return rows[0] as Row<T>;
  }

  /** One row or undefined; MultipleResultsFound if there are more. */
  oneOrNone(): Row<T> | undefined {
    const rows = this.all();
    if (rows.length > 1) throw new MultipleResultsFound(`Multiple rows (${rows.length}) were found when one or none was required.`);
    return rows[0];
  }

  /** The first column of the first row, or undefined when there are no rows. */
  scalar<V = unknown>(): V | undefined {
    return this.rawRows[0]?.[0] as V | undefined;
  }

  /** One column of each row (the first by default). */
  scalars<V = T[keyof T]>(index = 0): ScalarResult<V> {
    return new ScalarResult<V>(this.rawRows.map((row) => row[index] as V));
  }

  /** Each row as a plain object. */
  mappings(): MappingResult<T> {
    return new MappingResult<T>(this.all().map((row) => row._mapping as T));
  }

  [Symbol.iterator](): Iterator<Row<T>> {
    return this.all()[Symbol.iterator]();
  }

  async *[Symbol.asyncIterator](): AsyncIterator<Row<T>> {
    yield* this.all();
  }
}

/** Shared by ScalarResult and MappingResult: a list of values with the one-row helpers. */
abstract class ValueList<V> implements Iterable<V>, AsyncIterable<V> {
  constructor(protected readonly values: readonly V[]) {}

  all(): V[] {
    return [...this.values];
  }

  first(): V | undefined {
    return this.values[0];
  }

  one(): V {
    if (this.values.length === 0) throw new NoResultFound();
    if (this.values.length > 1) throw new MultipleResultsFound(`Multiple rows (${this.values.length}) were found when exactly one was required.`);
    return this.values[0] as V;
  }

  oneOrNone(): V | undefined {
    if (this.values.length > 1) throw new MultipleResultsFound(`Multiple rows (${this.values.length}) were found when one or none was required.`);
    return this.values[0];
  }

  [Symbol.iterator](): Iterator<V> {
    return this.values[Symbol.iterator]();
  }

  async *[Symbol.asyncIterator](): AsyncIterator<V> {
    yield* this.values;
  }
}

export class ScalarResult<V> extends ValueList<V> {}

export class MappingResult<T> extends ValueList<T> {}
