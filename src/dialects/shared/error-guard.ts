/** A driver connection that reports asynchronous failures as 'error' events (pg, mysql2). */
export interface ErrorEventSource {
  on(event: "error", listener: (err: Error) => void): unknown;
}

/**
 * Remembers the FIRST 'error' event of each guarded connection. The first, not the last:
 * after pg_terminate_backend pg emits the server's 57P01 and then its consequence
 * "Connection terminated unexpectedly"; mysql2 likewise. The first one says why.
 *
 * Attaching the listener is also what keeps the process alive: Node turns an 'error' event
 * nobody listens to into an uncaught exception, and servers end idle sessions (kills,
 * idle timeouts, restarts) while no query is running.
 */
export class FirstErrorGuard {
  readonly #errors = new WeakMap<object, unknown>();
  readonly #guarded = new WeakSet<object>();

  /** Attach the listener; idempotent. */
  attach(conn: ErrorEventSource): void {
    if (this.#guarded.has(conn)) return;
    this.#guarded.add(conn);
    conn.on("error", (err) => {
      if (!this.#errors.has(conn)) this.#errors.set(conn, err);
    });
  }

  /** The first error seen on this connection, if any. */
  firstError(conn: object): unknown {
    return this.#errors.get(conn);
  }
}
