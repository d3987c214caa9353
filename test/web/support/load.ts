/**
 * The client side of the proof: an HTTP client firing REQUESTS at CONCURRENCY,
 * destroying abort-* requests' sockets mid-request, and the check of the outcome against
 * the database.
 */
import assert from "node:assert/strict";
import { Agent, request } from "node:http";
import type { AddressInfo } from "node:net";
import { setTimeout as sleep } from "node:timers/promises";
import type { Engine, ScopedSession } from "../../../src/index.js";
import { CLIENT_ABORT_MS, committedIds, CONCURRENCY, isAbort, kindOf, REQUESTS, type Kind } from "./scenario.js";
import { idleInTransaction, trackServerConnections, type ServerConnections } from "./server-state.js";

/** What the client saw: an HTTP status, or that it never got one. */
export type Seen = number | "aborted" | "error";

export function post(port: number, path: string, agent: Agent | false, abortAfterMs?: number): Promise<{ status: Seen; body: string }> {
  return new Promise((resolve) => {
    const req = request({ host: "127.0.0.1", port, path, method: "POST", agent, headers: { "content-length": "0" } });
    let settled = false;
    const settle = (status: Seen, body = ""): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      resolve({ status, body });
    };
    const timer =
      abortAfterMs === undefined
        ? undefined
        : setTimeout(() => {
            settle("aborted");
            req.destroy();
          }, abortAfterMs);
    req.on("response", (res) => {
      const chunks: Buffer[] = [];
      res.on("data", (chunk: Buffer) => chunks.push(chunk));
      res.on("end", () => settle(res.statusCode ?? 0, Buffer.concat(chunks).toString("utf8")));
      res.on("error", () => settle("error"));
    });
    req.on("error", () => settle("error"));
    req.end();
  });
}

/** POST a JSON body on a fresh connection. */
export function postJson(port: number, path: string, body: unknown): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const payload = JSON.stringify(body);
    const req = request(
      { host: "127.0.0.1", port, path, method: "POST", agent: false, headers: { "content-type": "application/json", "content-length": Buffer.byteLength(payload) } },
      (res) => {
        const chunks: Buffer[] = [];
        res.on("data", (c: Buffer) => chunks.push(c));
        res.on("end", () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString("utf8") }));
      },
    );
    req.on("error", reject);
    req.end(payload);
  });
}

/** Fire the scenario at the server; the status each id got. */
export async function runLoad(port: number): Promise<Map<number, Seen>> {
  // A connection per request (agent: false): when a handler throws after answering, Express
  // closes the connection (its finalhandler), and an agent that already gave that socket to the
  // next request would see that one fail: Express's own race, not what this test is about.
  const seen = new Map<number, Seen>();
  let next = 1;
  const loop = async (): Promise<void> => {
    while (next <= REQUESTS) {
      const id = next++;
      const kind = kindOf(id);
      const { status } = await post(port, `/insert/${id}`, false, isAbort(kind) ? CLIENT_ABORT_MS : undefined);
      seen.set(id, status);
    }
  };
  await Promise.all(Array.from({ length: CONCURRENCY }, loop));
  return seen;
}

export function portOf(address: AddressInfo | string | null): number {
  assert.ok(address !== null && typeof address === "object", "the server listens on a TCP port");
  return address.port;
}

/** Wait (bounded) for the aborted requests' handlers to finish and give their connections back. */
export async function settledPool(engine: Engine, withinMs = 5_000): Promise<number> {
  const deadline = Date.now() + withinMs;
  while (engine.pool.status().checkedOut > 0 && Date.now() < deadline) await sleep(20);
  return engine.pool.status().checkedOut;
}

export interface LoadReport {
  byKind: Record<Kind, { requests: number; twoXX: number; committed: number }>;
  abortedCommitted: number;
}

/**
 * The conditions: 0 connections checked out, none of ours idle in transaction on the
 * server, and the committed ids exactly those that got a 2xx (aborted ones may go either way,
 * but never half: the row is there or not).
 */
export async function assertOutcome(
  engine: Engine,
  db: ScopedSession,
  table: string,
  seen: Map<number, Seen>,
  server: ServerConnections,
  /** What a client whose handler threw right after sending its answer gets, by the framework's own rules. */
  throwAfter: "answered" | "failed",
): Promise<LoadReport> {
  assert.equal(seen.size, REQUESTS);
  assert.equal(await settledPool(engine), 0, "no connection checked out once the requests are over");
  assert.deepEqual(await idleInTransaction(engine, server), [], "no connection of ours idle in transaction on the server");
  const committed = await committedIds(db, table);
  const byKind = {} as LoadReport["byKind"];
  let abortedCommitted = 0;
  for (let id = 1; id <= REQUESTS; id++) {
    const kind = kindOf(id);
    const status = seen.get(id);
    const ok = typeof status === "number" && status >= 200 && status < 300;
    const entry = (byKind[kind] ??= { requests: 0, twoXX: 0, committed: 0 });
    entry.requests++;
    if (ok) entry.twoXX++;
    if (committed.has(id)) entry.committed++;
    if (isAbort(kind) && status === "aborted") {
      if (committed.has(id)) abortedCommitted++;
      continue;
    }
    if (ok) assert.ok(committed.has(id), `request ${id} (${kind}) got ${String(status)} but its row is not committed`);
    else assert.ok(!committed.has(id), `request ${id} (${kind}) got ${String(status)} but its row was committed`);
    if (kind === "ok") assert.ok(ok, `request ${id} should have succeeded; got ${String(status)}`);
    if (kind === "throw-before") assert.ok(!ok, `request ${id} threw before answering but got ${String(status)}`);
    if (kind === "throw-after") assert.equal(ok, throwAfter === "answered", `request ${id} threw after answering and got ${String(status)}`);
  }
  return { byKind, abortedCommitted };
}

export { trackServerConnections };
