/**
 * Turning driver values into the columns' JavaScript types (SQLAlchemy result processors):
 * SQLite's 1/0 into booleans, JSON text into objects, pg's int8 strings into numbers...
 * Built once per compiled statement, applied to each row; columns that need nothing cost
 * nothing.
 */
import type { Processor } from "../schema/types.js";

/**
 * Converts rows in place: they are the driver's fresh arrays, converted once by the engine
 * (Connection.execute) before anyone sees them. In place, because a copy per row (and
 * bookkeeping of which rows were converted) cost as much as the conversion on large loads.
 */
export type RowsProcessor = (rows: unknown[][]) => unknown[][];

/** A processor for rows with these per-column processors, or undefined when none convert anything. */
export function rowsProcessor(processors: readonly (Processor | undefined)[]): RowsProcessor | undefined {
  const indexes: number[] = [];
  const converters: Processor[] = [];
  processors.forEach((process, index) => {
    if (process === undefined) return;
    indexes.push(index);
    converters.push(process);
  });
  if (indexes.length === 0) return undefined;
  return (rows) => {
    for (const row of rows) {
      for (let i = 0; i < indexes.length; i++) {
        const index = indexes[i] as number;
        const value = row[index];
        if (value !== null && value !== undefined) row[index] = (converters[i] as Processor)(value);
      }
    }
    return rows;
  };
}
