/**
 * What PGlite's errors mean. PGlite runs PostgreSQL itself, so its server errors carry the
 * real SQLSTATE in `code` (a pg-protocol DatabaseError, as in node-postgres); those are
 * classified by the shared psycopg2 mapping (../shared/sqlstate.ts). PGlite's own client-side
 * errors are plain Errors without a code.
 */
import type { DBAPIErrorKind } from "../../errors.js";
import { errorChain, stringField } from "../shared/error-chain.js";
import { errorKindFromSqlstate, isSqlstate } from "../shared/sqlstate.js";

/**
 * PGlite `_checkReady()` (src/pglite.ts; dist chunk: `throw new Error("PGlite is closing")` /
 * `"PGlite is closed"`): every query on an instance that close() has ended (or is ending).
 * The instance is gone for good: a disconnect, and psycopg2's class for "connection already
 * closed" is InterfaceError.
 */
const CLOSED_MESSAGES: ReadonlySet<string> = new Set(["PGlite is closed", "PGlite is closing"]);

/**
 * PGlite's parameter serializers (src/types.ts) reject a JS value that cannot be the declared
 * type with "Invalid input for boolean type" (also date, bytea) before anything is sent. The
 * server's answer to the same value sent as text is 22P02 invalid_text_representation, a
 * DataError, so these are DataError too.
 */
const SERIALIZER_MESSAGE = /^Invalid input for \w+ type$/;

/**
 * 08P01 protocol_violation means a broken network stream with a real server, but PGlite has
 * no network: there it only comes from PostgreSQL's exec_bind_message (postgres.c) refusing
 * "bind message supplies N parameters, but prepared statement requires M", i.e. a wrong
 * number of parameters: a ProgrammingError (psycopg2's class for "incorrect number of
 * parameters" style mistakes), not an OperationalError.
 */
const PROTOCOL_VIOLATION = "08P01";

export function classifyPgliteError(err: unknown): DBAPIErrorKind {
  for (const e of errorChain(err)) {
    const code = stringField(e, "code");
    if (isSqlstate(code)) return code === PROTOCOL_VIOLATION ? "ProgrammingError" : errorKindFromSqlstate(code);
  }
  for (const e of errorChain(err)) {
    const message = stringField(e, "message") ?? "";
    if (CLOSED_MESSAGES.has(message)) return "InterfaceError";
    if (SERIALIZER_MESSAGE.test(message)) return "DataError";
    if (isWasmCrash(e)) return "InternalError";
  }
  return "DatabaseError";
}

/**
 * A PGlite instance that cannot run another statement:
 * - closed: the messages above;
 * - crashed: a WebAssembly.RuntimeError (Emscripten's abort() and traps such as "unreachable"
 *   or out-of-bounds access throw it; Emscripten docs, "Debugging": after an abort the
 *   module's state is undefined), so the instance must be replaced. Not provoked in tests.
 * A server error with a SQLSTATE is not: PGlite has no socket to lose, and its one backend
 * answers the next statement after an ERROR (integration test).
 */
export function isPgliteDisconnect(err: unknown): boolean {
  return errorChain(err).some((e) => {
    if (isSqlstate(stringField(e, "code"))) return false;
    return CLOSED_MESSAGES.has(stringField(e, "message") ?? "") || isWasmCrash(e);
  });
}

/** `WebAssembly` is a Node global, but not in the type libraries this project compiles with. */
const WasmRuntimeError = (globalThis as { WebAssembly?: { RuntimeError?: abstract new () => Error } }).WebAssembly?.RuntimeError;

function isWasmCrash(err: object): boolean {
  return WasmRuntimeError !== undefined && err instanceof WasmRuntimeError;
}
