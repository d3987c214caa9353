import { setFlagsFromString } from "node:v8";
import { fmtRatio, max, median, min, medianInterval } from "./lib/stats.js";
import type { BenchContext, BenchModule, BenchReport, Table, TargetVerdict } from "./lib/types.js";
import { spawnTsWorker, WorkerClient } from "./lib/worker-rpc.js";
import { BASELINE, CONTENDERS, DESCRIPTIONS, POOL_MAX, type WebContender } from "./web/contenders.js";
import { freeConnectionSlots, serverConnections } from "./web/db.js";
import { drive, type LoadResult } from "./web/load.js";
import type { WebOps } from "./web/protocol.js";

/**
 * Request scoping on a real HTTP server (issue, "Speed"): requests per second of a minimal
 * Express endpoint doing one SELECT through athanor's request-scoped session, against the same
 * endpoint on pg.Pool and on MikroORM's RequestContext, all over 10 PostgreSQL connections.
 *
 * Each server runs in its own worker thread; the load generator (bench/web/load.ts) runs on
 * the main thread. Every contender is verified first (right answers, round trips per request)
 * and warmed up. This machine's speed changes by up to 2× from one second to the next, so
 * runs are short and each contender's run sits between two of pg.Pool's (pg.Pool, A, pg.Pool,
 * B, pg.Pool, ...; the others' order rotated each round): its ratio is to the geometric mean of
 * the two, taken at most a second before and after it. The verdict is the median of those
 * ratios over the rounds, reported with its confidence interval. Each run also records the server
 * thread's CPU per request. After each run: no athanor connection left checked out, at most 10
 * server connections.
 */

const CONCURRENCIES = [16, 64] as const;
const TARGET_RATIO = 0.9;
const OURS: WebContender = "athanor";
/** What each contender's description promises, checked by counting pg queries: [fewest, most] per request. */
const ROUND_TRIPS: Record<WebContender, readonly [number, number]> = {
  "pg.Pool": [1, 1],
  "pg.Pool+ALS": [1, 1],
  // BEGIN goes with the SELECT; the ROLLBACK with the next request's BEGIN when one is waiting
  // for the connection, else on its own (the verification's 4 clients leave connections idle).
  athanor: [1, 2],
  "athanor-commit": [2, 2], // BEGIN goes out with the SELECT, then COMMIT
  "athanor-autocommit": [1, 1], // no reset ROLLBACK after AUTOCOMMIT statements: the pool knows nothing is open
  "athanor-autocommit-noreset": [1, 1],
  "athanor-engine-noreset": [1, 1],
  "mikro-orm": [1, 1],
  "express-only": [0, 0],
};

interface Sizes {
  rounds: number;
  runMs: number;
  warmMs: number;
  verifyMs: number;
  /** An untimed run before each timed one (its clients connect; a released pool opens again). */
  settleMs: number;
}

function sizes(ctx: BenchContext): Sizes {
  // Many short runs rather than a few long ones: a contender's ratio is to pg.Pool's runs just
  // before and after it, and this machine's speed changes within seconds.
  const s: Sizes = ctx.quick ? { rounds: 2, runMs: 300, warmMs: 300, verifyMs: 200, settleMs: 100 } : { rounds: 16, runMs: 500, warmMs: 1_000, verifyMs: 500, settleMs: 100 };
  return ctx.rounds === undefined ? s : { ...s, rounds: ctx.rounds };
}

type Client = WorkerClient<WebOps>;

interface Started {
  client: Client;
  port: number;
}

/** WEB_CONTENDERS=a,b,...: only these (athanor and pg.Pool must be among them), for A/B runs. */
function chosen(): readonly WebContender[] {
  const only = process.env.WEB_CONTENDERS?.split(",").map((name) => name.trim());
  if (only === undefined) return CONTENDERS;
  const unknown = only.filter((name) => !(CONTENDERS as readonly string[]).includes(name));
  if (unknown.length > 0) throw new Error(`WEB_CONTENDERS: unknown contender(s) ${unknown.join(", ")}; known: ${CONTENDERS.join(", ")}`);
  return CONTENDERS.filter((name) => only.includes(name));
}

function rotated(contenders: readonly WebContender[], r: number): WebContender[] {
  const k = r % contenders.length;
  return [...contenders.slice(k), ...contenders.slice(0, k)];
}

