/**
 * The ROLLBACK of close() left to the next write (Dialect.deferRollback, pg
 * deferred-rollback.ts): closing a Connection or Session with a transaction open costs no
 * round trip; the ROLLBACK goes out in front of the next holder's BEGIN and first statement,
 * on its own before anything else, and by itself within ROLLBACK_WINDOW_MS when nothing
 * follows. Counted at the driver (pg client.query calls), checked on the server.
 */
import assert from "node:assert/strict";
import { setImmediate as nextTurn, setTimeout as sleep } from "node:timers/promises";
import { after, describe, it } from "node:test";
import pg from "pg";
import { sessionmaker, text, type Connection, type Engine, type EngineOptions } from "../../../src/index.js";
import { ROLLBACK_WINDOW_MS } from "../../../src/dialects/postgresql/deferred-rollback.js";
import { disposeAll, engineTargets } from "../../support/engines.js";

after(disposeAll);

const target = (await engineTargets()).find((t) => t.name === "postgresql")!;

/** One pooled connection (so the next checkout is the same one), counting what its client is asked to send. */
function countingEngine(options: EngineOptions = {}): { engine: Engine; sent: () => number; statements: string[] } {
  let sent = 0;
  const statements: string[] = [];
  const engine = target.engine({ poolSize: 1, maxOverflow: 0, ...options });
  engine.pool.events.on("connect", (client) => {
    const c = client as { query: (...args: unknown[]) => unknown };
    const query = c.query.bind(c);
    c.query = (...args: unknown[]) => {
      sent++;
      const first = args[0];
      statements.push(typeof first === "string" ? first : String((first as { text?: unknown }).text ?? "?"));
      return query(...args);
    };
  });
  return { engine, sent: () => sent, statements };
}

async function table(engine: Engine, name: string): Promise<string> {
  const t = target.table(name);
  await engine.begin(async (conn) => void (await conn.execute(text(`CREATE TABLE ${t} (n INTEGER)`))));
  return t;
}

/**
 * Insert a row in a transaction left open at close(), then check out the same connection again
 * in AUTOCOMMIT: its first statement runs outside a transaction, after the deferred ROLLBACK.
 */
async function autocommitAfterOpenInsert(engine: Engine, t: string): Promise<Connection> {
  const conn = await engine.connect();
  await conn.execute(text(`INSERT INTO ${t} (n) VALUES (1)`));
  await conn.close();
  const next = await engine.connect();
  await next.setIsolationLevel("AUTOCOMMIT");
  return next;
}

/** Wait until `check` holds (polling the server), failing after `ms`. */
async function eventually(check: () => Promise<boolean>, what: string, ms = 5000): Promise<void> {
  const end = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > end) assert.fail(`never: ${what}`);
    await sleep(20);
  }
}

