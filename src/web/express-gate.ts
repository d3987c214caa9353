import { OutgoingMessage, ServerResponse, type IncomingMessage, type OutgoingHttpHeaders } from "node:http";
import type { Socket } from "node:net";
import type { Logger } from "../log.js";
import { describe, type Ending, type RequestSession } from "./request-session.js";
import { routedGate, routedGates, routeGate, unrouteGate } from "./routed-gates.js";

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

/** end() and emit() as they were before the gate routed them (what a gate calls through to). */
interface Originals {
  readonly end: (...args: unknown[]) => unknown;
  readonly emit: (...args: unknown[]) => boolean;
}

/** Gates still routed (for tests: none may be left once the responses are out). */
export const openGates = routedGates;

/**
 * Gates that put their own end() and emit() on the response (not routed through the
 * prototype: a plain node:http response, or one whose end something replaced), for
 * ResponseGate.of(). Rare, so a WeakMap's cost is not paid per request on Express.
 */
const ownGates = new WeakMap<ServerResponse, ResponseGate>();

/** Per response prototype (Express: app.response): the originals, or null where routing can't be used. */
const routes = new WeakMap<object, Originals | null>();
/** The framework base prototypes already patched (Express: the `response` object all its apps share). */
const patchedBases = new WeakMap<object, Originals>();
let lastPrototype: object | undefined;
let lastRoute: Originals | null = null;

/**
 * Where end() and emit() of `res` can be routed through a patch on its framework's base
 * response prototype: the originals to call through to; undefined where the gate must put its
 * own end() and emit() on the response (a plain node:http response, or one whose end or emit
 * something already replaced: that code may hold the function it replaced).
 */
function routeThroughPrototype(res: ServerResponse): Originals | undefined {
  // Object.hasOwn does not go through inline caches (which always miss on Express's responses).
  if (Object.hasOwn(res, "end") || Object.hasOwn(res, "emit")) return undefined;
  const proto: object | null = Object.getPrototypeOf(res);
  if (proto === null) return undefined;
  if (proto !== lastPrototype) {
    let route = routes.get(proto);
    if (route === undefined) {
      route = routeFor(proto);
      routes.set(proto, route);
    }
    lastPrototype = proto;
    lastRoute = route;
  }
  return lastRoute ?? undefined;
}

/**
 * The chain from an app's response prototype down to http.ServerResponse.prototype. Express's
 * is app.response → express.response → ServerResponse.prototype; a mounted sub-app's response
 * shares that base, so a patch on the base reaches every app's responses, also while Express
 * has moved a response to a sub-app's prototype. Null when there is no framework prototype, or
 * one between the app's and the base defines end() or emit() itself.
 */
function routeFor(proto: object): Originals | null {
  const chain: object[] = [];
  let current: object | null = proto;
  while (current !== null && current !== ServerResponse.prototype) {
    chain.push(current);
    current = Object.getPrototypeOf(current) as object | null;
  }
  const base = chain.at(-1);
  if (current === null || base === undefined) return null;
  if (chain.slice(0, -1).some((p) => Object.hasOwn(p, "end") || Object.hasOwn(p, "emit"))) return null;
  return patchedBases.get(base) ?? patchBase(base);
}

/**
 * end() and emit() on the base prototype, once per process: they find the response's routed
 * gate (routed-gates.ts) and otherwise do exactly what the originals do (for responses of apps
 * that do not use the gate, and those whose gate is done).
 */
