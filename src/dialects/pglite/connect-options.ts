/**
 * A `pglite://` URL -> PGlite's data directory and options, checked when the engine is created.
 *
 * URL forms (the same shape as SQLite's):
 *   pglite://  and  pglite://:memory:   in memory (lost when the instance closes)
 *   pglite:///relative/dir              a data directory relative to the working directory (resolved now)
 *   pglite:////absolute/dir             an absolute data directory
 * A user, password, host or port is rejected: `pglite://data` would otherwise read "data"
 * as a host and silently open an in-memory database.
 */
import { isAbsolute, resolve } from "node:path";
import { ArgumentError } from "../../errors.js";
import type { DatabaseUrl } from "../../url.js";
import { choiceQueryOption, rejectUnknownQueryOptions } from "../shared/query-options.js";
import type { PgliteOpenOptions } from "./driver.js";

/** PGlite's in-memory file system (PGlite docs, "dataDir": "memory://"). */
export const PGLITE_MEMORY = "memory://";

export interface PgliteConnectPlan {
  /** An absolute directory, or "memory://". */
  dataDir: string;
  options: PgliteOpenOptions;
}

/**
 * Query options a pglite:// URL may carry:
 * - relaxedDurability=true|false: PGlite's option of that name; when true a query returns
 *   before its changes are flushed to storage (PGlite docs, "PGliteOptions").
 * Everything else PGlite takes (extensions, debug, ...) goes through connectArgs.
 */
const QUERY_OPTIONS = ["relaxedDurability"] as const;

export function isPgliteMemoryUrl(url: DatabaseUrl): boolean {
  return url.database === undefined || url.database === "" || url.database === ":memory:";
}

export function pgliteConnectPlan(url: DatabaseUrl, connectArgs: Readonly<Record<string, unknown>>): PgliteConnectPlan {
  if (url.username !== undefined || url.password !== undefined || url.host !== undefined || url.port !== undefined) {
    throw new ArgumentError(
      `Invalid PGlite URL '${url.toString()}': PGlite runs in-process and has no user, password, host or port. Valid forms: ` +
        "pglite:// (in memory), pglite:///relative/data-dir, pglite:////absolute/data-dir.",
    );
  }
  rejectUnknownQueryOptions(url, QUERY_OPTIONS, "pglite");
  const options: PgliteOpenOptions = {};
  const relaxed = choiceQueryOption(url, "relaxedDurability", ["true", "false"]);
  if (relaxed !== undefined) options.relaxedDurability = relaxed === "true";
  const database = url.database as string;
  return {
    dataDir: isPgliteMemoryUrl(url) ? PGLITE_MEMORY : isAbsolute(database) ? database : resolve(database),
    // connectArgs win over the URL (ConnectOptions.connectArgs); they go to PGlite as they are.
    options: { ...options, ...connectArgs },
  };
}
