import { fmtBytes, fmtMB, fmtNs, fmtRate, fmtRatio, fmtUs, max, median, min } from "./lib/stats.js";
import type { BenchContext, BenchModule, BenchReport, Table, TargetVerdict } from "./lib/types.js";
import { spawnTsWorker, WorkerClient } from "./lib/worker-rpc.js";
import { CONTENDERS, DESCRIPTIONS, PEERS, POOL_MAX, type ContenderName } from "./pool/contenders.js";
import type { PoolOps } from "./pool/protocol.js";

/**
 * The connection pool against tarn, generic-pool, pg-pool and the floor (issue, "Speed"):
 * acquire+release uncontended and contended (256 loops over 10 connections), acquire-wait
 * percentiles under contention, and heap growth over a million cycles.
 *
 * Each contender lives in its own worker thread and keeps its pool across rounds; rounds are
 * interleaved (A B C D..., the order rotated each round) and the median round is reported,
 * because a 2-core machine is noisy. Only one worker runs at a time.
 */

const LOOPS = 256;
/** "Flat" heap: growth between 100k and 1M cycles at most this. */
const FLAT_HEAP_BYTES = 512 * 1024;
const OURS: ContenderName = "athanor";
const OURS_DEFAULT: ContenderName = "athanor-default";

interface Sizes {
  rounds: number;
  warmUncontended: number;
  warmContended: number;
  uncontended: number;
  contended: number;
  timed: number;
  verify: number;
  heapFirst: number;
  heapTotal: number;
}

function sizes(ctx: BenchContext): Sizes {
  const full: Sizes = {
    rounds: 7,
    warmUncontended: 500_000,
    warmContended: 200_000,
    uncontended: 500_000,
    contended: 500_000,
    timed: 200_000,
    verify: 50_000,
    heapFirst: 100_000,
    heapTotal: 1_000_000,
  };
  const s: Sizes = ctx.quick
    ? {
        rounds: 3,
        warmUncontended: 20_000,
        warmContended: 10_000,
        uncontended: 50_000,
        contended: 50_000,
        timed: 20_000,
        verify: 5_000,
        heapFirst: 10_000,
        heapTotal: 100_000,
      }
    : full;
  return ctx.rounds === undefined ? s : { ...s, rounds: ctx.rounds };
}

type Client = WorkerClient<PoolOps>;

function spawn(name: ContenderName): Client {
  return new WorkerClient<PoolOps>(spawnTsWorker(new URL("./pool/worker.ts", import.meta.url), { contender: name }));
}

/** The contenders in round `r`'s order: rotated, so nobody always runs first or last. */
function rotated(r: number): ContenderName[] {
  const k = r % CONTENDERS.length;
  return [...CONTENDERS.slice(k), ...CONTENDERS.slice(0, k)];
}

interface ContendedRound {
  cyclesPerSec: number;
  p50Us: number;
  p99Us: number;
  p999Us: number;
  maxUs: number;
}

interface HeapRun {
  contender: ContenderName;
  mode: "uncontended" | "contended";
  heapAtFirst: number;
  heapAtTotal: number;
  growth: number;
}

