/**
 * What a MySQL-protocol server is, read once per connection with `SELECT VERSION(),
 * @@SESSION.sql_mode`, and the per-connection facts that depend on it.
 */
import type { MysqlFlavour } from "./error-codes.js";

export interface MysqlServerInfo {
  flavour: MysqlFlavour;
  major: number;
  minor: number;
  patch: number;
  /** VERSION() as the server said it: "10.11.19-MariaDB-0+deb12u1", "8.0.36". */
  version: string;
}

/** Which data-changing statements take RETURNING (SQLAlchemy's mysql/base.py tracks the same three). */
export interface ReturningSupport {
  insert: boolean;
  update: boolean;
  delete: boolean;
}

/**
 * "10.11.19-MariaDB-0+deb12u1" -> MariaDB 10.11.19. MariaDB servers have put "5.5.5-" in front
 * of the handshake's version string (so that old MySQL clients accept them) and proxies may
 * relay that; VERSION() itself does not have it, but it is skipped either way.
 */
export function parseServerVersion(version: string): MysqlServerInfo {
  const text = String(version).replace(/^5\.5\.5-/, "");
  const match = /^(\d+)\.(\d+)\.(\d+)/.exec(text);
  const [major, minor, patch] = match === null ? [0, 0, 0] : [Number(match[1]), Number(match[2]), Number(match[3])];
  return { flavour: /mariadb/i.test(text) ? "mariadb" : "mysql", major, minor, patch, version: String(version) };
}

function atLeast(info: MysqlServerInfo, major: number, minor: number, patch: number): boolean {
  if (info.major !== major) return info.major > major;
  if (info.minor !== minor) return info.minor > minor;
  return info.patch >= patch;
}

/**
 * MariaDB: DELETE ... RETURNING since 10.0.5 (MariaDB KB "DELETE"), INSERT/REPLACE ...
 * RETURNING since 10.5.0 (MariaDB KB "INSERT...RETURNING"); UPDATE ... RETURNING does not
 * exist (MDEV-5092, open). MySQL has none of them (its manual documents no RETURNING clause).
 */
export function returningSupport(info: MysqlServerInfo | undefined): ReturningSupport {
  if (info === undefined || info.flavour === "mysql") return { insert: false, update: false, delete: false };
  return { insert: atLeast(info, 10, 5, 0), update: false, delete: atLeast(info, 10, 0, 5) };
}

/**
 * The session variable that holds the isolation level. MySQL: `transaction_isolation` since
 * 5.7.20, and `tx_isolation` was removed in 8.0.3 (MySQL 8.0 release notes). MariaDB:
 * `tx_isolation` (10.11 has nothing else, integration test); `transaction_isolation` was
 * added in 11.1.1 as the new name (MariaDB KB "Server System Variables").
 */
export function isolationVariable(info: MysqlServerInfo): "transaction_isolation" | "tx_isolation" {
  if (info.flavour === "mariadb") return atLeast(info, 11, 1, 1) ? "transaction_isolation" : "tx_isolation";
  return atLeast(info, 5, 7, 20) ? "transaction_isolation" : "tx_isolation";
}

/**
 * sql_mode NO_BACKSLASH_ESCAPES (MySQL manual "Server SQL Modes": backslash becomes an
 * ordinary character in string literals).
 */
export function hasNoBackslashEscapes(sqlMode: unknown): boolean {
  return String(sqlMode ?? "")
    .toUpperCase()
    .split(",")
    .some((mode) => mode.trim() === "NO_BACKSLASH_ESCAPES");
}

/**
 * SERVER_STATUS_NO_BACKSLASH_ESCAPES, set in the status flags of every OK packet while the
 * session's sql_mode has NO_BACKSLASH_ESCAPES (MySQL source include/mysql_com.h; mysql2
 * lib/constants/server_status.js). A `SET sql_mode = ...` answers with an OK packet, so the
 * flag tracks mid-session changes (integration test).
 */
export const SERVER_STATUS_NO_BACKSLASH_ESCAPES = 0x200;

/** The per-connection facts the dialect keeps. */
export interface MysqlSession {
  readonly server: MysqlServerInfo;
  /** True while the session's sql_mode has NO_BACKSLASH_ESCAPES; see bind-protocol.ts. */
  noBackslashEscapes: boolean;
}

const sessions = new WeakMap<object, MysqlSession>();

export function rememberSession(conn: object, session: MysqlSession): void {
  sessions.set(conn, session);
}

export function sessionOf(conn: object): MysqlSession | undefined {
  return sessions.get(conn);
}
