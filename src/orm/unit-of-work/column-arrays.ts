/**
 * A flush's batches on PostgreSQL (and PGlite) as one statement per table over one array
 * parameter per column:
 *
 *   INSERT INTO "t" ("a", "b") SELECT "a", "b" FROM unnest($1::VARCHAR[], $2::INTEGER[])
 *     WITH ORDINALITY AS "athanor_rows"("a", "b", "athanor_n") ORDER BY "athanor_n" RETURNING "id"
 *   UPDATE "t" SET "a" = "athanor_rows"."a"
 *     FROM unnest($1::INTEGER[], $2::VARCHAR[]) AS "athanor_rows"("id", "a") WHERE "t"."id" = "athanor_rows"."id"
 *
 * The text is the same for every batch of a table and column set, whatever its row count, so
 * a connection parses and plans it once (prepared statements); a VALUES list of N rows is a
 * new statement of N × columns parameters that the server parses every time (a third of its
 * time for 8 000 rows here), and building its placeholders was a good part of the flush's.
 * The UPDATE is a hash join, linear in the batch (CASE WHEN is quadratic).
 *
 * Casts use castType (no length: an explicit ::VARCHAR(n) truncates silently; storing into
 * the column raises "value too long"). ORDER BY the ordinality keeps the rows, and so the
 * keys nextval() draws for them, in the objects' order, which the flush relies on to pair
 * RETURNING rows with objects (as with VALUES; SQLAlchemy's insertmanyvalues orders its
 * rows the same way). Values go through their columns' bind processors first; a value that
 * the drivers would not write as an array element as they write a parameter (an object the
 * processor left as it is) sends the batch down the VALUES or CASE path instead.
 */
import { processBindValue } from "../../sql/compiler/compile.js";
import { sqlDialectFor, type SqlDialect } from "../../sql/compiler/dialect.js";
import { rowsProcessor } from "../../sql/compiler/result-processing.js";
import { EXECUTABLE, type CompileTarget, type Executable } from "../../sql/executable.js";
import type { AnyColumn } from "../../sql/schema/column.js";
import type { AnyTable } from "../../sql/schema/table.js";

/** The rows' alias: not a name a mapped table is likely to have. */
const ROWS = '"athanor_rows"';
const ORDINAL = '"athanor_n"';

/** Rows per statement at most: bounds one parameter's size, not the server's limits. */
export const MAX_ROWS_PER_ARRAY_BATCH = 10_000;

/** Can this target take a batch as column arrays (unnest)? */
export function takesColumnArrays(target: CompileTarget): boolean {
  return sqlDialectFor(target).family === "postgresql";
}

/**
 * `rowCount` rows' values column by column, processed for binding: `valueAt(r, c)` →
 * `arrays[c][r]` (read straight from the objects: no array per row). undefined when a value
 * cannot travel as an array element.
 */
export function columnArrays(target: CompileTarget, columns: readonly AnyColumn[], rowCount: number, valueAt: (row: number, column: number) => unknown): unknown[][] | undefined {
  const dialect = sqlDialectFor(target);
  const arrays: unknown[][] = [];
  for (let c = 0; c < columns.length; c++) {
    const column = columns[c] as AnyColumn;
    const process = column.type.bindProcessor(dialect);
    const array = new Array<unknown>(rowCount);
    for (let r = 0; r < rowCount; r++) {
      const value = process === undefined ? (valueAt(r, c) ?? null) : processBindValue(valueAt(r, c), process, column.describe());
      if (!elementSafe(value)) return undefined;
      array[r] = value;
    }
    arrays.push(array);
  }
  return arrays;
}

/** Written inside an array literal exactly as it would be as a parameter of its own. */
function elementSafe(value: unknown): boolean {
  const type = typeof value;
  return value === null || type === "string" || type === "number" || type === "boolean" || type === "bigint" || value instanceof Uint8Array;
}

/** Split column arrays into batches of at most MAX_ROWS_PER_ARRAY_BATCH rows. */
export function arrayBatches(arrays: readonly unknown[][], rowCount: number): unknown[][][] {
  if (rowCount <= MAX_ROWS_PER_ARRAY_BATCH) return [arrays as unknown[][]];
  const out: unknown[][][] = [];
  for (let start = 0; start < rowCount; start += MAX_ROWS_PER_ARRAY_BATCH) out.push(arrays.map((a) => a.slice(start, start + MAX_ROWS_PER_ARRAY_BATCH)));
  return out;
}

