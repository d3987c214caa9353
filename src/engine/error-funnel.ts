import { AthanorError, DBAPI_ERROR_CLASSES, type DBAPIError } from "../errors.js";
import type { Connection } from "./connection.js";
import type { EngineEvents, ErrorContext } from "./engine-events.js";
import type { Dialect } from "./interfaces.js";

export interface FunnelInput<C> {
  err: unknown;
  dialect: Dialect<C>;
  events: EngineEvents;
  dbapiConnection: C | undefined;
  connection: Connection | undefined;
  statement: string | undefined;
  parameters: unknown;
  hideParameters: boolean;
}

export interface FunnelVerdict {
  /** The error to throw. */
  error: unknown;
  /** The connection is gone: the caller must invalidate it. */
  isDisconnect: boolean;
  invalidatePool: boolean;
}

/**
 * The one place a driver error becomes an athanor error (SQLAlchemy
 * `Connection._handle_dbapi_exception`): classify it by the server's code, ask the dialect
 * whether the connection is gone, let handleError listeners see and change the verdict.
 * The caller acts on the verdict (invalidation needs the connection's state).
 */
export async function funnelDriverError<C>(input: FunnelInput<C>): Promise<FunnelVerdict> {
  const { err } = input;
  if (err instanceof AthanorError) return { error: err, isDisconnect: false, invalidatePool: false };
  const kind = input.dialect.classifyError(err);
  const isDisconnect = input.dialect.isDisconnect(err, input.dbapiConnection);
  const ErrorClass = DBAPI_ERROR_CLASSES[kind];
  const wrapped: DBAPIError = new ErrorClass(describe(err, input), {
    orig: err,
    statement: input.statement,
    parameters: input.parameters,
    connectionInvalidated: isDisconnect,
    hideParameters: input.hideParameters,
  });
  const context: ErrorContext = {
    originalError: err,
    error: wrapped,
    statement: input.statement,
    parameters: input.hideParameters ? undefined : input.parameters,
    connection: input.connection,
    isDisconnect,
    invalidatePoolOnDisconnect: true,
  };
  let replacement: unknown;
  if (input.events.has("handleError")) {
    try {
      await input.events.emitAwaited("handleError", context);
    } catch (thrown) {
      replacement = thrown; // a listener throws to replace the error (SQLAlchemy does the same)
    }
  }
  (wrapped as { connectionInvalidated: boolean }).connectionInvalidated = context.isDisconnect;
  return {
    error: replacement ?? wrapped,
    isDisconnect: context.isDisconnect,
    invalidatePool: context.isDisconnect && context.invalidatePoolOnDisconnect,
  };
}

/** SQLAlchemy's message shape: "(OrigName) message" then the SQL and its parameters. */
function describe<C>(err: unknown, input: FunnelInput<C>): string {
  const name = err instanceof Error ? err.name : "Error";
  const code = (err as { code?: unknown } | null)?.code;
  const message = err instanceof Error ? err.message : String(err);
  let text = `(${input.dialect.driver}.${name}${typeof code === "string" || typeof code === "number" ? ` ${code}` : ""}) ${message}`;
  if (input.statement !== undefined) text += `\n[SQL: ${input.statement}]`;
  if (input.parameters !== undefined) {
    text += input.hideParameters ? "\n[SQL parameters hidden due to hideParameters=true]" : `\n[parameters: ${formatParameters(input.parameters)}]`;
  }
  return text;
}

const MAX_PARAMETER_TEXT = 500;

function formatParameters(parameters: unknown): string {
  let text: string;
  try {
    text = JSON.stringify(parameters, (_k, v: unknown) => (typeof v === "bigint" ? `${v}n` : v)) ?? String(parameters);
  } catch {
    text = String(parameters);
  }
  return text.length > MAX_PARAMETER_TEXT ? `${text.slice(0, MAX_PARAMETER_TEXT)}… (${text.length} characters)` : text;
}
