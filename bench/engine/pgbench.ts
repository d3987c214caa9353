import { execFile } from "node:child_process";
import { existsSync, readdirSync } from "node:fs";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { PGBENCH_DATABASE, pgTarget, withAdmin } from "./db.js";

/**
 * pgbench itself, for the TPC-B comparison: finding it, initialising its database (scale 1,
 * fresh each benchmark run) and running its built-in tpcb-like script.
 */

const run = promisify(execFile);

export type PgbenchMode = "simple" | "extended" | "prepared";

/** PGBENCH, else `pgbench` on PATH, else the newest /usr/lib/postgresql/<v>/bin/pgbench. */
export function findPgbench(): string | undefined {
  if (process.env.PGBENCH !== undefined) return process.env.PGBENCH;
  for (const dir of (process.env.PATH ?? "").split(":")) {
    if (dir !== "" && existsSync(`${dir}/pgbench`)) return `${dir}/pgbench`;
  }
  const root = "/usr/lib/postgresql";
  if (!existsSync(root)) return undefined;
  const versions = readdirSync(root)
    .filter((v) => existsSync(`${root}/${v}/bin/pgbench`))
    .sort((a, b) => Number(b) - Number(a));
  return versions[0] === undefined ? undefined : `${root}/${versions[0]}/bin/pgbench`;
}

function connArgs(): string[] {
  const t = pgTarget(PGBENCH_DATABASE);
  return ["-h", t.host, "-p", String(t.port), "-U", t.user];
}

/** Create the pgbench database if missing and initialise it afresh (`pgbench -i -s scale`). */
export async function initPgbench(pgbench: string, scale: number): Promise<void> {
  await withAdmin(undefined, async (c) => {
    const exists = await c.query("SELECT 1 FROM pg_database WHERE datname = $1", [PGBENCH_DATABASE]);
    if (exists.rowCount === 0) await c.query(`CREATE DATABASE ${PGBENCH_DATABASE}`);
  });
  await run(pgbench, [...connArgs(), "-i", "-q", "-s", String(scale), PGBENCH_DATABASE], { timeout: 120_000 });
}

/**
 * What pgbench does before a run unless -n (pgbench.c, doInitialize/doVacuum... "vacuum
 * pgbench_branches, pgbench_tellers, truncate pgbench_history"); done by hand before every
 * run, pgbench's and athanor's alike, and pgbench is then run with -n.
 */
export async function prepareTpcbRun(): Promise<void> {
  await withAdmin(PGBENCH_DATABASE, async (c) => {
    await c.query("VACUUM pgbench_branches");
    await c.query("VACUUM pgbench_tellers");
    await c.query("TRUNCATE pgbench_history");
  });
}

export interface PgbenchResult {
  tps: number;
  transactions: number;
  latencyMs: number | undefined;
  command: string;
}

/** `pgbench -n -c clients -j threads -T seconds -M mode` (built-in tpcb-like). */
export async function runPgbench(pgbench: string, mode: PgbenchMode, clients: number, threads: number, seconds: number): Promise<PgbenchResult> {
  const args = [...connArgs(), "-n", "-c", String(clients), "-j", String(threads), "-T", String(seconds), "-M", mode, PGBENCH_DATABASE];
  const { stdout } = await run(pgbench, args, { timeout: (seconds + 60) * 1000 });
  const tps = /tps = ([\d.]+) \(without initial connection time\)/.exec(stdout) ?? /tps = ([\d.]+)/.exec(stdout);
  const transactions = /number of transactions actually processed: (\d+)/.exec(stdout);
  const latency = /latency average = ([\d.]+) ms/.exec(stdout);
  if (tps?.[1] === undefined) throw new Error(`could not read tps from pgbench's output:\n${stdout}`);
  return {
    tps: Number(tps[1]),
    transactions: Number(transactions?.[1] ?? NaN),
    latencyMs: latency?.[1] === undefined ? undefined : Number(latency[1]),
    command: `pgbench ${args.join(" ")}`,
  };
}

/**
 * pgbench running a script of our own (`-f`, simple protocol) on `database`: the server's own
 * throughput for a statement pattern, with a client far cheaper than any Node one.
 */
export async function runPgbenchScript(pgbench: string, script: string, database: string, clients: number, threads: number, seconds: number): Promise<number> {
  const dir = await mkdtemp(join(tmpdir(), "athanor-pgbench-"));
  try {
    const file = join(dir, "script.sql");
    await writeFile(file, `${script}\n`);
    const t = pgTarget(database);
    const args = ["-h", t.host, "-p", String(t.port), "-U", t.user, "-n", "-c", String(clients), "-j", String(threads), "-T", String(seconds), "-f", file, database];
    const { stdout } = await run(pgbench, args, { timeout: (seconds + 60) * 1000 });
    const tps = /tps = ([\d.]+) \(without initial connection time\)/.exec(stdout) ?? /tps = ([\d.]+)/.exec(stdout);
    if (tps?.[1] === undefined) throw new Error(`could not read tps from pgbench's output:\n${stdout}`);
    return Number(tps[1]);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
