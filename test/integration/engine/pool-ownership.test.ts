/**
 * SPEC P7 (creator through createEngine), P8 (engines sharing one pool) and P20
 * (engine.dispose, with and without closing the old connections) on real databases.
 */
import assert from "node:assert/strict";
import { after, describe, it } from "node:test";
import { createEngine, text, type Engine } from "../../../src/index.js";
import { disposeAll, engineTargets } from "../../support/engines.js";

after(disposeAll);

/** A per-session id the server gives each connection. */
const SESSION_ID: Record<string, string> = {
  postgresql: "SELECT pg_backend_pid() AS id",
  mysql: "SELECT CONNECTION_ID() AS id",
};

async function sessionId(engine: Engine, sql: string): Promise<number> {
  await using conn = await engine.connect();
  return Number((await conn.execute(text(sql))).scalar());
}

for (const target of (await engineTargets()).filter((t) => t.name === "postgresql" || t.name === "mysql")) {
  const idSql = SESSION_ID[target.name] as string;

  describe(`pool ownership on ${target.name} (SPEC P7, P8, P20)`, { skip: target.skip }, () => {
    it("P8: a second engine built on the first one's pool uses the same connections", async () => {
      const first = target.engine({ poolSize: 1, maxOverflow: 0 });
      const second = createEngine(first.url, { pool: first.pool });
      const a = await sessionId(first, idSql);
      const b = await sessionId(second, idSql);
      assert.equal(b, a, "the one pooled connection served both engines");
      assert.equal(second.pool, first.pool);
      assert.equal(first.pool.status().checkedOut, 0);
    });

    it("P7: createEngine(url, { creator }) opens connections through the given function", async () => {
      const base = target.engine();
      let opened = 0;
      const connector = base.dialect.createConnector(base.url, { connectTimeoutMs: 5_000, connectArgs: {} });
      const engine = target.engine({
        creator: async () => {
          opened++;
          return connector();
        },
      });
      await sessionId(engine, idSql);
      await sessionId(engine, idSql);
      assert.equal(opened, 1, "one connection, opened by the creator and then pooled");
    });

    it("P20: dispose() closes the old connections and the engine keeps working with fresh ones", async () => {
      const engine = target.engine({ poolSize: 2 });
      const before = await sessionId(engine, idSql);
      const oldPool = engine.pool;
      await engine.dispose();
      assert.notEqual(engine.pool, oldPool, "a new pool");
      assert.equal(oldPool.status().checkedIn, 0, "the old idle connection was closed");
      const afterDispose = await sessionId(engine, idSql);
      assert.notEqual(afterDispose, before, "a fresh server session");
    });

    it("P20: dispose({ close: false }) leaves a checked-out connection working for its owner", async () => {
      const engine = target.engine({ poolSize: 2 });
      const oldPool = engine.pool;
      const held = await engine.connect();
      const id = Number((await held.execute(text(idSql))).scalar());
      await engine.dispose({ close: false });
      assert.equal(Number((await held.execute(text(idSql))).scalar()), id, "the old connection still answers");
      assert.notEqual(await sessionId(engine, idSql), id, "new checkouts come from the new pool");
      await held.close();
      assert.equal(oldPool.status().checkedIn, 1, "returned to the old pool, left open for its owner");
      await oldPool.dispose(); // the other owner's job; here, the test's
    });
  });
}
