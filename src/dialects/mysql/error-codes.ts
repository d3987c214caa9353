/**
 * MySQL/MariaDB error numbers -> DB-API error kinds (SPEC E9).
 *
 * The base is PyMySQL's table (pymysql/err.py `_map_error`, used by SQLAlchemy's pymysql
 * dialect), including its fallback: an errno it does not list is OperationalError from 1000
 * up and InternalError below (`raise_mysql_exception`); mysqlclient (MySQLdb, SQLAlchemy's
 * default MySQL driver) has the same fallback in `_mysql.c` `_mysql_Exception`.
 *
 * Deliberate additions, each marked "(added)", put MySQL errors in the class PostgreSQL's
 * equivalent SQLSTATE gets (psycopg2's mapping, shared/sqlstate.ts), so that code written
 * against one database catches the same class on the other: PyMySQL would call an unknown
 * column or a division by zero OperationalError, which is the class for "the database is
 * unwell", not for a mistake in the statement.
 *
 * Numbers and names: MySQL "Server Error Message Reference" and MariaDB "MariaDB Error Code
 * Reference" (mariadb.com/kb/en/mariadb-error-code-reference); the names match mysql2's
 * lib/constants/errors.js (MySQL's list) where MySQL and MariaDB agree.
 */
import type { DBAPIErrorKind } from "../../errors.js";

export type MysqlFlavour = "mysql" | "mariadb";

