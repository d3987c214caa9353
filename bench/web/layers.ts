/**
 * What each layer of a request-scoped session costs, one layer added at a time, on the
 * same Express endpoint (GET /select → SELECT 1, AUTOCOMMIT, pool of 10 without reset), with
 * 16 keep-alive clients in a worker thread:
 *
 *   npm run build
 *   node --import tsx --import ./bench/lib/use-dist.ts bench/web/layers.ts <layer> [seconds]
 *
 * - engine:  engine.connect() → execute → close() in the handler (the floor);
 * - als:     the same inside a runInScope() middleware (AsyncLocalStorage: every promise pays hooks);
 * - session: a Session per request (execute, commit, close), no scope;
 * - scoped:  runInScope() + scopedSession: db.execute, db.commit, db.remove;
 * - full:    athanorExpress(db, { commit: "on-success" }) + db.execute (what an app writes).
 *
 * Prints req/s, the process's CPU per request (server and load together, user and system) and
 * the server thread's alone.
 * Run each layer a few times, alternating: the differences are a few µs on a noisy machine.
 */
import express, { type Express } from "express";
import { createEngine, runInScope, scopedSession, sessionmaker, text } from "../../src/index.js";
import { athanorExpress } from "../../src/web/express.js";
import { pgUrl } from "./db.js";
import { keepAliveLoad } from "./keep-alive-load.js";
import { threadCpuMs } from "../lib/thread-cpu.js";

const LAYERS = ["engine", "als", "session", "scoped", "full"] as const;
type Layer = (typeof LAYERS)[number];

const [layerArg = "full", secondsArg = "4"] = process.argv.slice(2);
if (!(LAYERS as readonly string[]).includes(layerArg)) throw new Error(`usage: layers.ts <${LAYERS.join("|")}> [seconds]`);
const layer = layerArg as Layer;
const seconds = Number(secondsArg);

const engine = createEngine(pgUrl(`layers-${layer}`), { poolSize: 10, maxOverflow: 0, isolationLevel: "AUTOCOMMIT", poolResetOnReturn: "none" });
const Session = sessionmaker({ bind: engine });
const db = scopedSession(Session);
const select1 = text("SELECT 1 AS x");

function app(): Express {
  const a = express();
  if (layer === "als" || layer === "scoped") a.use((_req, _res, next) => runInScope(() => next()));
  if (layer === "full") a.use(athanorExpress(db, { commit: "on-success" }));
  a.get("/select", async (_req, res) => {
    switch (layer) {
      case "engine":
      case "als": {
        const conn = await engine.connect();
        try {
          res.json({ x: (await conn.execute<{ x: number }>(select1)).scalar() });
        } finally {
          await conn.close();
        }
        return;
      }
      case "session": {
        const session = Session();
        try {
          const result = await session.execute<{ x: number }>(select1);
          await session.commit();
          res.json({ x: result.scalar() });
        } finally {
          await session.close();
        }
        return;
      }
      case "scoped": {
        const result = await db.execute<{ x: number }>(select1);
        await db.commit();
        await db.remove();
        res.json({ x: result.scalar() });
        return;
      }
      case "full":
        res.json({ x: (await db.execute<{ x: number }>(select1)).scalar() });
    }
  });
  return a;
}

const server = app().listen(0);
await new Promise((resolve) => server.once("listening", resolve));
const port = (server.address() as { port: number }).port;

const load = (ms: number): Promise<number> => keepAliveLoad(port, ms);

await load(1500); // open the pool's connections, warm the JIT
const before = process.cpuUsage();
const serverBefore = threadCpuMs();
const requests = await load(seconds * 1000);
const cpu = process.cpuUsage(before);
const serverUs = (threadCpuMs() - serverBefore) * 1000;
const per = (us: number): string => (us / requests).toFixed(1);
console.log(
  `${layer}: ${(requests / seconds).toFixed(0)} req/s; CPU ${per(cpu.user + cpu.system)} µs/req (user ${per(cpu.user)}, system ${per(cpu.system)}); server thread ${per(serverUs)} µs/req`,
);
server.close();
await engine.dispose();
process.exit(0);
