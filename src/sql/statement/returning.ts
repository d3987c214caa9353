/** RETURNING for INSERT, UPDATE and DELETE (PostgreSQL, SQLite 3.35+, MariaDB 10.5+ for INSERT/DELETE). */
import type { CacheKey } from "../compiler/cache-key.js";
import type { CompileContext } from "../compiler/context.js";
import type { ReturningKind } from "../compiler/dialect.js";
import { compileEntry, keyEntries, type SelectEntry } from "./select-items.js";

export function keyReturning(key: CacheKey, entries: readonly SelectEntry[]): void {
  key.add("returning");
  keyEntries(key, entries);
}

/** " RETURNING ..." or "" when nothing is returned; a CompileError naming the database when it has no RETURNING. */
export function compileReturning(ctx: CompileContext, kind: ReturningKind, entries: readonly SelectEntry[]): string {
  if (entries.length === 0) return "";
  ctx.dialect.checkReturning(kind);
  // Columns written bare: the statement has one table, and SQLite rejects "t"."c" in RETURNING.
  return ctx.with({ qualifyColumns: false }, () => ` RETURNING ${entries.map((e) => compileEntry(ctx, e)).join(", ")}`);
}