async function start(name: WebContender, ctx: BenchContext): Promise<Started | string> {
  const client = new WorkerClient<WebOps>(spawnTsWorker(new URL("./web/server.ts", import.meta.url), { contender: name }));
  try {
    const { port } = await client.call("start", {});
    return { client, port };
  } catch (err) {
    await client.terminate();
    const reason = err instanceof Error ? err.message.split("\n")[0] ?? "" : String(err);
    ctx.progress(`web: ${name} could not start, left out: ${reason}`);
    return reason;
  }
}

/** Right answers, round trips per request as described, pool and server connections in bounds. */
async function verify(name: WebContender, s: Started, sizes: Sizes, release: boolean): Promise<void> {
  await s.client.call("countQueries", { on: true });
  const load = await drive(s.port, 4, sizes.verifyMs);
  const { queries } = await s.client.call("countQueries", { on: false });
  const roundTrips = queries / load.requests;
  if (load.failures > 0) throw new Error(`${name}: ${load.failures} wrong answers during verification`);
  const [fewest, most] = ROUND_TRIPS[name];
  if (roundTrips < fewest - 0.05 || roundTrips > most + 0.05) {
    throw new Error(`${name}: ${roundTrips.toFixed(2)} round trips per request, expected ${fewest === most ? fewest : `${fewest} to ${most}`}`);
  }
  await checkAfterRun(name, s, release);
}

