import { ArgumentError } from "../errors.js";

/**
 * Values no column can hold, refused before anything is sent (not even BEGIN): drivers would
 * otherwise send a function as its source text, a Symbol as "Symbol(x)", an invalid Date as
 * "0NaN-NaN…" or NULL. Drivers still check what is specific to them (SQLite's NaN, MySQL's
 * objects) when they bind.
 */
export function checkBindValues(values: readonly unknown[], names: readonly string[] | undefined): void {
  for (let i = 0; i < values.length; i++) {
    const value = values[i];
    const problem =
      typeof value === "function"
        ? "a function"
        : typeof value === "symbol"
          ? "a Symbol"
          : value instanceof Date && Number.isNaN(value.getTime())
            ? "an invalid Date"
            : undefined;
    if (problem === undefined) continue;
    const which = names?.[i] !== undefined ? `bind parameter '${names[i]}'` : `parameter ${i + 1}`;
    throw new ArgumentError(`The value of ${which} is ${problem}, which no column can store; pass a string, number, bigint, boolean, Date, Buffer or null.`);
  }
}
