import { ArgumentError } from "../errors.js";
import type { Dialect, IsolationLevel } from "./interfaces.js";

/** An isolation level this dialect knows, or "AUTOCOMMIT" (which never reaches the server). */
export function checkIsolationLevel(dialect: Dialect<unknown>, level: unknown): IsolationLevel {
  const accepted: readonly string[] = dialect.capabilities.isolationLevels;
  if (level === "AUTOCOMMIT" || (typeof level === "string" && accepted.includes(level))) return level as IsolationLevel;
  throw new ArgumentError(
    `Isolation level ${JSON.stringify(level)} is not known to ${dialect.name}; use one of ` +
      `${[...accepted, "AUTOCOMMIT"].map((l) => JSON.stringify(l)).join(", ")}.`,
  );
}
