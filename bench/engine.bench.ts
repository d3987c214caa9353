import os from "node:os";
import { fmtRatio, max, median, min } from "./lib/stats.js";
import type { BenchContext, BenchModule, BenchReport, Table, TargetVerdict } from "./lib/types.js";
import { closeAll, rotated } from "./lib/rounds.js";
import { spawnTsWorker, WorkerClient } from "./lib/worker-rpc.js";
import {
  BEGIN_CONTENDERS,
  DESCRIPTIONS,
  INSERT_CONTENDERS,
  POOL_MAX,
  SELECT_CONTENDERS,
  TPCB_CLIENTS,
  type BeginContender,
  type ContenderName,
  type InsertContender,
  type SelectContender,
  type TpcbContender,
} from "./engine/contenders.js";
import { PGBENCH_DATABASE, pgTarget, serverConnections, withAdmin } from "./engine/db.js";
import { findPgbench, initPgbench, prepareTpcbRun, runPgbench, runPgbenchScript, type PgbenchMode, type PgbenchResult } from "./engine/pgbench.js";
import type { EngineOps } from "./engine/protocol.js";

/**
 * The engine on real PostgreSQL against the peers (issue, "Speed"):
 *
 * - SELECT 1 through a pool of 10 at concurrency 1, 16 and 128: athanor's
 *   `engine.connect()` + `execute` + `close()` (as is, and in AUTOCOMMIT) vs `pg.Pool.query`,
 *   postgres.js and knex;
 * - a short transaction (BEGIN; SELECT 1; COMMIT) at concurrency 16: `engine.begin()` vs pg's
 *   connect → 3 queries → release (postgres.js and knex for context);
 * - pgbench's TPC-B-like transaction with 16 clients: athanor vs pgbench itself;
 * - an executemany of 100 000 rows × 3 columns vs knex's batchInsert.
 *
 * Each contender lives in its own worker thread with its own pool, verified first (what it
 * sends per op, how many server connections it holds) and warmed up. Throughput rounds are
 * interleaved (A B C..., the order rotated each round) and the median is reported. The
 * server shares the machine's 2 cores with the client: compare ratios within one run.
 */

const CONCURRENCIES = [1, 16, 128] as const;
const BEGIN_CONCURRENCY = 16;
const PGBENCH_THREADS = 2;
const PGBENCH_MODES: readonly PgbenchMode[] = ["simple", "extended", "prepared"];
/**
 * The pgbench mode whose protocol athanor's parameterised statements use: named prepared
 * statements once a connection has run a statement prepare_threshold (5) times.
 */
const PGBENCH_MATCH: PgbenchMode = "prepared";

/** The issue's numbers, measured on its author's machine (for the notes only). */
const ISSUE_REFERENCE = "issue's machine: pg.Pool 13.9k / 51.6k / 49.5k, knex 12.3k / 37.4k / 35.6k queries/s at 1 / 16 / 128; pg begin 19.7k/s";

const TARGET_RATIO = 0.95;
const TPCB_TARGET = 0.8;

interface Sizes {
  rounds: number;
  /** One timed throughput run. */
  runMs: number;
  /** Verification runs (query counting, connection count), per concurrency. */
  verifyMs: number;
  /** Warm-up per contender, at each concurrency. */
  warmMs: number;
  /** One TPC-B run (pgbench -T); each of the 5 runs is repeated tpcbRounds times, interleaved. */
  tpcbSeconds: number;
  tpcbRounds: number;
  tpcbWarmMs: number;
  /** The server-ceiling runs (pgbench, our scripts): seconds each, rounds of the pair. */
  ceilingSeconds: number;
  ceilingRounds: number;
  insertRows: number;
  insertWarmRows: number;
  insertRounds: number;
}

function sizes(ctx: BenchContext): Sizes {
  const s: Sizes = ctx.quick
    ? { rounds: 2, runMs: 250, verifyMs: 150, warmMs: 150, tpcbSeconds: 2, tpcbRounds: 1, tpcbWarmMs: 300, ceilingSeconds: 1, ceilingRounds: 1, insertRows: 10_000, insertWarmRows: 1_000, insertRounds: 1 }
    : { rounds: 7, runMs: 600, verifyMs: 300, warmMs: 400, tpcbSeconds: 5, tpcbRounds: 2, tpcbWarmMs: 1000, ceilingSeconds: 2, ceilingRounds: 3, insertRows: 100_000, insertWarmRows: 10_000, insertRounds: 3 };
  return ctx.rounds === undefined ? s : { ...s, rounds: ctx.rounds, insertRounds: ctx.rounds };
}

