import { readFileSync } from "node:fs";

/**
 * Summarise a V8 .cpuprofile: self time and inclusive (total) time per function, top N,
 * with file:line. `node --import tsx bench/engine/profile-summary.ts file.cpuprofile [N] [filter]`
 * (filter: only functions whose URL contains it, e.g. "src/").
 */

interface CallFrame {
  functionName: string;
  url: string;
  lineNumber: number;
}

interface ProfileNode {
  id: number;
  callFrame: CallFrame;
  children?: number[];
}

interface CpuProfile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
}

const [file, topArg = "30", filter = ""] = process.argv.slice(2);
if (file === undefined) throw new Error("usage: profile-summary.ts <file.cpuprofile> [N] [url filter]");
const profile = JSON.parse(readFileSync(file, "utf8")) as CpuProfile;

const byId = new Map<number, ProfileNode>(profile.nodes.map((n) => [n.id, n]));
const parent = new Map<number, number>();
for (const n of profile.nodes) for (const c of n.children ?? []) parent.set(c, n.id);

const selfUs = new Map<number, number>();
let totalUs = 0;
profile.samples.forEach((id, i) => {
  const dt = profile.timeDeltas[i] ?? 0;
  totalUs += dt;
  selfUs.set(id, (selfUs.get(id) ?? 0) + dt);
});

function key(f: CallFrame): string {
  const url = f.url.replace(/^file:\/\//, "").replace(/^.*\/work\/main\//, "");
  return `${f.functionName || "(anonymous)"} ${url}:${f.lineNumber + 1}`;
}

const self = new Map<string, number>();
const inclusive = new Map<string, number>();
for (const [id, us] of selfUs) {
  const node = byId.get(id);
  if (node === undefined) continue;
  self.set(key(node.callFrame), (self.get(key(node.callFrame)) ?? 0) + us);
  // Inclusive: every distinct function on the stack once.
  const seen = new Set<string>();
  for (let cur: number | undefined = id; cur !== undefined; cur = parent.get(cur)) {
    const n = byId.get(cur);
    if (n === undefined) break;
    const k = key(n.callFrame);
    if (seen.has(k)) continue;
    seen.add(k);
    inclusive.set(k, (inclusive.get(k) ?? 0) + us);
  }
}

const top = Number(topArg);
const pct = (us: number): string => `${((100 * us) / totalUs).toFixed(1).padStart(5)}%`;
const show = (title: string, m: Map<string, number>): void => {
  console.log(`\n${title} (of ${(totalUs / 1000).toFixed(0)} ms sampled)`);
  [...m.entries()]
    .filter(([k]) => filter === "" || k.includes(filter))
    .sort((a, b) => b[1] - a[1])
    .slice(0, top)
    .forEach(([k, us]) => console.log(`${pct(us)}  ${k}`));
};
show("self time", self);
show("inclusive time", inclusive);
