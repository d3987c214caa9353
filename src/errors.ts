/**
 * Every error athanor raises derives from AthanorError and carries a stable `code`
 * (SQLAlchemy `exc.py` does the same with its error codes). Messages say what to do.
 */
export class AthanorError extends Error {
  /** Stable, documented identifier: match on this, never on the message. */
  readonly code: string;

  constructor(message: string, options?: { cause?: unknown; code?: string }) {
    super(message, options?.cause === undefined ? undefined : { cause: options.cause });
    this.name = new.target.name;
    this.code = options?.code ?? "ATHANOR_ERROR";
  }
}

/** A bad argument or option, found before anything was sent to a database. */
export class ArgumentError extends AthanorError {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, { ...options, code: "ARGUMENT_ERROR" });
  }
}

/** The API was used in an order or state it does not allow. */
export class InvalidRequestError extends AthanorError {
  constructor(message: string, options?: { cause?: unknown; code?: string }) {
    super(message, { cause: options?.cause, code: options?.code ?? "INVALID_REQUEST" });
  }
}

/** An operation on something already closed (a connection, a result, a pool proxy). */
export class ResourceClosedError extends InvalidRequestError {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, { ...options, code: "RESOURCE_CLOSED" });
  }
}

/** No connection became available within the pool's timeout. */
export class PoolTimeoutError extends AthanorError {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, { ...options, code: "POOL_TIMEOUT" });
  }
}

/**
 * A connection is (or must be treated as) disconnected. Thrown by a `checkout` listener it
 * makes the pool discard that connection and try a fresh one (SQLAlchemy DisconnectionError).
 */
export class DisconnectionError extends AthanorError {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, { ...options, code: "DISCONNECTION" });
  }
}

/** Raised by AssertionPool when a second connection is checked out at once. */
export class PoolAssertionError extends AthanorError {
  constructor(message: string) {
    super(message, { code: "POOL_ASSERTION" });
  }
}

/** A connection took longer than `connectTimeoutMs` to open. */
export class ConnectTimeoutError extends AthanorError {
  constructor(message: string) {
    super(message, { code: "CONNECT_TIMEOUT" });
  }
}

/** The transaction was lost (error or disconnect) and must be rolled back before more work. */
export class PendingRollbackError extends InvalidRequestError {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, { ...options, code: "PENDING_ROLLBACK" });
  }
}
