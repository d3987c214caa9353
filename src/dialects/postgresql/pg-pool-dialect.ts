import { FirstErrorGuard } from "../shared/error-guard.js";
import { settlesWithin } from "../shared/settles-within.js";
import { isPostgresDisconnect } from "./disconnect.js";

/**
 * The part of a `pg.Client` the pool needs. Our own type (ARCHITECTURE habit 8): this module
 * never imports `pg`, not even its types, so a `pg` upgrade cannot break core code.
 */
export interface PgClientLike {
  query(sql: string): Promise<unknown>;
  end(): Promise<void>;
  on(event: "error", listener: (err: Error) => void): unknown;
  /** pg lib/client.js `unref()`: lets the process exit despite this client's socket. */
  unref?(): void;
}

const guard = new FirstErrorGuard();

/**
 * Attach the 'error' listener every pooled pg client needs; call it right after creating the
 * client (see FirstErrorGuard for why). Idempotent.
 */
export function attachPgErrorGuard(client: PgClientLike): void {
  guard.attach(client);
}

/** The first error the guard saw on this client, if any. */
export function pgClientError(client: PgClientLike): unknown {
  return guard.firstError(client);
}

export interface PgPoolDialectOptions {
  /**
   * How long `close` waits for pg's `end()` (default 5000 ms). end() waits for the server to
   * close the socket, which never happens if the peer vanished without a FIN (network cut,
   * black-holed host); pg has no public destroy(), so after this we stop waiting and unref
   * the socket so it cannot keep the process alive.
   */
  closeTimeoutMs?: number;
}

const DEFAULT_CLOSE_TIMEOUT_MS = 5000;

/** The pool operations for a `pg.Client`; structurally a `PoolDialect<PgClientLike>` (src/pool). */
export interface PgPoolDialect {
  rollback(conn: PgClientLike): Promise<void>;
  commit(conn: PgClientLike): Promise<void>;
  /** end(), bounded by `closeTimeoutMs`; never throws. */
  close(conn: PgClientLike): Promise<void>;
  /** Rethrows the error that already killed the client, else runs SELECT 1. */
  ping(conn: PgClientLike): Promise<void>;
  isDisconnect(err: unknown, conn?: PgClientLike): boolean;
}

export function createPgPoolDialect(options: PgPoolDialectOptions = {}): PgPoolDialect {
  const closeTimeoutMs = options.closeTimeoutMs ?? DEFAULT_CLOSE_TIMEOUT_MS;
  return {
    async rollback(conn: PgClientLike): Promise<void> {
      // Outside a transaction PostgreSQL answers ROLLBACK with a WARNING, not an error.
      await conn.query("ROLLBACK");
    },
    async commit(conn: PgClientLike): Promise<void> {
      await conn.query("COMMIT");
    },
    async close(conn: PgClientLike): Promise<void> {
      // pg's end() destroys the socket itself when it already knows it is dead
      // (lib/client.js end(): `!this._queryable`), so only a silent peer needs the timeout.
      const ended = await settlesWithin(() => conn.end(), closeTimeoutMs);
      if (!ended) conn.unref?.();
    },
    async ping(conn: PgClientLike): Promise<void> {
      const known = guard.firstError(conn);
      if (known !== undefined && isPostgresDisconnect(known)) throw known;
      await conn.query("SELECT 1");
    },
    isDisconnect(err: unknown, conn?: PgClientLike): boolean {
      if (isPostgresDisconnect(err)) return true;
      // Once the server has ended the session, whatever fails next is a consequence of that.
      return conn !== undefined && isPostgresDisconnect(guard.firstError(conn));
    },
  };
}

/** The pool dialect for `pg` with default options. */
export const pgPoolDialect: PgPoolDialect = createPgPoolDialect();
