import { Worker } from "node:worker_threads";

/**
 * `clients` (16) keep-alive clients hitting GET /select on `port` for `ms`, in a worker thread (so a
 * profile of this thread holds the server's work alone); answers the number of responses.
 * For the diagnostic tools (profile.ts, layers.ts); the benchmark has its own load (load.ts).
 */
export function keepAliveLoad(port: number, ms: number, clients = 16): Promise<number> {
  return new Promise((resolve, reject) => {
    const worker = new Worker(LOAD, { eval: true, workerData: { port, ms, clients } });
    worker.once("error", reject);
    worker.once("message", (done: number) => {
      resolve(done);
      void worker.terminate();
    });
  });
}

const LOAD = `
const { workerData, parentPort } = require("node:worker_threads");
const http = require("node:http");
const agent = new http.Agent({ keepAlive: true, maxSockets: workerData.clients });
const end = Date.now() + workerData.ms;
let done = 0;
const one = () => new Promise((resolve) => {
  http.get({ port: workerData.port, path: "/select", agent }, (res) => res.resume().on("end", resolve)).on("error", resolve);
});
Promise.all(Array.from({ length: workerData.clients }, async () => {
  while (Date.now() < end) { await one(); done++; }
})).then(() => parentPort.postMessage(done));
`;
