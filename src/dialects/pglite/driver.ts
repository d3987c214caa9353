/**
 * @electric-sql/pglite (PostgreSQL compiled to WebAssembly, in-process), seen through the
 * few members this dialect uses (ARCHITECTURE habit 8: our own minimal types, no `import`
 * of the driver). The integration test checks that the real class is assignable to them.
 */
import { loadDriver } from "../shared/load-driver.js";

export const PGLITE_DRIVER_PACKAGE = "@electric-sql/pglite";

/** `Results` of `PGlite.query()` with `rowMode: "array"`. */
export interface PgliteResultsLike {
  rows: unknown[];
  fields: Array<{ name: string }>;
  /** Rows affected, summed over the statement(s); always present. */
  affectedRows?: number;
  /** Rows from the command tag of this statement (newer PGlite; absent for DDL). */
  rowCount?: number;
  /** "SELECT", "INSERT", ... (newer PGlite). */
  command?: string;
}

/** A PGlite instance: one database, one session. */
export interface PgliteLike {
  readonly closed: boolean;
  query(sql: string, params?: unknown[], options?: { rowMode?: "array" | "object" }): Promise<PgliteResultsLike>;
  close(): Promise<void>;
  /** Whether the session has a transaction open (ReadyForQuery status); newer PGlite. */
  isInTransaction?(): boolean;
}

/** PGlite constructor options athanor sets from the URL; connectArgs may add any other. */
export interface PgliteOpenOptions {
  relaxedDurability?: boolean;
  [driverOption: string]: unknown;
}

interface PgliteModule {
  PGlite: {
    /** Creates the instance and waits until it is ready (PGlite docs, "PGlite.create"). */
    create(dataDir?: string, options?: PgliteOpenOptions): Promise<PgliteLike>;
  };
}

/**
 * Start one PGlite instance; loads the package on first use. `dataDir` is an absolute path
 * (a directory, created if missing) or "memory://" (PGlite's in-memory file system).
 */
export async function openPglite(dataDir: string, options: PgliteOpenOptions): Promise<PgliteLike> {
  const driver = await loadDriver<PgliteModule>(PGLITE_DRIVER_PACKAGE, "pglite");
  return driver.PGlite.create(dataDir, options);
}
