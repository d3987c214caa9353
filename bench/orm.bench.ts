import os from "node:os";
import { fmtMB, fmtRatio, max, median, min } from "./lib/stats.js";
import type { BenchContext, BenchModule, BenchReport, Table, TargetVerdict } from "./lib/types.js";
import { closeAll, rotated } from "./lib/rounds.js";
import { spawnTsWorker, WorkerClient } from "./lib/worker-rpc.js";
import { pgTarget, withAdmin } from "./engine/db.js";
import { CONTENDERS, DESCRIPTIONS, PEERS, type ContenderName, type PeerName } from "./orm/contenders.js";
import { AUTHORS, BOOKS, dropTables } from "./orm/db.js";
import type { OrmOps, StreamResult } from "./orm/protocol.js";
import { entitiesOf, SCENARIOS, sizes, type Scenario, type Sizes } from "./orm/scenarios.js";

/**
 * The ORM on PostgreSQL against MikroORM 6 and TypeORM (issue, "ORM speed"):
 *
 * - insert: 10 000 new entities (2 000 authors, 8 000 books each referencing its author
 *   object) persisted and flushed in one transaction;
 * - load: 100 000 books selected and hydrated into entities;
 * - update: 10 000 loaded books, two columns of each changed, flushed;
 * - streaming (athanor): 1 000 000 books through `session.streamScalars(stmt, { yieldPer })`,
 *   the worker's used heap after a full GC sampled every 100 000.
 *
 * The same two tables (plain DDL, not an ORM's schema tool) are dropped and re-created before
 * every timed operation, and seeded with the same rows where the operation starts from
 * existing ones. Each contender lives in its own worker thread, is verified first (what the
 * database holds afterwards, what the load returned, how many statements it sent) and warmed
 * up; then rounds run every operation of every contender, the order rotated each round, and
 * medians are reported. Ratios are medians of same-round ratios.
 */

const TARGETS: Record<Scenario, number> = { insert: 2, load: 1, update: 2 };
const HEAP_TARGET_BYTES = 50 * 1024 * 1024;

const LABEL: Record<ContenderName, string> = { athanor: "athanor", "mikro-orm": "MikroORM 6.6", typeorm: "TypeORM 1.1" };

const OPERATION: Record<Scenario, (s: Sizes) => string> = {
  insert: (s) =>
    `insert ${n(entitiesOf("insert", s.insert))} new entities (${n(s.insert.authors)} authors + ${n(s.insert.authors * s.insert.booksPerAuthor)} books), flush`,
  load: (s) => `load ${n(entitiesOf("load", s.load))} books, hydrated`,
  update: (s) => `update ${n(entitiesOf("update", s.update))} loaded books, flush`,
};

const TIMED: Record<Scenario, string> = {
  insert: "add/persist + flush/commit (TypeORM: save); building the new objects is not timed",
  load: "the query and the hydration of every row into an entity, in a fresh session / EntityManager",
  update: "setting two attributes on each loaded entity + flush/commit (TypeORM: save); loading them is not timed",
};

function n(x: number): string {
  return x.toLocaleString("en-US");
}

type Client = WorkerClient<OrmOps>;

function spawn(name: ContenderName): Client {
  return new WorkerClient<OrmOps>(spawnTsWorker(new URL("./orm/worker.ts", import.meta.url), { contender: name }));
}

interface Sample {
  ms: number;
  cpuMs: number;
}

interface ContenderResult {
  /** pg statements the timed part sent (verification run). */
  statements: number | null;
  /** The verification run doubles as the warm-up; its time is kept for the record only. */
  firstRunMs: number;
  /** One per round. */
  samples: Sample[];
}

type Results = Record<Scenario, Record<ContenderName, ContenderResult>>;

function fmtMs(ms: number): string {
  return ms >= 100 ? ms.toFixed(0) : ms.toFixed(1);
}

function fmtRange(values: readonly number[]): string {
  return `${fmtMs(min(values))}–${fmtMs(max(values))}`;
}