function unnest(dialect: SqlDialect, columns: readonly AnyColumn[]): string {
  return `unnest(${columns.map((c, i) => `${dialect.placeholder(i + 1)}::${c.type.castType(dialect)}[]`).join(", ")})`;
}

function qualified(table: AnyTable, dialect: SqlDialect): string {
  return table.schema === undefined ? dialect.quote(table.name) : `${dialect.quote(table.schema)}.${dialect.quote(table.name)}`;
}

/** INSERT of the rows in `arrays` (one per column, from columnArrays), RETURNING `returning`. */
export function insertFromArrays(table: AnyTable, columns: readonly AnyColumn[], arrays: readonly unknown[][], returning: readonly AnyColumn[]): Executable {
  return {
    [EXECUTABLE]: true,
    compileFor(target: CompileTarget) {
      const dialect = sqlDialectFor(target);
      const names = columns.map((c) => dialect.quote(c.name)).join(", ");
      let sql = `INSERT INTO ${qualified(table, dialect)} (${names}) SELECT ${names} FROM ${unnest(dialect, columns)} WITH ORDINALITY AS ${ROWS}(${names}, ${ORDINAL}) ORDER BY ${ORDINAL}`;
      if (returning.length > 0) {
        sql += ` RETURNING ${returning.map((c) => (c.name === c.key ? dialect.quote(c.name) : `${dialect.quote(c.name)} AS ${dialect.quote(c.key)}`)).join(", ")}`;
      }
      return { sql, params: arrayParams(dialect, arrays), processRows: rowsProcessor(returning.map((c) => c.type.resultProcessor(dialect))) };
    },
  };
}

/** UPDATE by primary key: `arrays` holds the key columns' values, then `columns`' new values. */
export function updateFromArrays(table: AnyTable, columns: readonly AnyColumn[], arrays: readonly unknown[][]): Executable {
  return {
    [EXECUTABLE]: true,
    compileFor(target: CompileTarget) {
      const dialect = sqlDialectFor(target);
      const q = (name: string): string => dialect.quote(name);
      const all = [...table.primaryKey, ...columns];
      const updated = qualified(table, dialect);
      const set = columns.map((c) => `${q(c.name)} = ${ROWS}.${q(c.name)}`).join(", ");
      const join = table.primaryKey.map((c) => `${updated}.${q(c.name)} = ${ROWS}.${q(c.name)}`).join(" AND ");
      return { sql: `UPDATE ${updated} SET ${set} FROM ${unnest(dialect, all)} AS ${ROWS}(${all.map((c) => q(c.name)).join(", ")}) WHERE ${join}`, params: arrayParams(dialect, arrays) };
    },
  };
}

/**
 * node-postgres: each array as PostgreSQL's array literal, built here. pg's own arrayString
 * makes the same text (NULL; strings quoted, with backslash and double quote escaped; bytes as
 * \\x hex; numbers and booleans quoted as toString() gives them) through a generic conversion per
 * element, which was a tenth of a 10 000-row UPDATE's time. PGlite serializes arrays itself,
 * by the server's parameter types: its arrays go as they are.
 */
function arrayParams(dialect: SqlDialect, arrays: readonly unknown[][]): readonly unknown[] {
  return dialect.name === "postgresql" ? arrays.map(arrayLiteral) : arrays;
}

const ESCAPED = /[\\"]/g;

/** The values columnArrays allows (null, strings, numbers, booleans, bigints, bytes) as an array literal. */
export function arrayLiteral(values: readonly unknown[]): string {
  // Parts joined once: appending to one string per element built a rope of 20 000 pieces.
  const parts = new Array<string>(values.length);
  for (let i = 0; i < values.length; i++) {
    const value = values[i];
    if (value === null || value === undefined) parts[i] = "NULL";
    else if (typeof value === "string") parts[i] = value.includes('"') || value.includes("\\") ? `"${value.replace(ESCAPED, "\\$&")}"` : `"${value}"`;
    else if (value instanceof Uint8Array) parts[i] = `\\\\x${Buffer.from(value.buffer, value.byteOffset, value.byteLength).toString("hex")}`;
    else parts[i] = `"${String(value)}"`;
  }
  return `{${parts.join(",")}}`;
}
