/**
 * Errors raised by Node itself while reaching a server (DNS, TCP, TLS): the DB-API calls
 * these OperationalError ("not necessarily under the control of the programmer", PEP 249),
 * as psycopg2 and PyMySQL do for every failed connect.
 */
import { errorChain, field } from "./error-chain.js";

/**
 * TLS certificate verification codes Node puts in `code` (Node.js tls.md, "X509 certificate
 * error codes", OpenSSL's X509_V_ERR_* names) and Node's own TLS/SSL error prefixes (errors.md).
 */
const TLS_CODES: ReadonlySet<string> = new Set([
  "UNABLE_TO_GET_ISSUER_CERT",
  "UNABLE_TO_GET_CRL",
  "UNABLE_TO_DECRYPT_CERT_SIGNATURE",
  "UNABLE_TO_DECRYPT_CRL_SIGNATURE",
  "UNABLE_TO_DECODE_ISSUER_PUBLIC_KEY",
  "CERT_SIGNATURE_FAILURE",
  "CRL_SIGNATURE_FAILURE",
  "CERT_NOT_YET_VALID",
  "CERT_HAS_EXPIRED",
  "CRL_NOT_YET_VALID",
  "CRL_HAS_EXPIRED",
  "ERROR_IN_CERT_NOT_BEFORE_FIELD",
  "ERROR_IN_CERT_NOT_AFTER_FIELD",
  "ERROR_IN_CRL_LAST_UPDATE_FIELD",
  "ERROR_IN_CRL_NEXT_UPDATE_FIELD",
  "OUT_OF_MEM",
  "DEPTH_ZERO_SELF_SIGNED_CERT",
  "SELF_SIGNED_CERT_IN_CHAIN",
  "UNABLE_TO_GET_ISSUER_CERT_LOCALLY",
  "UNABLE_TO_VERIFY_LEAF_SIGNATURE",
  "CERT_CHAIN_TOO_LONG",
  "CERT_REVOKED",
  "INVALID_CA",
  "PATH_LENGTH_EXCEEDED",
  "INVALID_PURPOSE",
  "CERT_UNTRUSTED",
  "CERT_REJECTED",
  "HOSTNAME_MISMATCH",
]);

/** Is this (or what it wraps) a DNS, socket or TLS failure reported by Node? */
export function isNetworkOrTlsError(err: unknown): boolean {
  return errorChain(err).some((e) => {
    const code = field(e, "code");
    // Node system errors (ECONNREFUSED, ENOTFOUND, EAI_AGAIN, ...) carry `syscall`
    // (Node.js errors.md, "Class: SystemError"; getaddrinfo errors too).
    if (typeof field(e, "syscall") === "string") return true;
    if (typeof code !== "string") return false;
    return TLS_CODES.has(code) || code.startsWith("ERR_TLS_") || code.startsWith("ERR_SSL_");
  });
}
