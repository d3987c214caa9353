import type { IncomingMessage, ServerResponse } from "node:http";

/**
 * Where end() and emit(), patched once on the framework's shared response prototype
 * (express-gate.ts), find the gate of the response they were called on.
 *
 * Not a property on the response: Express swaps each response's prototype
 * (Object.setPrototypeOf) before any middleware runs, and V8 gives an object whose prototype
 * was swapped a new map for every property added to it afterwards, so each property cost a
 * copy of the response's ~50 property descriptors, and every later access to the response
 * missed its inline caches. Not a WeakMap keyed by the response: its entries are ephemerons,
 * which every scavenge must process (~0.7 µs per request in a perf profile). Nor a Map: a
 * response held as a key of a long-lived table stayed alive through scavenges with all it
 * reaches (~2.7 KB a request surviving one, in the sampling heap profiler, against none).
 *
 * On the request's socket: a keep-alive socket lives for many requests, its shape gets the
 * slot once, and the gate goes with the response it serves. A socket carries one response at
 * a time unless the client pipelines; a gate that finds the slot taken waits in a Map instead.
 */

/** What the registry needs of a gate. */
export interface RoutedGate {
  readonly response: ServerResponse;
}

const SLOT = Symbol("athanor.gate");
type Slotted = { [SLOT]?: RoutedGate | undefined };

/** Gates whose socket's slot was taken (pipelined requests), or that have no socket to use. */
const overflow = new Map<ServerResponse, RoutedGate>();
let routed = 0;

/** The socket whose slot serves `res` (the request's own, reached the same way at each lookup). */
function slotOf(res: ServerResponse): Slotted | undefined {
  return (res.req as IncomingMessage | undefined)?.socket as Slotted | undefined;
}

/** Route `gate.response`'s end() and 'close' to `gate`. */
export function routeGate(gate: RoutedGate, req: IncomingMessage): void {
  routed++;
  const res = gate.response;
  const slotted = req.socket as Slotted | null;
  if (slotted !== null && res.req === req && slotted[SLOT] === undefined) slotted[SLOT] = gate;
  else overflow.set(res, gate);
}

/** The gate routed for `res`, if any. */
export function routedGate<G extends RoutedGate>(res: ServerResponse): G | undefined {
  const gate = slotOf(res)?.[SLOT];
  if (gate !== undefined && gate.response === res) return gate as G;
  return overflow.size === 0 ? undefined : (overflow.get(res) as G | undefined);
}

/** `gate` has nothing more to do: end() and 'close' of its response go straight through. */
export function unrouteGate(gate: RoutedGate): void {
  const res = gate.response;
  const slotted = slotOf(res);
  if (slotted !== undefined && slotted[SLOT] === gate) {
    slotted[SLOT] = undefined;
    routed--;
  } else if (overflow.get(res) === gate) {
    overflow.delete(res);
    routed--;
  }
}

/** Gates still routed (for tests: none may be left once the responses are out). */
export function routedGates(): number {
  return routed;
}
