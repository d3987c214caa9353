/** Quoting identifiers (table, column, savepoint names) for SQL text. */
import { ArgumentError } from "../../errors.js";

/**
 * NUL cannot appear in an identifier: PostgreSQL strings cannot hold it at all, and MySQL
 * "Schema Object Names" permits the full Unicode BMP in quoted identifiers "except U+0000".
 */
function checkName(name: string): void {
  if (typeof name !== "string" || name === "") throw new ArgumentError(`An identifier must be a non-empty string; got ${JSON.stringify(name)}.`);
  if (name.includes("\0")) throw new ArgumentError("An identifier cannot contain the NUL character.");
}

/** SQL standard / PostgreSQL: "x", with embedded double quotes doubled. */
export function quoteDoubleQuoted(name: string): string {
  checkName(name);
  return `"${name.replaceAll('"', '""')}"`;
}

/** MySQL/MariaDB: `x`, with embedded backticks doubled (MySQL manual, "Schema Object Names"). */
export function quoteBackticked(name: string): string {
  checkName(name);
  return `\`${name.replaceAll("`", "``")}\``;
}
