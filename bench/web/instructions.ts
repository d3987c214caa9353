/**
 * Instructions per request on the server's thread, counted by valgrind (callgrind): the same
 * count for the same code whatever else the machine is doing, where req/s and CPU time swing by
 * ±10–20% on a shared 2-core VM. For A/B comparisons of the web layer's own work:
 *
 *   npm run build
 *   node --import tsx bench/web/instructions.ts [contender...] [--requests=2000] [--clients=16] [--als] [--keep=DIR]
 *
 * --als runs every request inside runInScope() (AsyncLocalStorage's own cost, on any contender).
 *
 * Each contender's server runs under `valgrind --tool=callgrind` (about 30× slower) on its main
 * thread; the load (keep-alive clients) is a separate, untraced node process. After a warm-up
 * the counters are zeroed, the measured requests run, and the main thread's instructions are
 * divided by them. PostgreSQL's own work is not counted. Instructions are not time (cache misses
 * and the kernel's share are left out), but a change that removes work shows here reliably.
 */
import { execFile, spawn, type ChildProcess } from "node:child_process";
import { copyFileSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createServer } from "node:http";
import { createInterface } from "node:readline";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { runInScope } from "../../src/context.js";
import { CONTENDERS, isContender, makeContender, type WebContender } from "./contenders.js";
import { numberFlag } from "../lib/number-flag.js";

const run = promisify(execFile);
const SELF = fileURLToPath(import.meta.url);
const USE_DIST = fileURLToPath(new URL("../lib/use-dist.ts", import.meta.url));

async function main(): Promise<void> {
  const names = process.argv.slice(2).filter((a) => !a.startsWith("--"));
  const chosen: WebContender[] = names.length === 0 ? ["pg.Pool", "athanor", "athanor-engine-noreset"] : names.filter(isContender);
  if (chosen.length !== names.length && names.length > 0) throw new Error(`unknown contender; choose from ${CONTENDERS.join(", ")}`);
  const requests = numberFlag("requests", 2000);
  const clients = numberFlag("clients", 16);
  const rows: string[] = [];
  const per = (ir: number): string => Math.round(ir / requests).toLocaleString("en-US");
  for (const name of chosen) {
    const { total, gc } = await measure(name, requests, clients);
    rows.push(`| ${name} | ${per(total)} | ${per(total - gc)} | ${per(gc)} |`);
    console.error(`${name}: ${per(total)} instructions/request (${per(total - gc)} without the GC's ${per(gc)})`);
  }
  console.log(`\n${requests} requests, ${clients} keep-alive clients, after a warm-up of twice that\n`);
  console.log("| contender | server thread instructions/request | without GC | GC |\n|:--|--:|--:|--:|");
  for (const row of rows) console.log(row);
}

