import { OutgoingMessage, ServerResponse, type IncomingMessage, type OutgoingHttpHeaders } from "node:http";
import type { Socket } from "node:net";
import type { Logger } from "../log.js";
import { describe, type Ending, type RequestSession } from "./request-session.js";

/**
 * open      → the handler is working; the response has not been ended.
 * deciding  → res.end() was called with a transaction open; the response is held back.
 * finishing → commit or rollback in progress; the outcome is fixed.
 * done      → the original res.end() has run (or the response will never be sent).
 */
type Phase = "open" | "deciding" | "finishing" | "done";

/**
 * While a response is held back its headersSent reads true. One shared getter, reading a
 * symbol on the response, defined once and never deleted: adding and deleting own properties
 * per request would push Node's response and (keep-alive, long-lived) socket objects into
 * slow dictionary mode.
 */
const HELD = Symbol("athanor.responseHeld");
const DESTROY_HOLD = Symbol("athanor.destroyHold");
const nodeHeadersSent = Object.getOwnPropertyDescriptor(OutgoingMessage.prototype, "headersSent")?.get;

type HeldResponse = ServerResponse & { [HELD]?: boolean };
type HoldableSocket = Socket & { [DESTROY_HOLD]?: ((error?: Error) => void) | undefined };

function heldHeadersSent(this: HeldResponse): boolean {
  return this[HELD] === true || nodeHeadersSent?.call(this) === true;
}

/** Response prototypes whose headersSent reads the hold (an Express app's own `app.response`). */
const patchedPrototypes = new WeakSet<object>();

/**
 * Express gives each app its own response prototype (app.response, between the response and
 * http.ServerResponse.prototype); the accessor goes there, once per app. Defining it on each
 * response instead costs microseconds per request (Express's responses are slow to redefine).
 * A response straight from node:http gets it on itself: Node's own prototype is not ours.
 */
function holdHeadersSent(res: HeldResponse): void {
  const proto: object | null = Object.getPrototypeOf(res);
  if (proto !== null && patchedPrototypes.has(proto)) {
    res[HELD] = true;
    return;
  }
  const own = proto !== null && proto !== ServerResponse.prototype && proto !== OutgoingMessage.prototype && Object.getPrototypeOf(proto) !== null;
  Object.defineProperty(own ? proto : res, "headersSent", { configurable: true, get: heldHeadersSent });
  if (own) patchedPrototypes.add(proto);
  res[HELD] = true;
}

/** socket.destroy() routed to the hold while there is one (patched once per socket). */
function holdableDestroy(socket: HoldableSocket): void {
  if (DESTROY_HOLD in socket) return;
  const original = socket.destroy;
  socket[DESTROY_HOLD] = undefined;
  socket.destroy = function destroy(this: HoldableSocket, error?: Error) {
    const hold = this[DESTROY_HOLD];
    if (hold === undefined) return original.call(this, error);
    hold(error);
    return this;
  } as typeof socket.destroy;
}

const COMMIT_FAILED_BODY = "Internal Server Error: the request's transaction could not be committed.\n";

/**
 * Holds back a response's end() until the request's transaction is committed or rolled back.
 *
 * Node's res.end() is synchronous and Express code calls it from everywhere (res.send, json,
 * redirect, a piped stream's end), so the hook is on end() itself, which Express calls once the
 * whole response (headers and body) is known.
 *
 * While the response is held back the gate keeps what plain Express guarantees after end():
 * - headersSent reports true, so an error handler treats the response as sent instead of
 *   rewriting its status (a naive one that ends it again is ignored and its changes undone);
 * - a server-side socket.destroy() (Express's finalhandler closes the connection when a handler
 *   throws after res.send()) waits until the response is out, as it would have been already.
 * So a handler that throws after sending behaves as without the middleware: the client gets the
 * response it sent, and the transaction behind that response is committed.
 */
export class ResponseGate {
  #phase: Phase = "open";
  #args: unknown[] = [];
  #closed = false;
  #lateEnd = false;
  /** A destroy() asked for while the response was held back (undefined: none). */
  #destroyAsked: { error: Error | undefined } | undefined;
  #restoreDestroy: (() => void) | undefined;
  readonly #originalEnd: (...args: unknown[]) => unknown;

  constructor(
    private readonly req: IncomingMessage,
    private readonly res: ServerResponse,
    private readonly request: RequestSession,
    private readonly logger: Logger,
  ) {
    this.#originalEnd = res.end as (...args: unknown[]) => unknown;
  }

  install(): void {
    const gate = this;
    const emit = this.res.emit as (...args: unknown[]) => boolean;
    this.res.end = function end(this: ServerResponse, ...args: unknown[]) {
      return gate.#onEnd(args);
    } as ServerResponse["end"];
    // The response's 'close' (it was sent, or the connection dropped first) reaches the gate
    // through emit, before any listener. Not res.on("close"): adding a listener to each
    // response was the gate's largest cost (~3 µs of a ~110 µs request in a perf CPU profile of
    // the web benchmark). An own emit survives Express moving the response to a mounted
    // sub-app's prototype, which a hook on the app's response prototype would not.
    this.res.emit = function emitThroughGate(this: ServerResponse, event: string | symbol, ...args: unknown[]): boolean {
      if (event === "close") gate.#onClose();
      return Reflect.apply(emit, this, [event, ...args]) as boolean;
    } as ServerResponse["emit"];
  }

