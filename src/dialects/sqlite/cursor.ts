/**
 * Streaming a SQLite result: better-sqlite3's `stmt.iterate()`, which steps the statement
 * one row at a time, so memory stays flat however many rows there are (SPEC E7).
 *
 * While an iterator is open, better-sqlite3 refuses every statement that may write on the
 * same connection, `run()` and `exec()` and `close()` alike (including BEGIN, COMMIT,
 * ROLLBACK, SAVEPOINT), with TypeError "This database connection is busy executing a query"
 * (src/util/macros.cpp REQUIRE_DATABASE_NO_ITERATORS, via DOES_MUTATE in
 * src/objects/statement.cpp); reading statements (`all()`, `iterate()`) are still allowed. So
 * the engine keeps the connection to the stream until the cursor is closed, and the dialect
 * closes any cursor still open before it rolls back or closes the connection.
 */
import { exactIntegers } from "./integers.js";
import { ArgumentError, ResourceClosedError } from "../../errors.js";
import type { DriverCursor } from "../../engine/interfaces.js";

export class SqliteCursor implements DriverCursor {
  readonly columns: string[];
  #iterator: IterableIterator<unknown> | undefined;
  #closedByUser = false;
  readonly #onRelease: (cursor: SqliteCursor) => void;

  /** `iterator` must come from a raw (array-mode) statement; `onRelease` runs once, when it is done or closed. */
  constructor(columns: string[], iterator: IterableIterator<unknown>, onRelease: (cursor: SqliteCursor) => void) {
    this.columns = columns;
    this.#iterator = iterator;
    this.#onRelease = onRelease;
  }

  get closed(): boolean {
    return this.#iterator === undefined;
  }

  async fetch(size: number): Promise<unknown[][]> {
    if (!Number.isSafeInteger(size) || size < 1) throw new ArgumentError(`fetch(size) needs a positive integer; got ${String(size)}.`);
    if (this.#closedByUser) throw new ResourceClosedError("This SQLite cursor is closed; open a new stream to read again.");
    const iterator = this.#iterator;
    const rows: unknown[][] = [];
    if (iterator === undefined) return rows;
    try {
      while (rows.length < size) {
        const next = iterator.next();
        if (next.done === true) {
          this.#release(); // better-sqlite3 has already reset the statement: the connection is free
          break;
        }
        rows.push(exactIntegers(next.value as unknown[]));
      }
    } catch (err) {
      // A failing step ends better-sqlite3's iteration too; forget the iterator, keep the error.
      this.#release();
      throw err;
    }
    return rows;
  }

  async close(): Promise<void> {
    this.closeNow();
  }

  /** Synchronous close, for the dialect's rollback/close. Idempotent. */
  closeNow(): void {
    if (this.#iterator === undefined) return;
    this.#closedByUser = true;
    const iterator = this.#iterator;
    this.#release();
    // return() resets the statement and frees the connection (better-sqlite3 lib/methods, iterate docs).
    iterator.return?.();
  }

  #release(): void {
    if (this.#iterator === undefined) return;
    this.#iterator = undefined;
    this.#onRelease(this);
  }
}