/** Checks after a run; `release`: close the pool's connections (the server has no room for every contender's). */
async function checkAfterRun(name: WebContender, s: Started, release: boolean): Promise<void> {
  const { checkedOut } = await s.client.call("checkedOut", {});
  if (checkedOut > 0) throw new Error(`${name}: ${checkedOut} connections still checked out after a run`);
  if (name !== "express-only") {
    const open = await serverConnections(name);
    if (open > POOL_MAX) throw new Error(`${name}: ${open} server connections, more than the pool's ${POOL_MAX}`);
  }
  if (!release) return;
  await s.client.call("release", {});
  // The server ends released backends after the client has gone: the next contender's run must
  // not share the CPU with that (it favoured whoever ran after the connection-less express-only).
  if (name !== "express-only") {
    for (let i = 0; i < 100 && (await serverConnections(name)) > 0; i++) await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

/** A contender's runs and, for each round, its ratio to pg.Pool's runs on either side of it. */
interface Measured {
  runs: Run[];
  ratios: number[];
}

/**
 * The contenders take turns: each server idles for seconds (up to ~20 with every contender)
 * between its runs, while pg.Pool runs every other time. V8 spends such idle time shrinking the
 * heap (the memory reducer's full GCs) and, on those GCs, flushing bytecode it has not run
 * lately, so the next short run starts with recompiling and regrowing: with every contender, and
 * runs of 0.5 s, that cost pg.Pool+ALS 0.57× of pg.Pool instead of 0.93×. A server under steady
 * load never idles like that. V8 flags are the process's: set before any server's worker (its
 * isolate) is created, they hold for every contender alike.
 */
function keepIdleServersWarm(): void {
  setFlagsFromString("--no-flush-bytecode");
  setFlagsFromString("--no-memory-reducer");
}

async function run(ctx: BenchContext): Promise<BenchReport> {
  keepIdleServersWarm();
  const s = sizes(ctx);
  const started = new Map<WebContender, Started>();
  const missing = new Map<WebContender, string>();
  const measured = new Map<string, Measured>();
  const key = (name: WebContender, c: number): string => `${name}@${c}`;
  const entry = (name: WebContender, c: number): Measured => {
    let m = measured.get(key(name, c));
    if (m === undefined) measured.set(key(name, c), (m = { runs: [], ratios: [] }));
    return m;
  };
  try {
    const contenders = chosen();
    for (const name of contenders) {
      const s0 = await start(name, ctx);
      if (typeof s0 === "string") missing.set(name, s0);
      else started.set(name, s0);
    }
    if (!started.has(OURS) || !started.has(BASELINE)) throw new Error("athanor and pg.Pool must both run (is PostgreSQL up?)");
    // Every pool stays open between runs where the server has room for them all: a pool closed
    // after each run costs the next run its reconnects and the server its backends' exits.
    const pooled = [...started.keys()].filter((name) => name !== "express-only").length;
    const release = pooled * POOL_MAX + 5 > (await freeConnectionSlots());
    if (release) ctx.progress(`web: the server has no room for ${pooled} pools of ${POOL_MAX}; each is closed after its runs`);
    for (const [name, st] of started) {
      ctx.progress(`web: verify + warm up ${name}`);
      await verify(name, st, s, release);
      for (const c of CONCURRENCIES) await drive(st.port, c, s.warmMs);
    }
    const timed = async (name: WebContender, c: number): Promise<Run> => {
      const st = started.get(name) as Started;
      await drive(st.port, c, s.settleMs); // untimed: the clients connect, a released pool opens again
      await st.client.call("countQueries", { on: true });
      const cpuBefore = (await st.client.call("cpu", {})).ms;
      const result = await drive(st.port, c, s.runMs);
      const serverCpuMs = (await st.client.call("cpu", {})).ms - cpuBefore;
      const { queries } = await st.client.call("countQueries", { on: false });
      if (result.failures > 0) throw new Error(`${name}: ${result.failures} failed requests at concurrency ${c}`);
      await checkAfterRun(name, st, release);
      const one = { ...result, serverCpuUsPerReq: (serverCpuMs * 1000) / result.requests, roundTripsPerReq: queries / result.requests };
      entry(name, c).runs.push(one);
      return one;
    };
    const others = contenders.filter((name) => name !== BASELINE && started.has(name));
    for (let r = 0; r < s.rounds; r++) {
      for (const c of CONCURRENCIES) {
        const line: string[] = [];
        let before = await timed(BASELINE, c);
        for (const name of rotated(others, r)) {
          const mine = await timed(name, c);
          const after = await timed(BASELINE, c);
          entry(name, c).ratios.push(rps(mine) / Math.sqrt(rps(before) * rps(after)));
          line.push(`${name} ${fmtRate(rps(mine))} (pg.Pool ${fmtRate(rps(before))}/${fmtRate(rps(after))})`);
          before = after;
        }
        ctx.progress(`web: round ${r + 1}/${s.rounds}, concurrency ${c} (req/s): ${line.join(", ")}`);
      }
    }
  } finally {
    for (const st of started.values()) {
      await st.client.call("close", {}).catch(() => undefined);
      await st.client.terminate();
    }
  }
  const none: Measured = { runs: [], ratios: [] };
  return report(s, [...started.keys()], missing, (name, c) => measured.get(key(name, c)) ?? none);
}

/** One timed run: the load's numbers, the CPU the server's thread spent and the statements it sent, per request. */
interface Run extends LoadResult {
  serverCpuUsPerReq: number;
  /** pg statements per request: above 1 for the defaults where a deferred ROLLBACK outwaited its window and went alone. */
  roundTripsPerReq: number;
}

const rps = (r: LoadResult): number => (r.requests / r.elapsedMs) * 1000;
const fmtRate = (perSecond: number): string => Math.round(perSecond).toLocaleString("en-US");
const signed = (x: number): string => `${x >= 0 ? "+" : "−"}${Math.abs(x).toFixed(1)}`;

function report(
  s: Sizes,
  ran: WebContender[],
  missing: Map<WebContender, string>,
  of: (name: WebContender, c: number) => Measured,
): BenchReport {
  const runs = (name: WebContender, c: number): Run[] => of(name, c).runs;
  const medianRps = (name: WebContender, c: number): number => median(runs(name, c).map(rps));
  /**
   * Each round's ratio of `name` (not pg.Pool) to `baseline`: to pg.Pool, its own; to another
   * contender, the quotient of the two's ratios to pg.Pool in that round.
   */
  const roundRatios = (name: WebContender, c: number, baseline: WebContender): number[] => {
    const mine = of(name, c).ratios;
    if (baseline === BASELINE) return mine;
    const theirs = of(baseline, c).ratios;
    return mine.slice(0, theirs.length).map((x, r) => x / (theirs[r] as number));
  };
  const ratio = (name: WebContender, c: number, baseline: WebContender = BASELINE): number => median(roundRatios(name, c, baseline));
  /** The median ratio with its ~95% confidence interval: how sure the verdict is. */
  const ratioText = (name: WebContender, c: number, baseline: WebContender = BASELINE): string => {
    const [low, high] = medianInterval(roundRatios(name, c, baseline));
    return `${fmtRatio(ratio(name, c, baseline))} (${low.toFixed(2)}–${high.toFixed(2)})`;
  };
  const serverCpu = (name: WebContender, c: number): number => median(runs(name, c).map((r) => r.serverCpuUsPerReq));
  const tables: Table[] = CONCURRENCIES.map((c) => ({
    title: `GET /select → SELECT 1 over 10 PostgreSQL connections, ${c} concurrent keep-alive clients (${s.rounds} rounds, runs of ${s.runMs / 1000} s)`,
    columns: ["contender", "req/s", "runs min–max", `÷ ${BASELINE} (95% CI)`, "server CPU µs/req", "p50 ms", "p99 ms", "round trips/req"],
    rows: ran.map((name) => {
      const rates = runs(name, c).map(rps);
      return [
        name,
        fmtRate(medianRps(name, c)),
        `${fmtRate(min(rates))}–${fmtRate(max(rates))}`,
        name === BASELINE ? fmtRatio(1) : ratioText(name, c),
        name === BASELINE ? serverCpu(name, c).toFixed(1) : `${serverCpu(name, c).toFixed(1)} (${signed(serverCpu(name, c) - serverCpu(BASELINE, c))})`,
        median(runs(name, c).map((r) => r.p50Ms)).toFixed(2),
        median(runs(name, c).map((r) => r.p99Ms)).toFixed(2),
        median(runs(name, c).map((r) => r.roundTripsPerReq)).toFixed(2),
      ];
    }),
    notes: [
      `÷ ${BASELINE}: median over the rounds of this run's req/s ÷ the geometric mean of ${BASELINE}'s runs just before and after it; in brackets a 95% confidence interval of that median (order statistics, no assumption about the spread). Server CPU: the server thread's own user + system time per request (median of the runs; in brackets, minus ${BASELINE}'s), steadier than req/s on a machine whose 2 cores the load, the server and PostgreSQL share. Round trips: pg statements sent per request during the timed runs (median of the runs).`,
      ...ran.map((name) => `${name}: ${DESCRIPTIONS[name]}`),
      ...[...missing].map(([name, why]) => `${name}: not run (${why})`),
    ],
  }));
  const targets: TargetVerdict[] = CONCURRENCIES.flatMap((c) => {
    const verdict = (name: WebContender, label: string): TargetVerdict => {
      const r = ratio(name, c);
      return {
        target: `${label} ≥ 90% of pg.Pool's req/s at ${c} concurrent`,
        measured: `${ratioText(name, c)} (server CPU ${signed(serverCpu(name, c) - serverCpu(BASELINE, c))} µs/req)`,
        met: r >= TARGET_RATIO,
      };
    };
    const out = [verdict(OURS, "athanor, the middleware's defaults (BEGIN/SELECT, ROLLBACK after the response)")];
    if (ran.includes("athanor-autocommit-noreset")) out.push(verdict("athanor-autocommit-noreset", "athanor AUTOCOMMIT, no reset"));
    if (ran.includes("pg.Pool+ALS")) {
      // What is athanor's own: the same request context costs pg.Pool this much already.
      const own = ratio(OURS, c, "pg.Pool+ALS");
      out.push({
        target: `athanor's defaults ≥ 90% of pg.Pool with the same request context (pg.Pool+ALS) at ${c} concurrent`,
        measured: `${ratioText(OURS, c, "pg.Pool+ALS")} (pg.Pool+ALS itself ${fmtRatio(ratio("pg.Pool+ALS", c))} of pg.Pool)`,
        met: own >= TARGET_RATIO,
      });
    }
    if (ran.includes("athanor-autocommit-noreset") && ran.includes("athanor-engine-noreset")) {
      const layer = ratio("athanor-autocommit-noreset", c, "athanor-engine-noreset");
      out.push({
        target: `web layer (middleware + request-scoped session) ≥ 90% of the engine alone at ${c} concurrent`,
        measured: ratioText("athanor-autocommit-noreset", c, "athanor-engine-noreset"),
        met: layer >= TARGET_RATIO,
      });
    }
    return out;
  });
  const json = Object.fromEntries(
    ran.map((name) => [name, { byConcurrency: Object.fromEntries(CONCURRENCIES.map((c) => [c, of(name, c)])) }]),
  );
  return { name: "web", title: "Web request scoping: Express + one SELECT per request", tables, targets, json: { sizes: s, missing: Object.fromEntries(missing), results: json } };
}

export const webBench: BenchModule = {
  name: "web",
  description: "Express endpoint, one SELECT per request: athanor's request-scoped session vs pg.Pool vs MikroORM RequestContext",
  run,
};
