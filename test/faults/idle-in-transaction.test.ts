// Fault: PostgreSQL ends a session whose transaction sits idle longer than
// idle_in_transaction_session_timeout (SQLSTATE 25P03). The engine must report that once,
// marked connectionInvalidated (P14), refuse the dead transaction until rollback (E8), lose
// nothing it claimed to commit, and then serve normally. Throwaway server only.
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { setTimeout as sleep } from "node:timers/promises";
import { createEngine, OperationalError, PendingRollbackError, sessionmaker, text, type Engine } from "../../src/index.js";
import { startThrowawayPostgres, type ThrowawayPostgres } from "../support/throwaway-postgres.js";

describe("a transaction left idle is ended by PostgreSQL (idle_in_transaction_session_timeout)", () => {
  let server: ThrowawayPostgres;
  let engine: Engine;
  before(async () => {
    server = await startThrowawayPostgres({ settings: { idle_in_transaction_session_timeout: "300ms" } });
    engine = createEngine(server.url, { poolSize: 2 });
    await engine.begin(async (c) => void (await c.execute(text("CREATE TABLE ledger (id INTEGER PRIMARY KEY)"))));
  });
  after(async () => {
    await engine?.dispose();
    await server?.stop();
  });

  test("Connection: one error marked connectionInvalidated, PendingRollbackError until rollback, then normal", async () => {
    await using conn = await engine.connect();
    await conn.execute(text("INSERT INTO ledger (id) VALUES (1)"));
    await sleep(800); // the server ends the session (25P03) while the transaction idles
    const lost = await conn.execute(text("INSERT INTO ledger (id) VALUES (2)")).then(() => undefined, (e: unknown) => e);
    assert.ok(lost instanceof OperationalError && lost.connectionInvalidated, String(lost));
    await assert.rejects(conn.execute(text("SELECT 1")), PendingRollbackError);
    await assert.rejects(conn.commit(), PendingRollbackError);
    await conn.rollback();
    await conn.execute(text("INSERT INTO ledger (id) VALUES (3)"));
    await conn.commit();
    const ids = (await conn.execute(text("SELECT id FROM ledger ORDER BY id"))).scalars().all().map(Number);
    assert.deepEqual(ids, [3], "nothing of the ended transaction was committed");
  });

  test("Session scope: rolls back by itself and the next scope commits; nothing left checked out", async () => {
    const Session = sessionmaker({ bind: engine });
    await assert.rejects(
      Session.begin(async (session) => {
        await session.execute(text("INSERT INTO ledger (id) VALUES (10)"));
        await sleep(800);
        await session.execute(text("INSERT INTO ledger (id) VALUES (11)"));
      }),
      (e: unknown) => e instanceof OperationalError && e.connectionInvalidated,
    );
    await Session.begin(async (session) => void (await session.execute(text("INSERT INTO ledger (id) VALUES (12)"))));
    assert.equal(engine.pool.status().checkedOut, 0);
    await using conn = await engine.connect();
    const ids = (await conn.execute(text("SELECT id FROM ledger WHERE id >= 10 ORDER BY id"))).scalars().all().map(Number);
    assert.deepEqual(ids, [12]);
  });
});
