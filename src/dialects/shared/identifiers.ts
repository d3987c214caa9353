/** Identifier quoting shared by the dialects that use standard SQL double quotes (PostgreSQL, PGlite, SQLite). */
import { ArgumentError } from "../../errors.js";

/** `"name"`, with embedded double quotes doubled (SQL standard; PostgreSQL and SQLite lexers). */
export function quoteDoubleQuoted(name: string): string {
  return `"${name.replaceAll('"', '""')}"`;
}

/** Lower-case unquoted names mean the same in every database that folds case (PostgreSQL folds to lower). */
const PLAIN_NAME = /^[a-z_][a-z0-9_]*$/;

/**
 * A savepoint name as it appears in SAVEPOINT / RELEASE / ROLLBACK TO: bare when it is a plain
 * lower-case identifier (what the engine generates, `sa_savepoint_1`), quoted otherwise, as
 * SQLAlchemy's `IdentifierPreparer.format_savepoint` does. A name is never spliced in raw.
 */
export function formatSavepointName(name: string): string {
  if (typeof name !== "string" || name.length === 0) throw new ArgumentError("A savepoint name must be a non-empty string.");
  return PLAIN_NAME.test(name) ? name : quoteDoubleQuoted(name);
}
