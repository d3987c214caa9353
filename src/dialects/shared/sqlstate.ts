/**
 * SQLSTATE -> DB-API error kind, for every dialect whose server speaks PostgreSQL's error
 * codes (pg, PGlite). It follows psycopg2 exactly, because SQLAlchemy's PostgreSQL users
 * know its classes: psycopg2 `psycopg/error_type.c`, `base_exception_from_sqlstate()`,
 * which decides by the two-character class. Class names and meanings: PostgreSQL manual,
 * Appendix A "PostgreSQL Error Codes" (errcodes-appendix.html).
 *
 * psycopg2 has two subclasses we fold into their base, since DBAPIErrorKind is PEP 249's
 * list: TransactionRollbackError (class 40: serialization_failure 40001, deadlock_detected
 * 40P01) and QueryCanceledError (57014) are both OperationalError subclasses there.
 */
import type { DBAPIErrorKind } from "../../errors.js";

const BY_CLASS: Readonly<Record<string, DBAPIErrorKind>> = {
  "08": "OperationalError", // Connection Exception
  "0A": "NotSupportedError", // Feature Not Supported
  "20": "ProgrammingError", // Case Not Found
  "21": "ProgrammingError", // Cardinality Violation
  "22": "DataError", // Data Exception (division_by_zero, invalid_text_representation, ...)
  "23": "IntegrityError", // Integrity Constraint Violation (unique, foreign key, not null, check)
  "24": "InternalError", // Invalid Cursor State
  "25": "InternalError", // Invalid Transaction State (25P02 in_failed_sql_transaction, ...)
  "26": "OperationalError", // Invalid SQL Statement Name
  "27": "OperationalError", // Triggered Data Change Violation
  "28": "OperationalError", // Invalid Authorization Specification (bad password, no such role)
  "2B": "InternalError", // Dependent Privilege Descriptors Still Exist
  "2D": "InternalError", // Invalid Transaction Termination
  "2F": "InternalError", // SQL Routine Exception
  "34": "OperationalError", // Invalid Cursor Name
  "38": "InternalError", // External Routine Exception
  "39": "InternalError", // External Routine Invocation Exception
  "3B": "InternalError", // Savepoint Exception
  "3D": "ProgrammingError", // Invalid Catalog Name (no such database)
  "3F": "ProgrammingError", // Invalid Schema Name
  "40": "OperationalError", // Transaction Rollback (psycopg2 TransactionRollbackError)
  "42": "ProgrammingError", // Syntax Error or Access Rule Violation (42601, 42P01 undefined_table)
  "44": "ProgrammingError", // WITH CHECK OPTION Violation
  "53": "OperationalError", // Insufficient Resources
  "54": "OperationalError", // Program Limit Exceeded
  "55": "OperationalError", // Object Not In Prerequisite State
  "57": "OperationalError", // Operator Intervention (57014 query_canceled: psycopg2 QueryCanceledError)
  "58": "OperationalError", // System Error (errors external to PostgreSQL itself)
  F0: "InternalError", // Configuration File Error
  HV: "OperationalError", // Foreign Data Wrapper Error
  P0: "InternalError", // PL/pgSQL Error (P0001 raise_exception)
  XX: "InternalError", // Internal Error
};

const SQLSTATE_SHAPE = /^[0-9A-Z]{5}$/;

/** Is this string shaped like a SQLSTATE (five digits or upper-case letters)? */
export function isSqlstate(code: unknown): code is string {
  return typeof code === "string" && SQLSTATE_SHAPE.test(code);
}

/**
 * The DB-API kind for a SQLSTATE; "DatabaseError" for a class psycopg2 does not name
 * (its fallback too), and for anything that is not a SQLSTATE.
 */
export function errorKindFromSqlstate(sqlstate: string): DBAPIErrorKind {
  if (!isSqlstate(sqlstate)) return "DatabaseError";
  return BY_CLASS[sqlstate.slice(0, 2)] ?? "DatabaseError";
}