async function run(ctx: BenchContext): Promise<BenchReport> {
  const s = sizes(ctx);
  const clients = new Map<ContenderName, Client>(CONTENDERS.map((name) => [name, spawn(name)]));
  const client = (name: ContenderName): Client => clients.get(name) as Client;
  const uncontendedNs = new Map<ContenderName, number[]>(CONTENDERS.map((n) => [n, []]));
  const contendedRounds = new Map<ContenderName, ContendedRound[]>(CONTENDERS.map((n) => [n, []]));
  const verifications: Record<string, unknown> = {};
  const heapRuns: HeapRun[] = [];

  try {
    // Check every adapter really is a pool of 10 (and warm the JIT while at it).
    for (const name of CONTENDERS) {
      ctx.progress(`pool: verify + warm up ${name}`);
      const v = await client(name).call("verify", { loops: LOOPS, cycles: s.verify });
      verifications[name] = v;
      if (v.doubleHandouts > 0 || v.maxHeld > POOL_MAX || v.distinct > POOL_MAX || v.after.inUse !== 0 || v.after.waiting !== 0) {
        throw new Error(`${name} failed verification: ${JSON.stringify(v)}`);
      }
      await client(name).call("uncontended", { cycles: s.warmUncontended });
      await client(name).call("contended", { loops: LOOPS, cycles: s.warmContended, timed: false });
      await client(name).call("contended", { loops: LOOPS, cycles: s.warmContended, timed: true });
    }

    for (let r = 0; r < s.rounds; r++) {
      const line: string[] = [];
      for (const name of rotated(r)) {
        const { elapsedNs } = await client(name).call("uncontended", { cycles: s.uncontended });
        const ns = elapsedNs / s.uncontended;
        uncontendedNs.get(name)?.push(ns);
        line.push(`${name} ${fmtNs(ns)}`);
      }
      ctx.progress(`pool: uncontended round ${r + 1}/${s.rounds} (ns/cycle): ${line.join(", ")}`);
    }

    for (let r = 0; r < s.rounds; r++) {
      const line: string[] = [];
      for (const name of rotated(r)) {
        const c = client(name);
        const tp = await c.call("contended", { loops: LOOPS, cycles: s.contended, timed: false });
        const lat = await c.call("contended", { loops: LOOPS, cycles: s.timed, timed: true });
        if (lat.waitUs === null) throw new Error("timed run returned no waits");
        const cyclesPerSec = (s.contended / tp.elapsedNs) * 1e9;
        contendedRounds.get(name)?.push({
          cyclesPerSec,
          p50Us: lat.waitUs.p50,
          p99Us: lat.waitUs.p99,
          p999Us: lat.waitUs.p999,
          maxUs: lat.waitUs.max,
        });
        line.push(`${name} ${fmtRate(cyclesPerSec)} p99 ${fmtUs(lat.waitUs.p99)}µs`);
      }
      ctx.progress(`pool: contended round ${r + 1}/${s.rounds}: ${line.join(", ")}`);
    }
  } finally {
    await Promise.all(
      [...clients.values()].map(async (c) => {
        await c.call("close", {}).catch(() => undefined);
        await c.terminate();
      }),
    );
  }

  // Heap: a fresh worker (fresh isolate) per configuration, a fresh pool per mode.
  for (const name of [OURS, OURS_DEFAULT]) {
    const c = spawn(name);
    try {
      for (const mode of ["uncontended", "contended"] as const) {
        ctx.progress(`pool: heap over ${s.heapTotal} cycles, ${name} ${mode}`);
        const h = await c.call("heap", { mode, loops: LOOPS, first: s.heapFirst, total: s.heapTotal });
        heapRuns.push({ contender: name, mode, ...h, growth: h.heapAtTotal - h.heapAtFirst });
      }
    } finally {
      await c.terminate();
    }
  }

  return report(s, uncontendedNs, contendedRounds, heapRuns, verifications);
}