function patchBase(base: object): Originals {
  const originals: Originals = { end: Reflect.get(base, "end") as Originals["end"], emit: Reflect.get(base, "emit") as Originals["emit"] };
  Object.defineProperty(base, "end", {
    configurable: true,
    writable: true,
    value: function end(this: ServerResponse, ...args: unknown[]): unknown {
      const gate = routedGate<ResponseGate>(this);
      return gate === undefined ? Reflect.apply(originals.end, this, args) : gate.onEnd(args);
    },
  });
  Object.defineProperty(base, "emit", {
    configurable: true,
    writable: true,
    value: function emit(this: ServerResponse, event: string | symbol): boolean {
      // 'close': the response was sent, or the connection dropped first. Before any listener.
      if (event === "close") {
        const gate = routedGate<ResponseGate>(this);
        if (gate !== undefined) {
          unrouteGate(gate);
          gate.onClose();
        }
      }
      // eslint-disable-next-line prefer-rest-params -- passes the arguments on without copying them
      return Reflect.apply(originals.emit, this, arguments) as boolean;
    },
  });
  patchedBases.set(base, originals);
  return originals;
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
  /** What the response's end() was: the gate calls it to send. */
  readonly #originalEnd: Originals["end"];
  /** end() and emit() reach the gate through the framework's prototype (else: its own, on the response). */
  readonly #routed: boolean;

  constructor(
    private readonly req: IncomingMessage,
    private readonly res: ServerResponse,
    private readonly request: RequestSession,
    private readonly logger: Logger,
  ) {
    const originals = routeThroughPrototype(res);
    this.#routed = originals !== undefined;
    this.#originalEnd = originals?.end ?? (res.end as Originals["end"]);
  }

  /** The response this gate holds back (RoutedGate). */
  get response(): ServerResponse {
    return this.res;
  }

  /**
   * Another middleware's request session (a second database) on this request: ended with this
   * gate's own. False once the response has been ended: the caller ends it itself.
   */
  join(request: RequestSession): boolean {
    if (this.#phase !== "open") return false;
    this.request.join(request);
    return true;
  }

  /** The gate installed on `res`, if one is still routing it. */
  static of(res: ServerResponse): ResponseGate | undefined {
    return routedGate<ResponseGate>(res) ?? ownGates.get(res);
  }

  /** Route the response's end() and its 'close' to this gate. */
  install(): void {
    if (this.#routed) {
      routeGate(this, this.req);
      return;
    }
    ownGates.set(this.res, this);
    const gate = this;
    const emit = this.res.emit as Originals["emit"];
    this.res.end = function end(this: ServerResponse, ...args: unknown[]) {
      return gate.onEnd(args);
    } as ServerResponse["end"];
    // The response's 'close' (it was sent, or the connection dropped first) reaches the gate
    // through emit, before any listener: res.on("close") per response cost more.
    this.res.emit = function emitThroughGate(this: ServerResponse, event: string | symbol): boolean {
      if (event === "close") gate.onClose();
      // eslint-disable-next-line prefer-rest-params -- passes the arguments on without copying them
      return Reflect.apply(emit, this, arguments) as boolean;
    } as ServerResponse["emit"];
  }

  /**
   * Done deciding: a later end() goes straight through, and the 'close' that would end the
   * request's unit of work finds it ended already. Until 'close' the slot would keep the
   * response alive, and a keep-alive client's next request may come before it.
   */
  #unroute(): void {
    if (this.#routed) unrouteGate(this);
  }

  /** The response's end(): send now, or hold it back until the transaction has ended. */
  onEnd(args: unknown[]): ServerResponse {
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
    if (!this.request.mustHold(this.res)) {
      // Nothing to commit that could fail (no transaction, only AUTOCOMMIT statements, or a
      // rollback to come): answer now, then end the scope.
      this.#phase = "done";
      this.#unroute();
      void this.request.endFor(this.res);
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
    const ending = this.request.endFor(abandoned ? undefined : { statusCode });
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
      this.#unroute();
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

  /** The response's 'close'. */
  onClose(): void {
    this.#closed = true;
    // "open": the client left before the handler answered. "done": the response is out (or
    // was given up); end() is idempotent. "deciding"/"finishing": #decided sees #closed.
    if (this.#phase === "open") this.#phase = "done";
    if (this.#phase === "done") void this.request.endFor(undefined);
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
