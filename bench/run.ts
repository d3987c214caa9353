import { execFileSync } from "node:child_process";
import { mkdir, writeFile } from "node:fs/promises";
import os from "node:os";
import { engineBench } from "./engine.bench.js";
import { ormBench } from "./orm.bench.js";
import { poolBench } from "./pool.bench.js";
import { webBench } from "./web.bench.js";
import { renderTable } from "./lib/table.js";
import type { BenchContext, BenchModule, BenchReport } from "./lib/types.js";

/**
 * `npm run bench [-- <name>...] [--quick] [--rounds=N] [--no-save] [--list]`
 *
 * Runs the selected benchmark modules (all by default; a name selects the modules whose
 * name contains it), prints their tables as Markdown and saves bench/results/<name>.json.
 * To add a benchmark, write a BenchModule (bench/lib/types.ts) and list it here.
 */
const MODULES: readonly BenchModule[] = [poolBench, engineBench, webBench, ormBench];

interface Args {
  filters: string[];
  quick: boolean;
  rounds: number | undefined;
  save: boolean;
  list: boolean;
}

function usage(): string {
  return [
    "usage: npm run bench [-- <name>...] [--quick] [--rounds=N] [--no-save] [--list]",
    "benchmarks:",
    ...MODULES.map((m) => `  ${m.name.padEnd(10)} ${m.description}`),
  ].join("\n");
}

function parseArgs(argv: readonly string[]): Args {
  const args: Args = { filters: [], quick: false, rounds: undefined, save: true, list: false };
  for (const arg of argv) {
    if (arg === "--quick") args.quick = true;
    else if (arg === "--no-save") args.save = false;
    else if (arg === "--list") args.list = true;
    else if (arg === "--help" || arg === "-h") {
      console.log(usage());
      process.exit(0);
    } else if (arg.startsWith("--rounds=")) {
      const n = Number(arg.slice("--rounds=".length));
      if (!Number.isInteger(n) || n < 1) throw new Error(`--rounds needs a positive integer, got ${arg}`);
      args.rounds = n;
    } else if (arg.startsWith("-")) {
      throw new Error(`unknown option ${arg}\n${usage()}`);
    } else args.filters.push(arg);
  }
  return args;
}

function environment(): Record<string, unknown> {
  let commit: string | undefined;
  let dirty: boolean | undefined;
  try {
    commit = execFileSync("git", ["rev-parse", "--short", "HEAD"], { encoding: "utf8", stdio: ["ignore", "pipe", "ignore"] }).trim();
    dirty = execFileSync("git", ["status", "--porcelain"], { encoding: "utf8", stdio: ["ignore", "pipe", "ignore"] }).trim() !== "";
  } catch {
    // Not a git checkout: leave it out.
  }
  const cpus = os.cpus();
  return {
    date: new Date().toISOString(),
    node: process.version,
    v8: process.versions.v8,
    platform: `${process.platform} ${process.arch}`,
    cpus: cpus.length,
    cpuModel: cpus[0]?.model,
    totalMemMB: Math.round(os.totalmem() / 1024 / 1024),
    commit,
    dirty,
  };
}

function print(report: BenchReport, env: Record<string, unknown>): void {
  const out: string[] = [`## ${report.title}`, "", `${env.node}, ${env.platform}, ${env.cpus} × ${env.cpuModel}`, ""];
  for (const table of report.tables) out.push(renderTable(table), "");
  out.push(
    renderTable({
      title: "Targets",
      columns: ["target", "measured", "met"],
      align: ["left", "left", "left"],
      rows: report.targets.map((t) => [t.target, t.measured, t.met ? "yes" : "NO"]),
    }),
    "",
  );
  console.log(out.join("\n"));
}

async function main(): Promise<void> {
  const args = parseArgs(process.argv.slice(2));
  if (args.list) {
    console.log(usage());
    return;
  }
  const selected = args.filters.length === 0 ? MODULES : MODULES.filter((m) => args.filters.some((f) => m.name.includes(f)));
  if (selected.length === 0) throw new Error(`no benchmark matches ${args.filters.join(", ")}\n${usage()}`);
  if (globalThis.gc === undefined) throw new Error("run with --expose-gc (use npm run bench)");

  const ctx: BenchContext = {
    quick: args.quick,
    rounds: args.rounds,
    progress: (line) => process.stderr.write(`${line}\n`),
  };
  const env = environment();
  const resultsDir = new URL("./results/", import.meta.url);
  for (const module of selected) {
    const started = performance.now();
    const report = await module.run(ctx);
    const seconds = (performance.now() - started) / 1000;
    print(report, env);
    ctx.progress(`${module.name}: done in ${seconds.toFixed(1)} s`);
    if (args.save && !args.quick && args.rounds === undefined) {
      await mkdir(resultsDir, { recursive: true });
      const file = new URL(`${report.name}.json`, resultsDir);
      const body = { benchmark: report.name, title: report.title, env, seconds, targets: report.targets, results: report.json };
      await writeFile(file, `${JSON.stringify(body, null, 2)}\n`);
      ctx.progress(`${module.name}: saved ${file.pathname}`);
    }
  }
}

main().catch((err: unknown) => {
  console.error(err instanceof Error ? (err.stack ?? err.message) : err);
  process.exitCode = 1;
});
