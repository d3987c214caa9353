import { getHeapStatistics } from "node:v8";
import { workerData } from "node:worker_threads";
import { serve } from "../lib/worker-rpc.js";
import { isContender, isStreaming, makeContender } from "./contenders.js";
import { expectedPages, seed } from "./db.js";
import type { HeapSample, OrmOps, OrmWorkerData, StreamResult } from "./protocol.js";
import { countingPgQueries } from "../lib/count-pg-queries.js";
import { runScenario } from "./scenarios.js";

/** One contender per worker thread (see bench/lib/worker-rpc.ts for why). */

const data = workerData as OrmWorkerData;
if (!isContender(data.contender)) throw new Error(`unknown contender ${data.contender}`);
const name = data.contender;
const contender = await makeContender(name);

const gc = globalThis.gc;
if (gc === undefined) throw new Error("run with --expose-gc (npm run bench does)");

function collect(): void {
  gc?.();
  gc?.();
}

/** Used heap after full GCs, each after a turn of the event loop (the identity map weakens its new entries then). */
async function settledHeap(): Promise<number> {
  for (let i = 0; i < 3; i++) {
    gc?.();
    await new Promise((resolve) => setImmediate(resolve));
  }
  return getHeapStatistics().used_heap_size;
}

serve<OrmOps>({
  async run({ scenario, data: sizes, countQueries }) {
    return runScenario(contender, scenario, sizes, { beforeRun: collect, countQueries });
  },

  async stream({ rows, yieldPer, sampleEvery, warmRows }): Promise<StreamResult> {
    if (!isStreaming(contender)) throw new Error(`${name} does not stream`);
    const booksPerAuthor = 100;
    const seeded = { authors: Math.ceil(rows / booksPerAuthor), booksPerAuthor };
    if (seeded.authors * booksPerAuthor !== rows) throw new Error(`stream rows must be a multiple of ${booksPerAuthor}`);
    await seed(seeded);

    // Warm up (JIT, the engine's connection, the statement's compiled form), then the baseline.
    let warmed = 0;
    let warmPages = 0;
    for await (const book of contender.streamBooks(yieldPer)) {
      warmPages += book.pages;
      if (++warmed >= warmRows) break; // leaving the loop closes the stream's session
    }
    if (warmPages <= 0) throw new Error("the warm-up stream read no pages");
    const sample = async (entities: number): Promise<HeapSample> => ({
      entities,
      usedHeap: await settledHeap(),
      identityMapEntries: contender.identityMapSize(),
    });
    const baseline = await sample(0);

    const samples: HeapSample[] = [];
    let pausedNs = 0n;
    let pausedCpu = 0;
    let pages = 0;
    let count = 0;
    const unforced = { peakUsedHeap: 0, peakIdentityMapEntries: 0 };
    const cpu = process.cpuUsage();
    const start = process.hrtime.bigint();
    const { queries } = await countingPgQueries(async () => {
      for await (const book of contender.streamBooks(yieldPer)) {
        pages += book.pages;
        count++;
        if (count % yieldPer === 0) {
          unforced.peakUsedHeap = Math.max(unforced.peakUsedHeap, getHeapStatistics().used_heap_size);
          unforced.peakIdentityMapEntries = Math.max(unforced.peakIdentityMapEntries, contender.identityMapSize());
        }
        if (count % sampleEvery === 0) {
          const pauseStart = process.hrtime.bigint();
          const pauseCpu = process.cpuUsage();
          samples.push(await sample(count));
          const c = process.cpuUsage(pauseCpu);
          pausedCpu += c.user + c.system;
          pausedNs += process.hrtime.bigint() - pauseStart;
        }
      }
    });
    const elapsedNs = Number(process.hrtime.bigint() - start - pausedNs);
    const used = process.cpuUsage(cpu);
    const after = await sample(count);
    const expected = expectedPages(seeded);
    if (count !== rows || pages !== expected) throw new Error(`streamed ${count} books (${pages} pages); expected ${rows} (${expected} pages)`);
    return { rows, yieldPer, elapsedNs, cpuUs: used.user + used.system - pausedCpu, queries, baseline, samples, after, unforced, pages };
  },

  async close() {
    await contender.close();
    return null;
  },
});
