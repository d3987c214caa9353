/**
 * Running statements with typed, type-converted results, through any Connection or Session:
 * the engine converts a compiled statement's rows with its result processors itself, so this
 * is the typed door to conn.execute(stmt).
 */
import { Result } from "../../engine/result.js";
import { EXECUTABLE, type CompileTarget, type Executable, type TypedExecutable } from "../executable.js";
import type { ColumnBuilders } from "../schema/row-types.js";
import type { Insert } from "./insert.js";

export type { TypedExecutable } from "../executable.js";

/** A Connection or a Session. */
export interface ResultExecutor {
  execute(statement: Executable, params?: Record<string, unknown>): Promise<Result>;
}

/** Execute `statement` and return its rows typed `R` and converted to the columns' JavaScript types. */
export async function executeStatement<R extends object>(
  executor: ResultExecutor,
  statement: TypedExecutable<R>,
  params?: Record<string, unknown>,
): Promise<Result<R>> {
  return (await executor.execute(statement, params)) as unknown as Result<R>;
}

/**
 * Execute an insert of any number of rows as `insert.batches(dialect)` statements, in order,
 * in the executor's current transaction; RETURNING rows come back together, in input order.
 */
export async function executeBatches<C extends ColumnBuilders, R extends object>(executor: ResultExecutor, insert: Insert<C, R>): Promise<Result<R>> {
  let batches: Insert<C, R>[] | undefined;
  let index = 0;
  const results: Result<R>[] = [];
  do {
    const position = index;
    const batch: Executable = {
      [EXECUTABLE]: true,
      compileFor(target: CompileTarget, values?: Readonly<Record<string, unknown>>) {
        batches ??= insert.batches(target);
        return (batches[position] as Insert<C, R>).compileFor(target, values);
      },
    };
    results.push(await executeStatement<R>(executor, batch));
    index++;
  } while (batches !== undefined && index < batches.length);
  if (results.length === 1) return results[0] as Result<R>;
  const first = results[0] as Result<R>;
  const rows = results.flatMap((r) => r.all().map((row) => [...row._values]));
  const rowCount = results.reduce((sum, r) => sum + Math.max(0, r.rowCount), 0);
  return new Result<R>(first.keys(), rows, rowCount, results[results.length - 1]?.lastInsertId);
}