async function operationsPhase(ctx: BenchContext, s: Sizes): Promise<Results> {
  const clients = new Map<ContenderName, Client>(CONTENDERS.map((c) => [c, spawn(c)]));
  const client = (c: ContenderName): Client => clients.get(c) as Client;
  const fresh = (): ContenderResult => ({ statements: null, firstRunMs: NaN, samples: [] });
  const empty = (): Record<ContenderName, ContenderResult> => ({ athanor: fresh(), "mikro-orm": fresh(), typeorm: fresh() });
  const results: Results = { insert: empty(), load: empty(), update: empty() };
  try {
    for (const scenario of SCENARIOS) {
      for (const name of CONTENDERS) {
        ctx.progress(`orm: verify + warm up ${name}: ${OPERATION[scenario](s)}`);
        const m = await client(name).call("run", { scenario, data: s[scenario], countQueries: true });
        results[scenario][name].statements = m.queries;
        results[scenario][name].firstRunMs = m.elapsedNs / 1e6;
      }
    }
    for (let r = 0; r < s.rounds; r++) {
      for (const scenario of SCENARIOS) {
        const line: string[] = [];
        for (const name of rotated(CONTENDERS, r)) {
          const m = await client(name).call("run", { scenario, data: s[scenario], countQueries: false });
          const sample = { ms: m.elapsedNs / 1e6, cpuMs: m.cpuUs / 1000 };
          results[scenario][name].samples.push(sample);
          line.push(`${name} ${fmtMs(sample.ms)}`);
        }
        ctx.progress(`orm: round ${r + 1}/${s.rounds}, ${scenario} (ms): ${line.join(", ")}`);
      }
    }
  } finally {
    await closeAll(clients.values());
  }
  return results;
}

async function streamPhase(ctx: BenchContext, s: Sizes): Promise<StreamResult> {
  ctx.progress(`orm: stream ${n(s.stream.rows)} books through athanor (fresh worker; seeding the table first)`);
  const client = spawn("athanor");
  try {
    return await client.call("stream", s.stream);
  } finally {
    await closeAll([client]);
  }
}

async function run(ctx: BenchContext): Promise<BenchReport> {
  const s = sizes(ctx.quick, ctx.rounds);
  const t = pgTarget();
  const server = await withAdmin(undefined, async (c) => {
    const r = await c.query<{ v: string; sc: string }>("SELECT version() AS v, current_setting('synchronous_commit') AS sc");
    return { version: r.rows[0]?.v, synchronousCommit: r.rows[0]?.sc };
  });
  ctx.progress(`orm: ${t.user}@${t.host}:${t.port}/${t.database}: ${server.version}; tables ${AUTHORS}, ${BOOKS}`);
  const loadBefore = os.loadavg();
  try {
    const results = await operationsPhase(ctx, s);
    const stream = await streamPhase(ctx, s);
    const load = { before: loadBefore.map((x) => Number(x.toFixed(2))), after: os.loadavg().map((x) => Number(x.toFixed(2))) };
    return report(s, { ...server, loadAverage: load }, results, stream);
  } finally {
    await dropTables();
  }
}

