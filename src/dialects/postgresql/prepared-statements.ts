/**
 * Server-side prepared statements for the statements a connection runs often (psycopg 3's
 * `prepare_threshold`; asyncpg and SQLAlchemy's asyncpg dialect prepare every statement).
 * A statement text run `threshold` times with parameters on one connection is prepared under
 * a name on its next run (Parse with the name, in the same write as its Bind/Execute), and
 * from then on sent as Bind/Execute alone: the server skips parsing and planning it again.
 *
 * Kept per driver connection (server-side statements belong to the session): at most
 * MAX_PREPARED named statements, the least recently used closed (a Close message rides with
 * the next statement; closing a name the server no longer has is not an error). When the
 * server has lost them (DISCARD ALL, DEALLOCATE: 26000 invalid_sql_statement_name) the cache
 * starts over; a statement whose result columns changed under it ("cached plan must not
 * change result type", 0A000) is dropped and prepared again later. The statement that met
 * either error fails once, as with psycopg 3.
 */

/** Prepared statements per connection at most (psycopg 3's prepared_max default). */
const MAX_PREPARED = 100;
/** Texts counted per connection at most (statements seen fewer than `threshold` times). */
const MAX_COUNTED = 1000;
/** psycopg 3's default. */
export const DEFAULT_PREPARE_THRESHOLD = 5;

let nameCounter = 0;

interface Entry {
  uses: number;
  /** Set once the statement is (being) prepared under this name. */
  name: string | undefined;
  /** The server has it: a run that sent its Parse succeeded. */
  parsed: boolean;
}

/** How to send one run of a statement. */
export interface PreparedUse {
  readonly name: string;
  /** Send Parse with the name first (its first prepared run). */
  readonly parse: boolean;
}

export class PreparedStatements {
  readonly #entries = new Map<string, Entry>();
  #prepared = 0;
  /** Names to Close on the server with the next statement. */
  #toClose: string[] = [];

  /** `threshold`: runs before a text is prepared (0: from its first run); null: never. */
  constructor(private readonly threshold: number | null) {}

  /** How to run `sql` this time: undefined for an unnamed Parse, as without a cache. */
  use(sql: string): PreparedUse | undefined {
    if (this.threshold === null) return undefined;
    let entry = this.#entries.get(sql);
    if (entry === undefined) {
      entry = { uses: 0, name: undefined, parsed: false };
      this.#remember(sql, entry);
    } else {
      // Most recently used last: Map order is the eviction order.
      this.#entries.delete(sql);
      this.#entries.set(sql, entry);
    }
    if (entry.name !== undefined) return { name: entry.name, parse: !entry.parsed };
    if (entry.uses++ < this.threshold) return undefined;
    entry.name = `athanor_s${++nameCounter}`;
    this.#prepared++;
    this.#evictPrepared();
    return { name: entry.name, parse: true };
  }

  /** The run that sent `sql`'s Parse succeeded: the server has the statement. */
  parsed(sql: string, name: string): void {
    const entry = this.#entries.get(sql);
    if (entry?.name === name) entry.parsed = true;
  }

  /** A run of `sql` under `name` failed with a server error of this SQLSTATE. */
  failed(sql: string, name: string, parseSent: boolean, sqlstate: string | undefined): void {
    if (sqlstate === "26000") {
      // The server dropped our statements behind our back: start over.
      this.forgetAll();
      return;
    }
    const entry = this.#entries.get(sql);
    if (entry?.name !== name) return;
    if (parseSent || sqlstate === "0A000") {
      // A Parse that may or may not have happened, or a plan the server will not reuse:
      // close the name (harmless if absent) and prepare afresh after `threshold` more runs.
      this.#toClose.push(name);
      entry.name = undefined;
      entry.parsed = false;
      entry.uses = 0;
      this.#prepared--;
    }
  }

  /** The server no longer has any of our statements (DISCARD ALL, DEALLOCATE ALL). */
  forgetAll(): void {
    for (const entry of this.#entries.values()) {
      entry.name = undefined;
      entry.parsed = false;
      entry.uses = 0;
    }
    this.#prepared = 0;
    this.#toClose = [];
  }

  /** Names to Close, handed to the statement about to be sent. */
  takeClosing(): readonly string[] {
    if (this.#toClose.length === 0) return NONE;
    const names = this.#toClose;
    this.#toClose = [];
    return names;
  }

  #remember(sql: string, entry: Entry): void {
    this.#entries.set(sql, entry);
    if (this.#entries.size <= MAX_COUNTED) return;
    // Forget the least recently used text that is not prepared (prepared ones go by #evictPrepared).
    for (const [text, old] of this.#entries) {
      if (old.name !== undefined) continue;
      this.#entries.delete(text);
      return;
    }
  }

  #evictPrepared(): void {
    if (this.#prepared <= MAX_PREPARED) return;
    for (const entry of this.#entries.values()) {
      if (entry.name === undefined) continue;
      this.#toClose.push(entry.name);
      entry.name = undefined;
      entry.parsed = false;
      entry.uses = 0;
      this.#prepared--;
      return;
    }
  }
}

const NONE: readonly string[] = Object.freeze([]);
