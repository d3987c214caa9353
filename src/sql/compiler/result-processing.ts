/**
 * Turning driver values into the columns' JavaScript types (SQLAlchemy result processors):
 * SQLite's 1/0 into booleans, JSON text into objects, pg's int8 strings into numbers...
 * Built once per compiled statement, applied to each row; columns that need nothing cost
 * nothing.
 */
import type { Processor } from "../schema/types.js";

export type RowsProcessor = (rows: readonly (readonly unknown[])[]) => unknown[][];

/**
 * Rows this module produced. Processing twice would be wrong for some types (a JSON string
 * value parsed again), so whoever applies a processor can ask whether rows already are.
 */
const processedRows = new WeakSet<readonly unknown[]>();

export function isProcessedRow(row: readonly unknown[]): boolean {
  return processedRows.has(row);
}

/** A processor for rows with these per-column processors, or undefined when none convert anything. */
export function rowsProcessor(processors: readonly (Processor | undefined)[]): RowsProcessor | undefined {
  const active: [number, Processor][] = [];
  processors.forEach((process, index) => {
    if (process !== undefined) active.push([index, process]);
  });
  if (active.length === 0) return undefined;
  return (rows) =>
    rows.map((row) => {
      if (processedRows.has(row)) return row as unknown[];
      const out = [...row];
      for (const [index, process] of active) {
        const value = out[index];
        if (value !== null && value !== undefined) out[index] = process(value);
      }
      processedRows.add(out);
      return out;
    });
}