const BY_ERRNO: ReadonlyMap<number, DBAPIErrorKind> = new Map<number, DBAPIErrorKind>([
  // IntegrityError: PyMySQL's list ...
  [1062, "IntegrityError"], // ER_DUP_ENTRY "Duplicate entry '%s' for key %d"
  [1216, "IntegrityError"], // ER_NO_REFERENCED_ROW (foreign key, child side)
  [1452, "IntegrityError"], // ER_NO_REFERENCED_ROW_2 "Cannot add or update a child row: a foreign key constraint fails"
  [1217, "IntegrityError"], // ER_ROW_IS_REFERENCED (foreign key, parent side)
  [1451, "IntegrityError"], // ER_ROW_IS_REFERENCED_2 "Cannot delete or update a parent row"
  [1215, "IntegrityError"], // ER_CANNOT_ADD_FOREIGN
  [1048, "IntegrityError"], // ER_BAD_NULL_ERROR "Column '%s' cannot be null"
  // ... and the constraint violations Django's MySQL backend re-raises as IntegrityError
  // (django/db/backends/mysql/base.py CursorWrapper.codes_for_integrityerror); PyMySQL files
  // MariaDB's 4025 under OperationalError.
  [3819, "IntegrityError"], // ER_CHECK_CONSTRAINT_VIOLATED (MySQL 8.0.16+)
  [1586, "IntegrityError"], // ER_DUP_ENTRY_WITH_KEY_NAME "Duplicate entry '%s' for key '%s'" (added)
  [1364, "IntegrityError"], // ER_NO_DEFAULT_FOR_FIELD "Field '%s' doesn't have a default value" (added; PG 23502 not_null_violation)

  // ProgrammingError: PyMySQL's list ...
  [1007, "ProgrammingError"], // ER_DB_CREATE_EXISTS
  [1149, "ProgrammingError"], // ER_SYNTAX_ERROR
  [1064, "ProgrammingError"], // ER_PARSE_ERROR "You have an error in your SQL syntax"
  [1146, "ProgrammingError"], // ER_NO_SUCH_TABLE
  [1102, "ProgrammingError"], // ER_WRONG_DB_NAME
  [1103, "ProgrammingError"], // ER_WRONG_TABLE_NAME
  [1110, "ProgrammingError"], // ER_FIELD_SPECIFIED_TWICE
  [1111, "ProgrammingError"], // ER_INVALID_GROUP_FUNC_USE
  [1112, "ProgrammingError"], // ER_UNSUPPORTED_EXTENSION
  [1113, "ProgrammingError"], // ER_TABLE_MUST_HAVE_COLUMNS
  [1179, "ProgrammingError"], // ER_CANT_DO_THIS_DURING_AN_TRANSACTION
  // ... and the class-42 equivalents (added; PG 42703, 42P07, 42P01, 42701, 42702, 42883)
  [1054, "ProgrammingError"], // ER_BAD_FIELD_ERROR "Unknown column '%s' in '%s'"
  [1050, "ProgrammingError"], // ER_TABLE_EXISTS_ERROR
  [1051, "ProgrammingError"], // ER_BAD_TABLE_ERROR "Unknown table '%s'"
  [1060, "ProgrammingError"], // ER_DUP_FIELDNAME "Duplicate column name '%s'"
  [1061, "ProgrammingError"], // ER_DUP_KEYNAME "Duplicate key name '%s'"
  [1052, "ProgrammingError"], // ER_NON_UNIQ_ERROR "Column '%s' in %s is ambiguous"
  [1091, "ProgrammingError"], // ER_CANT_DROP_FIELD_OR_KEY
  [1305, "ProgrammingError"], // ER_SP_DOES_NOT_EXIST "FUNCTION %s does not exist"
  [1242, "ProgrammingError"], // ER_SUBQUERY_NO_1_ROW (PG 21000 cardinality_violation)
  [1390, "ProgrammingError"], // ER_PS_MANY_PARAM "Prepared statement contains too many placeholders"

  // DataError: PyMySQL's list ...
  [1265, "DataError"], // WARN_DATA_TRUNCATED "Data truncated for column '%s'"
  [1263, "DataError"], // ER_WARN_NULL_TO_NOTNULL
  [1264, "DataError"], // ER_WARN_DATA_OUT_OF_RANGE "Out of range value for column '%s'"
  [1230, "DataError"], // ER_NO_DEFAULT "Variable '%s' doesn't have a default value"
  [1171, "DataError"], // ER_PRIMARY_CANT_HAVE_NULL
  [1406, "DataError"], // ER_DATA_TOO_LONG "Data too long for column '%s'"
  [1441, "DataError"], // ER_DATETIME_FUNCTION_OVERFLOW
  // ... and the class-22 equivalents (added; PG 22012, 22003, 22007, 22P02)
  [1365, "DataError"], // ER_DIVISION_BY_ZERO (strict mode with ERROR_FOR_DIVISION_BY_ZERO)
  [1690, "DataError"], // ER_DATA_OUT_OF_RANGE "%s value is out of range in '%s'"
  [1292, "DataError"], // ER_TRUNCATED_WRONG_VALUE "Truncated incorrect %s value" / "Incorrect datetime value"
  [1366, "DataError"], // ER_TRUNCATED_WRONG_VALUE_FOR_FIELD "Incorrect integer value: '%s' for column"
  [1367, "DataError"], // ER_ILLEGAL_VALUE_FOR_TYPE
  [3140, "DataError"], // ER_INVALID_JSON_TEXT (MySQL's JSON type)

  // NotSupportedError: PyMySQL's list, plus 1148.
  [1196, "NotSupportedError"], // ER_WARNING_NOT_COMPLETE_ROLLBACK (non-transactional table changed)
  [1235, "NotSupportedError"], // ER_NOT_SUPPORTED_YET "This version of MySQL doesn't yet support '%s'"
  [1289, "NotSupportedError"], // ER_FEATURE_DISABLED
  [1286, "NotSupportedError"], // ER_UNKNOWN_STORAGE_ENGINE
  [1148, "NotSupportedError"], // ER_NOT_ALLOWED_COMMAND "The used command is not allowed with this MySQL version" (added)

  // OperationalError: PyMySQL lists these explicitly; the >= 1000 fallback would give the
  // same, they are here so the table documents them.
  [1044, "OperationalError"], // ER_DBACCESS_DENIED_ERROR
  [1045, "OperationalError"], // ER_ACCESS_DENIED_ERROR
  [1040, "OperationalError"], // ER_CON_COUNT_ERROR "Too many connections"
  [1142, "OperationalError"], // ER_TABLEACCESS_DENIED_ERROR
  [1143, "OperationalError"], // ER_COLUMNACCESS_DENIED_ERROR
  [1213, "OperationalError"], // ER_LOCK_DEADLOCK (PyMySQL; PG 40P01 is OperationalError too)
  [1205, "OperationalError"], // ER_LOCK_WAIT_TIMEOUT "Lock wait timeout exceeded"
]);

/**
 * 4025 is two different errors: MariaDB ER_CONSTRAINT_FAILED "CONSTRAINT `%s` failed for
 * `%s`.`%s`" (a CHECK constraint; Django lists it as IntegrityError), and MySQL
 * ER_INNODB_AUTOEXTEND_SIZE_OUT_OF_RANGE (a DDL option; mysql2 lib/constants/errors.js). Decided
 * by the server flavour seen at connect, else by MariaDB's (English) wording.
 */
const MARIADB_CONSTRAINT_FAILED = 4025;

export function errorKindForErrno(errno: number, flavour: MysqlFlavour | undefined, message: string): DBAPIErrorKind {
  if (errno === MARIADB_CONSTRAINT_FAILED) {
    const mariadb = flavour === "mariadb" || (flavour === undefined && /^CONSTRAINT .* failed/.test(message));
    return mariadb ? "IntegrityError" : "OperationalError";
  }
  const mapped = BY_ERRNO.get(errno);
  if (mapped !== undefined) return mapped;
  return errno < 1000 ? "InternalError" : "OperationalError";
}
