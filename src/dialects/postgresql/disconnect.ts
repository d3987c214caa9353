/**
 * Which `pg` (node-postgres) errors mean the connection, or the server, is gone
 * (SQLAlchemy `PGDialect_psycopg2.is_disconnect` and friends, for node-postgres).
 *
 * Order of the checks, and why:
 * 1. A Node socket error code: the socket itself failed.
 * 2. A server error (it carries a SQLSTATE): decided by the SQLSTATE and the severity only.
 *    Its message is never searched, because it can quote user data: a unique violation on
 *    the value 'Connection terminated' is not a disconnect.
 * 3. An error without a code: pg's own client-side messages, matched exactly.
 * The error's `cause` / `orig` chain is followed (pg-pool wraps with `cause`; athanor's
 * DBAPIError keeps the driver error in `orig`), and so are an AggregateError's `errors`
 * (Node's happy-eyeballs connect reports one error per address tried).
 *
 * Deliberately NOT disconnects:
 * - 57014 query_canceled (statement_timeout, pg_cancel_backend): only the statement died;
 *   the session is alive and answers the next query (proven in the integration test).
 * - pg's 'Query read timeout' (`query_timeout` option, pg lib/client.js): a client-side
 *   timer; the query keeps running on a live connection, which answers the next query once
 *   the slow one is done.
 */

import { errorChain, stringField } from "../shared/error-chain.js";
import { SOCKET_ERROR_CODES } from "../shared/socket-errors.js";


/**
 * SQLSTATEs after which the server has closed (or refuses) the session. Source: PostgreSQL
 * manual, Appendix A "PostgreSQL Error Codes" (errcodes-appendix.html).
 */
const DISCONNECT_SQLSTATES: ReadonlySet<string> = new Set([
  "57P01", // admin_shutdown: "terminating connection due to administrator command"
  //          (pg_terminate_backend, smart/fast shutdown); provoked in the integration test
  "57P02", // crash_shutdown: "terminating connection because of crash of another server process"
  "57P03", // cannot_connect_now: "the database system is starting up / shutting down"
  "57P04", // database_dropped
  "57P05", // idle_session_timeout (PostgreSQL 14+): "terminating connection due to idle-session
  //          timeout"; provoked in the integration test
  "25P03", // idle_in_transaction_session_timeout: "terminating connection due to
  //          idle-in-transaction timeout"; the server closes the session (integration test)
  "25P04", // transaction_timeout (PostgreSQL 17+): also raised FATAL, closes the session
]);

/** Class 08 "Connection Exception" (Appendix A): 08000, 08003, 08006, 08001, 08004, 08007, 08P01. */
const CONNECTION_EXCEPTION_CLASS = "08";

/**
 * Severities after which the backend exits. PostgreSQL manual, "Message Severity Levels"
 * (runtime-config-logging.html): FATAL "caused the current session to abort", PANIC "caused
 * all database sessions to abort". pg-protocol exposes the *localized* severity (field S,
 * parser.js parseErrorMessage), so this matches English-locale servers only; the SQLSTATEs
 * above are the primary signal and do not depend on lc_messages.
 */
const SESSION_ENDING_SEVERITIES: ReadonlySet<string> = new Set(["FATAL", "PANIC"]);

/** pg's own client-side messages, compared exactly (they never carry a code). */
const PG_CLIENT_MESSAGES: ReadonlySet<string> = new Set([
  // pg lib/client.js, the connection's 'end' handler: the socket closed without end()
  // (server killed the backend, proxy dropped us). Seen on the client 'error' event after
  // pg_terminate_backend in the integration test.
  "Connection terminated unexpectedly",
  // pg lib/client.js, same handler after client.end(): the queries still queued fail with it.
  "Connection terminated",
  // pg lib/client.js query(): every query on a client whose socket already failed. This is
  // what a statement on a pg_terminate_backend'ed client actually gets.
  "Client has encountered a connection error and is not queryable",
  // pg lib/client.js query(): a query on a client after client.end() (integration test).
  "Client was closed and is not queryable",
  // pg-pool index.js: connect gave up after connectionTimeoutMillis (original in `cause`).
  "Connection terminated due to connection timeout",
  // pg lib/client.js _connect(): connectionTimeoutMillis elapsed, socket destroyed with this.
  "timeout expired",
]);

/**
 * Server and libpq wordings, for errors that lost their SQLSTATE on the way (a wrapper that
 * kept only the message). Prefix match: the variable part comes after.
 */
const DISCONNECT_MESSAGE_PREFIXES: readonly string[] = [
  // PostgreSQL server, postgres.c ProcessInterrupts: the 57P01/57P02/57P05/25P03 messages all
  // start so. SQLAlchemy psycopg2.py is_disconnect lists 'terminating connection'.
  "terminating connection due to",
  "terminating connection because",
  // libpq fe-misc.c / fe-secure.c: "server closed the connection unexpectedly\n\tThis probably
  // means the server terminated abnormally". SQLAlchemy psycopg2.py lists 'closed the connection'.
  "server closed the connection unexpectedly",
];

const SQLSTATE_SHAPE = /^[0-9A-Z]{5}$/;

/** Is this error (from `pg`, possibly wrapped) a sign that the connection or server is gone? */
export function isPostgresDisconnect(err: unknown): boolean {
  return errorChain(err).some(isDisconnectError);
}

function isDisconnectError(err: object): boolean {
  const code = stringField(err, "code");
  if (code !== undefined && SOCKET_ERROR_CODES.has(code)) return true;
  if (code !== undefined && SQLSTATE_SHAPE.test(code)) return isDisconnectServerError(err, code);
  const message = stringField(err, "message");
  if (message === undefined) return false;
  if (PG_CLIENT_MESSAGES.has(message)) return true;
  return DISCONNECT_MESSAGE_PREFIXES.some((prefix) => message.startsWith(prefix));
}

function isDisconnectServerError(err: object, sqlstate: string): boolean {
  if (sqlstate.startsWith(CONNECTION_EXCEPTION_CLASS)) return true;
  if (DISCONNECT_SQLSTATES.has(sqlstate)) return true;
  const severity = stringField(err, "severity");
  return severity !== undefined && SESSION_ENDING_SEVERITIES.has(severity);
}
