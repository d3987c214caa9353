/**
 * What better-sqlite3's errors mean, in DB-API terms.
 *
 * SQLite errors arrive as `SqliteError` with `code` = the extended result code's name
 * ("SQLITE_CONSTRAINT_UNIQUE", "SQLITE_BUSY_SNAPSHOT"; better-sqlite3 docs/api.md "class
 * SqliteError"; names from sqlite.org/rescode.html). They are classified by the primary code
 * (the name up to the second underscore) exactly as Python's sqlite3 module does, because
 * that is what SQLAlchemy's pysqlite dialect passes on: CPython `Modules/_sqlite/util.c`,
 * `get_exception_class()`, which switches on `sqlite3_errcode()` (the primary code). So, as
 * in Python, "no such table" and syntax errors are OperationalError (both SQLITE_ERROR).
 */
import type { DBAPIErrorKind } from "../../errors.js";
import { errorChain, stringField } from "../shared/error-chain.js";

/** CPython `get_exception_class()`, case by case. Codes it does not list fall to DatabaseError, as there. */
const BY_PRIMARY_CODE: Readonly<Record<string, DBAPIErrorKind>> = {
  SQLITE_INTERNAL: "InternalError",
  SQLITE_NOTFOUND: "InternalError",
  // CPython raises MemoryError (not a DB-API class); PEP 249 lists "a memory allocation
  // error occurred during processing" under OperationalError.
  SQLITE_NOMEM: "OperationalError",
  SQLITE_ERROR: "OperationalError", // generic: syntax errors, no such table/column
  SQLITE_PERM: "OperationalError",
  SQLITE_ABORT: "OperationalError",
  SQLITE_BUSY: "OperationalError", // another connection holds the lock past the busy timeout
  SQLITE_LOCKED: "OperationalError",
  SQLITE_READONLY: "OperationalError", // write on a mode=ro connection or read-only file
  SQLITE_INTERRUPT: "OperationalError",
  SQLITE_IOERR: "OperationalError",
  SQLITE_FULL: "OperationalError",
  SQLITE_CANTOPEN: "OperationalError",
  SQLITE_PROTOCOL: "OperationalError",
  SQLITE_EMPTY: "OperationalError",
  SQLITE_SCHEMA: "OperationalError",
  SQLITE_CORRUPT: "DatabaseError",
  SQLITE_TOOBIG: "DataError", // string or blob larger than SQLITE_MAX_LENGTH
  SQLITE_CONSTRAINT: "IntegrityError", // UNIQUE, PRIMARYKEY, FOREIGNKEY, NOTNULL, CHECK, ...
  SQLITE_MISMATCH: "IntegrityError", // e.g. a non-integer into an INTEGER PRIMARY KEY (rowid)
  SQLITE_MISUSE: "InterfaceError",
  SQLITE_RANGE: "InterfaceError", // bind parameter index out of range
};

/**
 * better-sqlite3's own errors are plain TypeError / RangeError without a code: misuse caught
 * before SQLite runs. Python's sqlite3 raises ProgrammingError for the same mistakes
 * (CPython `Modules/_sqlite`): "Incorrect number of bindings supplied" ~ better-sqlite3
 * "Too few/many parameter values were provided" (src/util/binder.cpp); "Error binding
 * parameter: type is not supported" ~ "SQLite3 can only bind numbers, strings, bigints,
 * buffers, and null" (binder.cpp); "You can only execute one statement at a time." ~ "The
 * supplied SQL string contains more than one statement" (src/objects/statement.cpp);
 * "Cannot operate on a closed database." ~ "The database connection is not open"
 * (src/util/macros.cpp); "Recursive use of cursors not allowed." ~ "This database
 * connection is busy executing a query" (macros.cpp). So they are ProgrammingError, with
 * the exceptions below.
 */
const DRIVER_MESSAGE_KINDS: ReadonlyMap<string, DBAPIErrorKind> = new Map<string, DBAPIErrorKind>([
  // better-sqlite3 lib/database.js, before opening a file in a missing directory. Python's
  // sqlite3.connect() gets SQLITE_CANTOPEN for the same thing: OperationalError.
  ["Cannot open database because the directory does not exist", "OperationalError"],
]);

const PRIMARY_CODE = /^SQLITE_[A-Z]+/;

/** Which DB-API error class a better-sqlite3 error is. */
export function classifySqliteError(err: unknown): DBAPIErrorKind {
  for (const e of errorChain(err)) {
    const code = stringField(e, "code");
    const primary = code === undefined ? undefined : PRIMARY_CODE.exec(code)?.[0];
    if (primary !== undefined) return BY_PRIMARY_CODE[primary] ?? "DatabaseError";
  }
  for (const e of errorChain(err)) {
    const message = stringField(e, "message");
    const kind = message === undefined ? undefined : DRIVER_MESSAGE_KINDS.get(message);
    if (kind !== undefined) return kind;
    if (e instanceof TypeError || e instanceof RangeError) return "ProgrammingError";
  }
  return "DatabaseError";
}

/**
 * SQLite has no network, so the only "disconnect" is a connection that was closed.
 * SQLAlchemy pysqlite `is_disconnect`: a ProgrammingError containing "Cannot operate on a
 * closed database."; better-sqlite3's equivalent is "The database connection is not open"
 * (src/util/macros.cpp REQUIRE_DATABASE_OPEN), thrown by every call on a closed Database.
 * SQLITE_IOERR / SQLITE_CORRUPT are not disconnects: a fresh connection to the same file
 * would fail the same way, and SQLAlchemy does not treat them so either.
 */
export function isSqliteDisconnect(err: unknown): boolean {
  return errorChain(err).some((e) => stringField(e, "message") === CLOSED_MESSAGE && stringField(e, "code") === undefined);
}

const CLOSED_MESSAGE = "The database connection is not open";
