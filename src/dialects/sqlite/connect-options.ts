/**
 * A `sqlite://` URL -> the file to open and better-sqlite3's options. Everything is checked
 * here, when the engine is created, so that a typo fails before any connection is opened.
 *
 * URL forms (SQLAlchemy pysqlite `create_connect_args`):
 *   sqlite://  and  sqlite:///:memory:   an in-memory database
 *   sqlite:///relative/path.db            relative to the working directory (resolved now)
 *   sqlite:////absolute/path.db           absolute
 * Like SQLAlchemy, a URL with a user, password, host or port is rejected: `sqlite://app.db`
 * would otherwise silently open an in-memory database, the host being ignored.
 */
import { isAbsolute, resolve } from "node:path";
import { ArgumentError } from "../../errors.js";
import type { DatabaseUrl, QueryValue } from "../../url.js";
import type { SqliteOpenOptions } from "./driver.js";

export const SQLITE_MEMORY = ":memory:";

export interface SqliteConnectPlan {
  /** An absolute path, or ":memory:". */
  filename: string;
  memory: boolean;
  options: SqliteOpenOptions;
}

/** Query options a sqlite:// URL may carry. */
const QUERY_OPTIONS: Readonly<Record<string, string>> = {
  mode: "ro (read-only), rw (read-write, the file must exist) or rwc (read-write-create, the default); as in SQLite URI filenames",
  timeout: "busy timeout in milliseconds: how long to wait for a lock held by another connection (default 5000)",
};

export function isSqliteMemoryUrl(url: DatabaseUrl): boolean {
  return url.database === undefined || url.database === "" || url.database === SQLITE_MEMORY;
}

export function sqliteConnectPlan(url: DatabaseUrl, connectArgs: Readonly<Record<string, unknown>>): SqliteConnectPlan {
  rejectServerParts(url);
  const unknown = Object.keys(url.query).filter((key) => !Object.hasOwn(QUERY_OPTIONS, key));
  if (unknown.length > 0) {
    throw new ArgumentError(
      `Unknown sqlite URL option(s) ${unknown.map((k) => `'${k}'`).join(", ")}. Supported: ` +
        Object.entries(QUERY_OPTIONS)
          .map(([k, what]) => `${k} (${what})`)
          .join("; ") +
        ". Pass other better-sqlite3 options through createEngine({ connectArgs }).",
    );
  }
  const memory = isSqliteMemoryUrl(url);
  const options: SqliteOpenOptions = {};
  const mode = single(url.query.mode, "mode");
  if (mode !== undefined) Object.assign(options, modeOptions(mode, memory));
  const timeout = single(url.query.timeout, "timeout");
  if (timeout !== undefined) options.timeout = parseTimeout(timeout);
  const database = url.database as string;
  return {
    filename: memory ? SQLITE_MEMORY : isAbsolute(database) ? database : resolve(database),
    memory,
    // connectArgs win over the URL (ConnectOptions.connectArgs); they go to the driver as they are.
    options: { ...options, ...connectArgs },
  };
}

function rejectServerParts(url: DatabaseUrl): void {
  if (url.username === undefined && url.password === undefined && url.host === undefined && url.port === undefined) return;
  throw new ArgumentError(
    `Invalid SQLite URL '${url.toString()}': SQLite has no user, password, host or port. Valid forms: ` +
      "sqlite:// or sqlite:///:memory: (in memory), sqlite:///relative/path.db, sqlite:////absolute/path.db.",
  );
}

function single(value: QueryValue | undefined, key: string): string | undefined {
  if (value === undefined || typeof value === "string") return value;
  throw new ArgumentError(`The sqlite URL option '${key}' is given ${value.length} times; give it once.`);
}

function modeOptions(mode: string, memory: boolean): SqliteOpenOptions {
  if (memory && mode !== "rwc") {
    throw new ArgumentError(`mode=${mode} needs a database file; an in-memory SQLite database is always read-write-create.`);
  }
  switch (mode) {
    case "ro":
      return { readonly: true };
    case "rw":
      return { fileMustExist: true };
    case "rwc":
      return {};
    default:
      throw new ArgumentError(`Invalid sqlite URL option mode=${mode}; use ro, rw or rwc.`);
  }
}

function parseTimeout(text: string): number {
  const ms = Number(text);
  if (!/^\d+$/.test(text) || !Number.isSafeInteger(ms)) {
    throw new ArgumentError(`Invalid sqlite URL option timeout=${text}; give the busy timeout as whole milliseconds, e.g. timeout=5000.`);
  }
  return ms;
}
