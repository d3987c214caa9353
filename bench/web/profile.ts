/**
 * One web contender's server on the main thread, profiled, with the load (16 keep-alive
 * clients, or CLIENTS=n) in a worker thread so the profile holds the server's work alone:
 *
 *   npm run build
 *   node --import tsx --import ./bench/lib/use-dist.ts bench/web/profile.ts athanor 5 [out.cpuprofile]
 *
 * (contender, seconds). Prints req/s, the process's CPU per request (server and load
 * together), the server thread's alone and PostgreSQL's (every postgres process on the machine); summarise the profile with bench/engine/profile-summary.ts.
 */
import { writeFile } from "node:fs/promises";
import { Session } from "node:inspector/promises";
import { isContender, makeContender } from "./contenders.js";
import { keepAliveLoad } from "./keep-alive-load.js";
import { postgresCpuMs } from "../lib/postgres-cpu.js";
import { threadCpuMs } from "../lib/thread-cpu.js";

const [name = "athanor", secondsArg = "5", profileOut] = process.argv.slice(2);
if (!isContender(name)) throw new Error(`usage: profile.ts <contender> [seconds] [out.cpuprofile]; unknown contender '${name}'`);
const seconds = Number(secondsArg);

const contender = await makeContender(name);
const server = contender.app.listen(0);
await new Promise((resolve) => server.once("listening", resolve));
const port = (server.address() as { port: number }).port;

const load = (ms: number): Promise<number> => keepAliveLoad(port, ms, Number(process.env.CLIENTS ?? 16));

await load(1500); // open the pool's connections, warm the JIT
const session = new Session();
session.connect();
if (profileOut !== undefined) {
  await session.post("Profiler.enable");
  await session.post("Profiler.setSamplingInterval", { interval: 100 });
  await session.post("Profiler.start");
}
const cpuBefore = process.cpuUsage();
const serverBefore = threadCpuMs();
const postgresBefore = postgresCpuMs();
const requests = await load(seconds * 1000);
const cpu = process.cpuUsage(cpuBefore);
const serverCpuMs = threadCpuMs() - serverBefore;
const postgresMs = postgresCpuMs() - postgresBefore;
if (profileOut !== undefined) {
  const { profile } = await session.post("Profiler.stop");
  await writeFile(profileOut, JSON.stringify(profile));
}
console.log(
  `${name}: ${(requests / seconds).toFixed(0)} req/s; process CPU ${((cpu.user + cpu.system) / requests).toFixed(1)} µs/req; server thread ${((serverCpuMs * 1000) / requests).toFixed(1)} µs/req; PostgreSQL ${((postgresMs * 1000) / requests).toFixed(1)} µs/req`,
);
server.close();
await contender.close();
process.exit(0);