type Client = WorkerClient<EngineOps>;

function spawn(name: ContenderName): Client {
  return new WorkerClient<EngineOps>(spawnTsWorker(new URL("./engine/worker.ts", import.meta.url), { contender: name }));
}

interface Verification {
  /** pg queries sent per op at each concurrency (null: not a pg-based contender). */
  queriesPerOp: Record<string, number | null>;
  /** Server connections under the contender's application_name after the runs. */
  serverConnections: number;
}

/** One timed throughput run. */
interface Sample {
  perSec: number;
  /** Client CPU (user + system) per op, µs. */
  cpuUsPerOp: number;
}

/** Samples per contender per concurrency, one per round: sample r of every contender comes from round r. */
type Samples<N extends string> = Map<N, Map<number, Sample[]>>;

function fmtK(perSecond: number): string {
  return perSecond >= 10_000 ? `${(perSecond / 1000).toFixed(1)}k` : `${(perSecond / 1000).toFixed(2)}k`;
}

function fmtRange(values: readonly number[]): string {
  return `${fmtK(min(values))}–${fmtK(max(values))}`;
}

function fmtQ(q: number | null | undefined): string {
  return q === null || q === undefined ? "n/a" : q.toFixed(2);
}

function fmtCpu(us: number, baseline: number | undefined): string {
  if (baseline === undefined) return us.toFixed(1);
  const d = us - baseline;
  return `${us.toFixed(1)} (${d >= 0 ? "+" : "−"}${Math.abs(d).toFixed(1)})`;
}

/** Median over rounds of this round's rate ÷ the baseline's rate in the same round (runs next to each other in time). */
function pairedRatio(samples: readonly Sample[], baseline: readonly Sample[]): number {
  const ratios: number[] = [];
  for (let r = 0; r < Math.min(samples.length, baseline.length); r++) {
    ratios.push((samples[r] as Sample).perSec / (baseline[r] as Sample).perSec);
  }
  return median(ratios);
}

/** Verify, warm and measure a set of throughput contenders at the given concurrencies. */
async function throughputPhase<N extends ContenderName>(
  ctx: BenchContext,
  s: Sizes,
  label: string,
  names: readonly N[],
  concurrencies: readonly number[],
  maxConnections: number,
): Promise<{ samples: Samples<N>; verification: Record<string, Verification> }> {
  const clients = new Map<N, Client>(names.map((n) => [n, spawn(n)]));
  const client = (n: N): Client => clients.get(n) as Client;
  const samples: Samples<N> = new Map(names.map((n) => [n, new Map(concurrencies.map((c) => [c, [] as Sample[]]))]));
  const verification: Record<string, Verification> = {};
  try {
    for (const name of names) {
      ctx.progress(`engine: ${label}: verify + warm up ${name}`);
      const queriesPerOp: Record<string, number | null> = {};
      for (const concurrency of concurrencies) {
        const v = await client(name).call("throughput", { concurrency, durationMs: s.verifyMs, countQueries: true });
        if (v.ops === 0) throw new Error(`${name} completed no op at concurrency ${concurrency}`);
        queriesPerOp[String(concurrency)] = v.queries === null ? null : v.queries / v.ops;
        await client(name).call("throughput", { concurrency, durationMs: s.warmMs, countQueries: false });
      }
      const conns = await serverConnections(name);
      verification[name] = { queriesPerOp, serverConnections: conns };
      if (conns < 1 || conns > maxConnections) {
        throw new Error(`${name} holds ${conns} server connections; expected 1..${maxConnections}`);
      }
    }
    for (let r = 0; r < s.rounds; r++) {
      for (const concurrency of concurrencies) {
        const line: string[] = [];
        for (const name of rotated(names, r + concurrency)) {
          const res = await client(name).call("throughput", { concurrency, durationMs: s.runMs, countQueries: false });
          const perSec = (res.ops / res.elapsedNs) * 1e9;
          samples.get(name)?.get(concurrency)?.push({ perSec, cpuUsPerOp: res.cpuUs / res.ops });
          line.push(`${name} ${fmtK(perSec)}`);
        }
        ctx.progress(`engine: ${label} round ${r + 1}/${s.rounds}, concurrency ${concurrency} (ops/s): ${line.join(", ")}`);
      }
    }
  } finally {
    await closeAll(clients.values());
  }
  return { samples, verification };
}

