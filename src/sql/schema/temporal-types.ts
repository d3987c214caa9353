/**
 * Dates and times. A JavaScript Date is an instant, so DateTime stores instants:
 *   PostgreSQL/PGlite  TIMESTAMP WITH TIME ZONE, sent as ISO-8601 UTC text; both drivers
 *                      parse timestamptz into the same instant.
 *   MySQL/MariaDB      DATETIME(6) (no time zone type can hold microseconds and dates past
 *                      2038); Dates are handed to mysql2, which writes and reads them in its
 *                      `timezone` setting (the process's local zone by default), so a value
 *                      round-trips whatever that setting is.
 *   SQLite             TEXT in ISO-8601 UTC ("2024-05-01T12:00:00.000Z", fixed width, so text
 *                      order is time order); text without a zone (CURRENT_TIMESTAMP's
 *                      "2024-05-01 12:00:00") is read as UTC, which is what SQLite writes.
 *
 * DateOnly is a calendar date with no time and no zone, as a "YYYY-MM-DD" string: a Date
 * would have to pick a zone, and each driver picks differently (pg and mysql2 the local
 * midnight, PGlite UTC midnight).
 */
import { ArgumentError } from "../../errors.js";
import type { SqlDialect } from "../compiler/dialect.js";
import { ResultTypeError } from "../errors.js";
import { SqlType, type Processor } from "./types.js";

function toDate(value: unknown): Date {
  const date = value instanceof Date ? value : typeof value === "string" || typeof value === "number" ? new Date(value) : undefined;
  if (date === undefined || Number.isNaN(date.getTime())) {
    throw new ArgumentError(`A DateTime column takes a Date (or an ISO-8601 string); got ${describe(value)}.`);
  }
  return date;
}

const ZONE_SUFFIX = /(?:Z|[+-]\d{2}(?::?\d{2})?)$/i;

/** SQLite text, with or without a zone; without one it is UTC (SQLite's own clock is UTC). */
function parseSqliteTimestamp(value: unknown): Date {
  if (value instanceof Date) return value;
  if (typeof value === "number") return new Date(value);
  const text = String(value).trim();
  const iso = ZONE_SUFFIX.test(text) ? text : `${text.replace(" ", "T")}Z`;
  const date = new Date(iso);
  if (Number.isNaN(date.getTime())) throw new ResultTypeError(`DateTime: cannot read ${JSON.stringify(value)} as a date and time.`);
  return date;
}

function parseDriverTimestamp(value: unknown): Date {
  if (value instanceof Date) return value;
  const date = new Date(String(value).replace(" ", "T"));
  if (Number.isNaN(date.getTime())) throw new ResultTypeError(`DateTime: cannot read ${JSON.stringify(value)} as a date and time.`);
  return date;
}

export class DateTimeType extends SqlType<Date> {
  readonly key = "datetime";
  ddl(dialect: SqlDialect): string {
    return { postgresql: "TIMESTAMP WITH TIME ZONE", mysql: "DATETIME(6)", sqlite: "TEXT" }[dialect.family];
  }
  override bindProcessor(dialect: SqlDialect): Processor {
    if (dialect.family === "mysql") return toDate;
    return (value) => toDate(value).toISOString();
  }
  override resultProcessor(dialect: SqlDialect): Processor {
    return dialect.family === "sqlite" ? parseSqliteTimestamp : parseDriverTimestamp;
  }
}

const DATE_ONLY = /^\d{4}-\d{2}-\d{2}$/;

function pad(n: number, width = 2): string {
  return String(n).padStart(width, "0");
}

export class DateOnlyType extends SqlType<string> {
  readonly key = "date";
  ddl(dialect: SqlDialect): string {
    return dialect.family === "sqlite" ? "TEXT" : "DATE";
  }
  /** "YYYY-MM-DD" as given; a Date gives its UTC calendar date, as its toISOString() shows it. */
  override bindProcessor(): Processor {
    return (value) => {
      if (typeof value === "string" && DATE_ONLY.test(value)) return value;
      if (value instanceof Date && !Number.isNaN(value.getTime())) return value.toISOString().slice(0, 10);
      throw new ArgumentError(`A Date column takes a "YYYY-MM-DD" string (or a Date); got ${describe(value)}.`);
    };
  }
  override resultProcessor(dialect: SqlDialect): Processor {
    // pg and mysql2 build the Date at local midnight, PGlite at UTC midnight.
    const utc = dialect.name === "pglite";
    return (value) => {
      if (typeof value === "string") return value.slice(0, 10);
      if (value instanceof Date) {
        return utc
          ? `${pad(value.getUTCFullYear(), 4)}-${pad(value.getUTCMonth() + 1)}-${pad(value.getUTCDate())}`
          : `${pad(value.getFullYear(), 4)}-${pad(value.getMonth() + 1)}-${pad(value.getDate())}`;
      }
      throw new ResultTypeError(`Date: cannot read ${describe(value)} as a calendar date.`);
    };
  }
}

function describe(value: unknown): string {
  if (value instanceof Date) return "an invalid Date";
  if (typeof value === "string") return JSON.stringify(value);
  if (value === null || typeof value !== "object") return `${typeof value} ${String(value)}`;
  return `an instance of ${value.constructor?.name ?? "Object"}`;
}
