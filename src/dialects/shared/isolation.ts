/** Isolation level names shared by the server dialects (SPEC E3). */
import { ArgumentError } from "../../errors.js";
import type { IsolationLevel } from "../../engine/interfaces.js";

export type ServerIsolationLevel = Exclude<IsolationLevel, "AUTOCOMMIT">;

/** The four SQL-standard levels; PostgreSQL and MySQL/MariaDB accept all four. */
export const SQL_ISOLATION_LEVELS: readonly ServerIsolationLevel[] = Object.freeze([
  "READ UNCOMMITTED",
  "READ COMMITTED",
  "REPEATABLE READ",
  "SERIALIZABLE",
]);

/**
 * Check a level before it is written into SQL (callers from plain JavaScript are not held to
 * the type); "AUTOCOMMIT" never reaches the server, the engine handles it.
 */
export function checkIsolationLevel(level: unknown, accepted: readonly ServerIsolationLevel[]): ServerIsolationLevel {
  const match = accepted.find((candidate) => candidate === level);
  if (match !== undefined) return match;
  throw new ArgumentError(
    `Invalid isolation level ${JSON.stringify(level)}; use one of ${accepted.join(", ")} (or "AUTOCOMMIT", which the engine handles).`,
  );
}

/**
 * A level as a server reports it: PostgreSQL `SHOW transaction_isolation` says
 * "read committed"; MySQL/MariaDB `@@transaction_isolation` says "REPEATABLE-READ".
 */
export function parseReportedIsolationLevel(reported: unknown): ServerIsolationLevel {
  const normalised = String(reported).trim().toUpperCase().replace(/[-_\s]+/g, " ");
  const match = SQL_ISOLATION_LEVELS.find((level) => level === normalised);
  if (match !== undefined) return match;
  throw new Error(`The server reported an unknown transaction isolation level: ${JSON.stringify(reported)}.`);
}
