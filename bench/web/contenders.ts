import { AsyncLocalStorage } from "node:async_hooks";
import express, { type Express } from "express";
import pg from "pg";
import { createEngine, scopedSession, sessionmaker, text, type EngineOptions } from "../../src/index.js";
import { athanorExpress } from "../../src/web/express.js";
import type { RequestScopeOptions } from "../../src/web/request-session.js";
import { applicationName, pgTarget, pgUrl } from "./db.js";

/**
 * The same Express endpoint, GET /select → {"x":1} from `SELECT 1 AS x`, over a pool of 10
 * PostgreSQL connections, written the way each library is meant to be used in a web app.
 */
export const CONTENDERS = [
  "pg.Pool",
  "pg.Pool+ALS",
  "athanor",
  "athanor-commit",
  "athanor-autocommit",
  "athanor-autocommit-noreset",
  "athanor-engine-noreset",
  "mikro-orm",
  "express-only",
] as const;
export type WebContender = (typeof CONTENDERS)[number];

export const POOL_MAX = 10;
export const BASELINE: WebContender = "pg.Pool";

export const DESCRIPTIONS: Record<WebContender, string> = {
  "pg.Pool": "pg.Pool (max 10): `await pool.query(sql)` in the handler: one round trip",
  "pg.Pool+ALS":
    "the same with a request context: a middleware running each request in an AsyncLocalStorage (`storage.run(store, next)`, what any request-scoped session or context needs). On Node < 24 every promise and async resource then pays async_hooks: the price of request scoping itself, before any library's own",
  athanor:
    "athanorExpress(db) (defaults: the handler commits what it wants kept; the rest is rolled back) + db.execute(text(sql)): BEGIN goes with the SELECT; the response does not wait for the ROLLBACK, which goes out with the connection's next statement (one round trip under load) or on its own after 2 ms",
  "athanor-commit":
    'athanorExpress(db, { commit: "on-success" }): the same, committed (COMMIT) before the response: two round trips',
  "athanor-autocommit":
    'the same with createEngine(url, { isolationLevel: "AUTOCOMMIT" }): no BEGIN/COMMIT, and nothing left open for the pool to reset: one round trip',
  "athanor-autocommit-noreset": 'AUTOCOMMIT and poolResetOnReturn: "none": one round trip, as pg.Pool',
  "athanor-engine-noreset":
    "no middleware, no session: engine.connect() → execute → close() in the handler (AUTOCOMMIT, no reset): the engine's own cost, to tell it from the web layer's",
  "mikro-orm": "MikroORM 6 RequestContext middleware + em.execute(sql) (knex pool, max 10): one round trip",
  "express-only": "the endpoint answering {x:1} without a database: the ceiling Express and the client allow",
};

export interface Contender {
  app: Express;
  /** Connections checked out of athanor's pool (-1: not athanor). */
  checkedOut(): number;
  /**
   * Close the pool's idle connections (the next request opens them again): between runs only
   * the contender being measured holds server connections, so seven pools of 10 never meet
   * max_connections (100 by default) on a server other work shares.
   */
  release(): Promise<void>;
  close(): Promise<void>;
}

export function isContender(name: string): name is WebContender {
  return (CONTENDERS as readonly string[]).includes(name);
}

const SQL = "SELECT 1 AS x";

export async function makeContender(name: WebContender): Promise<Contender> {
  switch (name) {
    case "pg.Pool":
      return pgPool(name, false);
    case "pg.Pool+ALS":
      return pgPool(name, true);
    case "athanor":
      return athanor(name, {}, {});
    case "athanor-commit":
      return athanor(name, {}, { commit: "on-success" });
    case "athanor-autocommit":
      return athanor(name, { isolationLevel: "AUTOCOMMIT" }, { commit: "on-success" });
    case "athanor-autocommit-noreset":
      return athanor(name, { isolationLevel: "AUTOCOMMIT", poolResetOnReturn: "none" }, { commit: "on-success" });
    case "athanor-engine-noreset":
      return athanorEngine(name);
    case "mikro-orm":
      return (await import("./mikro-orm.js")).mikroOrm(name, SQL);
    case "express-only": {
      const app = express();
      app.get("/select", (_req, res) => void res.json({ x: 1 }));
      return { app, checkedOut: () => -1, release: async () => undefined, close: async () => undefined };
    }
  }
}

function pgPool(name: WebContender, requestContext: boolean): Contender {
  const open = (): pg.Pool => new pg.Pool({ ...pgTarget(), max: POOL_MAX, idleTimeoutMillis: 0, application_name: applicationName(name) });
  let pool = open();
  const app = express();
  if (requestContext) {
    const storage = new AsyncLocalStorage<{ readonly request: unknown }>();
    app.use((req, _res, next) => storage.run({ request: req }, next));
  }
  app.get("/select", async (_req, res) => {
    const r = await pool.query<{ x: number }>(SQL);
    res.json({ x: r.rows[0]?.x });
  });
  const release = async (): Promise<void> => {
    const old = pool;
    pool = open();
    await old.end();
  };
  return { app, checkedOut: () => -1, release, close: () => pool.end() };
}

function athanor(name: WebContender, options: EngineOptions, scope: RequestScopeOptions): Contender {
  const engine = createEngine(pgUrl(name), { poolSize: POOL_MAX, maxOverflow: 0, ...options });
  const db = scopedSession(sessionmaker({ bind: engine }));
  const app = express();
  app.use(athanorExpress(db, scope));
  app.get("/select", async (_req, res) => {
    const r = await db.execute<{ x: number }>(text(SQL));
    res.json({ x: r.scalar() });
  });
  return { app, checkedOut: () => engine.pool.status().checkedOut, release: () => engine.dispose(), close: () => engine.dispose() };
}

function athanorEngine(name: WebContender): Contender {
  const engine = createEngine(pgUrl(name), { poolSize: POOL_MAX, maxOverflow: 0, isolationLevel: "AUTOCOMMIT", poolResetOnReturn: "none" });
  const sql = text(SQL);
  const app = express();
  app.get("/select", async (_req, res) => {
    const conn = await engine.connect();
    try {
      res.json({ x: (await conn.execute<{ x: number }>(sql)).scalar() });
    } finally {
      await conn.close();
    }
  });
  return { app, checkedOut: () => engine.pool.status().checkedOut, release: () => engine.dispose(), close: () => engine.dispose() };
}
