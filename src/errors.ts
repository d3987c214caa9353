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

/** Raised when a statement could not be compiled or its parameters are wrong (nothing was sent). */
export class StatementError extends InvalidRequestError {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, { ...options, code: "STATEMENT_ERROR" });
  }
}

/** An illegal transition of a transaction or session state machine. */
export class IllegalStateChangeError extends InvalidRequestError {
  constructor(message: string) {
    super(message, { code: "ILLEGAL_STATE_CHANGE" });
  }
}

export class NoResultFound extends InvalidRequestError {
  constructor(message = "No row was found when one was required.") {
    super(message, { code: "NO_RESULT_FOUND" });
  }
}

export class MultipleResultsFound extends InvalidRequestError {
  constructor(message = "Multiple rows were found when exactly one was required.") {
    super(message, { code: "MULTIPLE_RESULTS_FOUND" });
  }
}

/** The DB-API error kinds (PEP 249), which every dialect maps its server's codes onto. */
export type DBAPIErrorKind =
  | "InterfaceError"
  | "DatabaseError"
  | "DataError"
  | "OperationalError"
  | "IntegrityError"
  | "InternalError"
  | "ProgrammingError"
  | "NotSupportedError";

export interface DBAPIErrorDetails {
  /** The driver's own error. */
  orig: unknown;
  /** The SQL as sent. */
  statement: string | undefined;
  /** The parameters, unless the engine hides them (hideParameters). */
  parameters: unknown;
  /** The disconnect made the pool discard the connection (SPEC P14). */
  connectionInvalidated: boolean;
  /** Whether parameters were withheld from the error. */
  hideParameters: boolean;
}

/**
 * A driver error, wrapped (SQLAlchemy `DBAPIError`): the driver's error is `orig`, with the
 * statement and its parameters, and `connectionInvalidated` when it was a disconnect.
 */
export class DBAPIError extends AthanorError {
  readonly orig: unknown;
  readonly statement: string | undefined;
  readonly parameters: unknown;
  readonly connectionInvalidated: boolean;
  /** The server's own code: SQLSTATE, MySQL errno, SQLite result code name, if any. */
  readonly driverCode: string | number | undefined;

  constructor(message: string, details: DBAPIErrorDetails, code = "DBAPI_ERROR") {
    super(message, { cause: details.orig, code });
    this.orig = details.orig;
    this.statement = details.statement;
    this.parameters = details.hideParameters ? undefined : details.parameters;
    this.connectionInvalidated = details.connectionInvalidated;
    const origCode = (details.orig as { code?: unknown } | null)?.code;
    const origErrno = (details.orig as { errno?: unknown } | null)?.errno;
    this.driverCode =
      typeof origErrno === "number" && origErrno > 0 ? origErrno : typeof origCode === "string" || typeof origCode === "number" ? origCode : undefined;
  }
}

export class InterfaceError extends DBAPIError {
  constructor(message: string, details: DBAPIErrorDetails) {
    super(message, details, "INTERFACE_ERROR");
  }
}
export class DatabaseError extends DBAPIError {
  constructor(message: string, details: DBAPIErrorDetails, code = "DATABASE_ERROR") {
    super(message, details, code);
  }
}
export class DataError extends DatabaseError {
  constructor(message: string, details: DBAPIErrorDetails) {
    super(message, details, "DATA_ERROR");
  }
}
export class OperationalError extends DatabaseError {
  constructor(message: string, details: DBAPIErrorDetails, code = "OPERATIONAL_ERROR") {
    super(message, details, code);
  }
}
export class IntegrityError extends DatabaseError {
  constructor(message: string, details: DBAPIErrorDetails) {
    super(message, details, "INTEGRITY_ERROR");
  }
}
export class InternalError extends DatabaseError {
  constructor(message: string, details: DBAPIErrorDetails) {
    super(message, details, "INTERNAL_ERROR");
  }
}
export class ProgrammingError extends DatabaseError {
  constructor(message: string, details: DBAPIErrorDetails) {
    super(message, details, "PROGRAMMING_ERROR");
  }
}
export class NotSupportedError extends DatabaseError {
  constructor(message: string, details: DBAPIErrorDetails) {
    super(message, details, "NOT_SUPPORTED_ERROR");
  }
}

/** What gave up on a statement (SPEC B1): the caller's AbortSignal, or its time limit. */
export type CancelCause = "signal" | "timeout";

export interface QueryCanceledDetails extends DBAPIErrorDetails {
  canceledBy: CancelCause;
  /** The statement had reached the server when it was given up. */
  sent: boolean;
  /** The AbortSignal's reason, when the signal fired. */
  abortReason: unknown;
}

/**
 * SPEC B1: a statement given up because its AbortSignal aborted; the server was asked to
 * cancel it (PostgreSQL pg_cancel_backend, MySQL KILL QUERY). An OperationalError, as
 * psycopg2's QueryCanceledError (SQLSTATE 57014) is; `orig` is the driver's error for the
 * canceled statement, if it failed with one. `sent: false`: nothing reached the server.
 *
 * A statement that had already finished on the server when the cancel arrived still ends
 * with this error: like an ambiguous commit, a write in AUTOCOMMIT may have happened.
 */
export class QueryCanceledError extends OperationalError {
  readonly canceledBy: CancelCause;
  readonly sent: boolean;
  readonly abortReason: unknown;

  constructor(message: string, details: QueryCanceledDetails, code = "QUERY_CANCELED") {
    super(message, details, code);
    this.canceledBy = details.canceledBy;
    this.sent = details.sent;
    this.abortReason = details.abortReason;
  }
}

/** SPEC B1: a statement that ran past its `timeoutMs` (or the engine's `statementTimeoutMs`) and was canceled. */
export class StatementTimeoutError extends QueryCanceledError {
  readonly timeoutMs: number;

  constructor(message: string, details: QueryCanceledDetails & { timeoutMs: number }) {
    super(message, details, "STATEMENT_TIMEOUT");
    this.timeoutMs = details.timeoutMs;
  }
}

export const DBAPI_ERROR_CLASSES: Record<DBAPIErrorKind, new (message: string, details: DBAPIErrorDetails) => DBAPIError> = {
  InterfaceError,
  DatabaseError,
  DataError,
  OperationalError,
  IntegrityError,
  InternalError,
  ProgrammingError,
  NotSupportedError,
};

/**
 * A value for an error message about bad input, that never throws: String() of an object
 * whose own toString is not a function does. Strings quoted, other objects by their type.
 */
export function describeValue(value: unknown): string {
  if (typeof value === "string") return JSON.stringify(value);
  if (typeof value === "number" || typeof value === "boolean" || typeof value === "bigint" || value == null) return String(value);
  return typeof value;
}
