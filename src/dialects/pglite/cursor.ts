/**
 * Streaming a PGlite result through a SQL-level PostgreSQL cursor (SPEC E7):
 *   DECLARE athanor_cur_N NO SCROLL CURSOR [WITH HOLD] FOR <statement>
 *   FETCH FORWARD n FROM athanor_cur_N   (repeated)
 *   CLOSE athanor_cur_N
 * (PostgreSQL manual, sql-declare.html / sql-fetch.html / sql-close.html). PGlite sends each
 * query with the extended protocol, so the statement's $n parameters bind in DECLARE.
 *
 * A plain cursor lives until its transaction ends, so outside a transaction (AUTOCOMMIT)
 * the cursor is declared WITH HOLD, which lives until CLOSE. Its rows are materialized when
 * the implicit transaction of the DECLARE commits (sql-declare.html, "WITH HOLD"), so in
 * AUTOCOMMIT the result is computed up front, inside PGlite's memory, and fetched in batches.
 */
import { ArgumentError, ResourceClosedError } from "../../errors.js";
import type { DriverCursor } from "../../engine/interfaces.js";
import type { PgliteLike } from "./driver.js";

let cursorsOpened = 0;

export class PgliteCursor implements DriverCursor {
  readonly name: string;
  readonly #db: PgliteLike;
  readonly #onRelease: (cursor: PgliteCursor) => void;
  #columns: string[] = [];
  #exhausted = false;
  #closedByUser = false;
  #released = false;

  private constructor(db: PgliteLike, name: string, onRelease: (cursor: PgliteCursor) => void) {
    this.#db = db;
    this.name = name;
    this.#onRelease = onRelease;
  }

  /**
   * DECLARE the cursor. `hold`: declare WITH HOLD (needed outside a transaction). `onRelease`
   * runs once the cursor is known to be gone from the session.
   */
  static async declare(
    db: PgliteLike,
    sql: string,
    params: unknown[],
    hold: boolean,
    onRelease: (cursor: PgliteCursor) => void,
  ): Promise<PgliteCursor> {
    cursorsOpened += 1;
    const name = `athanor_cur_${cursorsOpened}`;
    await db.query(`DECLARE ${name} NO SCROLL CURSOR ${hold ? "WITH HOLD " : ""}FOR ${sql}`, params);
    return new PgliteCursor(db, name, onRelease);
  }

  get columns(): string[] {
    return this.#columns;
  }

  /** Whether the cursor is gone from the session (closed, or read to the end). */
  get released(): boolean {
    return this.#released;
  }

  async fetch(size: number): Promise<unknown[][]> {
    if (!Number.isSafeInteger(size) || size < 1) throw new ArgumentError(`fetch(size) needs a positive integer; got ${String(size)}.`);
    if (this.#closedByUser) throw new ResourceClosedError("This PGlite cursor is closed; open a new stream to read again.");
    if (this.#exhausted) return [];
    const result = await this.#db.query(`FETCH FORWARD ${size} FROM ${this.name}`, [], { rowMode: "array" });
    this.#columns = result.fields.map((field) => field.name);
    const rows = result.rows as unknown[][];
    if (rows.length < size) {
      this.#exhausted = true;
      await this.closeInSession(); // free a WITH HOLD cursor's rows now, not at session end
    }
    return rows;
  }

  async close(): Promise<void> {
    this.#closedByUser = true;
    await this.closeInSession();
  }

  /**
   * CLOSE the cursor if the session still has it. It may not: a plain cursor ends with its
   * transaction, and CLOSE of a missing cursor is an error (34000) that would abort the
   * transaction in progress, so pg_cursors is asked first. Never throws: in an aborted
   * transaction both statements fail (25P02); the cursor then stays tracked and the dialect's
   * rollback() closes it after ROLLBACK, since a WITH HOLD cursor outlives a ROLLBACK.
   */
  async closeInSession(): Promise<void> {
    if (this.#released) return;
    if (this.#db.closed) return this.#release();
    try {
      const open = await this.#db.query("SELECT 1 FROM pg_cursors WHERE name = $1", [this.name], { rowMode: "array" });
      if (open.rows.length > 0) await this.#db.query(`CLOSE ${this.name}`);
      this.#release();
    } catch {
      // See above: left for rollback().
    }
  }

  #release(): void {
    if (this.#released) return;
    this.#released = true;
    this.#onRelease(this);
  }
}
