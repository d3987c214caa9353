/**
 * Prepared statements, kept per connection and reused (like Python sqlite3's
 * `cached_statements`, default 128). Preparing is most of the cost of a small statement in
 * better-sqlite3, and SQL text from text()/the compiler repeats exactly.
 *
 * Least-recently-used eviction over a Map (its iteration order is insertion order, so the
 * first key is the oldest). An evicted statement is left to the garbage collector, which
 * finalizes it; better-sqlite3 has no explicit finalize. Schema changes need no handling:
 * sqlite3_prepare_v2 statements re-prepare themselves when the schema changes.
 */
import type { SqliteDatabaseLike, SqliteStatementLike } from "./driver.js";

export const DEFAULT_STATEMENT_CACHE_SIZE = 100;

export class StatementCache {
  readonly #statements = new Map<string, SqliteStatementLike>();
  readonly #capacity: number;

  constructor(capacity: number) {
    this.#capacity = capacity;
  }

  get size(): number {
    return this.#statements.size;
  }

  /** The prepared statement for `sql`, prepared now if it is not cached. Throws what prepare() throws. */
  prepare(db: SqliteDatabaseLike, sql: string): SqliteStatementLike {
    const cached = this.#statements.get(sql);
    if (cached !== undefined) {
      this.#statements.delete(sql);
      this.#statements.set(sql, cached);
      return cached;
    }
    const statement = db.prepare(sql);
    if (this.#capacity <= 0) return statement;
    this.#statements.set(sql, statement);
    if (this.#statements.size > this.#capacity) {
      const oldest = this.#statements.keys().next().value;
      if (oldest !== undefined) this.#statements.delete(oldest);
    }
    return statement;
  }

  clear(): void {
    this.#statements.clear();
  }
}