  #onEnd(args: unknown[]): ServerResponse {
    switch (this.#phase) {
      case "done":
        return this.#end(args);
      case "deciding":
        // A later end() (an error handler that ignored headersSent) replaces the response
        // while the outcome is still open; its status counts.
        this.#args = args;
        return this.res;
      case "finishing":
        this.#lateEnd = true;
        this.logger.warn("athanor: res.end() was called again while the request's transaction was ending; the first response is kept.");
        return this.res;
      case "open":
        break;
    }
    if (!this.request.mustEndBeforeResponse(this.res.statusCode)) {
      // Nothing to commit that could fail (no transaction, only AUTOCOMMIT statements, or a
      // rollback to come): answer now, then end the scope.
      this.#phase = "done";
      void this.request.end(this.request.outcomeFor(this.res.statusCode));
      return this.#end(args);
    }
    this.#phase = "deciding";
    this.#args = args;
    holdHeadersSent(this.res);
    this.#holdDestroy();
    this.#decideLogged();
    return this.res;
  }

  /**
   * Commit or roll back, then send (or replace, or drop) the held response. One then() at most
   * (none when the ending is known at once), not an async function: in the request's scope
   * every promise costs its hooks.
   * RequestSession.end() never rejects; a failure here is logged and the response dropped.
   */
  #decideLogged(): void {
    const abandoned = this.#abandoned();
    this.#phase = "finishing";
    const { statusCode, statusMessage } = this.res;
    const headers = this.res.getHeaders();
    const decide = (ending: Ending): void => {
      try {
        this.#decided(ending, abandoned, statusCode, statusMessage, headers);
      } catch (err) {
        this.logger.error(`athanor: ending the response failed: ${describe(err)}`);
        if (!this.res.destroyed) this.res.destroy();
      }
    };
    const ending = this.request.end(abandoned ? "rollback" : this.request.outcomeFor(statusCode));
    if (ending instanceof Promise) void ending.then(decide);
    else decide(ending);
  }

  #decided(ending: Ending, abandoned: boolean, statusCode: number, statusMessage: string, headers: OutgoingHttpHeaders): void {
    try {
      (this.res as HeldResponse)[HELD] = false; // back to Node's own answer
      this.#restoreDestroy?.();
      if (this.#lateEnd) this.#restore(statusCode, statusMessage, headers);
    } finally {
      this.#phase = "done";
    }
    const asked = this.#destroyAsked;
    // The connection is to be closed after this response: say so, or a keep-alive client
    // could send its next request on it and see that one fail.
    if (asked !== undefined && !this.res.headersSent) this.res.setHeader("Connection", "close");
    if (ending.commitError !== undefined) this.#commitFailed(ending.commitError);
    else if (abandoned || this.#closed || this.res.destroyed) this.res.destroy(); // nobody to answer
    else this.#end(this.#args);
    if (asked !== undefined && !this.res.destroyed) {
      // What the error handler wanted, now that the response is on its way: close after it.
      const socket = this.req.socket;
      if (this.res.writableFinished) socket.destroy(asked.error);
      else this.res.once("finish", () => socket.destroy(asked.error));
    }
  }

  /** Defer server-side socket.destroy() calls until the held-back response has been written. */
  #holdDestroy(): void {
    const socket = this.req.socket;
    if (socket === null || socket === undefined || socket.destroyed) return;
    const holdable = socket as HoldableSocket;
    holdableDestroy(holdable);
    holdable[DESTROY_HOLD] = (error) => {
      this.#destroyAsked ??= { error };
    };
    this.#restoreDestroy = () => {
      this.#restoreDestroy = undefined;
      holdable[DESTROY_HOLD] = undefined;
    };
  }

  #onClose(): void {
    this.#closed = true;
    // "open": the client left before the handler answered. "done": the response is out (or
    // was given up); end() is idempotent. "deciding"/"finishing": #decided sees #closed.
    if (this.#phase === "open") this.#phase = "done";
    if (this.#phase === "done") void this.request.end("rollback");
  }

  /** The client left before the outcome was decided. */
  #abandoned(): boolean {
    return this.#closed || this.res.destroyed || this.req.socket?.destroyed === true;
  }

  /** Never report success for a transaction that did not commit. */
  #commitFailed(err: unknown): void {
    this.logger.error(`athanor: committing the request's transaction failed; the client gets an error: ${describe(err)}`);
    if (this.res.headersSent || this.#abandoned()) {
      // The status line is already out (streamed, or writeHead flushed): cut the response off.
      this.res.destroy();
      return;
    }
    for (const name of this.res.getHeaderNames()) this.res.removeHeader(name);
    this.res.statusCode = 500;
    this.res.statusMessage = "Internal Server Error";
    this.res.setHeader("Content-Type", "text/plain; charset=utf-8");
    this.res.setHeader("Content-Length", Buffer.byteLength(COMMIT_FAILED_BODY));
    this.#end(this.req.method === "HEAD" ? [] : [COMMIT_FAILED_BODY]);
  }

  /** Undo what a late error handler changed on the response we are about to send. */
  #restore(statusCode: number, statusMessage: string, headers: OutgoingHttpHeaders): void {
    if (this.res.headersSent) return;
    this.res.statusCode = statusCode;
    this.res.statusMessage = statusMessage;
    for (const name of this.res.getHeaderNames()) if (!(name in headers)) this.res.removeHeader(name);
    for (const [name, value] of Object.entries(headers)) if (value !== undefined) this.res.setHeader(name, value);
  }

  #end(args: unknown[]): ServerResponse {
    Reflect.apply(this.#originalEnd, this.res, args);
    return this.res;
  }
}
