/**
 * One statement sent through pg's Submittable interface: `client.query(x)` where `x` has
 * `submit(connection)` and the `handle*` callbacks (the extension point pg-cursor and
 * pg-query-stream use), rather than through a query config object. Two reasons:
 *
 * - Cost per statement. For a config object pg copies it (cloneQueryConfig, with
 *   getOwnPropertyDescriptors), builds an EventEmitter Query, a Result and two promises;
 *   that was the largest avoidable client cost in the engine benchmark's profile. This is
 *   one plain object, one promise, rows parsed straight into arrays.
 * - Round trips. A `prefix` (the engine's deferred BEGIN) goes out in the same write as the
 *   statement, so a transaction's first statement costs one round trip instead of two, as
 *   with psycopg 3's pipeline mode. With parameters (extended protocol) the prefix is
 *   Parse/Bind/Execute before the statement's messages and one Sync closes both: if the
 *   prefix fails, the server skips the statement up to the Sync (PostgreSQL manual,
 *   "Extended Query": "the backend ... discards messages until a Sync"). Without
 *   parameters it is one simple Query message, "BEGIN;<sql>": the server stops at the first
 *   failing statement (PostgreSQL manual, "Multiple Statements in a Simple Query").
 * - Prepared statements. A statement given a name (prepared-statements.ts) is sent as
 *   Bind/Execute of that name, after Parse with the name on its first prepared run; Close
 *   messages for evicted names ride in the same write.
 *
 * Every reply message the client routes to us (pg lib/client.js `_handle*`) ends in either
 * handleError (an ErrorResponse or a dead socket; pg drops us as the active query then) or
 * handleReadyForQuery. The answer is the last statement's: with a prefix, or several
 * statements in one text, each CommandComplete closes one statement and the next reply
 * starts another (psycopg2's cursor after execute() also shows the last).
 */

/** pg-protocol's messages, only the fields read here. */
interface RowDescriptionMessage {
  fields: readonly { name: string; dataTypeID: number; format?: string }[];
}
interface DataRowMessage {
  fields: readonly (string | null)[];
}
interface CommandCompleteMessage {
  text: string;
}

/** The part of pg's Connection (lib/connection.js) a Submittable writes to. */
export interface PgWire {
  readonly stream: { cork?(): void; uncork?(): void };
  query(text: string): void;
  parse(message: { text: string; name?: string }): void;
  bind(message: { values: readonly (string | Buffer | null)[]; statement?: string }): void;
  close(message: { type: "S"; name: string }): void;
  describe(message: { type: "P"; name: string }): void;
  execute(message: { portal: string }): void;
  sync(): void;
  sendCopyFail(message: string): void;
}

/** What the statement returned (DriverResult's shape). */
export interface PgStatementResult {
  columns: readonly string[];
  rows: unknown[][];
  rowCount: number;
}

type Parser = (raw: string) => unknown;
/** pg's Client: `getTypeParser(oid, format)` gives the client's own parsers, overrides included. */
export interface PgTypeParsers {
  getTypeParser(oid: number, format: "text" | "binary"): Parser;
}
/** pg `utils.prepareValue`: how pg turns a JS value into a parameter (Date, array, JSON...). */
export type PgPrepareValue = (value: unknown) => string | Buffer | null;
type Callback = (err: unknown, result?: PgStatementResult) => void;

/**
 * The row count in a command tag: "INSERT 0 5" → 5, "UPDATE 3" → 3, "SELECT 1" → 1; -1 for
 * "BEGIN" or "CREATE TABLE" (pg lib/result.js reads the same with a regular expression, which
 * cost more than the rest of the tag's handling: a transaction's BEGIN and ROLLBACK each bring one).
 */
export function rowCountOf(tag: string): number {
  // From the end: digits up to a space (String.prototype.lastIndexOf is a runtime call in V8).
  let count = 0;
  let scale = 1;
  for (let i = tag.length - 1; i >= 0; i--) {
    const code = tag.charCodeAt(i);
    if (code === 32 /* space */) return scale === 1 ? -1 : count;
    const digit = code - 48;
    if (digit < 0 || digit > 9) return -1;
    count += digit * scale;
    scale *= 10;
  }
  return -1;
}

/** Command tags of statements that drop prepared statements (DEALLOCATE [ALL], DISCARD ALL / PLANS). */
const DROPS_PREPARED = /^(DEALLOCATE|DISCARD)\b/;
const NO_COLUMNS: readonly string[] = Object.freeze([]);
const NO_PARSERS: readonly Parser[] = Object.freeze([]);

export class PgStatement {
  /** Set before submitting; pg may wrap it (query_timeout), so it is always called through the property. */
  callback: Callback | undefined = undefined;
  #columns: readonly string[] = NO_COLUMNS;
  #parsers: readonly Parser[] = NO_PARSERS;
  #rows: unknown[][] = [];
  #rowCount = -1;
  /** The current statement got its CommandComplete: the next reply starts another one. */
  #completed = false;
  #parseError: unknown = undefined;
  #settled = false;
  /** A DEALLOCATE or DISCARD ran: the session's prepared statements may be gone. */
  droppedPrepared = false;

  /** Statements sent ahead of this one in the same write (the deferred BEGIN; a deferred ROLLBACK before it). */
  readonly #leading: string[];