interface TpcbRun {
  name: string;
  protocol: string;
  /** One per round. */
  tps: number[];
  transactions: number[];
  /** Client CPU per transaction, µs (our runs only: pgbench is another process). */
  cpuUsPerTx: number[];
  command: string;
}

const TPCB_RUNS = ["pgbench -M simple", "athanor-tpcb", "pgbench -M extended", "pg-tpcb", "pgbench -M prepared"] as const;
type TpcbRunName = (typeof TPCB_RUNS)[number];
const OUR_PROTOCOL = "prepared (named Parse once per connection, then Bind/Execute)";
const PG_PROTOCOL = "extended (pg: unnamed Parse/Bind/Execute)";

/**
 * What the server itself allows the default path: pgbench (a C client, ~nothing per op) with
 * POOL_MAX clients running SELECT 1 alone, and as the engine's default connect → execute →
 * close sends it (a transaction: ROLLBACK;BEGIN;SELECT 1 in one message, here
 * BEGIN\;SELECT 1\;ROLLBACK, the same three statements). The ratio is the ceiling for
 * "athanor default ÷ pg.Pool" when the server's CPU is what runs out (this machine's 2 cores
 * are shared by client and server).
 */
interface Ceiling {
  plain: number[];
  transaction: number[];
  ratio: number;
  skipped?: string;
}

async function ceilingPhase(ctx: BenchContext, s: Sizes): Promise<Ceiling> {
  const pgbench = findPgbench();
  if (pgbench === undefined) return { plain: [], transaction: [], ratio: NaN, skipped: "pgbench not found (set PGBENCH)" };
  const database = pgTarget().database;
  const plain: number[] = [];
  const transaction: number[] = [];
  for (let r = 0; r < s.ceilingRounds; r++) {
    ctx.progress(`engine: server ceiling round ${r + 1}/${s.ceilingRounds}: pgbench -c ${POOL_MAX} SELECT 1 vs BEGIN;SELECT 1;ROLLBACK`);
    plain.push(await runPgbenchScript(pgbench, "SELECT 1;", database, POOL_MAX, PGBENCH_THREADS, s.ceilingSeconds));
    transaction.push(await runPgbenchScript(pgbench, "BEGIN\\;SELECT 1\\;ROLLBACK;", database, POOL_MAX, PGBENCH_THREADS, s.ceilingSeconds));
  }
  return { plain, transaction, ratio: median(transaction.map((t, k) => t / (plain[k] ?? NaN))) };
}

