import type { Logger } from "../log.js";
import type { CheckoutOptions, Pool } from "../pool/pool.js";
import type { PooledConnection } from "../pool/pooled-connection.js";
import type { EngineEvents } from "./engine-events.js";
import type { Dialect, IsolationLevel } from "./interfaces.js";

/** What a Connection needs from its Engine (kept narrow so the two files stay independent). */
export interface EngineCore<C> {
  readonly dialect: Dialect<C>;
  readonly pool: Pool<C>;
  readonly events: EngineEvents;
  readonly logger: Logger;
  readonly echo: boolean;
  readonly hideParameters: boolean;
  /** A pooled connection; driver connect errors arrive wrapped (OperationalError...). */
  checkout(options?: CheckoutOptions): Promise<PooledConnection<C>>;
  /** SPEC B1: the default time limit of execute()/stream() calls (Infinity: none). */
  readonly statementTimeoutMs: number;
  /** SPEC B1: a new driver connection outside the pool, to send a cancel request through. */
  openCancelConnection(): Promise<C>;
  /** The engine-wide level, if one was set. */
  readonly isolationLevel: IsolationLevel | undefined;
}