function report(s: Sizes, server: Record<string, unknown>, results: Results, stream: StreamResult): BenchReport {
  const samples = (sc: Scenario, c: ContenderName): Sample[] => results[sc][c].samples;
  const ms = (sc: Scenario, c: ContenderName): number => median(samples(sc, c).map((x) => x.ms));
  const cpuMs = (sc: Scenario, c: ContenderName): number => median(samples(sc, c).map((x) => x.cpuMs));
  /** How many times faster athanor is than `c`: median over rounds of (c's ms ÷ athanor's ms) in the same round. */
  const speedup = (sc: Scenario, c: ContenderName): number => {
    const ours = samples(sc, "athanor");
    const theirs = samples(sc, c);
    const ratios: number[] = [];
    for (let r = 0; r < Math.min(ours.length, theirs.length); r++) ratios.push((theirs[r] as Sample).ms / (ours[r] as Sample).ms);
    return median(ratios);
  };
  const fasterPeer = (sc: Scenario): PeerName => (ms(sc, "mikro-orm") <= ms(sc, "typeorm") ? "mikro-orm" : "typeorm");

  const opsTable: Table = {
    title: `ORM operations on PostgreSQL: ms per operation (median of ${s.rounds} interleaved rounds)`,
    columns: ["operation", "contender", "ms", "min–max", "client CPU ms", "pg statements", "entities/s", "athanor speed-up"],
    align: ["left", "left", "right", "right", "right", "right", "right", "right"],
    rows: SCENARIOS.flatMap((sc) =>
      CONTENDERS.map((c) => [
        c === "athanor" ? OPERATION[sc](s) : "",
        LABEL[c] + (c !== "athanor" && fasterPeer(sc) === c ? " (faster peer)" : ""),
        fmtMs(ms(sc, c)),
        fmtRange(samples(sc, c).map((x) => x.ms)),
        fmtMs(cpuMs(sc, c)),
        results[sc][c].statements === null ? "n/a" : String(results[sc][c].statements),
        n(Math.round(entitiesOf(sc, s[sc]) / (ms(sc, c) / 1000))),
        c === "athanor" ? "" : fmtRatio(speedup(sc, c)),
      ]),
    ),
    notes: [
      "athanor speed-up = median over rounds of (this contender's ms ÷ athanor's ms in the same round): > 1 means athanor is faster.",
      ...SCENARIOS.map((sc) => `- timed, ${sc}: ${TIMED[sc]}.`),
      "Before every timed operation the two tables are dropped and re-created (serial keys, a foreign key with an index on books.author_id) and, for load and update, seeded by SQL with the same rows; afterwards the database (counts, sum of pages, every book's author_id pointing at the author its title names, the updated titles) or the loaded entities (count, distinct ids, sum of pages) are checked.",
      "What a loaded book carries: athanor its four columns (authorId included); MikroORM its columns and an uninitialised Author reference (one per author, through its identity map); TypeORM selects author_id too but keeps no trace of it (author stays undefined until a relation is loaded).",
      "pg statements: calls to pg's Client.query in the timed part, counted in the verification run (BEGIN and COMMIT included when sent then; athanor's update session began its transaction while loading).",
      "client CPU: process.cpuUsage() over the timed part (only that worker is busy); PostgreSQL runs on the same 2 cores, so compare within one run.",
      `Load average (1/5/15 min) at the start and end: ${JSON.stringify(server.loadAverage)}.`,
      ...CONTENDERS.map((c) => `- ${DESCRIPTIONS[c]}.`),
    ],
  };

  const growth = (used: number): number => used - stream.baseline.usedHeap;
  const peak = stream.samples.reduce((best, x) => Math.max(best, growth(x.usedHeap)), -Infinity);
  const fmtGrowth = (bytes: number): string => `${bytes >= 0 ? "+" : "−"}${fmtMB(Math.abs(bytes))}`;
  const streamSeconds = stream.elapsedNs / 1e9;
  const streamTable: Table = {
    title: `athanor: streaming ${n(stream.rows)} books, session.streamScalars(select(Book), { yieldPer: ${n(stream.yieldPer)} })`,
    columns: ["entities consumed", "used heap after GC", "growth vs baseline", "identity map entries"],
    rows: [
      ["baseline (before the stream)", fmtMB(stream.baseline.usedHeap), "", n(stream.baseline.identityMapEntries)],
      ...stream.samples.map((x) => [n(x.entities), fmtMB(x.usedHeap), fmtGrowth(growth(x.usedHeap)), n(x.identityMapEntries)]),
      ["after the stream (session closed)", fmtMB(stream.after.usedHeap), fmtGrowth(growth(stream.after.usedHeap)), n(stream.after.identityMapEntries)],
    ],
    notes: [
      `${n(stream.rows)} entities in ${streamSeconds.toFixed(1)} s (${n(Math.round(stream.rows / streamSeconds))} entities/s, client CPU ${(stream.cpuUs / 1e6).toFixed(1)} s; pauses for the heap samples not counted), ${n(stream.queries)} pg statements (keyset pages of ${n(stream.yieldPer)}, WHERE id > last id ORDER BY id LIMIT ${n(stream.yieldPer + 1)}).`,
      `Peak growth over the samples: ${fmtGrowth(peak)} (target < ${fmtMB(HEAP_TARGET_BYTES)}).`,
      `Between the forced GCs (read once per batch, no GC forced): used heap up to ${fmtMB(stream.unforced.peakUsedHeap)} (${fmtGrowth(growth(stream.unforced.peakUsedHeap))} over the baseline), identity map up to ${n(stream.unforced.peakIdentityMapEntries)} entries (bounded here by the forced GC every ${n(s.stream.sampleEvery)} entities): clean objects are held weakly and leave only when a major GC clears them. Every batch's autoflush check walks the identity map (Session#flushNow → SessionObjects.hasChanges → #hasLoadedRelationships → IdentityMap.objects()), so a batch costs more the longer the map has grown.`,
      "A fresh worker (its own isolate) seeds the table, streams a warm-up of " +
        `${n(s.stream.warmRows)} entities, then takes the baseline; each sample is V8's used heap of that isolate after three full GCs, each after a turn of the event loop (the identity map weakens the entities it just took then, and sweeps entries of collected ones as it grows). The loop keeps only a running sum: the caller lets every entity go, as streaming expects.`,
    ],
  };

  const targets: TargetVerdict[] = SCENARIOS.map((sc) => {
    const peer = fasterPeer(sc);
    const ratio = speedup(sc, peer);
    return {
      target: `${OPERATION[sc](s)}: ≥ ${TARGETS[sc]}× the faster of MikroORM and TypeORM`,
      measured: `${fmtRatio(ratio)} vs ${LABEL[peer]} (athanor ${fmtMs(ms(sc, "athanor"))} ms, MikroORM ${fmtMs(ms(sc, "mikro-orm"))} ms, TypeORM ${fmtMs(ms(sc, "typeorm"))} ms)`,
      met: ratio >= TARGETS[sc],
    };
  });
  targets.push({
    target: `streaming ${n(stream.rows)} entities: heap growth < ${fmtMB(HEAP_TARGET_BYTES)}`,
    measured: `peak ${fmtGrowth(peak)} over ${stream.samples.length} samples after GC (${fmtGrowth(growth(stream.after.usedHeap))} after the stream); ${n(Math.round(stream.rows / streamSeconds))} entities/s`,
    met: peak < HEAP_TARGET_BYTES,
  });

  const json = {
    sizes: s,
    server,
    contenders: DESCRIPTIONS,
    timed: TIMED,
    operations: Object.fromEntries(
      SCENARIOS.map((sc) => [
        sc,
        {
          entities: entitiesOf(sc, s[sc]),
          fasterPeer: fasterPeer(sc),
          target: TARGETS[sc],
          contenders: Object.fromEntries(
            CONTENDERS.map((c) => [
              c,
              { ...results[sc][c], msMedian: ms(sc, c), cpuMsMedian: cpuMs(sc, c), athanorSpeedup: c === "athanor" ? 1 : speedup(sc, c) },
            ]),
          ),
        },
      ]),
    ),
    stream: { ...stream, peakGrowthBytes: peak, entitiesPerSecond: stream.rows / streamSeconds },
  };

  return {
    name: "orm",
    title: "ORM on PostgreSQL: athanor vs MikroORM and TypeORM",
    tables: [opsTable, streamTable],
    targets,
    json,
  };
}

export const ormBench: BenchModule = {
  name: "orm",
  description: "ORM on PostgreSQL: insert 10k / load 100k / update 10k entities vs MikroORM and TypeORM; streaming 1M entities (heap)",
  run,
};
