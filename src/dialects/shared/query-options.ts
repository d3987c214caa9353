/**
 * Reading a database URL's query options (`?sslmode=require&connect_timeout=5`) for a
 * dialect. Every dialect accepts a closed list and rejects the rest by name before anything
 * is sent (SPEC E1; SQLAlchemy's psycopg2/mysqldb dialects fail on unknown connect
 * arguments only at connect time, inside the driver; here it happens in createConnector).
 */
import { ArgumentError } from "../../errors.js";
import type { DatabaseUrl } from "../../url.js";

/** Throw an ArgumentError naming every query option not in `accepted`, and the accepted ones. */
export function rejectUnknownQueryOptions(url: DatabaseUrl, accepted: readonly string[], dialectName: string): void {
  const unknown = Object.keys(url.query).filter((key) => !accepted.includes(key));
  if (unknown.length === 0) return;
  throw new ArgumentError(
    `Unknown ${dialectName} URL query option(s) ${unknown.map((k) => `'${k}'`).join(", ")} in ${url.renderAsString()}. ` +
      `Accepted options: ${accepted.join(", ")}. Pass other driver settings through createEngine(url, { connectArgs }).`,
  );
}

/** The option's value, or undefined when absent; a repeated option is an error. */
export function singleQueryOption(url: DatabaseUrl, name: string): string | undefined {
  const value = url.query[name];
  if (value === undefined || typeof value === "string") return value;
  throw new ArgumentError(`URL query option '${name}' is given ${value.length} times; give it once.`);
}

/** An integer option >= 0 (`connect_timeout=10`); `unit` only words the error message. */
export function nonNegativeIntegerQueryOption(url: DatabaseUrl, name: string, unit: string): number | undefined {
  const text = singleQueryOption(url, name);
  if (text === undefined) return undefined;
  if (!/^\d+$/.test(text) || !Number.isSafeInteger(Number(text))) {
    throw new ArgumentError(`URL query option '${name}' must be a whole number of ${unit} (0 or more); got '${text}'.`);
  }
  return Number(text);
}

/**
 * An option whose value is one of `allowed`, compared case-insensitively (libpq's sslmode
 * and MySQL's --ssl-mode are documented in different cases); returns the `allowed` spelling.
 */
export function choiceQueryOption<T extends string>(url: DatabaseUrl, name: string, allowed: readonly T[]): T | undefined {
  const text = singleQueryOption(url, name);
  if (text === undefined) return undefined;
  const match = allowed.find((choice) => choice.toLowerCase() === text.toLowerCase());
  if (match !== undefined) return match;
  throw new ArgumentError(`URL query option '${name}' must be one of ${allowed.join(", ")}; got '${text}'.`);
}
