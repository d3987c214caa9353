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
import type { DatabaseUrl } from "../../url.js";
import { choiceQueryOption, nonNegativeIntegerQueryOption, rejectUnknownQueryOptions } from "../shared/query-options.js";
import type { SqliteOpenOptions } from "./driver.js";

export const SQLITE_MEMORY = ":memory:";

export interface SqliteConnectPlan {
  /** An absolute path, or ":memory:". */
  filename: string;
  memory: boolean;
  options: SqliteOpenOptions;
}

/**
 * Query options a sqlite:// URL may carry:
 * - mode: ro (read-only), rw (read-write; the file must exist) or rwc (read-write-create, the
 *   default), named as in SQLite URI filenames (sqlite.org/uri.html); better-sqlite3 is built
 *   with SQLITE_USE_URI=0, so they map to its `readonly` / `fileMustExist` options.
 * - timeout: the busy timeout in milliseconds, how long a statement waits for a lock another
 *   connection holds (better-sqlite3 `timeout`, default 5000). SQLAlchemy's pysqlite takes
 *   `timeout` in seconds, Python's unit; athanor speaks milliseconds everywhere.
 */
const QUERY_OPTIONS = ["mode", "timeout"] as const;

const MODES = ["ro", "rw", "rwc"] as const;

export function isSqliteMemoryUrl(url: DatabaseUrl): boolean {
  return url.database === undefined || url.database === "" || url.database === SQLITE_MEMORY;
}

export function sqliteConnectPlan(url: DatabaseUrl, connectArgs: Readonly<Record<string, unknown>>): SqliteConnectPlan {
  rejectServerParts(url);
  rejectUnknownQueryOptions(url, QUERY_OPTIONS, "sqlite");
  const memory = isSqliteMemoryUrl(url);
  const options: SqliteOpenOptions = {};
  const mode = choiceQueryOption(url, "mode", MODES);
  if (mode !== undefined) Object.assign(options, modeOptions(mode, memory));
  const timeout = nonNegativeIntegerQueryOption(url, "timeout", "milliseconds");
  if (timeout !== undefined) options.timeout = timeout;
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

function modeOptions(mode: (typeof MODES)[number], memory: boolean): SqliteOpenOptions {
  if (memory && mode !== "rwc") {
    throw new ArgumentError(`mode=${mode} needs a database file; an in-memory SQLite database is always read-write-create.`);
  }
  if (mode === "ro") return { readonly: true };
  if (mode === "rw") return { fileMustExist: true };
  return {};
}