/** One contender under callgrind: warm up, zero, measure, dump; the main thread's Ir. */
async function measure(name: WebContender, requests: number, clients: number): Promise<{ total: number; gc: number }> {
  const dir = mkdtempSync(join(tmpdir(), "athanor-callgrind-"));
  try {
    const server = spawn(
      "valgrind",
      ["--tool=callgrind", "--separate-threads=yes", `--callgrind-out-file=${join(dir, "cg.out")}`, process.execPath, "--perf-basic-prof", "--import", "tsx", "--import", USE_DIST, SELF],
      { env: { ...process.env, ATHANOR_CALLGRIND_SERVER: name, ATHANOR_CALLGRIND_ALS: process.argv.includes("--als") ? "1" : "0" }, stdio: ["ignore", "pipe", "pipe"] },
    );
    let log = "";
    server.stderr.on("data", (d: Buffer) => (log += d.toString()));
    const port = await firstLine(server);
    const load = startLoad(Number(port), clients);
    await load.run(requests); // opens the pool's connections, warms the JIT
    await load.run(requests);
    await run("callgrind_control", ["--zero", String(server.pid)]);
    await load.run(requests);
    await run("callgrind_control", ["--dump", String(server.pid)]);
    load.stop();
    server.kill("SIGTERM");
    await new Promise((resolve) => server.once("exit", resolve));
    // --perf-basic-prof's V8 logs, left in the working directory.
    for (const f of readdirSync(".")) if (f.startsWith("isolate-") && f.endsWith(`-${server.pid}-v8.log`)) rmSync(f);
    const dump = readdirSync(dir).find((f) => /\.1-01$/.test(f));
    if (dump === undefined) throw new Error(`no callgrind dump for ${name}:\n${log}`);
    const totals = /^(?:summary|totals): (\d+)/m.exec(readFileSync(join(dir, dump), "utf8"));
    if (totals?.[1] === undefined) throw new Error(`no totals in ${dump}`);
    // The garbage collector's share (everything under Heap::CollectGarbage): it swings up to 2×
    // between identical runs with where the scavenges fall, so the code's own work is reported apart.
    const { stdout: inclusive } = await run("callgrind_annotate", ["--inclusive=yes", "--threshold=100", join(dir, dump)], { maxBuffer: 64 << 20 });
    const gc = /^\s*([\d,]+) \(.*v8::internal::Heap::CollectGarbage\(/m.exec(inclusive);
    const gcIr = gc?.[1] === undefined ? 0 : Number(gc[1].replaceAll(",", ""));
    const keep = process.argv.find((a) => a.startsWith("--keep="))?.slice(7);
    if (keep !== undefined) {
      // For callgrind_annotate; the perf map names the JIT's code (bench/README.md).
      mkdirSync(keep, { recursive: true });
      copyFileSync(join(dir, dump), join(keep, `${name}.callgrind`));
      copyFileSync(`/tmp/perf-${server.pid}.map`, join(keep, `${name}.perf-map`));
    }
    rmSync(`/tmp/perf-${server.pid}.map`, { force: true });
    return { total: Number(totals[1]), gc: gcIr };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

function firstLine(child: ChildProcess): Promise<string> {
  return new Promise((resolve, reject) => {
    if (child.stdout === null) return reject(new Error("no stdout"));
    const lines = createInterface({ input: child.stdout });
    lines.once("line", resolve);
    child.once("exit", (code) => reject(new Error(`server exited (${code}) before listening`)));
  });
}

/** Untraced keep-alive clients in a child process: `run(n)` sends n requests, `clients` at a time. */
function startLoad(port: number, clients: number): { run(n: number): Promise<void>; stop(): void } {
  const child = spawn(process.execPath, ["-e", LOAD, String(port), String(clients)], { stdio: ["pipe", "pipe", "inherit"] });
  if (child.stdout === null || child.stdin === null) throw new Error("no pipes");
  const lines = createInterface({ input: child.stdout });
  const stdin = child.stdin;
  return {
    run: (n) =>
      new Promise((resolve) => {
        lines.once("line", () => resolve());
        stdin.write(`${n}\n`);
      }),
    stop: () => child.kill(),
  };
}

const LOAD = `
const http = require("node:http");
const [port, clients] = process.argv.slice(1).map(Number);
const agent = new http.Agent({ keepAlive: true, maxSockets: clients });
const one = () => new Promise((resolve) => {
  http.get({ port, path: "/select", agent }, (res) => res.resume().on("end", resolve)).on("error", resolve);
});
require("node:readline").createInterface({ input: process.stdin }).on("line", async (line) => {
  let left = Number(line);
  await Promise.all(Array.from({ length: clients }, async () => { while (left-- > 0) await one(); }));
  process.stdout.write("done\\n");
});
`;

/** The server side, under valgrind: the contender's app on a free port, printed on stdout. */
async function serve(name: string): Promise<void> {
  if (!isContender(name)) throw new Error(`unknown contender ${name}`);
  const contender = await makeContender(name);
  // --als: every request inside runInScope(), to tell AsyncLocalStorage's own cost from the rest.
  const app = contender.app;
  const server = createServer(process.env.ATHANOR_CALLGRIND_ALS === "1" ? (req, res) => runInScope(() => app(req, res)) : app).listen(0, "127.0.0.1");
  await new Promise((resolve) => server.once("listening", resolve));
  process.stdout.write(`${(server.address() as { port: number }).port}\n`);
  process.once("SIGTERM", () => {
    server.close();
    void contender.close().then(() => process.exit(0));
  });
}

if (process.env.ATHANOR_CALLGRIND_SERVER !== undefined) await serve(process.env.ATHANOR_CALLGRIND_SERVER);
else await main();
