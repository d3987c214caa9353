/** SPEC B1: the typed error for a canceled call, with a message that says what happened. */
import { QueryCanceledError, StatementTimeoutError } from "../errors.js";
import { CANCEL_GRACE_MS, type CanceledCall } from "./cancellable-send.js";

export interface CanceledContext {
  statement: string | undefined;
  parameters: readonly unknown[] | undefined;
  hideParameters: boolean;
  /** The connection was discarded because of this cancel (or the disconnect it ran into). */
  connectionInvalidated: boolean;
}

export function canceledError(call: CanceledCall, context: CanceledContext): QueryCanceledError {
  const details = {
    orig: call.driverError,
    statement: context.statement,
    parameters: context.parameters,
    connectionInvalidated: context.connectionInvalidated,
    hideParameters: context.hideParameters,
    canceledBy: call.canceledBy,
    sent: call.sent,
    abortReason: call.abortReason,
  };
  const message = describe(call, context);
  return call.canceledBy === "timeout"
    ? new StatementTimeoutError(message, { ...details, timeoutMs: call.timeoutMs })
    : new QueryCanceledError(message, details);
}

function describe(call: CanceledCall, context: CanceledContext): string {
  let text =
    call.canceledBy === "timeout"
      ? `The call ran past its time limit of ${call.timeoutMs} ms (timeoutMs, or the engine's statementTimeoutMs) and was canceled.`
      : `The call was canceled: its AbortSignal aborted${reasonText(call.abortReason)}.`;
  if (!call.sent) {
    text += " The statement was not sent: nothing reached the server.";
  } else if (context.connectionInvalidated) {
    text += call.connectionUnsettled
      ? ` The statement had not ended within ${CANCEL_GRACE_MS} ms of the cancel request, so its connection was invalidated (discarded); inside a transaction, roll back before the next statement.`
      : " The connection was lost meanwhile and has been invalidated.";
  } else {
    text += " The server was told to cancel the statement and it has ended; the connection is usable. Inside a transaction, expect to roll back: some databases (PostgreSQL) abort the whole transaction.";
  }
  if (call.cancelFailure !== undefined) text += ` The cancel request itself failed: ${firstLine(call.cancelFailure)}.`;
  if (call.driverError !== undefined) text += ` The driver said: ${firstLine(call.driverError)}.`;
  if (context.statement !== undefined) text += `\n[SQL: ${context.statement}]`;
  return text;
}

function reasonText(reason: unknown): string {
  if (reason === undefined) return "";
  // AbortController.abort() without a reason gives a DOMException named AbortError: say nothing more.
  if (reason instanceof Error && reason.name === "AbortError") return "";
  return ` (reason: ${firstLine(reason)})`;
}

function firstLine(value: unknown): string {
  const text = value instanceof Error ? value.message : String(value);
  return text.split("\n")[0] ?? text;
}
