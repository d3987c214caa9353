import { workerData } from "node:worker_threads";
import { countingPgQueries } from "../lib/count-pg-queries.js";
import { serve } from "../lib/worker-rpc.js";
import { isContender, makeWorkload, type InsertRow, type InsertWorkload, type OpsWorkload } from "./contenders.js";
import { withAdmin } from "./db.js";
import type { EngineOps, EngineWorkerData, InsertOutcome } from "./protocol.js";

/** One contender per worker thread (see bench/lib/worker-rpc.ts for why). */

const data = workerData as EngineWorkerData;
if (!isContender(data.contender)) throw new Error(`unknown contender ${data.contender}`);
const name = data.contender;
const workload = makeWorkload(name);

const gc = globalThis.gc;
if (gc === undefined) throw new Error("run with --expose-gc (npm run bench does)");

function collect(): void {
  gc?.();
  gc?.();
}

function opsWorkload(): OpsWorkload {
  if (workload.kind !== "ops") throw new Error(`${name} is not a throughput contender`);
  return workload;
}

function insertWorkload(): InsertWorkload {
  if (workload.kind !== "insert") throw new Error(`${name} is not an insert contender`);
  return workload;
}

async function throughput(w: OpsWorkload, concurrency: number, durationMs: number): Promise<{ ops: number; elapsedNs: number; cpuUs: number }> {
  let ops = 0;
  const cpu = process.cpuUsage();
  const start = process.hrtime.bigint();
  const end = performance.now() + durationMs;
  const loop = async (): Promise<void> => {
    while (performance.now() < end) {
      await w.op();
      ops++;
    }
  };
  await Promise.all(Array.from({ length: concurrency }, loop));
  const elapsedNs = Number(process.hrtime.bigint() - start);
  const used = process.cpuUsage(cpu);
  return { ops, elapsedNs, cpuUs: used.user + used.system };
}


/** knex puts the whole SQL in front of the server's message ("insert ... - bind message has ..."): keep the message. */
function shortError(err: unknown): string {
  const message = err instanceof Error ? err.message : String(err);
  const tail = message.lastIndexOf(" - ");
  const short = (tail >= 0 ? message.slice(tail + 3) : message).split("\n")[0] ?? message;
  return short.length > 200 ? `${short.slice(0, 200)}…` : short;
}

const USES_PG = !name.startsWith("postgres-js");

let cachedRows: InsertRow[] = [];
function rowsOf(n: number): InsertRow[] {
  if (cachedRows.length !== n) cachedRows = Array.from({ length: n }, (_, i) => ({ a: i, b: `row ${i}`, c: i * 0.5 }));
  return cachedRows;
}

serve<EngineOps>({
  async throughput({ concurrency, durationMs, countQueries }) {
    const w = opsWorkload();
    collect();
    if (!countQueries) return { ...(await throughput(w, concurrency, durationMs)), queries: null };
    if (!USES_PG) return { ...(await throughput(w, concurrency, durationMs)), queries: null };
    const { result, queries } = await countingPgQueries(() => throughput(w, concurrency, durationMs));
    return { ...result, queries };
  },

  async insert({ rows }): Promise<InsertOutcome> {
    const w = insertWorkload();
    const table = `bench_insert_${name.replace(/[^a-z0-9]/g, "_")}`;
    const data = rowsOf(rows);
    await withAdmin(undefined, async (c) => {
      await c.query(`DROP TABLE IF EXISTS ${table}`);
      await c.query(`CREATE TABLE ${table} (a integer NOT NULL, b text NOT NULL, c double precision NOT NULL)`);
    });
    try {
      collect();
      const cpu = process.cpuUsage();
      const start = process.hrtime.bigint();
      try {
        await w.insert(table, data);
      } catch (err) {
        return { ok: false, error: shortError(err) };
      }
      const elapsedNs = Number(process.hrtime.bigint() - start);
      const used = process.cpuUsage(cpu);
      const expectedSum = (rows * (rows - 1)) / 2;
      const check = await withAdmin(undefined, (c) =>
        c.query<{ n: string; s: string }>(`SELECT count(*) AS n, coalesce(sum(a), 0) AS s FROM ${table}`),
      );
      const n = Number(check.rows[0]?.n);
      const s = Number(check.rows[0]?.s);
      if (n !== rows || s !== expectedSum) throw new Error(`${name}: inserted ${n} rows (sum ${s}), expected ${rows} (sum ${expectedSum})`);
      return { ok: true, elapsedNs, cpuUs: used.user + used.system };
    } finally {
      await withAdmin(undefined, (c) => c.query(`DROP TABLE IF EXISTS ${table}`));
    }
  },

  async close() {
    await workload.close();
    return null;
  },
});
