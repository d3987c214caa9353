/**
 * All the pool knows about a database (SQLAlchemy's `_ConnDialect`): enough to reset,
 * ping and close a driver connection, and to recognise a lost one. Engines pass their
 * dialect's implementation; a pool built on its own gets `genericPoolDialect`.
 */
export interface PoolDialect<C> {
  /** Roll back whatever the connection has open (reset on return). What it resolves to is ignored. */
  rollback(conn: C): Promise<unknown> | void;
  /** Commit whatever the connection has open (resetOnReturn: "commit"). What it resolves to is ignored. */
  commit(conn: C): Promise<unknown> | void;
  /** Really close the driver connection. Must not throw if it is already dead. */
  close(conn: C): Promise<void> | void;
  /**
   * A cheap round trip; throws if the connection is unusable. The pool treats any failed
   * ping as a disconnect: a connection that cannot run SELECT 1 is of no use to anyone.
   */
  ping(conn: C): Promise<void> | void;
  /** Is this error a sign that the connection (or the server) is gone? */
  isDisconnect(err: unknown, conn?: C): boolean;
}

/** The DB-API-like methods a driver connection may have; each one is optional. */
interface DuckConnection {
  rollback?: () => unknown;
  commit?: () => unknown;
  ping?: () => unknown;
  close?: () => unknown;
  end?: () => unknown;
  destroy?: () => unknown;
}

function duck(conn: unknown): DuckConnection {
  return typeof conn === "object" && conn !== null ? (conn as DuckConnection) : {};
}

async function settle(value: unknown): Promise<void> {
  await value;
}

/**
 * For pools used without an engine: calls the connection's own `rollback()`, `commit()`,
 * `ping()` and `close()`/`end()`/`destroy()` when it has them (Python's DB-API names) and
 * does nothing where it has not. It cannot classify errors, so only statements that the pool
 * itself runs (pre-ping) can reveal a disconnect. Pass a real dialect to get more.
 */
export const genericPoolDialect: PoolDialect<unknown> = {
  rollback(conn) {
    const c = duck(conn);
    return c.rollback === undefined ? undefined : settle(c.rollback());
  },
  commit(conn) {
    const c = duck(conn);
    return c.commit === undefined ? undefined : settle(c.commit());
  },
  close(conn) {
    const c = duck(conn);
    const close = c.close ?? c.end ?? c.destroy;
    if (close === undefined) return undefined;
    return settle(close.call(conn)).catch(() => undefined);
  },
  ping(conn) {
    const c = duck(conn);
    return c.ping === undefined ? undefined : settle(c.ping());
  },
  isDisconnect() {
    return false;
  },
};
