/** The pool's public shapes: checkout options and what status() reports. */

export interface CheckoutOptions {
  /** How long this checkout may wait for a connection (overrides the pool's timeoutMs). */
  timeoutMs?: number;
  /** Abandon the checkout when this signal aborts. */
  signal?: AbortSignal;
}

/** One checked-out connection, as status() reports it. */
export interface CheckedOutConnection {
  id: number;
  /** Since the driver connection was opened. */
  ageMs: number;
  /** Since this checkout. */
  checkedOutForMs: number;
  /** The checkout's stack trace, when checkoutStacks is on. */
  checkedOutAt: string | undefined;
}

export interface PoolCounts {
  /** The configured pool size. */
  size: number;
  /** Idle connections held by the pool. */
  checkedIn: number;
  /** Connections handed out (or being opened for a caller). */
  checkedOut: number;
  /** Connections beyond `size` (negative while the pool is below its size, as in SQLAlchemy). */
  overflow: number;
  /** Checkouts waiting for a connection. */
  waiting: number;
}

export interface PoolStatus extends PoolCounts {
  pool: string;
  connections: CheckedOutConnection[];
}

/** Settings of one checkout that could not be served at once. */
export interface CheckoutRequest {
  /** The limit for this checkout: the caller's timeoutMs or the pool's. */
  readonly timeoutMs: number;
  /** When the checkout started (Date.now()). */
  readonly startedAt: number;
  readonly deadline: number;
  readonly signal: AbortSignal | undefined;
  readonly stack: string | undefined;
}
