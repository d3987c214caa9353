import type { IncomingMessage, OutgoingHttpHeaders, ServerResponse } from "node:http";
import type { Logger } from "../log.js";
import { describe, type Ending, type RequestSession } from "./request-session.js";

/**
 * open      → the handler is working; the response has not been ended.
 * deciding  → res.end() was called with a transaction open; the response is held back.
 * finishing → commit or rollback in progress; the outcome is fixed.
 * done      → the original res.end() has run (or the response will never be sent).
 */
type Phase = "open" | "deciding" | "finishing" | "done";

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
    this.res.end = function end(this: ServerResponse, ...args: unknown[]) {
      return gate.#onEnd(args);
    } as ServerResponse["end"];
    // 'close' comes after 'finish' too, and alone when the connection dropped first.
    this.res.once("close", () => this.#onClose());
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
    if (!this.request.hasTransaction()) {
      // Nothing to commit: answer now; ending the scope (removing an idle session) is cheap.
      this.#phase = "done";
      void this.request.end("rollback");
      return this.#end(args);
    }
    this.#phase = "deciding";
    this.#args = args;
    Object.defineProperty(this.res, "headersSent", { configurable: true, get: () => true });
    this.#holdDestroy();
    this.#decideLogged();
    return this.res;
  }

  #decideLogged(): void {
    this.#decide().catch((err: unknown) => {
      this.logger.error(`athanor: ending the response failed: ${describe(err)}`);
      if (!this.res.destroyed) this.res.destroy();
    });
  }

  async #decide(): Promise<void> {
    const abandoned = this.#abandoned();
    this.#phase = "finishing";
    const { statusCode, statusMessage } = this.res;
    const headers = this.res.getHeaders();
    let ending: Ending;
    try {
      ending = await this.request.end(abandoned ? "rollback" : this.request.outcomeFor(statusCode));
    } finally {
      Reflect.deleteProperty(this.res, "headersSent"); // back to Node's own getter
      this.#restoreDestroy?.();
      if (this.#lateEnd) this.#restore(statusCode, statusMessage, headers);
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
    const own = Object.getOwnPropertyDescriptor(socket, "destroy");
    socket.destroy = ((error?: Error) => {
      this.#destroyAsked ??= { error };
      return socket;
    }) as typeof socket.destroy;
    this.#restoreDestroy = () => {
      this.#restoreDestroy = undefined;
      if (own === undefined) Reflect.deleteProperty(socket, "destroy");
      else Object.defineProperty(socket, "destroy", own);
    };
  }

  #onClose(): void {
    this.#closed = true;
    // "open": the client left before the handler answered. "done": the response is out (or
    // was given up); end() is idempotent. "deciding"/"finishing": #decide sees #closed.
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
