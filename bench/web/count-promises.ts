/**
 * Promises created per request by one web contender (async_hooks PROMISE inits, server and
 * client in this process, 16 clients): with AsyncLocalStorage active each one pays its
 * hooks, so this is the web layer's cost to shrink.
 *
 *   npm run build && node --import tsx --import ./bench/lib/use-dist.ts bench/web/count-promises.ts athanor
 */
import { createHook } from "node:async_hooks";
import http from "node:http";
import { isContender, makeContender } from "./contenders.js";

const [name = "athanor", requestsArg = "2000"] = process.argv.slice(2);
if (!isContender(name)) throw new Error(`unknown contender '${name}'`);
const requests = Number(requestsArg);
const contender = await makeContender(name);
const server = contender.app.listen(0);
await new Promise((resolve) => server.once("listening", resolve));
const port = (server.address() as { port: number }).port;
const agent = new http.Agent({ keepAlive: true, maxSockets: 16 });
const get = (): Promise<void> =>
  new Promise((resolve, reject) => {
    http.get({ port, path: "/select", agent }, (res) => res.resume().on("end", resolve)).on("error", reject);
  });
const run = async (n: number): Promise<void> => {
  let left = n;
  await Promise.all(Array.from({ length: 16 }, async () => {
    while (left-- > 0) await get();
  }));
};
await run(500); // warm: connections open
let promises = 0;
const hook = createHook({ init: (_id, type) => void (type === "PROMISE" && promises++) }).enable();
const baseline = promises;
await run(requests);
hook.disable();
console.log(`${name}: ${((promises - baseline) / requests).toFixed(1)} promises per request (server and client)`);
server.close();
agent.destroy();
await contender.close();
