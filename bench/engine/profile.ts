import { writeFile } from "node:fs/promises";
import { Session } from "node:inspector/promises";
import { isContender, makeWorkload, type InsertRow, type InsertWorkload, type OpsWorkload } from "./contenders.js";
import { withAdmin } from "./db.js";

/**
 * One contender's op in a loop on the main thread, for profiling where its time goes:
 *
 *   npm run build && node --import tsx --import ./bench/lib/use-dist.ts bench/engine/profile.ts athanor-autocommit-noreset 16 5 [out.cpuprofile]
 *
 * (contender, concurrency, seconds). After a warm-up, it runs the op for that long, prints
 * ops/s and client CPU per op, and with a file name writes a V8 CPU profile of the timed
 * part only (no start-up, no module loading): summarise it with
 * bench/engine/profile-summary.ts or open it in Chrome DevTools. For an executemany
 * contender the second argument is the row count and the third the number of inserts:
 *
 *   node --import tsx --import ./bench/lib/use-dist.ts bench/engine/profile.ts athanor-executemany 100000 5 out.cpuprofile
 */

const [name = "", sizeArg = "1", countArg = "5", profileOut] = process.argv.slice(2);
if (!isContender(name)) throw new Error(`usage: profile.ts <contender> [concurrency] [seconds] [out.cpuprofile]; unknown contender '${name}'`);
const workload = makeWorkload(name);

const session = new Session();
session.connect();

async function profiled<T>(work: () => Promise<T>): Promise<T> {
  if (profileOut === undefined) return work();
  await session.post("Profiler.enable");
  await session.post("Profiler.setSamplingInterval", { interval: 200 });
  await session.post("Profiler.start");
  try {
    return await work();
  } finally {
    const { profile } = await session.post("Profiler.stop");
    await writeFile(profileOut, JSON.stringify(profile));
  }
}

function cpuLine(cpu: NodeJS.CpuUsage, units: number, unit: string): string {
  return `client CPU ${((cpu.user + cpu.system) / units).toFixed(1)} µs/${unit} (user ${(cpu.user / units).toFixed(1)}, system ${(cpu.system / units).toFixed(1)})`;
}

async function runOps(w: OpsWorkload): Promise<void> {
  const concurrency = Number(sizeArg);
  const loops = async (ms: number): Promise<number> => {
    let ops = 0;
    const end = performance.now() + ms;
    await Promise.all(
      Array.from({ length: concurrency }, async () => {
        while (performance.now() < end) {
          await w.op();
          ops++;
        }
      }),
    );
    return ops;
  };
  await loops(1000); // open the connections, warm the JIT
  const started = performance.now();
  const cpu0 = process.cpuUsage();
  const ops = await profiled(() => loops(Number(countArg) * 1000));
  const cpu = process.cpuUsage(cpu0);
  const seconds = (performance.now() - started) / 1000;
  console.log(`${name} c=${concurrency}: ${(ops / seconds).toFixed(0)} ops/s over ${seconds.toFixed(1)} s, ${ops} ops; ${cpuLine(cpu, ops, "op")}`);
}

async function runInserts(w: InsertWorkload): Promise<void> {
  const n = Number(sizeArg);
  const times = Number(countArg);
  const rows: InsertRow[] = Array.from({ length: n }, (_, i) => ({ a: i, b: `row ${i}`, c: i * 0.5 }));
  const table = "bench_insert_profile";
  const fresh = (): Promise<void> =>
    withAdmin(undefined, async (c) => {
      await c.query(`DROP TABLE IF EXISTS ${table}`);
      await c.query(`CREATE TABLE ${table} (a integer NOT NULL, b text NOT NULL, c double precision NOT NULL)`);
    });
  await fresh();
  await w.insert(table, rows.slice(0, Math.min(n, 10_000))); // warm up
  await profiled(async () => {
    for (let i = 0; i < times; i++) {
      await fresh();
      const started = performance.now();
      const cpu0 = process.cpuUsage();
      await w.insert(table, rows);
      const cpu = process.cpuUsage(cpu0);
      const seconds = (performance.now() - started) / 1000;
      console.log(`${name}: ${n} rows in ${seconds.toFixed(3)} s, ${(n / seconds).toFixed(0)} rows/s; ${cpuLine(cpu, n / 1000, "1000 rows")}`);
    }
  });
  await withAdmin(undefined, (c) => c.query(`DROP TABLE IF EXISTS ${table}`));
}

try {
  if (workload.kind === "ops") await runOps(workload);
  else await runInserts(workload);
} finally {
  await workload.close();
  session.disconnect();
}
