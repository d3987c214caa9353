import { writeFile } from "node:fs/promises";
import { Session } from "node:inspector/promises";
import { isContender, makeContender } from "./contenders.js";
import { dropTables } from "./db.js";
import { entitiesOf, runScenario, SCENARIOS, sizes, type Scenario } from "./scenarios.js";

/**
 * One contender's operation on the main thread, for seeing where its time goes:
 *
 *   npm run build && node --import tsx --import ./bench/lib/use-dist.ts --expose-gc bench/orm/profile.ts athanor update 4 /tmp/update.cpuprofile [--quick]
 *   node --import tsx bench/engine/profile-summary.ts /tmp/update.cpuprofile 30 dist/
 *
 * (contender, insert | load | update, repetitions, profile file). Each repetition sets up
 * the tables and prepares as the benchmark does and prints the timed part's ms, CPU and pg
 * statements; the profile (sampled every 100 µs) covers the timed part of the last
 * repetition only, after the earlier ones warmed the JIT.
 *
 * --interleaved runs insert, load and update in every repetition, as the benchmark's rounds
 * do (printing each), and profiles the named one. Times are higher that way (a third more for
 * insert here): the flush code sees every scenario's shapes and the heap holds the loads'.
 */

const args = process.argv.slice(2).filter((a) => !a.startsWith("--"));
const quick = process.argv.includes("--quick");
const interleaved = process.argv.includes("--interleaved");
const [name = "", scenarioArg = "", repsArg = "3", profileOut] = args;
if (!isContender(name) || !(SCENARIOS as readonly string[]).includes(scenarioArg)) {
  throw new Error(`usage: profile.ts <athanor|mikro-orm|typeorm> <${SCENARIOS.join("|")}> [repetitions] [out.cpuprofile] [--quick]`);
}
const scenario = scenarioArg as Scenario;
const reps = Number(repsArg);
const allSizes = sizes(quick, undefined);
const gc = globalThis.gc;

const inspector = new Session();
inspector.connect();

async function profiled<T>(work: () => Promise<T>): Promise<T> {
  await inspector.post("Profiler.enable");
  await inspector.post("Profiler.setSamplingInterval", { interval: 100 });
  await inspector.post("Profiler.start");
  try {
    return await work();
  } finally {
    const { profile } = await inspector.post("Profiler.stop");
    await writeFile(profileOut as string, JSON.stringify(profile));
  }
}

const contender = await makeContender(name);
try {
  for (let i = 1; i <= reps; i++) {
    for (const current of interleaved ? SCENARIOS : [scenario]) {
      const data = allSizes[current];
      const last = i === reps && profileOut !== undefined && current === scenario;
      const m = await runScenario(contender, current, data, {
        beforeRun: () => gc?.(),
        countQueries: !last,
        ...(last ? { around: profiled } : {}),
      });
      const ms = m.elapsedNs / 1e6;
      console.log(
        `${name} ${current} ${entitiesOf(current, data)} entities, run ${i}/${reps}: ${ms.toFixed(1)} ms, CPU ${(m.cpuUs / 1000).toFixed(1)} ms` +
          (m.queries === null ? " (profiled)" : `, ${m.queries} pg statements`),
      );
    }
  }
  if (profileOut !== undefined) console.log(`profile of the last run: ${profileOut}`);
} finally {
  await contender.close();
  await dropTables();
  inspector.disconnect();
}
