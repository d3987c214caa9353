/**
 * SPEC B1: sending one statement so that the call's guard can cancel it on the server.
 *
 * When the guard fires while the statement runs, the dialect's `cancel` is sent through a
 * separate connection (pg has no public cancel-request API, and MySQL's KILL QUERY must come
 * from another session anyway); then we wait for the statement to end. The connection is
 * kept when both the statement and the cancel request have settled within CANCEL_GRACE_MS:
 * the server then answered everything we sent, and no late cancel can hit a later statement.
 * Otherwise (network partition, the server refused the side connection and the statement
 * runs on) the connection can't be trusted and the caller invalidates it: the guard's limit
 * is then honoured within the grace, whatever the network does (SPEC P22).
 */
import type { CancelCause } from "../errors.js";
import type { CallGuard } from "./call-guard.js";
import type { Dialect } from "./interfaces.js";

/** How long a canceled statement (and the cancel request) may take to end before its connection is given up. */
export const CANCEL_GRACE_MS = 1000;

/** Where a driver connection's server session id is kept (its info record). */
const SESSION_ID_KEY = "athanor.sessionId";

/** What the caller needs to build the error and fix its state; thrown by sendCancellable. */
export class CanceledCall {
  constructor(
    readonly canceledBy: CancelCause,
    readonly timeoutMs: number,
    readonly abortReason: unknown,
    /** The statement reached the server. */
    readonly sent: boolean,
    /** The statement's own error after the cancel (57014, ER_QUERY_INTERRUPTED), if it failed. */
    readonly driverError: unknown,
    /** The statement or the cancel request was still pending at the end of the grace. */
    readonly connectionUnsettled: boolean,
    /** Why the cancel request failed, if it did. */
    readonly cancelFailure: unknown,
  ) {}
}

export interface CancelTarget<C> {
  readonly dialect: Dialect<C>;
  readonly conn: C;
  /** The connection's info record: the session id is read once per driver connection. */
  readonly info: Record<string, unknown>;
  /** A new driver connection outside the pool, for the cancel request. */
  openSide(): Promise<C>;
}

type Settled<T> = { ok: true; value: T } | { ok: false; error: unknown };

/** Thrown inside the work when the guard fired before the statement was sent. */
const NOT_SENT = Symbol("not sent");

/**
 * Run `send` under `guard`. Returns its result, or throws its error, if it settles before the
 * guard fires; throws a CanceledCall otherwise (also when the guard had already fired: then
 * nothing is sent). `discard` receives a result that arrived after the guard fired (an
 * opened cursor must be closed).
 */
export async function sendCancellable<C, T>(
  guard: CallGuard,
  target: CancelTarget<C>,
  send: () => Promise<T>,
  discard?: (value: T) => unknown,
): Promise<T> {
  if (guard.firedBy !== undefined) throw canceled(guard, false, undefined, false, undefined);
  // Without a server-side cancel a running statement can't be interrupted: it runs to the end.
  if (!target.dialect.capabilities.cancel) return send();
  let sessionId = target.info[SESSION_ID_KEY] as number | undefined;
  let sent = false;
  const work = (async () => {
    if (sessionId === undefined) {
      sessionId = await readSessionId(target);
      if (sessionId !== undefined) target.info[SESSION_ID_KEY] = sessionId;
    }
    if (guard.firedBy !== undefined) throw NOT_SENT;
    sent = true;
    return send();
  })();
  const first = await settledUnlessAborted(work, guard.signal);
  if (first !== undefined) {
    if (first.ok) return first.value;
    if (first.error !== NOT_SENT) throw first.error;
  }
  const startedAt = Date.now();
  const request = sent && sessionId !== undefined ? requestCancel(target, sessionId) : undefined;
  const ended = first ?? (await settleWithin(work, CANCEL_GRACE_MS));
  const cancelEnded = request === undefined ? undefined : await settleWithin(request.done, CANCEL_GRACE_MS - (Date.now() - startedAt));
  if (request !== undefined && cancelEnded === undefined) request.abandon();
  if (ended?.ok === true) void Promise.resolve(ended.value).then(discard).catch(() => undefined);
  const driverError = ended?.ok === false && ended.error !== NOT_SENT ? ended.error : undefined;
  const unsettled = ended === undefined || (request !== undefined && cancelEnded === undefined);
  const cancelFailure = cancelEnded?.ok === false ? cancelEnded.error : undefined;
  throw canceled(guard, sent, driverError, unsettled, cancelFailure);
}

/** A CanceledCall for a guard that fired before anything was sent (checkout, BEGIN). */
export function canceledBeforeSending(guard: CallGuard): CanceledCall {
  return canceled(guard, false, undefined, false, undefined);
}

function canceled(guard: CallGuard, sent: boolean, driverError: unknown, unsettled: boolean, cancelFailure: unknown): CanceledCall {
  const by = guard.firedBy ?? "signal";
  return new CanceledCall(by, guard.timeoutMs, by === "signal" ? guard.userSignal?.reason : undefined, sent, driverError, unsettled, cancelFailure);
}

/** The session id, or undefined when it can't be read now (e.g. inside a failed PostgreSQL transaction). */
async function readSessionId<C>(target: CancelTarget<C>): Promise<number | undefined> {
  try {
    return await target.dialect.sessionId(target.conn);
  } catch {
    return undefined; // this statement can't be canceled on the server; the grace still bounds it
  }
}

/**
 * Send the dialect's cancel through a fresh side connection, closed afterwards. `abandon()`:
 * we stopped waiting; a side connection that opens later is closed without sending anything.
 */
function requestCancel<C>(target: CancelTarget<C>, sessionId: number): { done: Promise<void>; abandon(): void } {
  let abandoned = false;
  const done = (async () => {
    const side = await target.openSide();
    try {
      if (!abandoned) await target.dialect.cancel(side, sessionId);
    } finally {
      void Promise.resolve()
        .then(() => target.dialect.close(side))
        .catch(() => undefined);
    }
  })();
  done.catch(() => undefined); // its failure is reported through settleWithin, never unhandled
  return { done, abandon: () => void (abandoned = true) };
}

/** How `work` settled, or undefined if `signal` aborted first. */
function settledUnlessAborted<T>(work: Promise<T>, signal: AbortSignal): Promise<Settled<T> | undefined> {
  return new Promise((resolve) => {
    const onAbort = (): void => resolve(undefined);
    work.then(
      (value) => resolve({ ok: true, value }),
      (error: unknown) => resolve({ ok: false, error }),
    );
    work.finally(() => signal.removeEventListener("abort", onAbort)).catch(() => undefined);
    if (signal.aborted) resolve(undefined);
    else signal.addEventListener("abort", onAbort, { once: true });
  });
}

/** How `work` settled within `ms`, or undefined if it is still pending. */
function settleWithin<T>(work: Promise<T>, ms: number): Promise<Settled<T> | undefined> {
  return new Promise((resolve) => {
    const timer = setTimeout(() => resolve(undefined), Math.max(0, ms));
    work.then(
      (value) => {
        clearTimeout(timer);
        resolve({ ok: true, value });
      },
      (error: unknown) => {
        clearTimeout(timer);
        resolve({ ok: false, error });
      },
    );
  });
}