async function tpcbPhase(ctx: BenchContext, s: Sizes): Promise<{ runs: TpcbRun[]; skipped?: string; verification: Record<string, Verification> }> {
  const pgbench = findPgbench();
  if (pgbench === undefined) return { runs: [], skipped: "pgbench not found (set PGBENCH)", verification: {} };
  ctx.progress(`engine: tpcb: pgbench -i -s 1 ${PGBENCH_DATABASE}`);
  await initPgbench(pgbench, 1);
  const names: readonly TpcbContender[] = ["athanor-tpcb", "pg-tpcb"];
  const clients = new Map<TpcbContender, Client>(names.map((n) => [n, spawn(n)]));
  const verification: Record<string, Verification> = {};
  const runs = new Map<TpcbRunName, TpcbRun>(
    TPCB_RUNS.map((name) => {
      const mode = name.startsWith("pgbench") ? name.slice("pgbench -M ".length) : undefined;
      return [
        name,
        {
          name,
          protocol: mode ?? (name === "athanor-tpcb" ? OUR_PROTOCOL : PG_PROTOCOL),
          tps: [],
          transactions: [],
          cpuUsPerTx: [],
          command:
            mode === undefined
              ? `${TPCB_CLIENTS} async loops for ${s.tpcbSeconds} s`
              : `pgbench -n -c ${TPCB_CLIENTS} -j ${PGBENCH_THREADS} -T ${s.tpcbSeconds} -M ${mode} ${PGBENCH_DATABASE}`,
        },
      ];
    }),
  );
  const durationMs = s.tpcbSeconds * 1000;
  try {
    for (const name of names) {
      ctx.progress(`engine: tpcb: verify + warm up ${name}`);
      await prepareTpcbRun();
      const c = clients.get(name) as Client;
      const v = await c.call("throughput", { concurrency: TPCB_CLIENTS, durationMs: s.tpcbWarmMs, countQueries: true });
      const conns = await serverConnections(name, PGBENCH_DATABASE);
      verification[name] = { queriesPerOp: { [String(TPCB_CLIENTS)]: v.queries === null ? null : v.queries / v.ops }, serverConnections: conns };
      if (conns !== TPCB_CLIENTS) throw new Error(`${name} holds ${conns} server connections; expected ${TPCB_CLIENTS}`);
    }
    for (let r = 0; r < s.tpcbRounds; r++) {
      const line: string[] = [];
      for (const name of rotated(TPCB_RUNS, r)) {
        const run = runs.get(name) as TpcbRun;
        await prepareTpcbRun();
        if (name === "athanor-tpcb" || name === "pg-tpcb") {
          const res = await (clients.get(name) as Client).call("throughput", { concurrency: TPCB_CLIENTS, durationMs, countQueries: false });
          run.tps.push((res.ops / res.elapsedNs) * 1e9);
          run.transactions.push(res.ops);
          run.cpuUsPerTx.push(res.cpuUs / res.ops);
        } else {
          const res: PgbenchResult = await runPgbench(pgbench, run.protocol as PgbenchMode, TPCB_CLIENTS, PGBENCH_THREADS, s.tpcbSeconds);
          run.tps.push(res.tps);
          run.transactions.push(res.transactions);
        }
        line.push(`${name} ${(run.tps.at(-1) ?? NaN).toFixed(0)}`);
      }
      ctx.progress(`engine: tpcb round ${r + 1}/${s.tpcbRounds} (tps): ${line.join(", ")}`);
    }
  } finally {
    await closeAll(clients.values());
  }
  return { runs: [...runs.values()], verification };
}

type InsertResult = { rowsPerSec: number[]; seconds: number[]; cpuSeconds: number[]; error?: string };

async function insertPhase(ctx: BenchContext, s: Sizes): Promise<Map<InsertContender, InsertResult>> {
  const clients = new Map<InsertContender, Client>(INSERT_CONTENDERS.map((n) => [n, spawn(n)]));
  const results = new Map<InsertContender, InsertResult>(INSERT_CONTENDERS.map((n) => [n, { rowsPerSec: [], seconds: [], cpuSeconds: [] }]));
  try {
    for (const name of INSERT_CONTENDERS) {
      ctx.progress(`engine: executemany: warm up ${name} (${s.insertWarmRows} rows)`);
      const w = await (clients.get(name) as Client).call("insert", { rows: s.insertWarmRows });
      if (!w.ok) throw new Error(`${name} failed its warm-up insert: ${w.error}`);
    }
    for (let r = 0; r < s.insertRounds; r++) {
      const line: string[] = [];
      for (const name of rotated(INSERT_CONTENDERS, r)) {
        const result = results.get(name) as InsertResult;
        if (result.error !== undefined) continue;
        const out = await (clients.get(name) as Client).call("insert", { rows: s.insertRows });
        if (!out.ok) {
          result.error = out.error;
          line.push(`${name} failed`);
          continue;
        }
        const seconds = out.elapsedNs / 1e9;
        result.seconds.push(seconds);
        result.rowsPerSec.push(s.insertRows / seconds);
        result.cpuSeconds.push(out.cpuUs / 1e6);
        line.push(`${name} ${fmtK(s.insertRows / seconds)} rows/s`);
      }
      ctx.progress(`engine: executemany round ${r + 1}/${s.insertRounds}: ${line.join(", ")}`);
    }
  } finally {
    await closeAll(clients.values());
  }
  return results;
}