describe("close() leaves its ROLLBACK to the next write, on postgresql", { skip: target.skip }, () => {
  it("close() with a transaction open sends nothing; the next transaction's first statement carries the ROLLBACK", async () => {
    const { engine, sent } = countingEngine();
    const t = await table(engine, "defer_rb");
    const conn = await engine.connect();
    await conn.execute(text(`INSERT INTO ${t} (n) VALUES (:n)`), { n: 1 });
    const before = sent();
    await conn.close();
    assert.equal(sent() - before, 0, "close() waited for no round trip");
    await using next = await engine.connect();
    assert.equal(Number((await next.execute(text(`SELECT count(*) FROM ${t}`))).scalar()), 0, "the insert was rolled back");
    assert.equal(sent() - before, 1, "ROLLBACK, BEGIN and the SELECT went in one round trip");
    assert.equal(next.inTransaction, true);
    await next.commit();
  });

  it("with parameters too (extended protocol: ROLLBACK, BEGIN and the statement under one Sync)", async () => {
    const { engine, sent } = countingEngine();
    const t = await table(engine, "defer_rb_params");
    const conn = await engine.connect();
    await conn.execute(text(`INSERT INTO ${t} (n) VALUES (:n)`), { n: 1 });
    await conn.close();
    const before = sent();
    await using next = await engine.connect();
    await next.execute(text(`INSERT INTO ${t} (n) VALUES (:n)`), { n: 2 });
    await next.commit();
    assert.equal(sent() - before, 2, "ROLLBACK+BEGIN+INSERT, then COMMIT");
    assert.deepEqual((await next.execute(text(`SELECT n FROM ${t}`))).scalars().all(), [2]);
  });

  it("when nothing follows, the ROLLBACK goes out by itself: the backend is idle and its locks are free", async () => {
    const { engine, sent } = countingEngine();
    const t = await table(engine, "defer_rb_lock");
    const conn = await engine.connect();
    const pid = Number((await conn.execute(text("SELECT pg_backend_pid()"))).scalar());
    await conn.execute(text(`LOCK TABLE ${t} IN ACCESS EXCLUSIVE MODE`));
    const before = sent();
    await conn.close();
    await nextTurn();
    assert.equal(sent() - before, 0, "the ROLLBACK waits a moment for a statement to ride with");
    await sleep(ROLLBACK_WINDOW_MS + 5);
    assert.equal(sent() - before, 1, "then goes on its own");
    const other = target.engine({ poolSize: 1 });
    await using watcher = await other.connect();
    await eventually(
      async () => (await watcher.execute(text("SELECT state FROM pg_stat_activity WHERE pid = :pid"), { pid })).scalar() === "idle",
      "the closed connection's backend is idle (not idle in transaction)",
    );
    await watcher.execute(text("SET lock_timeout = '5s'"));
    await watcher.execute(text(`LOCK TABLE ${t} IN ACCESS EXCLUSIVE MODE NOWAIT`));
    await watcher.rollback();
  });

  it("several connections closed at once, some again before the window ends: each ROLLBACK goes out once, on time", async () => {
    const { engine, statements } = countingEngine({ poolSize: 3 });
    const t = await table(engine, "defer_rb_many");
    const conns = await Promise.all([engine.connect(), engine.connect(), engine.connect()]);
    const pids: number[] = [];
    for (const [k, conn] of conns.entries()) {
      pids.push(Number((await conn.execute(text("SELECT pg_backend_pid()"))).scalar()));
      await conn.execute(text(`INSERT INTO ${t} (n) VALUES (:n)`), { n: k });
    }
    const from = statements.length;
    for (const conn of conns) await conn.close();
    // One of them is taken again at once: its ROLLBACK rides with that holder's first statement.
    await using again = await engine.connect();
    assert.equal(Number((await again.execute(text(`SELECT count(*) FROM ${t}`))).scalar()), 0);
    await again.close();
    await sleep(ROLLBACK_WINDOW_MS + 20);
    const rollbacks = statements.slice(from).filter((s) => s === "ROLLBACK").length;
    assert.equal(rollbacks, 3, "the two untouched connections sent theirs alone, and the reused one its second");
    const other = target.engine({ poolSize: 1 });
    await using watcher = await other.connect();
    await eventually(
      async () => Number((await watcher.execute(text("SELECT count(*) FROM pg_stat_activity WHERE pid = ANY(:pids) AND state <> 'idle'"), { pids })).scalar()) === 0,
      "every closed connection's backend is idle",
    );
  });

  it("a statement outside a transaction gets the ROLLBACK on its own before it: VACUUM still runs", async () => {
    const { engine, statements } = countingEngine();
    const t = await table(engine, "defer_rb_vacuum");
    await using next = await autocommitAfterOpenInsert(engine, t);
    const from = statements.length;
    await next.execute(text(`VACUUM ${t}`)); // refuses to run inside a transaction block
    assert.deepEqual(statements.slice(from), [`VACUUM ${t}`]);
    assert.equal(Number((await next.execute(text(`SELECT count(*) FROM ${t}`))).scalar()), 0);
  });

  it("the driver connection used directly comes after the ROLLBACK", async () => {
    const { engine } = countingEngine();
    const t = await table(engine, "defer_rb_raw");
    await using next = await autocommitAfterOpenInsert(engine, t);
    const client = (await next.driverConnection()) as { query(sql: string): Promise<{ rows: { n: string; open: boolean }[] }> };
    const raw = await client.query(`SELECT count(*) AS n, now() <> statement_timestamp() AS open FROM ${t}`);
    assert.deepEqual(raw.rows[0], { n: "0", open: false });
  });

  it("with pre-ping, the ping goes after the ROLLBACK (on its own), and the next transaction starts clean", async () => {
    const { engine } = countingEngine({ poolPrePing: true });
    const t = await table(engine, "defer_rb_ping");
    const conn = await engine.connect();
    await conn.execute(text(`INSERT INTO ${t} (n) VALUES (1)`));
    await conn.close();
    // The order pg queues them in (its prototype's query, under the wrappers): the wire order.
    const proto = pg.Client.prototype as unknown as { query: (...args: unknown[]) => unknown };
    const queued: string[] = [];
    const original = proto.query;
    proto.query = function (this: unknown, ...args: unknown[]) {
      const first = args[0];
      queued.push(typeof first === "string" ? first : String((first as { text?: unknown }).text ?? "?"));
      return original.apply(this, args);
    };
    try {
      await using next = await engine.connect();
      assert.equal(Number((await next.execute(text(`SELECT count(*) FROM ${t}`))).scalar()), 0, "the insert was rolled back");
    } finally {
      proto.query = original;
    }
    assert.deepEqual(queued.slice(0, 2), ["ROLLBACK", "SELECT 1"], "the deferred ROLLBACK went first, then the ping");
    assert.equal(queued.length, 3, `then BEGIN with the SELECT: ${queued.join(" | ")}`);
  });

  it("a Session closed with its transaction open costs no round trip, and its changes are gone", async () => {
    const { engine, sent } = countingEngine();
    const t = await table(engine, "defer_rb_session");
    const Session = sessionmaker({ bind: engine });
    const session = Session();
    await session.execute(text(`INSERT INTO ${t} (n) VALUES (1)`));
    const before = sent();
    await session.close();
    assert.equal(sent() - before, 0);
    await Session.begin(async (s) => assert.equal(Number((await s.execute(text(`SELECT count(*) FROM ${t}`))).scalar()), 0));
    assert.equal(sent() - before, 2, "ROLLBACK+BEGIN+SELECT, then COMMIT");
  });

  it("a rollback listener still runs before the rollback: close() then waits for it as before", async () => {
    const { engine, sent } = countingEngine();
    const seen: string[] = [];
    engine.events.on("rollback", () => void seen.push("rollback"));
    const conn = await engine.connect();
    await conn.execute(text("SELECT 1"));
    const before = sent();
    await conn.close();
    assert.deepEqual(seen, ["rollback"]);
    assert.equal(sent() - before, 1, "the ROLLBACK was sent and waited for");
  });

  it("a backend killed before its ROLLBACK went out: the next holder's statement fails as a disconnect or runs on a fresh connection; the one after is fresh", async () => {
    const { engine } = countingEngine();
    const conn = await engine.connect();
    const pid = Number((await conn.execute(text("SELECT pg_backend_pid()"))).scalar());
    const admin = target.engine({ poolSize: 1 });
    {
      await using killer = await admin.connect();
      await killer.execute(text("SELECT pg_terminate_backend(:pid)"), { pid });
      await killer.commit();
    }
    // In one turn: close (the ROLLBACK deferred), check out again, and send (the ROLLBACK rides along).
    await conn.close();
    const next = await engine.connect();
    let nextPid: number | undefined;
    try {
      nextPid = Number((await next.execute(text("SELECT pg_backend_pid()"))).scalar());
    } catch (err) {
      assert.equal((err as { connectionInvalidated?: unknown }).connectionInvalidated, true, `a disconnect, not ${String(err)}`);
      await next.rollback();
    }
    if (nextPid !== undefined) assert.notEqual(nextPid, pid, "a statement that ran did not run on the dead backend");
    await next.close();
    await using fresh = await engine.connect();
    assert.notEqual(Number((await fresh.execute(text("SELECT pg_backend_pid()"))).scalar()), pid);
  });
});
