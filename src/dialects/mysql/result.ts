/** mysql2's answers, normalised to the engine's DriverResult. */
import type { DriverResult } from "../../engine/interfaces.js";
import type { Mysql2Field, Mysql2ResultSetHeader } from "./mysql2-driver.js";
import { SERVER_STATUS_NO_BACKSLASH_ESCAPES, type MysqlSession } from "./server-info.js";

/**
 * `[rows, fields]` from query()/execute() with rowsAsArray. One statement: rows are arrays and
 * fields describe them, or rows is an OK packet and fields is undefined. Several result sets
 * (a CALL, or multipleStatements): both are arrays with one entry per result set, the
 * entries of `fields` being arrays or undefined (mysql2 lib/commands/query.js done()).
 *
 * Of several result sets the last one with rows wins, else the last OK packet: a CALL always
 * ends with the OK packet of the CALL itself, which would otherwise hide the procedure's rows.
 */
export function toDriverResult(rows: unknown, fields: unknown, session: MysqlSession | undefined): DriverResult {
  if (isPerResultSet(fields) && Array.isArray(rows)) {
    for (const header of rows) trackSessionStatus(header, session);
    for (let i = fields.length - 1; i >= 0; i -= 1) {
      const f = fields[i];
      if (f !== undefined) return rowsResult(rows[i], f);
    }
    return okResult(rows[rows.length - 1]);
  }
  if (Array.isArray(fields)) return rowsResult(rows, fields as Mysql2Field[]);
  trackSessionStatus(rows, session);
  return okResult(rows);
}

function isPerResultSet(fields: unknown): fields is (Mysql2Field[] | undefined)[] {
  return Array.isArray(fields) && fields.length > 0 && fields.every((f) => f === undefined || Array.isArray(f));
}

function rowsResult(rows: unknown, fields: Mysql2Field[]): DriverResult {
  const list = Array.isArray(rows) ? (rows as unknown[][]) : [];
  return { columns: fields.map((f) => f.name), rows: list, rowCount: list.length };
}

/**
 * affectedRows counts matched rows, not only changed ones: mysql2 sets the FOUND_ROWS client
 * flag by default (lib/connection_config.js getDefaultFlags), as SQLAlchemy's MySQL dialects
 * do, so an UPDATE to the same value still counts (the ORM's version checks rely on it).
 * insertId is 0 when the statement generated no AUTO_INCREMENT value: reported as absent.
 */
function okResult(header: unknown): DriverResult {
  if (!isHeader(header)) return { columns: [], rows: [], rowCount: -1 };
  const id = header.insertId;
  const lastInsertId = typeof id === "string" ? BigInt(id) : id;
  return {
    columns: [],
    rows: [],
    rowCount: header.affectedRows,
    lastInsertId: lastInsertId === 0 || lastInsertId === 0n ? undefined : lastInsertId,
  };
}

function isHeader(value: unknown): value is Mysql2ResultSetHeader {
  return typeof value === "object" && value !== null && typeof (value as { affectedRows?: unknown }).affectedRows === "number";
}

/** Follow sql_mode changes through the OK packet's status flags (server-info.ts). */
function trackSessionStatus(header: unknown, session: MysqlSession | undefined): void {
  if (session === undefined || !isHeader(header) || typeof header.serverStatus !== "number") return;
  session.noBackslashEscapes = (header.serverStatus & SERVER_STATUS_NO_BACKSLASH_ESCAPES) !== 0;
}
