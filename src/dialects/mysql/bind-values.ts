/**
 * How parameter values reach a MySQL/MariaDB server through mysql2 (SPEC E4: values are
 * bound, never spliced unsafely).
 *
 * Default: the text protocol, `query(sql, values)`. mysql2 escapes each value client-side and
 * writes it into the SQL (sql-escaper's format()), as mysqlclient and PyMySQL do for
 * SQLAlchemy. It costs one round trip, works for every statement, and leaves no server-side
 * prepared statements behind (the server caps them per instance: max_prepared_stmt_count,
 * default 16382, shared by all connections, while mysql2 caches up to 16000 per connection).
 *
 * That escaping writes \' and \\, which is only correct while backslash is an escape
 * character. Under sql_mode NO_BACKSLASH_ESCAPES it is an injection: the value
 * `\' OR 1=1 -- ` becomes '\\\' OR 1=1 -- ' and the server runs OR 1=1 (integration test).
 * So a session with that mode sends its parameters with the binary protocol instead,
 * `execute()` (COM_STMT_PREPARE + COM_STMT_EXECUTE), where values never enter the SQL text.
 *
 * Before mysql2 sees them, values are reduced to scalars so its escaper's structural cases
 * cannot trigger: an object would become `key = value` pairs, an array a list, an object
 * with toSqlString() raw SQL (sql-escaper lib/index.js escapeValue / format).
 */
import { ArgumentError } from "../../errors.js";

export type BindProtocol = "text" | "binary";

/** Binary only when it matters: there are values, and backslash escaping would be wrong. */
export function bindProtocol(noBackslashEscapes: boolean, params: readonly unknown[]): BindProtocol {
  return noBackslashEscapes && params.length > 0 ? "binary" : "text";
}

/**
 * Scalars pass through (string, finite number, bigint, boolean, null, Date, Buffer); plain
 * objects and arrays become JSON text (mysql2's own execute() does the same, lib/packets/
 * encode_parameter.js; pg does it too); other objects (Decimal, custom classes) their
 * String(); undefined is NULL, as pg treats it.
 */
export function toBindValues(params: readonly unknown[]): unknown[] {
  return params.map(toBindValue);
}

function toBindValue(value: unknown, index: number): unknown {
  switch (typeof value) {
    case "undefined":
      return null;
    case "string":
    case "boolean":
    case "bigint":
      return value;
    case "number":
      // mysql2 would write NaN / Infinity bare into the SQL, where they read as column names.
      if (!Number.isFinite(value)) throw new ArgumentError(`Parameter ${index + 1} is ${value}; MySQL/MariaDB numbers cannot hold it.`);
      return value;
    case "object":
      if (value === null || value instanceof Date || Buffer.isBuffer(value)) return value;
      // execute() recognises only Buffer as binary (encode_parameter.js); same bytes, no copy.
      if (value instanceof Uint8Array) return Buffer.from(value.buffer, value.byteOffset, value.byteLength);
      if (Array.isArray(value) || isPlainObject(value)) return JSON.stringify(value);
      return String(value);
    default:
      throw new ArgumentError(`Parameter ${index + 1} is a ${typeof value}, which cannot be sent to MySQL/MariaDB.`);
  }
}

function isPlainObject(value: object): boolean {
  const proto: unknown = Object.getPrototypeOf(value);
  return proto === Object.prototype || proto === null;
}
