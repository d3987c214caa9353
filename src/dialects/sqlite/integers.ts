/**
 * SQLite integers are 64-bit. better-sqlite3 reads them as JS numbers by default, silently
 * rounding those beyond 2^53 (9007199254740993 reads as ...992). Statements run with
 * safeIntegers(true), so every integer arrives as a bigint, and this turns the ones a number
 * holds exactly back into numbers: small integers stay plain numbers, big ones stay exact
 * (the same rule PGlite follows for int8).
 */
export function exactIntegers(row: unknown[]): unknown[] {
  for (let i = 0; i < row.length; i++) {
    const value = row[i];
    if (typeof value === "bigint" && value >= MIN_SAFE && value <= MAX_SAFE) row[i] = Number(value);
  }
  return row;
}

const MAX_SAFE = BigInt(Number.MAX_SAFE_INTEGER);
const MIN_SAFE = BigInt(Number.MIN_SAFE_INTEGER);
