/**
 * better-sqlite3, seen through the few members this dialect uses (ARCHITECTURE habit 8:
 * our own minimal types; no `import` of the driver, not even `import type`, so a driver
 * upgrade cannot break core code). The integration test checks that the real classes are
 * assignable to these types.
 */
import { loadDriver } from "../shared/load-driver.js";

export const SQLITE_DRIVER_PACKAGE = "better-sqlite3";

/** `Database.prepare()`'s result (better-sqlite3 docs/api.md, "class Statement"). */
export interface SqliteStatementLike {
  /** True when the statement returns rows: SELECT, PRAGMA with results, and ... RETURNING. */
  readonly reader: boolean;
  /** Rows as arrays instead of objects; only allowed on readers. Returns the statement. */
  raw(toggle?: boolean): SqliteStatementLike;
  /** Read integers as bigints (exact beyond 2^53). Returns the statement. */
  safeIntegers(toggle?: boolean): SqliteStatementLike;
  /** Result column descriptions; only on readers. */
  columns(): Array<{ name: string }>;
  all(...params: unknown[]): unknown[];
  run(...params: unknown[]): { changes: number; lastInsertRowid: number | bigint };
  iterate(...params: unknown[]): IterableIterator<unknown>;
}

/** A better-sqlite3 `Database` (one SQLite connection). */
export interface SqliteDatabaseLike {
  prepare(sql: string): SqliteStatementLike;
  /** False once close() has run (or the open failed). */
  readonly open: boolean;
  /** SQLite's autocommit flag, inverted: true between BEGIN and COMMIT/ROLLBACK. */
  readonly inTransaction: boolean;
  readonly memory: boolean;
  close(): unknown;
}

/** The options of `new Database(filename, options)` that athanor sets from the URL. */
export interface SqliteOpenOptions {
  readonly?: boolean;
  fileMustExist?: boolean;
  /** Busy timeout in ms: how long a statement waits on a locked database (driver default 5000). */
  timeout?: number;
  [driverOption: string]: unknown;
}

type SqliteDatabaseConstructor = new (filename: string, options?: SqliteOpenOptions) => SqliteDatabaseLike;

/** better-sqlite3 is CommonJS: `module.exports = Database`, which ESM import() exposes as `default`. */
interface BetterSqlite3Module {
  default: SqliteDatabaseConstructor;
}

/** Open one connection; loads better-sqlite3 on first use. */
export async function openSqliteDatabase(filename: string, options: SqliteOpenOptions): Promise<SqliteDatabaseLike> {
  const driver = await loadDriver<BetterSqlite3Module>(SQLITE_DRIVER_PACKAGE, "sqlite");
  return new driver.default(filename, options);
}
