// Soak: a million pool checkouts and a hundred thousand queries, with the heap measured
// (after a forced GC) as they run. A leak of even a few dozen bytes per checkout (a
// listener, a record, a WeakRef or a FinalizationRegistry entry never released, a waiter
// left in a queue) shows as megabytes here. The figures are printed for docs/reliability.md.
import assert from "node:assert/strict";
import { after, test } from "node:test";
import { createEngine, QueuePool, text, type Engine } from "../../src/index.js";

const MB = 1024 * 1024;
/**
 * How much the heap may differ between the sample after warm-up and the last one. V8 keeps
 * some slack in its spaces (inline caches, code, new-space) that a GC does not return; 2 MB
 * is above that noise (measured: well under 1 MB) and far below what a per-checkout leak of
 * even 8 bytes would add over a million checkouts (8 MB).
 */
const FLAT_MB = 2;

function gc(): void {
  const collect = (globalThis as { gc?: () => void }).gc;
  assert.ok(collect !== undefined, "run with --expose-gc (npm test does)");
  collect();
  collect();
}

function heapMb(): number {
  gc();
  return process.memoryUsage().heapUsed / MB;
}

interface Sampled {
  readonly samples: number[];
  readonly ms: number;
}

/** Runs `step` `total` times in `lanes` concurrent loops, sampling the heap `points` times. */
async function sampled(total: number, lanes: number, points: number, step: () => Promise<void>): Promise<Sampled> {
  const samples = [heapMb()];
  const started = performance.now();
  const perPoint = total / points;
  for (let p = 0; p < points; p++) {
    const perLane = perPoint / lanes;
    await Promise.all(
      Array.from({ length: lanes }, async () => {
        for (let i = 0; i < perLane; i++) await step();
      }),
    );
    samples.push(heapMb());
  }
  return { samples, ms: performance.now() - started };
}

function report(label: string, count: number, result: Sampled): void {
  const rounded = result.samples.map((mb) => Math.round(mb * 100) / 100);
  console.log(
    `[soak] ${label}: ${count} in ${Math.round(result.ms)} ms (${Math.round((count / result.ms) * 1000)}/s); heap MB after GC: ${rounded.join(" → ")}`,
  );
}

function assertFlat(label: string, samples: readonly number[]): void {
  // Sample 0 is before warm-up (code still compiling, caches filling): compare from 1 on.
  const base = samples[1] ?? 0;
  const last = samples.at(-1) ?? 0;
  assert.ok(last - base < FLAT_MB, `${label}: heap grew from ${base.toFixed(2)} MB to ${last.toFixed(2)} MB`);
  const peak = Math.max(...samples.slice(1));
  assert.ok(peak - base < FLAT_MB, `${label}: heap peaked at ${peak.toFixed(2)} MB (from ${base.toFixed(2)} MB)`);
}

test("1 000 000 pool checkouts: uncontended and with 20 callers on 5 connections, heap flat", async () => {
  const creator = (): object => ({});
  const free = new QueuePool(creator, { poolSize: 5 });
  const uncontended = await sampled(500_000, 1, 10, async () => {
    const conn = await free.connect();
    await conn.close();
  });
  report("pool checkouts, 1 caller", 500_000, uncontended);
  assert.deepEqual([free.status().checkedOut, free.status().checkedIn], [0, 1]);

  // 20 loops on 5 connections: most checkouts wait in the queue and are served by a return.
  const busy = new QueuePool(creator, { poolSize: 5, maxOverflow: 0 });
  const contended = await sampled(500_000, 20, 10, async () => {
    const conn = await busy.connect();
    await conn.close();
  });
  report("pool checkouts, 20 callers on 5 connections", 500_000, contended);
  assert.deepEqual([busy.status().checkedOut, busy.status().waiting, busy.status().checkedIn], [0, 0, 5]);
  await Promise.all([free.dispose(), busy.dispose()]);
  assertFlat("uncontended", uncontended.samples);
  assertFlat("contended", contended.samples);
});

const engines: Engine[] = [];
after(async () => {
  for (const engine of engines) await engine.dispose();
});

test("100 000 queries through engine.connect() on SQLite: heap flat", async () => {
  const engine = createEngine("sqlite://:memory:");
  engines.push(engine);
  await engine.begin(async (conn) => void (await conn.execute(text("CREATE TABLE soak (id INTEGER PRIMARY KEY, v TEXT)"))));
  const insert = text("INSERT INTO soak (id, v) VALUES (:id, :v)");
  const select = text("SELECT v FROM soak WHERE id = :id");
  let n = 0;
  const result = await sampled(100_000, 1, 10, async () => {
    const id = ++n;
    const conn = await engine.connect();
    try {
      // Alternate a write transaction and a read, each a checkout, a statement and a return.
      if (id % 2 === 1) {
        await conn.execute(insert, { id, v: `row ${id}` });
        await conn.commit();
      } else {
        assert.equal((await conn.execute(select, { id: id - 1 })).scalar(), `row ${id - 1}`);
      }
    } finally {
      await conn.close();
    }
  });
  report("queries (checkout + statement + return), SQLite :memory:", 100_000, result);
  await engine.begin(async (conn) => {
    // The table holds 50 000 rows by now: the heap must not be holding them too.
    assert.equal(Number((await conn.execute(text("SELECT count(*) FROM soak"))).scalar()), 50_000);
  });
  assert.equal(engine.pool.status().checkedOut, 0);
  assertFlat("queries", result.samples);
});
