/**
 * A flush's multi-row INSERTs built as SQL text straight from the objects' values:
 *
 *   INSERT INTO "t" ("a", "b") VALUES ($1, $2), ($3, $4), ... RETURNING "id"
 *
 * the same statements insert(table).values(rows).batches(target) compiles, without a row
 * object, key check and bound-value node per value and a cache-key walk per statement: for
 * 10 000 new objects that was most of the flush's own time. Batches hold at most
 * MAX_ROWS_PER_INSERT rows and the database's bind-parameter limit; values go through their
 * columns' bind processors, RETURNING values through their result processors. Rows whose
 * values include SQL expressions, or with no column at all, take the expression path.
 */
import { processBindValue } from "../../sql/compiler/compile.js";
import { sqlDialectFor } from "../../sql/compiler/dialect.js";
import { rowsProcessor } from "../../sql/compiler/result-processing.js";
import { EXECUTABLE, type CompiledStatement, type CompileTarget, type Executable } from "../../sql/executable.js";
import { Expression } from "../../sql/expression/elements.js";
import type { AnyColumn } from "../../sql/schema/column.js";
import type { AnyTable } from "../../sql/schema/table.js";
import { MAX_ROWS_PER_INSERT } from "../../sql/statement/insert.js";

/** Can these rows (values in `columns` order) be inserted as SQL text? */
export function insertsAsValues(columns: readonly AnyColumn[], rows: readonly (readonly unknown[])[]): boolean {
  return columns.length > 0 && !rows.some((row) => row.some((value) => value instanceof Expression));
}

/** The INSERT statements for `rows`, in order. */
export function insertValueBatches(
  table: AnyTable,
  columns: readonly AnyColumn[],
  rows: readonly (readonly unknown[])[],
  returning: readonly AnyColumn[],
  target: CompileTarget,
): Executable[] {
  const perBatch = Math.max(1, Math.min(MAX_ROWS_PER_INSERT, Math.floor(target.capabilities.maxBindParameters / columns.length)));
  const out: Executable[] = [];
  for (let start = 0; start < rows.length; start += perBatch) out.push(insertValues(table, columns, rows.slice(start, start + perBatch), returning));
  return out;
}

function insertValues(table: AnyTable, columns: readonly AnyColumn[], rows: readonly (readonly unknown[])[], returning: readonly AnyColumn[]): Executable {
  return {
    [EXECUTABLE]: true,
    compileFor(target: CompileTarget): CompiledStatement {
      const dialect = sqlDialectFor(target);
      const q = (name: string): string => dialect.quote(name);
      const processes = columns.map((column) => column.type.bindProcessor(dialect));
      const params: unknown[] = [];
      const tuples: string[] = [];
      for (const row of rows) {
        const placeholders: string[] = [];
        for (let i = 0; i < columns.length; i++) {
          params.push(processBindValue(row[i], processes[i], (columns[i] as AnyColumn).describe()));
          placeholders.push(dialect.placeholder(params.length));
        }
        tuples.push(`(${placeholders.join(", ")})`);
      }
      const into = table.schema === undefined ? q(table.name) : `${q(table.schema)}.${q(table.name)}`;
      let sql = `INSERT INTO ${into} (${columns.map((c) => q(c.name)).join(", ")}) VALUES ${tuples.join(", ")}`;
      if (returning.length > 0) {
        dialect.checkReturning("INSERT");
        sql += ` RETURNING ${returning.map((c) => (c.name === c.key ? q(c.name) : `${q(c.name)} AS ${q(c.key)}`)).join(", ")}`;
      }
      return { sql, params, processRows: rowsProcessor(returning.map((c) => c.type.resultProcessor(dialect))) };
    },
  };
}
