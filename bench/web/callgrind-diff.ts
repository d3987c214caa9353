/**
 * Where two contenders' instructions differ, function by function: reads two dumps kept by
 * `instructions.ts --keep=DIR` (each `<contender>.callgrind` with its `<contender>.perf-map`)
 * and prints each function's own (exclusive) instructions per request in both, largest
 * differences first. callgrind_annotate shows V8's generated code as bare addresses; the perf
 * map --perf-basic-prof wrote names them (`JS:*name file:line`: `*` optimized by TurboFan,
 * `+` by Maglev or Sparkplug, `~` interpreted; a function in another tier in the other dump
 * shows as two rows).
 *
 *   node --import tsx bench/web/instructions.ts athanor-autocommit-noreset athanor --clients=64 --keep=/tmp/cg
 *   node --import tsx bench/web/callgrind-diff.ts /tmp/cg athanor-autocommit-noreset athanor [--requests=2000] [--top=40]
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { numberFlag } from "../lib/number-flag.js";

interface PerfSymbol {
  start: number;
  end: number;
  name: string;
}

/** --perf-basic-prof's map: "<start hex> <size hex> <name>" per line. */
function readPerfMap(path: string): PerfSymbol[] {
  const symbols: PerfSymbol[] = [];
  for (const line of readFileSync(path, "utf8").split("\n")) {
    const first = line.indexOf(" ");
    const second = line.indexOf(" ", first + 1);
    if (first < 0 || second < 0) continue;
    const start = Number.parseInt(line.slice(0, first), 16);
    symbols.push({ start, end: start + Number.parseInt(line.slice(first + 1, second), 16), name: line.slice(second + 1) });
  }
  return symbols.sort((a, b) => a.start - b.start);
}

function symbolize(symbols: readonly PerfSymbol[], address: number): string | undefined {
  let lo = 0;
  let hi = symbols.length - 1;
  while (lo <= hi) {
    const mid = (lo + hi) >> 1;
    const s = symbols[mid]!;
    if (address < s.start) hi = mid - 1;
    else if (address >= s.end) lo = mid + 1;
    else return s.name;
  }
  return undefined;
}

const NAMED = /^c?fn=\((\d+)\)(?: (.*))?$/;

/**
 * Exclusive Ir per function name. Callgrind's format (valgrind docs, "Callgrind Format"):
 * `fn=(id) name` starts a function's cost lines (the name only where the id first appears,
 * in fn= or cfn=); the cost line right after `calls=` is the call's inclusive cost, not the
 * function's own, and is skipped.
 */
function exclusiveCosts(dumpPath: string, symbols: readonly PerfSymbol[]): Map<string, number> {
  const names = new Map<string, string>();
  const byId = new Map<string, number>();
  let current = "";
  let afterCalls = false;
  for (const line of readFileSync(dumpPath, "utf8").split("\n")) {
    if (line.startsWith("fn=") || line.startsWith("cfn=")) {
      const m = NAMED.exec(line);
      if (m?.[1] === undefined) continue;
      if (m[2] !== undefined) names.set(m[1], m[2]);
      if (line.startsWith("fn=")) current = m[1];
      afterCalls = false;
      continue;
    }
    if (line.startsWith("calls=")) {
      afterCalls = true;
      continue;
    }
    const c = line.charCodeAt(0);
    const isCost = (c >= 48 && c <= 57) || c === 43 /* + */ || c === 45 /* - */ || c === 42; /* * */
    if (!isCost) continue;
    if (afterCalls) {
      afterCalls = false;
      continue;
    }
    const ir = Number(line.split(" ")[1]);
    if (Number.isFinite(ir)) byId.set(current, (byId.get(current) ?? 0) + ir);
  }
  const costs = new Map<string, number>();
  for (const [id, ir] of byId) {
    const raw = names.get(id) ?? `fn ${id}`;
    // JIT code has no symbol in the binary: callgrind names it by address ("0x...", "'2" for recursion).
    const address = /^0x([0-9a-f]+)/i.exec(raw);
    const name = address?.[1] === undefined ? raw : (symbolize(symbols, Number.parseInt(address[1], 16)) ?? `unnamed JIT code ${raw}`);
    costs.set(name, (costs.get(name) ?? 0) + ir);
  }
  return costs;
}

const [dir, a, b] = process.argv.slice(2).filter((arg) => !arg.startsWith("--"));
if (dir === undefined || a === undefined || b === undefined) {
  throw new Error("usage: callgrind-diff.ts <dir from --keep> <contender A> <contender B> [--requests=2000] [--top=40]");
}
const requests = numberFlag("requests", 2000);
const top = numberFlag("top", 40);
const load = (name: string): Map<string, number> => exclusiveCosts(join(dir, `${name}.callgrind`), readPerfMap(join(dir, `${name}.perf-map`)));
const costsA = load(a);
const costsB = load(b);
const rows = [...new Set([...costsA.keys(), ...costsB.keys()])].map((name) => {
  const ia = (costsA.get(name) ?? 0) / requests;
  const ib = (costsB.get(name) ?? 0) / requests;
  return { name, ia, ib, delta: ib - ia };
});
const total = (m: Map<string, number>): number => [...m.values()].reduce((s, v) => s + v, 0) / requests;
const fmt = (n: number): string => Math.round(n).toLocaleString("en-US").padStart(9);
console.log(`instructions/request, own (exclusive): ${a} ${fmt(total(costsA)).trim()}, ${b} ${fmt(total(costsB)).trim()}\n`);
console.log(`${"B − A".padStart(9)} ${"A".padStart(9)} ${"B".padStart(9)}  function`);
const show = (list: typeof rows): void => {
  for (const r of list) console.log(`${fmt(r.delta)} ${fmt(r.ia)} ${fmt(r.ib)}  ${r.name.slice(0, 140)}`);
};
rows.sort((x, y) => y.delta - x.delta);
show(rows.slice(0, top));
console.log("...");
show(rows.slice(Math.max(top, rows.length - 15))); // the largest decreases, none shown twice
