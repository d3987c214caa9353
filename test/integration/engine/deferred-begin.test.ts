/**
 * BEGIN deferred to the transaction's first statement (Connection #pendingBegin, pg
 * executeAfter): on PostgreSQL a transaction's BEGIN rides along with its first statement,
 * one round trip instead of two; a transaction that runs nothing sends nothing. Counted at
 * the driver (pg client.query calls), checked for effect on the server.
 */
import assert from "node:assert/strict";
import { after, describe, it } from "node:test";
import { sessionmaker, text, type Engine, type EngineOptions } from "../../../src/index.js";
import { disposeAll, engineTargets } from "../../support/engines.js";
import { MemoryLogger } from "../../support/fake-driver.js";

after(disposeAll);

const target = (await engineTargets()).find((t) => t.name === "postgresql")!;

/** An engine whose pg clients count the round trips they are asked for. */
function countingEngine(options: EngineOptions = {}): { engine: Engine; sent: () => number } {
  let sent = 0;
  const engine = target.engine({ poolSize: 2, ...options });
  engine.pool.events.on("connect", (client) => {
    const c = client as { query: (...args: unknown[]) => unknown };
    const query = c.query.bind(c);
    c.query = (...args: unknown[]) => {
      sent++;
      return query(...args);
    };
  });
  return { engine, sent: () => sent };
}

describe("BEGIN with the first statement on postgresql", { skip: target.skip }, () => {
  it("engine.begin with one statement is two round trips (BEGIN+statement, COMMIT), with or without parameters", async () => {
    const { engine, sent } = countingEngine();
    const t = target.table("deferred");
    await engine.begin(async (conn) => void (await conn.execute(text(`CREATE TABLE ${t} (n INTEGER)`))));
    const before = sent();
    await engine.begin(async (conn) => void (await conn.execute(text(`INSERT INTO ${t} (n) VALUES (:n)`), { n: 1 })));
    await engine.begin(async (conn) => void (await conn.execute(text(`INSERT INTO ${t} (n) VALUES (2)`))));
    assert.equal(sent() - before, 4);
    await using conn = await engine.connect();
    assert.deepEqual((await conn.execute(text(`SELECT n FROM ${t} ORDER BY n`))).scalars().all(), [1, 2]);
  });

  it("the first statement runs inside the transaction: a rollback undoes it", async () => {
    const { engine } = countingEngine();
    const t = target.table("deferred_rb");
    await engine.begin(async (conn) => void (await conn.execute(text(`CREATE TABLE ${t} (n INTEGER)`))));
    await using conn = await engine.connect();
    await conn.execute(text(`INSERT INTO ${t} (n) VALUES (:n)`), { n: 1 });
    assert.equal((await conn.execute(text("SELECT txid_current_if_assigned() IS NOT NULL"))).scalar(), true, "the INSERT took a transaction id");
    await conn.rollback();
    assert.equal(Number((await conn.execute(text(`SELECT count(*) FROM ${t}`))).scalar()), 0);
  });

  it("a transaction that runs nothing sends nothing, and still fires its events and echo lines", async () => {
    const logger = new MemoryLogger();
    const { engine, sent } = countingEngine({ echo: true, logger });
    const events: string[] = [];
    for (const name of ["begin", "commit", "rollback"] as const) engine.events.on(name, () => void events.push(name));
    await using conn = await engine.connect();
    const before = sent();
    const tx = await conn.begin();
    await tx.commit();
    await conn.begin();
    await conn.rollback();
    assert.equal(sent() - before, 0);
    assert.deepEqual(events, ["begin", "commit", "begin", "rollback"]);
    assert.deepEqual(logger.messages().filter((m) => /BEGIN|COMMIT|ROLLBACK/.test(m)), [
      "athanor.engine BEGIN",
      "athanor.engine COMMIT",
      "athanor.engine BEGIN",
      "athanor.engine ROLLBACK",
    ]);
    await conn.close();
    assert.equal(sent() - before, 0, "close() had nothing to reset either");
  });

  it("a stream or the driver connection as the first use sends BEGIN on its own first", async () => {
    const { engine } = countingEngine();
    {
      await using conn = await engine.connect();
      await conn.begin();
      const rows: unknown[] = [];
      for await (const row of await conn.stream(text("SELECT txid_current() AS x, now() = statement_timestamp() AS fresh FROM generate_series(1, 3)"), {}, { yieldPer: 2 })) {
        rows.push(row.fresh);
      }
      assert.deepEqual(rows, [false, false, false], "the cursor ran inside a transaction begun before it");
    }
    {
      await using conn = await engine.connect();
      await conn.begin();
      const client = (await conn.driverConnection()) as { query(sql: string): Promise<{ rows: { fresh: boolean }[] }> };
      const raw = await client.query("SELECT now() = statement_timestamp() AS fresh");
      assert.equal(raw.rows[0]?.fresh, false, "a query on the driver connection is inside the transaction");
    }
  });

  it("a Session's request (BEGIN, SELECT, COMMIT) costs two round trips", async () => {
    const { engine, sent } = countingEngine();
    const Session = sessionmaker({ bind: engine });
    await Session.begin(async (session) => void (await session.execute(text("SELECT 1"))));
    const before = sent();
    await Session.begin(async (session) => void (await session.execute(text("SELECT :x"), { x: 1 })));
    assert.equal(sent() - before, 2);
  });
});
