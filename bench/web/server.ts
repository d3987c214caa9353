import { once } from "node:events";
import type { Server } from "node:http";
import type { AddressInfo } from "node:net";
import { workerData } from "node:worker_threads";
import pg from "pg";
import { threadCpuMs } from "../lib/thread-cpu.js";
import { serve } from "../lib/worker-rpc.js";
import { isContender, makeContender, type Contender } from "./contenders.js";
import type { WebOps, WebWorkerData } from "./protocol.js";

/**
 * One contender's HTTP server per worker thread: its own event loop (one core) and its own
 * isolate, so the contenders do not share JIT feedback; the load comes from the main thread.
 */

const data = workerData as WebWorkerData;
if (!isContender(data.contender)) throw new Error(`unknown contender ${data.contender}`);

let contender: Contender | undefined;
let server: Server | undefined;

// pg's Client.prototype.query counts every round trip of every pg-based contender (MikroORM's
// knex included): the check that each one does what its description says.
const proto = pg.Client.prototype as unknown as { query: (...args: unknown[]) => unknown };
const original = proto.query;
let queries = 0;
let counting = false;
proto.query = function counted(this: unknown, ...args: unknown[]): unknown {
  if (counting) queries++;
  return original.apply(this, args);
};

serve<WebOps>({
  async start() {
    contender = await makeContender(data.contender);
    server = contender.app.listen(0, "127.0.0.1");
    server.keepAliveTimeout = 60_000;
    await once(server, "listening");
    return { port: (server.address() as AddressInfo).port };
  },
  async countQueries({ on }) {
    const counted = queries;
    counting = on;
    queries = 0;
    return { queries: counted };
  },
  async checkedOut() {
    return { checkedOut: contender?.checkedOut() ?? -1 };
  },
  async cpu() {
    return { ms: threadCpuMs() };
  },
  async release() {
    await contender?.release();
    return { released: true };
  },
  async close() {
    server?.closeAllConnections();
    await new Promise<void>((resolve) => (server === undefined ? resolve() : server.close(() => resolve())));
    await contender?.close();
    return { closed: true };
  },
});
