// Regression tests for bugs the proving ground found (all fixed; part of `npm test`).
// SPEC P2/P22: a checkout that gets nothing within timeoutMs fails, and nothing waits
// longer. Three ways src/pool/pool.ts breaks that, each on the fake driver, in ~1 s each.
// The real-server symptom is known-bugs/blackhole-preping.known-bug.ts.
import assert from "node:assert/strict";
import { test } from "node:test";
import { PoolTimeoutError, type PoolDialect } from "../../../src/index.js";
import { fakeQueuePool, sleep, type FakeConnection } from "../../support/fake-driver.js";

const SLACK_MS = 150;

async function elapsed(work: Promise<unknown>): Promise<{ ms: number; error: unknown }> {
  const started = Date.now();
  const error = await work.then(() => undefined, (e: unknown) => e);
  return { ms: Date.now() - started, error };
}

test("a waiter served after a wait keeps its original deadline (Pool.connect, no-options path)", async () => {
  // Pool.connect() builds the checkout's request (and deadline) only after the waiter is
  // served: `got.then(record => this.prepare(record, this.request(undefined, stack)))`.
  // A waiter served at 900 ms by a freed slot then gets a fresh 1 000 ms for its connect.
  const { driver, pool } = fakeQueuePool({ poolSize: 1, maxOverflow: 0, timeoutMs: 1_000, connectTimeoutMs: 800 });
  const holder = await pool.connect();
  const waiting = elapsed(pool.connect());
  await sleep(900);
  driver.hang = true; // the replacement connect never answers
  await holder.invalidate(); // frees the slot: the waiter gets a new, empty record
  const { ms, error } = await waiting;
  assert.ok(error instanceof Error);
  assert.ok(ms <= 1_000 + SLACK_MS, `the checkout took ${ms} ms with timeoutMs 1000 (${String(error)})`);
});

/** Pings hang and closes take 3 s: a silent peer, as in a network partition. */
function silentPeerPool() {
  const dialectFor = (close: (c: FakeConnection) => Promise<void>): PoolDialect<FakeConnection> => ({
    rollback: (c) => c.rollback(),
    commit: (c) => c.commit(),
    ping: (c) => c.ping(),
    isDisconnect: () => false,
    close,
  });
  const made = fakeQueuePool({
    poolSize: 1,
    maxOverflow: 0,
    timeoutMs: 1_000,
    connectTimeoutMs: 500,
    prePing: true,
    dialect: dialectFor(async (c) => {
      await sleep(3_000); // pg end() / mysql2 end() on a peer that never answers
      await c.close();
    }),
  });
  return made;
}

test("a failed pre-ping does not make the caller wait for the dead connection's close (Pool.pingOrReplace)", async () => {
  // pingOrReplace awaits invalidateRecord -> closeDriverConnection -> dialect.close; the
  // pg and mysql2 dialects bound close by closeTimeoutMs (5 s), and a silent peer uses all of it.
  const { driver, pool } = silentPeerPool();
  const first = await pool.connect();
  await first.close();
  const conn = driver.connections[0];
  assert.ok(conn !== undefined);
  conn.hangPing = true;
  driver.hang = true;
  const { ms, error } = await elapsed(pool.connect());
  assert.ok(error instanceof Error);
  assert.ok(ms <= 1_000 + SLACK_MS, `the checkout took ${ms} ms with timeoutMs 1000 (${String(error)})`);
});

test("the PoolTimeoutError of a checkout that ran out of time during a reconnect states sane numbers (Pool.openConnection)", async () => {
  // openConnection calls this.timeoutError(request.deadline - remaining, remaining, ...):
  // "waited" is then an absolute timestamp and "within" is negative once the deadline passed.
  const { driver, pool } = silentPeerPool();
  const first = await pool.connect();
  await first.close();
  const conn = driver.connections[0];
  assert.ok(conn !== undefined);
  conn.hangPing = true;
  driver.hang = true;
  const { error } = await elapsed(pool.connect());
  assert.ok(error instanceof Error, "the checkout failed");
  if (error instanceof PoolTimeoutError) {
    assert.match(error.message, /within 1000 ms/, error.message);
    const waited = Number(/waited (-?\d+) ms/.exec(error.message)?.[1]);
    assert.ok(waited >= 0 && waited < 60_000, `"waited ${waited} ms"`);
  }
});