  constructor(
    private readonly text: string,
    private readonly values: readonly unknown[],
    /** Always the engine's deferred BEGIN: a statement with a prefix opens a transaction. */
    prefix: string | undefined,
    private readonly types: PgTypeParsers,
    private readonly prepareValue: PgPrepareValue,
    /** Run as this named prepared statement (prepared-statements.ts), Parse first if `parse`. */
    private readonly prepared?: { readonly name: string; readonly parse: boolean },
    /** Prepared statements to Close first (in the same write). */
    private readonly closing?: () => readonly string[],
  ) {
    this.#leading = prefix === undefined ? [] : [prefix];
  }

  /** It begins a transaction (its prefix is the deferred BEGIN): what came before may go in front of it. */
  get opensTransaction(): boolean {
    return this.#leading.length > 0;
  }

  /** Send `sql` first, in the same write (deferred-rollback.ts: the previous holder's ROLLBACK). */
  lead(sql: string): void {
    this.#leading.unshift(sql);
  }

  /** Called by the client when it is this statement's turn; an Error returned is reported by pg. */
  submit(connection: PgWire): Error | null {
    if (this.values.length === 0) {
      let sql = this.text;
      for (let i = this.#leading.length - 1; i >= 0; i--) sql = `${this.#leading[i]};${sql}`; // not join(): a builtin call for two strings
      connection.query(sql);
      return null;
    }
    let values: (string | Buffer | null)[];
    try {
      // Before anything is written: a value pg cannot convert must not leave half a pipeline.
      // Strings and numbers are what pg's prepareValue makes them (as they are, toString()),
      // without the call: executemany sends hundreds of thousands of them.
      values = this.values.map((value) => (typeof value === "string" ? value : typeof value === "number" ? String(value) : this.prepareValue(value)));
    } catch (err) {
      return err instanceof Error ? err : new Error(String(err));
    }
    // One write for every message (pg's own Query corks for the same reason).
    connection.stream.cork?.();
    try {
      for (const name of this.closing?.() ?? []) connection.close({ type: "S", name });
      for (const leading of this.#leading) {
        connection.parse({ text: leading });
        connection.bind({ values: [] });
        connection.execute({ portal: "" });
      }
      const prepared = this.prepared;
      if (prepared === undefined) {
        connection.parse({ text: this.text });
        connection.bind({ values });
      } else {
        if (prepared.parse) connection.parse({ text: this.text, name: prepared.name });
        connection.bind({ values, statement: prepared.name });
      }
      connection.describe({ type: "P", name: "" });
      connection.execute({ portal: "" });
      connection.sync();
    } finally {
      connection.stream.uncork?.();
    }
    return null;
  }

  handleRowDescription(message: RowDescriptionMessage): void {
    this.#startIfCompleted();
    const fields = message.fields;
    this.#columns = fields.map((field) => field.name);
    this.#parsers = fields.map((field) => this.types.getTypeParser(field.dataTypeID, field.format === "binary" ? "binary" : "text"));
  }

  handleDataRow(message: DataRowMessage): void {
    if (this.#parseError !== undefined) return;
    const raw = message.fields;
    const row = new Array<unknown>(raw.length);
    try {
      for (let i = 0; i < raw.length; i++) {
        const value = raw[i];
        row[i] = value === null || value === undefined ? null : this.#parsers[i]!(value);
      }
    } catch (err) {
      // Reported once the server is done with the statement, as pg does: the connection stays in step.
      this.#parseError = err;
      return;
    }
    this.#rows.push(row);
  }

  handleCommandComplete(message: CommandCompleteMessage): void {
    this.#startIfCompleted();
    const tag = message.text;
    if (tag.charCodeAt(0) === 68 /* D */ && DROPS_PREPARED.test(tag)) this.droppedPrepared = true;
    this.#rowCount = rowCountOf(tag);
    this.#completed = true;
  }

  handleEmptyQuery(): void {
    this.#startIfCompleted();
    this.#completed = true;
  }

  handlePortalSuspended(): void {
    // Only sent when Execute asks for a row limit; this never does.
  }

  handleCopyInResponse(connection: PgWire): void {
    connection.sendCopyFail("COPY FROM STDIN is not supported through execute(); use the driver connection");
  }

  handleCopyData(): void {
    // COPY TO STDOUT rows: not collected (execute() is not a COPY API).
  }

  handleError(err: unknown): void {
    this.#settle(this.#parseError ?? err);
  }

  handleReadyForQuery(): void {
    if (this.#parseError !== undefined) {
      this.#settle(this.#parseError);
      return;
    }
    this.#settle(undefined, { columns: this.#columns, rows: this.#rows, rowCount: this.#rowCount });
  }

  #startIfCompleted(): void {
    if (!this.#completed) return;
    this.#completed = false;
    // The statements in front (BEGIN, a ROLLBACK) return no rows: nothing to replace.
    this.#columns = NO_COLUMNS;
    this.#parsers = NO_PARSERS;
    if (this.#rows.length > 0) this.#rows = [];
    this.#rowCount = -1;
  }

  #settle(err: unknown, result?: PgStatementResult): void {
    if (this.#settled) return;
    this.#settled = true;
    this.callback?.(err, result);
  }
}