async function run(ctx: BenchContext): Promise<BenchReport> {
  const s = sizes(ctx);
  const t = pgTarget();
  const server = await withAdmin(undefined, async (c) => {
    const r = await c.query<{ v: string; mc: string; sc: string }>(
      "SELECT version() AS v, current_setting('max_connections') AS mc, current_setting('synchronous_commit') AS sc",
    );
    return { version: r.rows[0]?.v, maxConnections: r.rows[0]?.mc, synchronousCommit: r.rows[0]?.sc };
  });
  ctx.progress(`engine: ${t.user}@${t.host}:${t.port}/${t.database}: ${server.version}`);
  const loadBefore = os.loadavg();

  const select = await throughputPhase<SelectContender>(ctx, s, "SELECT 1", SELECT_CONTENDERS, CONCURRENCIES, POOL_MAX);
  const begin = await throughputPhase<BeginContender>(ctx, s, "BEGIN; SELECT 1; COMMIT", BEGIN_CONTENDERS, [BEGIN_CONCURRENCY], POOL_MAX);
  const ceiling = await ceilingPhase(ctx, s);
  const tpcb = await tpcbPhase(ctx, s);
  const inserts = await insertPhase(ctx, s);
  // Other processes on this machine (test suites, builds) take CPU from both client and server.
  const load = { before: loadBefore.map((x) => Number(x.toFixed(2))), after: os.loadavg().map((x) => Number(x.toFixed(2))) };
  return report(s, { ...server, loadAverage: load }, select, begin, ceiling, tpcb, inserts);
}

