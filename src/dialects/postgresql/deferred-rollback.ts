/**
 * The ROLLBACK of a transaction left open at `close()`, sent without anyone waiting for it.
 *
 * Closing a Connection (or a Session) with a transaction open rolls it back before the
 * connection goes back to the pool. The one who closed does not need the answer: what the
 * transaction did is discarded either way, and a ROLLBACK cannot fail except with the
 * connection itself. So the connection goes back at once and its ROLLBACK goes out with the
 * next thing sent on it, in the same write:
 *
 * - in front of a statement that opens a transaction (the engine's deferred BEGIN): one
 *   write, "ROLLBACK;BEGIN;<sql>" (or Parse/Bind/Execute of each under one Sync), and the
 *   next holder's first statement costs no extra round trip;
 * - before anything else (a statement outside a transaction, a ping, the driver connection
 *   used directly): as a statement of its own, queued first. Not in the same message, because
 *   several statements in one message share an implicit transaction block, and VACUUM or
 *   CREATE DATABASE refuse to run inside one;
 * - when nothing is sent within ROLLBACK_WINDOW_MS (2 ms), on its own then. So the locks of
 *   the transaction are held up to that long: synchronous code after close(), or a statement
 *   another connection sends meanwhile, runs first (or waits for them). `await conn.rollback()`
 *   before close() waits for them to go, as before.
 *
 * Every path to the server goes through pg's `Client.query`, which is where this hooks in, so
 * nothing can overtake the ROLLBACK. If the connection has died, the ROLLBACK fails with it, and
 * the next statement sees the disconnect, as it would on a connection that died idle in the pool.
 */
import type { PgClient } from "./pg-driver.js";
import { PgStatement } from "./pg-statement.js";

const PENDING = Symbol("athanor.pendingRollback");
const SEND_ALONE = Symbol("athanor.sendAlone");
const ROLLBACK = "ROLLBACK";
/**
 * How long a deferred ROLLBACK waits for a statement to ride with before it goes on its own.
 * Under load a connection handed back is taken again within a millisecond or two (a pool of 10
 * at 5 000 checkouts/s: every 2 ms, in FIFO order), so its ROLLBACK rides with the next
 * holder's BEGIN. One sent alone costs a round trip of its own, a write and a read on both
 * sides; on the web benchmark (16 clients, pool of 10) the next event-loop turn was too soon:
 * 1.73 statements went per request, 1.04 with this window. Locks a rolled-back transaction
 * took are held this much longer, which is why it is short.
 */
export const ROLLBACK_WINDOW_MS = 2;

type SendAlone = (client: PgClient, sql: string) => void;

interface Deferring {
  /** A ROLLBACK is waiting to go with this client's next statement. */
  [PENDING]?: boolean;
  /** Set on the clients that can defer (the engine's own). */
  [SEND_ALONE]?: SendAlone;
}

type DeferringClient = PgClient & Deferring;
type Query = (this: PgClient, ...args: unknown[]) => unknown;

/**
 * The clients whose ROLLBACK waits, each with when it was deferred (performance.now()), oldest
 * first (a Map keeps insertion order). One timer for all of them, armed for the oldest: a timer
 * per close() cost a Timeout object, a list insertion and its clearing on every request
 * (~2.5 µs of a web request's ~110 in the benchmark's profile).
 */
const waiting = new Map<DeferringClient, number>();
let sweep: NodeJS.Timeout | undefined;

/** Send the ROLLBACKs whose window has passed; re-arm for the next one. */
function sendDue(): void {
  sweep = undefined;
  const now = performance.now();
  for (const [client, at] of waiting) {
    const waited = now - at;
    if (waited < ROLLBACK_WINDOW_MS) {
      sweep = setTimeout(sendDue, ROLLBACK_WINDOW_MS - waited);
      return;
    }
    waiting.delete(client);
    client[PENDING] = false;
    client[SEND_ALONE]?.(client, ROLLBACK);
  }
}

/**
 * Route this client's queries through the check for a pending ROLLBACK. Once, when the client
 * is opened; `sendAlone` sends a statement nobody waits for.
 */
export function installDeferredRollback(client: PgClient, sendAlone: SendAlone): void {
  // pg's own query, looked up per call: instrumentation that wraps Client.prototype.query
  // later (tracing, the benchmark's counting) still sees every statement.
  const proto = Object.getPrototypeOf(client) as { query: Query };
  const deferring = client as DeferringClient;
  deferring[PENDING] = false;
  deferring[SEND_ALONE] = sendAlone;
  const query: Query = function query(this: PgClient, ...args: unknown[]): unknown {
    if (deferring[PENDING] === true) {
      deferring[PENDING] = false;
      waiting.delete(deferring);
      const next = args[0];
      if (next instanceof PgStatement && next.opensTransaction) next.lead(ROLLBACK);
      else sendAlone(this, ROLLBACK);
    }
    return Reflect.apply(proto.query, this, args);
  };
  (client as unknown as { query: Query }).query = query;
}

/**
 * Roll back this client's open transaction with whatever it sends next (see above). False when
 * the client was not opened by the engine (a `creator`'s): the caller then rolls back itself.
 */
export function deferRollback(client: PgClient): boolean {
  const deferring = client as DeferringClient;
  if (deferring[SEND_ALONE] === undefined) return false;
  if (deferring[PENDING] === true) return true;
  deferring[PENDING] = true;
  waiting.set(deferring, performance.now());
  sweep ??= setTimeout(sendDue, ROLLBACK_WINDOW_MS);
  return true;
}
