import { FirstErrorGuard } from "../shared/error-guard.js";
import { settlesWithin } from "../shared/settles-within.js";
import { isMysqlDisconnect } from "./disconnect.js";

/**
 * The part of a `mysql2/promise` Connection the pool needs. Our own type (ARCHITECTURE habit
 * 8): this module never imports `mysql2`, not even its types.
 */
export interface Mysql2ConnectionLike {
  ping(): Promise<void>;
  rollback(): Promise<void>;
  commit(): Promise<void>;
  end(): Promise<void>;
  /** Closes the socket at once, without the COM_QUIT round trip. */
  destroy(): void;
  on(event: "error", listener: (err: Error) => void): unknown;
}

const guard = new FirstErrorGuard();

/**
 * Attach the 'error' listener every pooled mysql2 connection needs; call it right after
 * connecting (see FirstErrorGuard for why). `mysql2/promise` createConnection happens to leave
 * its connect-time `once('error')` listener behind (promise.js createConnectionPromise), which
 * swallows the first such event only; a second one would kill the process. Idempotent.
 */
export function attachMysqlErrorGuard(conn: Mysql2ConnectionLike): void {
  guard.attach(conn);
}

/** The first error the guard saw on this connection, if any. */
export function mysqlConnectionError(conn: Mysql2ConnectionLike): unknown {
  return guard.firstError(conn);
}

export interface Mysql2PoolDialectOptions {
  /**
   * How long `close` waits for `end()` before it calls `destroy()` anyway (default 5000 ms).
   * end() only waits when a statement is still running on the connection.
   */
  closeTimeoutMs?: number;
}

/** The pool operations for a mysql2 connection; structurally a `PoolDialect<Mysql2ConnectionLike>`. */
export interface Mysql2PoolDialect {
  rollback(conn: Mysql2ConnectionLike): Promise<void>;
  commit(conn: Mysql2ConnectionLike): Promise<void>;
  /** end() (skipped if known dead) bounded by `closeTimeoutMs`, then destroy(); never throws. */
  close(conn: Mysql2ConnectionLike): Promise<void>;
  /** Rethrows the error that already killed the connection, else COM_PING. */
  ping(conn: Mysql2ConnectionLike): Promise<void>;
  isDisconnect(err: unknown, conn?: Mysql2ConnectionLike): boolean;
}

const DEFAULT_CLOSE_TIMEOUT_MS = 5000;

export function createMysql2PoolDialect(options: Mysql2PoolDialectOptions = {}): Mysql2PoolDialect {
  const closeTimeoutMs = options.closeTimeoutMs ?? DEFAULT_CLOSE_TIMEOUT_MS;
  return {
    async rollback(conn) {
      await conn.rollback();
    },
    async commit(conn) {
      await conn.commit();
    },
    async close(conn) {
      // end() sends COM_QUIT so the server logs a clean goodbye, but mysql2 resolves it as
      // soon as the packet is written (lib/commands/quit.js calls onResult first) and leaves
      // the socket for the server to close, which a vanished server never does; and behind a
      // hung statement end() waits forever. So: end() within the timeout, then destroy().
      if (!isMysqlDisconnect(guard.firstError(conn))) {
        await settlesWithin(() => conn.end(), closeTimeoutMs);
      }
      try {
        conn.destroy();
      } catch {
        // Already torn down: nothing left to release.
      }
    },
    async ping(conn) {
      const known = guard.firstError(conn);
      if (known !== undefined && isMysqlDisconnect(known)) throw known;
      await conn.ping();
    },
    isDisconnect(err, conn) {
      if (isMysqlDisconnect(err)) return true;
      // Once the server has dropped the session, whatever fails next is a consequence of that.
      return conn !== undefined && isMysqlDisconnect(guard.firstError(conn));
    },
  };
}

/** The pool dialect for `mysql2` with default options. */
export const mysql2PoolDialect: Mysql2PoolDialect = createMysql2PoolDialect();