function report(
  s: Sizes,
  server: Record<string, unknown>,
  select: { samples: Samples<SelectContender>; verification: Record<string, Verification> },
  begin: { samples: Samples<BeginContender>; verification: Record<string, Verification> },
  ceiling: Ceiling,
  tpcb: { runs: TpcbRun[]; skipped?: string; verification: Record<string, Verification> },
  inserts: Map<InsertContender, InsertResult>,
): BenchReport {
  // ---- SELECT 1 ----
  const selSamples = (n: SelectContender, c: number): Sample[] => select.samples.get(n)?.get(c) ?? [];
  const sel = (n: SelectContender, c: number): number => median(selSamples(n, c).map((x) => x.perSec));
  const selCpu = (n: SelectContender, c: number): number => median(selSamples(n, c).map((x) => x.cpuUsPerOp));
  const ratioVsPg = (n: SelectContender, c: number): number => pairedRatio(selSamples(n, c), selSamples("pg-pool", c));

  const selectTable: Table = {
    title: `SELECT 1 through a pool of ${POOL_MAX}: checkout → SELECT 1 → return, ops/s (median of ${s.rounds} interleaved ${s.runMs / 1000} s rounds)`,
    columns: ["contender", "queries/op", ...CONCURRENCIES.flatMap((c) => [`c=${c} ops/s`, `c=${c} min–max`, `c=${c} ÷ pg.Pool`])],
    rows: SELECT_CONTENDERS.map((n) => [
      n,
      fmtQ(select.verification[n]?.queriesPerOp[String(CONCURRENCIES[0])]),
      ...CONCURRENCIES.flatMap((c) => [fmtK(sel(n, c)), fmtRange(selSamples(n, c).map((x) => x.perSec)), fmtRatio(ratioVsPg(n, c))]),
    ]),
    notes: [
      "c = concurrent async loops, each doing the op back to back; ops/s = SELECT 1s completed per second.",
      "÷ pg.Pool = median over rounds of (this ÷ pg.Pool in the same round): > 1 is faster than pg.Pool.query. Rounds run each contender in turn, so a pair is measured seconds apart.",
      "queries/op: statements each op sent through pg's Client.query (counted in a verification run; n/a for postgres.js, which is not pg-based).",
      `Server connections held after the runs (≤ ${POOL_MAX} each): ${SELECT_CONTENDERS.map((n) => `${n} ${select.verification[n]?.serverConnections ?? "?"}`).join(", ")}.`,
      ISSUE_REFERENCE,
      `This machine's load average (1/5/15 min) at the start and end of the benchmark: ${JSON.stringify(server.loadAverage)}; the server shares the cores with the client.`,
      ...SELECT_CONTENDERS.map((n) => `- ${n}: ${DESCRIPTIONS[n]}`),
    ],
  };

  const selectCpuTable: Table = {
    title: "SELECT 1: client CPU per op, µs (user + system, median of the rounds; in brackets: minus pg.Pool's)",
    columns: ["contender", ...CONCURRENCIES.map((c) => `c=${c}`)],
    rows: SELECT_CONTENDERS.map((n) => [n, ...CONCURRENCIES.map((c) => fmtCpu(selCpu(n, c), n === "pg-pool" ? undefined : selCpu("pg-pool", c)))]),
    notes: [
      "process.cpuUsage() around each timed run, divided by its ops: the client's own cost (driver, pool, library, syscalls), which the other load on a shared machine disturbs far less than throughput.",
    ],
  };

  // ---- BEGIN; SELECT 1; COMMIT ----
  const begSamples = (n: BeginContender): Sample[] => begin.samples.get(n)?.get(BEGIN_CONCURRENCY) ?? [];
  const beg = (n: BeginContender): number => median(begSamples(n).map((x) => x.perSec));
  const begCpu = (n: BeginContender): number => median(begSamples(n).map((x) => x.cpuUsPerOp));
  const begRatio = (n: BeginContender): number => pairedRatio(begSamples(n), begSamples("pg-begin"));
  const beginTable: Table = {
    title: `BEGIN; SELECT 1; COMMIT at concurrency ${BEGIN_CONCURRENCY}, pool of ${POOL_MAX}: transactions/s (median of ${s.rounds} interleaved ${s.runMs / 1000} s rounds)`,
    columns: ["contender", "queries/op", "tx/s", "min–max", "÷ pg", "client CPU µs/tx"],
    rows: BEGIN_CONTENDERS.map((n) => [
      n,
      fmtQ(begin.verification[n]?.queriesPerOp[String(BEGIN_CONCURRENCY)]),
      fmtK(beg(n)),
      fmtRange(begSamples(n).map((x) => x.perSec)),
      fmtRatio(begRatio(n)),
      fmtCpu(begCpu(n), n === "pg-begin" ? undefined : begCpu("pg-begin")),
    ]),
    notes: [
      "÷ pg: median over rounds of the same-round ratio. Client CPU in brackets: minus pg's.",
      ...BEGIN_CONTENDERS.map((n) => `- ${n}: ${DESCRIPTIONS[n]}`),
    ],
  };

  // ---- TPC-B ----
  const tpcbTps = (r: TpcbRun | undefined): number => (r === undefined ? NaN : median(r.tps));
  const athanorTpcb = tpcb.runs.find((r) => r.name === "athanor-tpcb");
  const pgTpcb = tpcb.runs.find((r) => r.name === "pg-tpcb");
  const pgbenchRun = (mode: PgbenchMode): TpcbRun | undefined => tpcb.runs.find((r) => r.name === `pgbench -M ${mode}`);
  const tpcbTable: Table = {
    title: `TPC-B-like (pgbench's built-in script, scale 1), ${TPCB_CLIENTS} clients: tps (median of ${s.tpcbRounds} interleaved ${s.tpcbSeconds} s runs each)`,
    columns: ["run", "protocol", "tps", "rounds", "transactions", "athanor ÷ this", "client CPU µs/tx"],
    align: ["left", "left", "right", "right", "right", "right", "right"],
    rows: tpcb.runs.map((r) => [
      r.name,
      r.protocol,
      tpcbTps(r).toFixed(0),
      r.tps.map((x) => x.toFixed(0)).join(", "),
      String(r.transactions.reduce((a, b) => a + b, 0)),
      fmtRatio(tpcbTps(athanorTpcb) / tpcbTps(r)),
      r.cpuUsPerTx.length === 0 ? "n/a" : median(r.cpuUsPerTx).toFixed(0),
    ]),
    notes: [
      ...(tpcb.skipped === undefined ? [] : [`Skipped: ${tpcb.skipped}.`]),
      `pgbench: -n -c ${TPCB_CLIENTS} -j ${PGBENCH_THREADS} -T ${s.tpcbSeconds} -M <mode>, tps "without initial connection time". Before every run (pgbench's and ours): VACUUM pgbench_branches, pgbench_tellers; TRUNCATE pgbench_history (what pgbench does itself without -n).`,
      "athanor prepares each statement on a connection after 5 runs (prepare_threshold) and then sends it by name, as pgbench -M prepared does; plain pg sends every statement with an unnamed Parse, as -M extended does; -M simple interpolates the values into the text.",
      `Queries per transaction (pg, counted): ${Object.entries(tpcb.verification).map(([n, v]) => `${n} ${fmtQ(v.queriesPerOp[String(TPCB_CLIENTS)])}`).join(", ")}; synchronous_commit ${String(server.synchronousCommit)}: every COMMIT waits for a WAL flush, and at scale 1 every transaction updates the one branch row, so transactions queue on that row lock and the client's reaction time between statements is on the critical path.`,
      `- athanor-tpcb: ${DESCRIPTIONS["athanor-tpcb"]}`,
      `- pg-tpcb: ${DESCRIPTIONS["pg-tpcb"]}`,
    ],
  };

  // ---- executemany ----
  const ins = (n: InsertContender): InsertResult => inserts.get(n) ?? { rowsPerSec: [], seconds: [], cpuSeconds: [] };
  const insMedian = (n: InsertContender): number => median(ins(n).rowsPerSec);
  const ourInsert = insMedian("athanor-executemany");
  const insertTable: Table = {
    title: `executemany: ${s.insertRows.toLocaleString("en-US")} rows × 3 columns into a fresh table, in one transaction (median of ${s.insertRounds} interleaved rounds)`,
    columns: ["contender", "rows/s", "seconds", "min–max rows/s", "athanor ÷ this", "client CPU s"],
    rows: INSERT_CONTENDERS.map((n) => {
      const r = ins(n);
      if (r.error !== undefined) return [n, "failed", "", "", "", ""];
      return [n, fmtK(insMedian(n)), median(r.seconds).toFixed(2), fmtRange(r.rowsPerSec), fmtRatio(ourInsert / insMedian(n)), median(r.cpuSeconds).toFixed(2)];
    }),
    notes: [
      "Table: (a integer, b text, c double precision), no index; created before and dropped after each timed insert; row count and sum(a) checked.",
      ...INSERT_CONTENDERS.filter((n) => ins(n).error !== undefined).map((n) => `${n} failed: ${ins(n).error ?? ""}`),
      ...INSERT_CONTENDERS.map((n) => `- ${n}: ${DESCRIPTIONS[n]}`),
    ],
  };

  // ---- targets ----
  const selectTarget = (n: SelectContender, label: string): TargetVerdict => {
    const ratios = CONCURRENCIES.map((c) => ratioVsPg(n, c));
    return {
      target: `SELECT 1 ≥ ${TARGET_RATIO}× pg.Pool at c=1/16/128 — ${label}`,
      measured: `${ratios.map(fmtRatio).join(" / ")} (${CONCURRENCIES.map((c) => fmtK(sel(n, c))).join(" / ")} vs ${CONCURRENCIES.map((c) => fmtK(sel("pg-pool", c))).join(" / ")} ops/s); ${fmtQ(select.verification[n]?.queriesPerOp["1"])} queries/op; client CPU +${CONCURRENCIES.map((c) => (selCpu(n, c) - selCpu("pg-pool", c)).toFixed(1)).join(" / ")} µs/op`,
      met: ratios.every((r) => r >= TARGET_RATIO),
    };
  };
  const beginRatio = begRatio("athanor-begin");
  const knexBest = (["knex-batch-1000", "knex-batch-5000", "knex-insert-all"] as const)
    .filter((n) => ins(n).error === undefined && ins(n).rowsPerSec.length > 0)
    .reduce<InsertContender | undefined>((best, n) => (best === undefined || insMedian(n) > insMedian(best) ? n : best), undefined);
  const tpcbRatio = (mode: PgbenchMode): number => tpcbTps(athanorTpcb) / tpcbTps(pgbenchRun(mode));

  const targets: TargetVerdict[] = [
    selectTarget("athanor-autocommit", "athanor AUTOCOMMIT (no BEGIN; nothing left open, so the pool skips its reset): one SELECT per checkout, pg.Pool.query's work"),
    selectTarget("athanor-autocommit-noreset", "athanor AUTOCOMMIT + poolResetOnReturn none (the same work; reset turned off)"),
    selectTarget(
      "athanor",
      `athanor default (a transaction: BEGIN with SELECT 1; close() leaves its ROLLBACK to go in front of the next BEGIN: one round trip). The server's own ceiling for a transaction per op: ${ceiling.skipped ?? `${fmtRatio(ceiling.ratio)} (pgbench -c ${POOL_MAX}: BEGIN\\;SELECT 1\\;ROLLBACK ${fmtK(median(ceiling.transaction))}/s ÷ SELECT 1 ${fmtK(median(ceiling.plain))}/s)`}`,
    ),
    {
      target: `engine.begin() BEGIN; SELECT 1; COMMIT at c=${BEGIN_CONCURRENCY} ≥ ${TARGET_RATIO}× pg connect → 3 queries → release`,
      measured: `${fmtRatio(beginRatio)} (${fmtK(beg("athanor-begin"))} vs ${fmtK(beg("pg-begin"))} tx/s); client CPU +${(begCpu("athanor-begin") - begCpu("pg-begin")).toFixed(1)} µs/tx`,
      met: beginRatio >= TARGET_RATIO,
    },
    ...(["simple", PGBENCH_MATCH] as const).map(
      (mode): TargetVerdict => ({
        target:
          mode === "simple"
            ? `TPC-B-like ≥ ${TPCB_TARGET}× pgbench (${TPCB_CLIENTS} clients; pgbench's own default protocol, -M simple)`
            : `TPC-B-like ≥ ${TPCB_TARGET}× pgbench (${TPCB_CLIENTS} clients; -M ${PGBENCH_MATCH}, the protocol athanor uses)`,
        measured:
          athanorTpcb === undefined || pgbenchRun(mode) === undefined
            ? (tpcb.skipped ?? "not measured")
            : `${PGBENCH_MODES.map((m) => `${fmtRatio(tpcbRatio(m))} vs -M ${m} (${tpcbTps(pgbenchRun(m)).toFixed(0)} tps)`).join(", ")}; athanor ${tpcbTps(athanorTpcb).toFixed(0)} tps, pg alone ${tpcbTps(pgTpcb).toFixed(0)} (athanor ÷ pg ${fmtRatio(tpcbTps(athanorTpcb) / tpcbTps(pgTpcb))})`,
        met: tpcbRatio(mode) >= TPCB_TARGET,
      }),
    ),
    {
      target: `executemany ${s.insertRows.toLocaleString("en-US")} rows ≥ 1× knex's best batch insert`,
      measured:
        knexBest === undefined
          ? "knex not measured"
          : `${fmtRatio(ourInsert / insMedian(knexBest))} vs ${knexBest} (${fmtK(ourInsert)} vs ${fmtK(insMedian(knexBest))} rows/s)`,
      met: knexBest !== undefined && ourInsert >= insMedian(knexBest),
    },
  ];

  const json = {
    sizes: { ...s, concurrencies: CONCURRENCIES, poolMax: POOL_MAX, beginConcurrency: BEGIN_CONCURRENCY, tpcbClients: TPCB_CLIENTS, pgbenchThreads: PGBENCH_THREADS },
    server,
    contenders: DESCRIPTIONS,
    select: Object.fromEntries(
      SELECT_CONTENDERS.map((n) => [
        n,
        {
          ...select.verification[n],
          byConcurrency: Object.fromEntries(
            CONCURRENCIES.map((c) => [
              String(c),
              { opsPerSecMedian: sel(n, c), ratioVsPgPool: ratioVsPg(n, c), cpuUsPerOpMedian: selCpu(n, c), rounds: selSamples(n, c) },
            ]),
          ),
        },
      ]),
    ),
    begin: Object.fromEntries(
      BEGIN_CONTENDERS.map((n) => [
        n,
        { ...begin.verification[n], txPerSecMedian: beg(n), ratioVsPg: begRatio(n), cpuUsPerTxMedian: begCpu(n), rounds: begSamples(n) },
      ]),
    ),
    ceiling,
    tpcb: { runs: tpcb.runs, skipped: tpcb.skipped, verification: tpcb.verification, athanorRatio: Object.fromEntries(PGBENCH_MODES.map((m) => [m, tpcbRatio(m)])) },
    executemany: Object.fromEntries(
      INSERT_CONTENDERS.map((n) => [n, { ...ins(n), rowsPerSecMedian: insMedian(n), athanorRatio: ourInsert / insMedian(n) }]),
    ),
  };

  return {
    name: "engine",
    title: "Engine on PostgreSQL: athanor vs pg.Pool, postgres.js, knex and pgbench",
    tables: [selectTable, selectCpuTable, beginTable, tpcbTable, insertTable],
    targets,
    json,
  };
}

export const engineBench: BenchModule = {
  name: "engine",
  description: "Engine on PostgreSQL: SELECT 1 and BEGIN/COMMIT vs pg.Pool, postgres.js, knex; TPC-B vs pgbench; executemany vs knex",
  run,
};
