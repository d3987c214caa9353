import { RequestContext } from "@mikro-orm/core";
import { MikroORM, type SqlEntityManager } from "@mikro-orm/postgresql";
import express from "express";
import type { Contender } from "./contenders.js";
import { applicationName, pgTarget } from "./db.js";

/**
 * MikroORM's documented Express setup: a RequestContext per request (its own forked
 * EntityManager, found through AsyncLocalStorage by the global `orm.em`), and a raw query
 * through that EntityManager. No entities: the endpoint only runs SQL, like the others.
 * Loaded only for this contender (MikroORM 6 needs Node >= 18.12; 7 needs Node 22).
 */
export async function mikroOrm(name: string, sql: string): Promise<Contender> {
  const t = pgTarget();
  const orm = await MikroORM.init({
    host: t.host,
    port: t.port,
    user: t.user,
    password: t.password,
    dbName: t.database,
    entities: [],
    discovery: { warnWhenNoEntities: false },
    pool: { min: 0, max: 10 },
    driverOptions: { connection: { application_name: applicationName(name) } },
    debug: false,
  });
  const app = express();
  app.use((_req, _res, next) => RequestContext.create(orm.em, next));
  app.get("/select", async (_req, res) => {
    const em = orm.em as SqlEntityManager; // the request's fork, via RequestContext
    const rows = await em.execute<{ x: number }[]>(sql);
    res.json({ x: rows[0]?.x });
  });
  const release = async (): Promise<void> => {
    await orm.close(true);
    await orm.connect();
  };
  return { app, checkedOut: () => -1, release, close: () => orm.close(true) };
}
