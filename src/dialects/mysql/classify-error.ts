/**
 * Which DB-API class a `mysql2` error belongs to (SPEC E9), in this order:
 * 1. a disconnect (disconnect.ts) is OperationalError, whatever else it carries; this
 *    includes every fatal connect error (access denied 1045, too many connections 1040);
 * 2. a server error number: error-codes.ts (PyMySQL's table plus PostgreSQL-parity additions);
 * 3. Node's DNS/socket/TLS failures and mysql2's handshake/timeout codes: OperationalError;
 * 4. anything else was raised by mysql2 or athanor on the client side: InterfaceError (PEP 249).
 */
import type { DBAPIErrorKind } from "../../errors.js";
import { errorChain, field } from "../shared/error-chain.js";
import { isNetworkOrTlsError } from "../shared/network-errors.js";
import { isMysqlDisconnect } from "./disconnect.js";
import { errorKindForErrno, type MysqlFlavour } from "./error-codes.js";

/** mysql2's own codes for failures of the server or the network, not of the caller. */
const MYSQL2_OPERATIONAL_CODES: ReadonlySet<string> = new Set([
  "PROTOCOL_SEQUENCE_TIMEOUT", // lib/commands/query.js: the per-query `timeout` expired
  "HANDSHAKE_NO_SSL_SUPPORT", // lib/commands/client_handshake.js: TLS asked, server has none
  "HANDSHAKE_SSL_ERROR", // lib/commands/client_handshake.js: the TLS handshake failed
  "HANDSHAKE_UNKNOWN_ERROR", // lib/commands/client_handshake.js
  "AUTH_SWITCH_PLUGIN_ERROR", // lib/commands/auth_switch.js: authentication plugin failed
]);

export function classifyMysqlError(err: unknown, flavour: MysqlFlavour | undefined): DBAPIErrorKind {
  if (isMysqlDisconnect(err)) return "OperationalError";
  const chain = errorChain(err);
  for (const e of chain) {
    const errno = field(e, "errno");
    // Node socket errors carry negative errnos; server and client errors are positive.
    if (typeof errno === "number" && errno > 0) {
      const message = field(e, "sqlMessage") ?? field(e, "message");
      return errorKindForErrno(errno, flavour, typeof message === "string" ? message : "");
    }
  }
  if (isNetworkOrTlsError(err)) return "OperationalError";
  if (chain.some((e) => MYSQL2_OPERATIONAL_CODES.has(String(field(e, "code"))))) return "OperationalError";
  return "InterfaceError";
}
