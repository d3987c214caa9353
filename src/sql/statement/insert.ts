/**
 * insert(table).values(row | rows).returning(...) (SQLAlchemy `Insert`).
 *
 * Several rows compile to one multi-row `VALUES (...), (...)` statement. An Executable is one
 * statement, so rows beyond the database's bind-parameter limit cannot be sent by one
 * compileFor(): compiling such an insert is a CompileError that names `batches(target)`,
 * which splits it into inserts that each fit (also at most 1000 rows each, SQLAlchemy's
 * insertmanyvalues page size). `executeBatches()` runs them in order.
 */
import { ArgumentError } from "../../errors.js";
import type { CacheKey } from "../compiler/cache-key.js";
import type { CompiledParts, CompiledQuery, StatementRoot } from "../compiler/compile.js";
import type { CompileContext } from "../compiler/context.js";
import { CompileError } from "../errors.js";
import type { CompileTarget } from "../executable.js";
import type { Expression } from "../expression/elements.js";
import type { AnyColumn } from "../schema/column.js";
import type { ColumnBuilders, InsertValuesOf } from "../schema/row-types.js";
import type { AnyTable, Table } from "../schema/table.js";
import { defaultValue, presentKeys, valueExpression } from "./dml-values.js";
import { compileReturning, keyReturning } from "./returning.js";
import { expandItems, resultColumns, type RowOfItems, type SelectEntry, type SelectItem } from "./select-items.js";
import { Statement } from "./statement.js";

/** SQLAlchemy's insertmanyvalues_page_size default: rows per statement, at most. */
export const MAX_ROWS_PER_INSERT = 1000;

type Row = Readonly<Record<string, unknown>>;

export class Insert<C extends ColumnBuilders = ColumnBuilders, R extends object = Record<string, never>> extends Statement<R> {
  constructor(
    readonly table: Table<string, C>,
    private readonly rows: readonly Row[],
    private readonly returningEntries: readonly SelectEntry[],
  ) {
    super();
  }

