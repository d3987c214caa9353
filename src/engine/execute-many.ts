import { ArgumentError } from "../errors.js";
import type { TextClause } from "../sql/text.js";
import { checkBindValues } from "./bind-values.js";
import { batchSql, insertTemplate, rowsPerBatch } from "./insert-many-values.js";
import type { Dialect, DriverResult } from "./interfaces.js";
import { Result } from "./result.js";

/** How execute-many sends SQL: through the connection, with its events and error funnel. */
export interface StatementRunner {
  /** One statement, with afterExecute. */
  run(sql: string, values: unknown[]): Promise<Result>;
  /** One statement, raw (a batch of an insertmanyvalues). */
  runRaw(sql: string, values: unknown[]): Promise<DriverResult>;
}

/**
 * Every parameter set's values, checked before anything is sent: a bad 9 000th row must not
 * leave 8 999 rows inserted.
 */
export function valuesForEachSet(clause: TextClause, paramSets: readonly Record<string, unknown>[], dialect: Dialect<unknown>): unknown[][] {
  if (paramSets.length === 0) throw new ArgumentError("executemany needs at least one parameter set; got an empty array.");
  const options = { backslashEscapes: dialect.backslashEscapes };
  const { positions } = clause.compile(dialect.paramStyle, options);
  return paramSets.map((set, index) => {
    try {
      const values = clause.values(dialect.paramStyle, set, options);
      checkBindValues(values, positions);
      return values;
    } catch (err) {
      throw new ArgumentError(`Parameter set ${index} of ${paramSets.length}: ${(err as Error).message}`, { cause: err });
    }
  });
}

/**
 * SPEC E5: an INSERT ... VALUES runs as multi-row batches within the driver's parameter limit
 * (RETURNING rows concatenated in input order); anything else runs once per parameter set.
 */
export async function executeMany(clause: TextClause, valueLists: readonly unknown[][], dialect: Dialect<unknown>, runner: StatementRunner): Promise<Result> {
  const style = dialect.paramStyle;
  const compiled = clause.compile(style, { backslashEscapes: dialect.backslashEscapes });
  const template = insertTemplate(clause, dialect.backslashEscapes);
  if (template === undefined) {
    let total = 0;
    let last: Result | undefined;
    for (const values of valueLists) {
      last = await runner.run(compiled.sql, values);
      total += Math.max(0, last.rowCount);
    }
    return new Result([], [], total, last?.lastInsertId);
  }
  // Where each of the row's parameter occurrences finds its value in a compiled value list.
  const sourceIndex = template.rowParams.map((name) => compiled.positions.indexOf(name));
  const perBatch = rowsPerBatch(template, dialect.capabilities.maxBindParameters);
  const sqlByRows = new Map<number, string>();
  let columns: readonly string[] = [];
  const rows: unknown[][] = [];
  let total = 0;
  let lastInsertId: number | bigint | undefined;
  for (let start = 0; start < valueLists.length; start += perBatch) {
    const chunk = valueLists.slice(start, start + perBatch);
    let sql = sqlByRows.get(chunk.length);
    if (sql === undefined) {
      sql = batchSql(template, chunk.length, style);
      sqlByRows.set(chunk.length, sql);
    }
    const values: unknown[] = [];
    for (const rowValues of chunk) for (const i of sourceIndex) values.push(rowValues[i]);
    const result = await runner.runRaw(sql, values);
    if (result.columns.length > 0) columns = result.columns;
    for (const row of result.rows) rows.push(row);
    total += Math.max(0, result.rowCount);
    lastInsertId = result.lastInsertId ?? lastInsertId;
  }
  return new Result(columns, rows, total, lastInsertId);
}