function report(
  s: Sizes,
  uncontendedNs: Map<ContenderName, number[]>,
  contendedRounds: Map<ContenderName, ContendedRound[]>,
  heapRuns: HeapRun[],
  verifications: Record<string, unknown>,
): BenchReport {
  const unc = (name: ContenderName): number[] => uncontendedNs.get(name) ?? [];
  const uncMedian = (name: ContenderName): number => median(unc(name));
  const con = (name: ContenderName): ContendedRound[] => contendedRounds.get(name) ?? [];
  const conMedian = (name: ContenderName, key: keyof ContendedRound): number => median(con(name).map((r) => r[key]));

  const ours = uncMedian(OURS);
  const oursDefault = uncMedian(OURS_DEFAULT);
  const floorNs = uncMedian("floor");
  const fastestPeer = PEERS.reduce((best, p) => (uncMedian(p) < uncMedian(best) ? p : best));
  const oursCps = conMedian(OURS, "cyclesPerSec");
  const oursDefaultCps = conMedian(OURS_DEFAULT, "cyclesPerSec");
  const bestPeerCps = PEERS.reduce((best, p) => (conMedian(p, "cyclesPerSec") > conMedian(best, "cyclesPerSec") ? p : best));
  const bestPeerP99 = PEERS.reduce((best, p) => (conMedian(p, "p99Us") < conMedian(best, "p99Us") ? p : best));

  const uncontendedTable: Table = {
    title: `Uncontended: one async loop, await acquire → touch resource → release (median of ${s.rounds} rounds × ${s.uncontended.toLocaleString("en-US")} cycles)`,
    columns: ["contender", "ns/cycle", "rounds min–max", "cycles/s", "time ÷ athanor", "time ÷ athanor-default"],
    rows: CONTENDERS.map((name) => {
      const m = uncMedian(name);
      return [
        name,
        fmtNs(m),
        `${fmtNs(min(unc(name)))}–${fmtNs(max(unc(name)))}`,
        fmtRate(1e9 / m),
        fmtRatio(m / ours),
        fmtRatio(m / oursDefault),
      ];
    }),
    notes: [
      "time ÷ athanor = this row's ns / athanor's ns: > 1 means ours is that many times faster; on the floor row, 1 / value = athanor ÷ floor.",
      ...CONTENDERS.map((n) => `- ${n}: ${DESCRIPTIONS[n]}`),
    ],
  };

  const contendedTable: Table = {
    title: `Contended: ${LOOPS} concurrent loops over a pool of ${POOL_MAX}, acquire → await one resolved promise → release (median of ${s.rounds} rounds)`,
    columns: ["contender", "cycles/s", "rounds min–max", "athanor ÷ this", "wait p50 µs", "wait p99 µs", "wait p99.9 µs", "p99 ÷ athanor p99"],
    rows: CONTENDERS.map((name) => {
      const cps = conMedian(name, "cyclesPerSec");
      const all = con(name).map((r) => r.cyclesPerSec);
      return [
        name,
        fmtRate(cps),
        `${(min(all) / 1e6).toFixed(2)}–${(max(all) / 1e6).toFixed(2)} M`,
        fmtRatio(oursCps / cps),
        fmtUs(conMedian(name, "p50Us")),
        fmtUs(conMedian(name, "p99Us")),
        fmtUs(conMedian(name, "p999Us")),
        fmtRatio(conMedian(name, "p99Us") / conMedian(OURS, "p99Us")),
      ];
    }),
    notes: [
      `cycles/s from ${s.contended.toLocaleString("en-US")}-cycle runs without timing; waits (performance.now() around acquire, every cycle) from separate ${s.timed.toLocaleString("en-US")}-cycle runs.`,
      "athanor ÷ this > 1: ours completes that many times more cycles per second.",
      `Any pause (GC, JIT, another process taking the CPU) delays all ${LOOPS} waits in flight, i.e. more than 1% of a run's samples, so p99/p99.9 track pauses and allocation rate as much as queueing.`,
    ],
  };

  const heapTable: Table = {
    title: `Heap: used heap after a full GC, at ${s.heapFirst.toLocaleString("en-US")} and ${s.heapTotal.toLocaleString("en-US")} cycles (fresh worker and pool)`,
    columns: ["config", "mode", `heap @${s.heapFirst / 1000}k`, `heap @${s.heapTotal / 1000}k`, "growth"],
    rows: heapRuns.map((h) => [h.contender, h.mode, fmtMB(h.heapAtFirst), fmtMB(h.heapAtTotal), fmtBytes(h.growth)]),
  };

  const uncSpeedup = uncMedian(fastestPeer) / ours;
  const uncSpeedupDefault = uncMedian(fastestPeer) / oursDefault;
  const conSpeedup = oursCps / conMedian(bestPeerCps, "cyclesPerSec");
  const conSpeedupDefault = oursDefaultCps / conMedian(bestPeerCps, "cyclesPerSec");
  const ourP99 = conMedian(OURS, "p99Us");
  const peerP99 = conMedian(bestPeerP99, "p99Us");
  const worstGrowth = heapRuns.reduce((w, h) => Math.max(w, h.growth), -Infinity);

  const targets: TargetVerdict[] = [
    {
      target: "uncontended ≥ 2× the fastest peer",
      measured: `${fmtRatio(uncSpeedup)} vs ${fastestPeer} (${fmtNs(ours)} vs ${fmtNs(uncMedian(fastestPeer))} ns); default config ${fmtRatio(uncSpeedupDefault)}`,
      met: uncSpeedup >= 2,
    },
    {
      target: "contended ≥ 2× the fastest peer",
      measured: `${fmtRatio(conSpeedup)} vs ${bestPeerCps} (${fmtRate(oursCps)} vs ${fmtRate(conMedian(bestPeerCps, "cyclesPerSec"))}); default config ${fmtRatio(conSpeedupDefault)}`,
      met: conSpeedup >= 2,
    },
    {
      target: "uncontended within 2× of the floor",
      measured: `athanor ÷ floor = ${fmtRatio(ours / floorNs)} (${fmtNs(ours)} vs ${fmtNs(floorNs)} ns); default config ${fmtRatio(oursDefault / floorNs)}`,
      met: ours / floorNs <= 2,
    },
    {
      target: "contended p99 wait ≤ the best peer's",
      measured: `${fmtUs(ourP99)} µs vs ${bestPeerP99} ${fmtUs(peerP99)} µs; default config ${fmtUs(conMedian(OURS_DEFAULT, "p99Us"))} µs`,
      met: ourP99 <= peerP99,
    },
    {
      target: `flat heap over ${s.heapTotal.toLocaleString("en-US")} cycles (growth ≤ ${FLAT_HEAP_BYTES / 1024} KB)`,
      measured: `worst growth ${fmtBytes(worstGrowth)} (${heapRuns.map((h) => `${h.contender} ${h.mode} ${fmtBytes(h.growth)}`).join(", ")})`,
      met: worstGrowth <= FLAT_HEAP_BYTES,
    },
  ];

  const json = {
    sizes: { ...s, loops: LOOPS, poolMax: POOL_MAX },
    contenders: DESCRIPTIONS,
    uncontended: Object.fromEntries(
      CONTENDERS.map((n) => [n, { nsPerCycleMedian: uncMedian(n), nsPerCycleRounds: unc(n), timeRatioVsAthanor: uncMedian(n) / ours }]),
    ),
    contended: Object.fromEntries(
      CONTENDERS.map((n) => [
        n,
        {
          cyclesPerSecMedian: conMedian(n, "cyclesPerSec"),
          waitUsMedian: { p50: conMedian(n, "p50Us"), p99: conMedian(n, "p99Us"), p999: conMedian(n, "p999Us"), max: conMedian(n, "maxUs") },
          athanorThroughputRatio: oursCps / conMedian(n, "cyclesPerSec"),
          rounds: con(n),
        },
      ]),
    ),
    heap: heapRuns,
    verification: verifications,
  };

  return {
    name: "pool",
    title: "Connection pool: athanor QueuePool vs tarn, generic-pool, pg-pool and the floor",
    tables: [uncontendedTable, contendedTable, heapTable],
    targets,
    json,
  };
}

export const poolBench: BenchModule = {
  name: "pool",
  description: "QueuePool acquire+release vs tarn, generic-pool, pg-pool and the floor; contention; heap",
  run,
};