  /** One row, or several; several calls add rows. */
  values(rows: InsertValuesOf<C> | readonly InsertValuesOf<C>[]): Insert<C, R> {
    const added = (Array.isArray(rows) ? rows : [rows]) as readonly Row[];
    for (const row of added) presentKeys(this.#table, row, "insert().values()");
    return new Insert<C, R>(this.table, [...this.rows, ...added], this.returningEntries);
  }

  /** Return these columns of the inserted rows (not on MySQL; on MariaDB from 10.5). */
  returning<const S extends readonly SelectItem[]>(...items: S): Insert<C, RowOfItems<S>> {
    return new Insert<C, RowOfItems<S>>(this.table, this.rows, expandItems(items));
  }

  /**
   * This insert split into inserts that each fit the target's bind-parameter limit
   * (`capabilities.maxBindParameters`) and MAX_ROWS_PER_INSERT rows.
   */
  batches(target: CompileTarget): Insert<C, R>[] {
    const perRow = Math.max(1, this.#columnCount());
    const rowsPerBatch = Math.max(1, Math.min(MAX_ROWS_PER_INSERT, Math.floor(target.capabilities.maxBindParameters / perRow)));
    if (this.rows.length <= rowsPerBatch) return [this];
    const out: Insert<C, R>[] = [];
    for (let start = 0; start < this.rows.length; start += rowsPerBatch) {
      out.push(new Insert<C, R>(this.table, this.rows.slice(start, start + rowsPerBatch), this.returningEntries));
    }
    return out;
  }

  override compileFor(target: CompileTarget, params?: Readonly<Record<string, unknown>>): CompiledQuery {
    const count = Math.max(1, this.rows.length) * this.#columnCount();
    if (count > target.capabilities.maxBindParameters) {
      throw new CompileError(
        `This insert has ${this.rows.length} rows of ${this.#columnCount()} values: ${count} parameters, more than the ` +
          `'${target.name}' limit of ${target.capabilities.maxBindParameters} in one statement. ` +
          "Run insert.batches(engine.dialect) (or executeBatches(conn, insert)) to send it as several statements.",
      );
    }
    return super.compileFor(target, params);
  }

  protected prepare(): StatementRoot {
    return new PreparedInsert(this.#table, this.#preparedRows(), this.returningEntries);
  }

  get #table(): AnyTable {
    return this.table as unknown as AnyTable;
  }

  /** Columns per row: those given in any row, plus those with client-side defaults. */
  #columnCount(): number {
    const keys = new Set<string>();
    for (const row of this.rows) for (const [key, value] of Object.entries(row)) if (value !== undefined) keys.add(key);
    for (const column of this.#table.columns) if (column.spec.clientDefault !== undefined) keys.add(column.key);
    return keys.size;
  }

  /**
   * Rows as expressions per column (table order), client defaults filled in. The columns are
   * those any row gives; a row without one gets NULL when the column is nullable and has no
   * server default, otherwise it is an error (SQLite has no DEFAULT keyword in VALUES to ask
   * for the server's default in one row of several).
   */
  #preparedRows(): { columns: AnyColumn[]; rows: Expression[][] } {
    const table = this.#table;
    // insert(t) with no values() is one row of defaults.
    const source: readonly Row[] = this.rows.length === 0 ? [{}] : this.rows;
    const given = source.map((row) => {
      const keys = presentKeys(table, row, "insert().values()");
      const values = new Map<string, unknown>();
      for (const column of table.columns) {
        if (keys.has(column.key)) values.set(column.key, row[column.key]);
        else if (column.spec.clientDefault !== undefined) values.set(column.key, defaultValue(column.spec.clientDefault));
      }
      return values;
    });
    const columns = table.columns.filter((c) => given.some((values) => values.has(c.key)));
    const rows = given.map((values, i) =>
      columns.map((column) => {
        if (values.has(column.key)) return valueExpression(column, values.get(column.key));
        if (column.nullable && column.spec.serverDefault === undefined) return valueExpression(column, null);
        throw new ArgumentError(
          `insert().values(): row ${i + 1} has no value for ${column.describe()}, which other rows give and which ` +
            `${column.nullable ? "has a server default" : "is NOT NULL"}; give it in every row, or insert such rows separately.`,
        );
      }),
    );
    return { columns, rows };
  }
}

/** An insert with its values fixed for one execution. */
class PreparedInsert implements StatementRoot {
  constructor(
    private readonly table: AnyTable,
    private readonly values: { columns: AnyColumn[]; rows: Expression[][] },
    private readonly returningEntries: readonly SelectEntry[],
  ) {}

  keyInto(key: CacheKey): void {
    key.add("insert");
    this.table.keyInto(key);
    key.add(`(${this.values.columns.length}`);
    for (const column of this.values.columns) key.name(column.name);
    key.add(`) x${this.values.rows.length}`);
    for (const row of this.values.rows) for (const value of row) value.keyInto(key);
    keyReturning(key, this.returningEntries);
  }

  compileRoot(ctx: CompileContext): CompiledParts {
    const table = this.table.qualifier(ctx);
    const { columns, rows } = this.values;
    let sql: string;
    if (columns.length === 0) {
      if (rows.length > 1) throw new ArgumentError("insert().values() with several rows needs at least one column value per row.");
      sql = ctx.dialect.defaultValuesInsert(table);
    } else {
      const names = columns.map((c) => ctx.quote(c.name)).join(", ");
      const groups = rows.map((row) => `(${row.map((value) => value.compile(ctx)).join(", ")})`).join(", ");
      sql = `INSERT INTO ${table} (${names}) VALUES ${groups}`;
    }
    sql += compileReturning(ctx, "INSERT", this.returningEntries);
    return { sql, columns: resultColumns(this.returningEntries) };
  }
}

/** `insert(users).values({ name: "ed" })`; with no values() every column takes its default. */
export function insert<C extends ColumnBuilders>(table: Table<string, C>): Insert<C> {
  return new Insert<C>(table, [], []);
}
