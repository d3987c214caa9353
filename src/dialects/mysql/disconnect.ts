/**
 * Which `mysql2` errors mean the connection, or the server, is gone (SQLAlchemy
 * `MySQLDialect.is_disconnect` in mysql/base.py, for mysql2), against MySQL and MariaDB.
 *
 * Signals, strongest first:
 * 1. `fatal: true`. mysql2 sets it on every error after which it closes the connection
 *    (lib/base/connection.js: _handleFatalError, _addCommandClosedState, protocolError, the
 *    socket 'close' handler), and `_notifyError` then calls `close()`. Statement errors sent
 *    by the server (syntax, duplicate key, KILL QUERY) never carry it.
 * 2. mysql2's own codes and messages, and Node socket error codes.
 * 3. The server / client error number (`errno`; or `code` when it is a number, see 4031).
 * The `cause` / `orig` chain and an AggregateError's `errors` are followed.
 *
 * Match numbers, never mysql2's `code` names for server errors: mysql2 names errnos from
 * MySQL's table (lib/constants/errors.js), so on MariaDB errno 4031 (a trigger DDL error)
 * arrives as code 'ER_CLIENT_INTERACTION_TIMEOUT', and MariaDB-only errnos such as 1927 or
 * 1969 have no name at all (both seen in the integration test).
 *
 * Deliberately NOT disconnects:
 * - 1317 ER_QUERY_INTERRUPTED (KILL QUERY), 1969 ER_STATEMENT_TIMEOUT (MariaDB
 *   max_statement_time), 3024 ER_QUERY_TIMEOUT (MySQL max_execution_time): only the statement
 *   died; the connection answers the next query (integration test).
 * - PROTOCOL_SEQUENCE_TIMEOUT (mysql2 lib/commands/query.js, the per-query `timeout` option):
 *   a client-side timer; the connection stays open and answers the next query once the slow
 *   statement finishes on the server (integration test).
 */

import { errorChain, field } from "../shared/error-chain.js";
import { SOCKET_ERROR_CODES } from "../shared/socket-errors.js";

/** mysql2's own error codes for a lost connection. */
const MYSQL2_DISCONNECT_CODES: ReadonlySet<string> = new Set([
  // lib/base/connection.js, the socket 'close' handler: "Connection lost: The server closed
  // the connection." What a KILL CONNECTION'ed session gets (integration test).
  "PROTOCOL_CONNECTION_LOST",
]);

/** mysql2's own messages that carry no code. */
const MYSQL2_DISCONNECT_MESSAGES: ReadonlySet<string> = new Set([
  // lib/base/connection.js _addCommandClosedState: any query/ping on a connection that hit a
  // fatal error or was ended. The usual error after a kill or wait_timeout (integration test).
  "Can't add new command when connection is in closed state",
  // lib/base/connection.js _handleFatalError: a write after the fatal error ('error' event).
  "Can't write in closed state",
]);

/**
 * Error numbers after which the session is gone. The set is SQLAlchemy's mysql/base.py
 * is_disconnect list (1927, 2006, 2013, 2014, 2045, 2055, 4031) plus 1053.
 * The 2xxx numbers are libmysqlclient client errors (MySQL "Client Error Message Reference",
 * errmsg.h). mysql2 is a pure-JS client and never creates them itself; they are kept for
 * parity with SQLAlchemy and for errors relayed from code that reports libmysqlclient errnos.
 */
const DISCONNECT_ERRNOS: ReadonlySet<number> = new Set([
  1053, // ER_SERVER_SHUTDOWN "Server shutdown in progress" (MySQL/MariaDB server error reference)
  1927, // ER_CONNECTION_KILLED "Connection was killed" (MariaDB-only; MySQL skips 1927)
  2006, // CR_SERVER_GONE_ERROR "MySQL server has gone away"
  2013, // CR_SERVER_LOST "Lost connection to MySQL server during query"
  2014, // CR_COMMANDS_OUT_OF_SYNC: the protocol state is lost, the connection is unusable
  2045, // CR_SHARED_MEMORY_CONNECT_ABANDONED_ERROR "Can't open shared memory; no answer from server"
  2055, // CR_SERVER_LOST_EXTENDED "Lost connection to MySQL server at '%s', system error: %d"
]);

/**
 * 4031 means two things. MySQL 8.0.24+: ER_CLIENT_INTERACTION_TIMEOUT, sent as an unsolicited
 * ERR packet when wait_timeout closes an idle session; mysql2 handles it in
 * lib/base/connection.js handlePacket (no command running) -> protocolError(message, 4031),
 * i.e. `code` is the *number* 4031 and `fatal` is true. MariaDB: ER_REFERENCED_TRG_DOES_NOT_EXIST,
 * an ordinary CREATE TRIGGER ... FOLLOWS error (`perror 4031`). So 4031 counts only with
 * MySQL's wording (or `fatal`, checked earlier).
 */
const INTERACTION_TIMEOUT_ERRNO = 4031;
const INTERACTION_TIMEOUT_TEXT = "disconnected by the server because of inactivity";

/** Is this error (from `mysql2`, possibly wrapped) a sign that the connection or server is gone? */
export function isMysqlDisconnect(err: unknown): boolean {
  return errorChain(err).some(isDisconnectError);
}

function isDisconnectError(err: object): boolean {
  if (field(err, "fatal") === true) return true;
  const code = field(err, "code");
  if (typeof code === "string" && (SOCKET_ERROR_CODES.has(code) || MYSQL2_DISCONNECT_CODES.has(code))) {
    return true;
  }
  const message = field(err, "message");
  const text = typeof message === "string" ? message : "";
  if (MYSQL2_DISCONNECT_MESSAGES.has(text)) return true;
  const errno = errorNumber(err);
  if (errno === undefined) return false;
  if (errno === INTERACTION_TIMEOUT_ERRNO) return text.includes(INTERACTION_TIMEOUT_TEXT);
  return DISCONNECT_ERRNOS.has(errno);
}

/** The server/client error number: `errno`, or `code` for mysql2's unsolicited ERR packets. */
function errorNumber(err: object): number | undefined {
  const errno = field(err, "errno");
  if (typeof errno === "number" && errno > 0) return errno; // Node socket errnos are negative
  const code = field(err, "code");
  return typeof code === "number" ? code : undefined;
}
