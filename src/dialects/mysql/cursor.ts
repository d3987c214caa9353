/**
 * Streaming a result from MySQL/MariaDB (SPEC E7). The classic protocol has no server-side
 * cursor for ordinary queries; the equivalent (mysqlclient's SSCursor, PyMySQL's
 * SSCursor, mysql2's `.stream()`) is to read the result set off the socket as it arrives
 * instead of buffering it. Backpressure: when the row stream's buffer is full mysql2 pauses
 * the socket (lib/commands/query.js stream(): push() false -> connection.pause()), TCP stops
 * the server, and memory stays flat.
 *
 * The connection is busy until the whole result has been read: MySQL cannot abandon a result
 * set midway. Closing early therefore destroys the row stream, after which mysql2 resumes the
 * socket and discards the remaining rows (stream _destroy), and close() waits for the
 * command's end, so the next statement finds the connection free; as SSCursor.close() reads
 * the rest. A huge remainder still crosses the network; stopping it on the server needs KILL
 * QUERY from another connection (SPEC B1).
 */
import type { Readable } from "node:stream";
import { ArgumentError } from "../../errors.js";
import type { DriverCursor } from "../../engine/interfaces.js";
import { isMysqlDisconnect } from "./disconnect.js";
import type { BindProtocol } from "./bind-values.js";
import { mysqlConnectionError } from "./mysql2-pool-dialect.js";
import type { Mysql2Command, Mysql2Connection, Mysql2CoreConnection, Mysql2Field } from "./mysql2-driver.js";

/**
 * Rows buffered before the socket is paused. The objectMode default (16) would pause and
 * resume the socket every 16 rows; a batch-sized buffer keeps the pipe full and memory bounded.
 */
const STREAM_HIGH_WATER_MARK = 1024;

export async function openMysqlCursor(
  conn: Mysql2Connection,
  sql: string,
  values: unknown[],
  protocol: BindProtocol,
): Promise<DriverCursor> {
  // A connection the server already dropped would take the command and never answer it.
  const known = mysqlConnectionError(conn);
  if (known !== undefined && isMysqlDisconnect(known)) throw known;
  const cursor = new MysqlStreamCursor(conn.connection, sql, values, protocol);
  await cursor.ready();
  return cursor;
}

/** "Connection lost" for a connection that ended under a running stream (mysql2's code). */
function connectionLost(): Error {
  return Object.assign(new Error("Connection lost: the server closed the connection while a result was streaming."), {
    code: "PROTOCOL_CONNECTION_LOST",
    fatal: true,
  });
}

class MysqlStreamCursor implements DriverCursor {
  #columns: string[] = [];
  #failure: unknown = undefined;
  #closed = false;
  readonly #core: Mysql2CoreConnection;
  /** Undefined only while the command is being issued. */
  #stream: Readable | undefined;
  #rows: AsyncIterator<unknown> | undefined;
  /** Settles when the server has sent the whole result (or the connection is gone). */
  readonly #finished: Promise<void>;
  /** Settles at the first answer: column definitions, an OK packet, or an error. */
  readonly #started: Promise<void>;
  #finish: () => void = () => undefined;
  #start: () => void = () => undefined;

  // A fatal error while a command without a callback runs goes to the *connection's*
  // 'error' event, not the command's (mysql2 lib/base/connection.js _notifyError), so the
  // stream would never end: these listeners turn it into a failed stream.
  readonly #onConnectionError = (err: Error): void => this.#fail(err);
  readonly #onConnectionEnd = (): void => this.#fail(connectionLost());

  constructor(core: Mysql2CoreConnection, sql: string, values: unknown[], protocol: BindProtocol) {
    this.#core = core;
    this.#finished = new Promise((resolve) => (this.#finish = resolve));
    this.#started = new Promise((resolve) => (this.#start = resolve));
    // Before the command is issued: on a closed connection mysql2 reports synchronously.
    core.on("error", this.#onConnectionError);
    core.on("end", this.#onConnectionEnd);
    const options = { sql, rowsAsArray: true } as const;
    const command: Mysql2Command = protocol === "binary" ? core.execute(options, values) : core.query(options, values);
    // Kept for the command's whole life: an 'error' event nobody listens to would throw.
    command.on("error", (err) => this.#fail(err));
    command.once("end", () => this.#done());
    const stream = command.stream({ highWaterMark: STREAM_HIGH_WATER_MARK });
    stream.on("fields", (fields: Mysql2Field[] | undefined) => {
      this.#columns = (fields ?? []).map((f) => f.name);
      this.#start();
    });
    stream.on("error", (err: Error) => this.#fail(err));
    this.#stream = stream;
    this.#rows = stream[Symbol.asyncIterator]();
    if (this.#failure !== undefined) stream.destroy();
  }

  get columns(): string[] {
    return this.#columns;
  }

  /** Wait for the first answer; a statement that failed outright throws here. */
  async ready(): Promise<void> {
    await this.#started;
    if (this.#failure !== undefined) throw this.#failure;
  }

  async fetch(size: number): Promise<unknown[][]> {
    if (!Number.isSafeInteger(size) || size < 1) throw new ArgumentError(`fetch(size) needs a positive integer; got ${String(size)}.`);
    if (this.#failure !== undefined) throw this.#failure;
    const rows: unknown[][] = [];
    while (!this.#closed && rows.length < size && this.#rows !== undefined) {
      const next = await this.#rows.next();
      if (next.done === true) {
        // The whole result is read: wait for the command's end so the connection is free.
        await this.#finished;
        break;
      }
      // A statement that returns no rows streams its OK packet instead: not a row.
      if (Array.isArray(next.value)) rows.push(next.value);
    }
    if (this.#failure !== undefined) throw this.#failure;
    return rows;
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    this.#stream?.destroy();
    await this.#finished;
  }

  #fail(err: unknown): void {
    if (this.#failure === undefined) this.#failure = err;
    const stream = this.#stream;
    if (stream !== undefined && !stream.destroyed) stream.destroy(err instanceof Error ? err : new Error(String(err)));
    this.#done();
  }

  #done(): void {
    this.#core.removeListener("error", this.#onConnectionError);
    this.#core.removeListener("end", this.#onConnectionEnd);
    this.#start();
    this.#finish();
  }
}
