/**
 * Which DB-API class a `pg` error belongs to (SPEC E9), in this order:
 * 1. a disconnect (disconnect.ts) is OperationalError, whatever else it carries;
 * 2. a server error carries a SQLSTATE: psycopg2's class mapping (shared/sqlstate.ts);
 * 3. Node's DNS/socket/TLS failures and pg's TLS negotiation errors are OperationalError
 *    (psycopg2 raises OperationalError for every failed connect);
 * 4. anything else was raised by pg on the client side (a value it cannot serialise, a
 *    client used after connect() failed): InterfaceError, "related to the database
 *    interface rather than the database itself" (PEP 249).
 */
import type { DBAPIErrorKind } from "../../errors.js";
import { errorChain, stringField } from "../shared/error-chain.js";
import { isNetworkOrTlsError } from "../shared/network-errors.js";
import { errorKindFromSqlstate, isSqlstate } from "../shared/sqlstate.js";
import { isPostgresDisconnect } from "./disconnect.js";

/** pg lib/connection.js, the reply to SSLRequest: 'N' and anything but 'S'. */
const PG_TLS_NEGOTIATION_MESSAGES: ReadonlySet<string> = new Set([
  "The server does not support SSL connections",
  "There was an error establishing an SSL connection",
]);

export function classifyPgError(err: unknown): DBAPIErrorKind {
  if (isPostgresDisconnect(err)) return "OperationalError";
  const chain = errorChain(err);
  const sqlstate = chain.map((e) => stringField(e, "code")).find(isSqlstate);
  if (sqlstate !== undefined) return errorKindFromSqlstate(sqlstate);
  if (isNetworkOrTlsError(err)) return "OperationalError";
  if (chain.some((e) => PG_TLS_NEGOTIATION_MESSAGES.has(stringField(e, "message") ?? ""))) return "OperationalError";
  return "InterfaceError";
}
