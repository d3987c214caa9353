import type { DriverCursor } from "./interfaces.js";
import { rowClassFor, type Row } from "./row.js";

export interface AsyncResultHooks {
  /** Turns a driver error into the error to throw (the connection's error funnel). */
  onError(err: unknown): Promise<unknown>;
  /** The cursor is closed: the connection may run other statements again. */
  onClose(): void;
}

/**
 * Rows read from a server-side cursor in batches of `yieldPer` (SQLAlchemy's streaming
 * `AsyncResult`). Iterate once with `for await`; leaving the loop early (break, return,
 * throw) closes the cursor and leaves the connection usable.
 */
export class AsyncResult<T extends object = Record<string, unknown>> implements AsyncIterable<Row<T>> {
  #closed = false;
  #started = false;

  /** @internal Use conn.stream(). */
  constructor(
    private readonly cursor: DriverCursor,
    private readonly yieldPer: number,
    private readonly hooks: AsyncResultHooks,
  ) {}

  /** Column names (known after the first batch). */
  keys(): string[] {
    return [...this.cursor.columns];
  }

  get closed(): boolean {
    return this.#closed;
  }

  /** Batches of rows as they arrive from the server. */
  async *partitions(): AsyncGenerator<Row<T>[], void, undefined> {
    if (this.#started) throw new Error("This stream was already iterated; a stream can be read once.");
    this.#started = true;
    try {
      while (!this.#closed) {
        let raw: unknown[][];
        try {
          raw = await this.cursor.fetch(this.yieldPer);
        } catch (err) {
          throw await this.hooks.onError(err);
        }
        if (raw.length === 0) return;
        const RowClass = rowClassFor(this.cursor.columns);
        yield raw.map((values) => new RowClass(values) as Row<T>);
      }
    } finally {
      await this.close();
    }
  }

  async *[Symbol.asyncIterator](): AsyncIterator<Row<T>> {
    for await (const batch of this.partitions()) yield* batch;
  }

  /** Every remaining row (defeats the purpose for huge results; handy for small ones). */
  async all(): Promise<Row<T>[]> {
    const out: Row<T>[] = [];
    for await (const row of this) out.push(row);
    return out;
  }

  /** Release the cursor. Safe to call twice. */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    try {
      await this.cursor.close();
    } finally {
      this.hooks.onClose();
    }
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.close();
  }
}
