/**
 * Server-side cursors with SQL (PostgreSQL manual: DECLARE, FETCH, CLOSE), as psycopg's
 * named cursors do. DECLARE takes the statement's $n parameters through pg's extended
 * protocol like any other statement (integration test), so values are never spliced.
 *
 * Outside a transaction (AUTOCOMMIT) a plain cursor would vanish when DECLARE's implicit
 * transaction commits ("DECLARE CURSOR can only be used in transaction blocks"), so it is
 * declared WITH HOLD: the server then materialises the whole result at that commit (into
 * work_mem, spilling to temporary files) and serves FETCHes from the copy. Client memory
 * stays flat either way; the server pays for the copy, as with psycopg2's `withhold=True`.
 */
import { ArgumentError } from "../../errors.js";
import type { DriverCursor } from "../../engine/interfaces.js";
import { errorChain, stringField } from "../shared/error-chain.js";
import { runPgStatement, type PgClient } from "./pg-driver.js";

/** Cursor names are unique per process, hence per connection. */
let cursorCounter = 0;

/**
 * CLOSE failures that mean the cursor is already gone and nothing is left to release:
 * 34000 invalid_cursor_name (the transaction that held it ended), 25P02
 * in_failed_sql_transaction (the rollback the engine must issue drops it). PostgreSQL
 * manual, Appendix A.
 */
const CURSOR_ALREADY_GONE: ReadonlySet<string> = new Set(["34000", "25P02"]);

export async function openPgCursor(
  client: PgClient,
  sql: string,
  params: readonly unknown[],
  inTransaction: boolean,
): Promise<DriverCursor> {
  cursorCounter += 1;
  const name = `athanor_cursor_${cursorCounter}`;
  const hold = inTransaction ? "" : " WITH HOLD";
  await runPgStatement(client, `DECLARE ${name} NO SCROLL CURSOR${hold} FOR ${sql}`, params);
  return new PgCursor(client, name);
}

class PgCursor implements DriverCursor {
  #columns: readonly string[] = [];
  /** True once CLOSE has been sent (at exhaustion or by close()): nothing left to release. */
  #released = false;

  constructor(
    private readonly client: PgClient,
    private readonly name: string,
  ) {}

  get columns(): readonly string[] {
    return this.#columns;
  }

  async fetch(size: number): Promise<unknown[][]> {
    if (!Number.isSafeInteger(size) || size < 1) throw new ArgumentError(`fetch(size) needs a positive integer; got ${String(size)}.`);
    if (this.#released) return [];
    const result = await runPgStatement(this.client, `FETCH FORWARD ${size} FROM ${this.name}`, []);
    // FETCH describes its columns even when it returns no rows.
    this.#columns = result.columns;
    // Fewer rows than asked: the end. Release it now; a WITH HOLD cursor would otherwise keep
    // its materialised result on the server until the session ends.
    if (result.rows.length < size) await this.close();
    return result.rows;
  }

  async close(): Promise<void> {
    if (this.#released) return;
    this.#released = true;
    try {
      await runPgStatement(this.client, `CLOSE ${this.name}`, []);
    } catch (err) {
      if (!isCursorAlreadyGone(err)) throw err;
    }
  }
}

function isCursorAlreadyGone(err: unknown): boolean {
  return errorChain(err).some((e) => {
    const code = stringField(e, "code");
    return code !== undefined && CURSOR_ALREADY_GONE.has(code);
  });
}
