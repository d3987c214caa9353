import { getHeapStatistics } from "node:v8";
import { workerData } from "node:worker_threads";
import { serve } from "../lib/worker-rpc.js";
import { percentileSorted } from "../lib/stats.js";
import { CONTENDERS, makeContender, type ContenderName } from "./contenders.js";
import { contended, contendedTimed, uncontended, verify } from "./loops.js";
import type { PoolOps, PoolWorkerData } from "./protocol.js";

/** One contender per worker thread (see bench/lib/worker-rpc.ts for why). */

const data = workerData as PoolWorkerData;
if (!(CONTENDERS as readonly string[]).includes(data.contender)) throw new Error(`unknown contender ${data.contender}`);
const name = data.contender as ContenderName;
const pool = makeContender(name);

const gc = globalThis.gc;
if (gc === undefined) throw new Error("run with --expose-gc (npm run bench does)");

function collect(): void {
  gc?.();
  gc?.();
}

/** Heap used by this worker's isolate, after a full GC. */
function heapUsed(): number {
  collect();
  return getHeapStatistics().used_heap_size;
}

serve<PoolOps>({
  async uncontended({ cycles }) {
    collect();
    return { elapsedNs: await uncontended(pool, cycles) };
  },

  async contended({ loops, cycles, timed }) {
    if (!timed) {
      collect();
      return { elapsedNs: await contended(pool, loops, cycles), waitUs: null };
    }
    const waits = new Float64Array(cycles);
    collect();
    const elapsedNs = await contendedTimed(pool, loops, waits);
    waits.sort();
    const us = (p: number): number => percentileSorted(waits, p) * 1000;
    return { elapsedNs, waitUs: { p50: us(0.5), p99: us(0.99), p999: us(0.999), max: us(1) } };
  },

  async verify({ loops, cycles }) {
    // A few uncontended cycles first, then a contended run that tracks every hand-out.
    await uncontended(pool, 1000);
    const result = await verify(pool, loops, cycles);
    // Let releases that complete asynchronously settle before reading the counts.
    await new Promise<void>((resolve) => setImmediate(resolve));
    return { ...result, after: pool.counts() };
  },

  async heap({ mode, loops, first, total }) {
    const fresh = makeContender(name);
    const run = (cycles: number): Promise<number> =>
      mode === "uncontended" ? uncontended(fresh, cycles) : contended(fresh, loops, cycles);
    await run(first);
    const heapAtFirst = heapUsed();
    await run(total - first);
    const heapAtTotal = heapUsed();
    await fresh.close();
    return { heapAtFirst, heapAtTotal };
  },

  async close() {
    await pool.close();
    return null;
  },
});
