/**
 * The pool driving real `pg` and `mysql2` connections against the machine's PostgreSQL and
 * MariaDB (SPEC P9, P12, P13, P22): a killed backend replaced by pre-ping, recycle, and
 * reset on return as seen from the server itself.
 */
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import mysql from "mysql2/promise";
import pg from "pg";
import { attachMysqlErrorGuard, mysql2PoolDialect, type Mysql2ConnectionLike } from "../../src/dialects/mysql/mysql2-pool-dialect.js";
import { attachPgErrorGuard, pgPoolDialect } from "../../src/dialects/postgresql/pg-pool-dialect.js";
import { QueuePool, type PoolDialect, type QueuePoolOptions } from "../../src/index.js";
import { mysqlConfig, pgConfig, requireDatabase } from "../support/databases.js";
import { MemoryLogger, sleep } from "../support/fake-driver.js";

/** What the shared tests need to know about one server and its driver. */
interface ServerKit<C> {
  name: "postgresql" | "mysql";
  creator: () => Promise<C>;
  dialect: PoolDialect<C>;
  run(conn: C, sql: string): Promise<unknown[]>;
  backendId(conn: C): Promise<number>;
  /** Kill a session from another connection (pg_terminate_backend / KILL). */
  kill(id: number): Promise<void>;
  /** Does the server see an open transaction on this session? */
  inTransaction(id: number): Promise<boolean>;
  /** Start a transaction that the server can see. */
  begin(conn: C): Promise<void>;
  closeAdmin(): Promise<void>;
}

async function pgKit(): Promise<ServerKit<pg.Client>> {
  const admin = new pg.Client(pgConfig);
  attachPgErrorGuard(admin);
  await admin.connect();
  const adminRows = async (sql: string, params: unknown[]) => (await admin.query(sql, params)).rows as Record<string, unknown>[];
  await admin.query("CREATE TABLE IF NOT EXISTS athanor_pool_probe (id serial PRIMARY KEY, note text)");
  return {
    name: "postgresql",
    creator: async () => {
      const client = new pg.Client(pgConfig);
      attachPgErrorGuard(client);
      await client.connect();
      return client;
    },
    dialect: pgPoolDialect as PoolDialect<pg.Client>,
    run: async (conn, sql) => (await conn.query(sql)).rows,
    backendId: async (conn) => Number((await conn.query("SELECT pg_backend_pid() AS id")).rows[0].id),
    kill: async (id) => void (await adminRows("SELECT pg_terminate_backend($1)", [id])),
    inTransaction: async (id) => {
      const rows = await adminRows("SELECT state FROM pg_stat_activity WHERE pid = $1", [id]);
      return rows.length > 0 && String(rows[0]!.state).startsWith("idle in transaction");
    },
    begin: async (conn) => {
      await conn.query("BEGIN");
      await conn.query("INSERT INTO athanor_pool_probe (note) VALUES ('uncommitted')");
    },
    closeAdmin: () => admin.end(),
  };
}

async function mysqlKit(): Promise<ServerKit<mysql.Connection>> {
  const admin = await mysql.createConnection(mysqlConfig);
  attachMysqlErrorGuard(admin as unknown as Mysql2ConnectionLike);
  await admin.query("CREATE TABLE IF NOT EXISTS athanor_pool_probe (id INT AUTO_INCREMENT PRIMARY KEY, note TEXT) ENGINE=InnoDB");
  return {
    name: "mysql",
    creator: async () => {
      const conn = await mysql.createConnection(mysqlConfig);
      attachMysqlErrorGuard(conn as unknown as Mysql2ConnectionLike);
      return conn;
    },
    dialect: mysql2PoolDialect as unknown as PoolDialect<mysql.Connection>,
    run: async (conn, sql) => (await conn.query(sql))[0] as unknown[],
    backendId: async (conn) => Number(((await conn.query("SELECT CONNECTION_ID() AS id"))[0] as { id: number }[])[0]!.id),
    kill: async (id) => void (await admin.query(`KILL CONNECTION ${Number(id)}`)),
    inTransaction: async (id) => {
      // information_schema.innodb_trx is refreshed at most every 100 ms (InnoDB trx cache).
      await sleep(150);
      const [rows] = await admin.query("SELECT trx_id FROM information_schema.innodb_trx WHERE trx_mysql_thread_id = ?", [id]);
      return (rows as unknown[]).length > 0;
    },
    begin: async (conn) => {
      await conn.query("START TRANSACTION");
      await conn.query("INSERT INTO athanor_pool_probe (note) VALUES ('uncommitted')");
    },
    closeAdmin: () => admin.end(),
  };
}

for (const [name, makeKit] of [
  ["postgresql", pgKit],
  ["mysql", mysqlKit],
] as const) {
  describe(`QueuePool on real ${name}`, async () => {
    const availability = await requireDatabase(name);
    // The kit's connection type differs per server; the tests only pass it back to the kit.
    let kit: ServerKit<unknown>;
    const pools: QueuePool<unknown>[] = [];
    const poolFor = <C>(k: ServerKit<C>, options: QueuePoolOptions<C>) => {
      const pool = new QueuePool<C>(k.creator, { dialect: k.dialect, logger: new MemoryLogger(), ...options });
      pools.push(pool as QueuePool<unknown>);
      return pool;
    };

    before(async () => {
      if (availability.reachable) kit = await makeKit();
    });
    after(async () => {
      for (const pool of pools) await pool.dispose();
      await kit?.closeAdmin();
    });
    const skip = availability.reachable ? false : availability.reason;

    it("reset on return leaves no open transaction, as the server sees it", { skip }, async () => {
      const pool = poolFor(kit, { poolSize: 1 });
      const conn = await pool.connect();
      const id = await kit.backendId(conn.dbapiConnection);
      await kit.begin(conn.dbapiConnection);
      assert.equal(await kit.inTransaction(id), true, "the server sees the transaction while checked out");
      await conn.close();
      assert.equal(await kit.inTransaction(id), false, "rolled back on return");
      const again = await pool.connect();
      assert.equal(await kit.backendId(again.dbapiConnection), id, "and the same session was reused");
      await again.close();
    });

    it("resetOnReturn 'none' really leaves the transaction open (the hazard reset prevents)", { skip }, async () => {
      const pool = poolFor(kit, { poolSize: 1, resetOnReturn: "none" });
      const conn = await pool.connect();
      const id = await kit.backendId(conn.dbapiConnection);
      await kit.begin(conn.dbapiConnection);
      await conn.close();
      assert.equal(await kit.inTransaction(id), true);
      await pool.dispose();
    });

    it("pre-ping replaces a backend killed on the server; the caller never sees an error", { skip }, async () => {
      const pool = poolFor(kit, { poolSize: 2, prePing: true });
      const [a, b] = [await pool.connect(), await pool.connect()];
      const ids = [await kit.backendId(a.dbapiConnection), await kit.backendId(b.dbapiConnection)];
      await a.close();
      await b.close();
      for (const id of ids) await kit.kill(id);
      await sleep(100);
      for (let i = 0; i < 4; i++) {
        const c = await pool.connect();
        const rows = await kit.run(c.dbapiConnection, "SELECT 1 AS one");
        assert.equal(Number((rows[0] as { one: number }).one), 1);
        assert.ok(!ids.includes(await kit.backendId(c.dbapiConnection)), "a new backend");
        await c.close();
      }
      assert.deepEqual([pool.status().checkedIn, pool.status().checkedOut], [2, 0], "both records live on, reconnected");
    });

    it("without pre-ping a killed backend costs one error, and the failed reset invalidates it", { skip }, async () => {
      const pool = poolFor(kit, { poolSize: 1 });
      const a = await pool.connect();
      const id = await kit.backendId(a.dbapiConnection);
      await a.close();
      await kit.kill(id);
      await sleep(100);
      const stale = await pool.connect();
      const err = await kit.run(stale.dbapiConnection, "SELECT 1").then(() => undefined, (e: unknown) => e);
      assert.ok(err !== undefined, "the stale connection fails");
      assert.equal(kit.dialect.isDisconnect(err, stale.dbapiConnection), true, "and the dialect calls it a disconnect");
      await stale.close();
      assert.equal(pool.status().checkedIn, 0, "its reset failed, so it was dropped, not pooled");
      const fresh = await pool.connect();
      assert.notEqual(await kit.backendId(fresh.dbapiConnection), id);
      await fresh.close();
    });

    it("recycle replaces a connection older than recycleMs at its next checkout", { skip }, async () => {
      const pool = poolFor(kit, { poolSize: 1, recycleMs: 300 });
      const a = await pool.connect();
      const first = await kit.backendId(a.dbapiConnection);
      await a.close();
      const b = await pool.connect();
      assert.equal(await kit.backendId(b.dbapiConnection), first, "young: reused");
      await b.close();
      await sleep(400);
      const c = await pool.connect();
      assert.notEqual(await kit.backendId(c.dbapiConnection), first, "old: replaced");
      await c.close();
    });

    it("fails fast with the connect error when nothing listens on the port", { skip }, async () => {
      const config = name === "postgresql" ? { ...pgConfig, port: 1 } : { ...mysqlConfig, port: 1 };
      const creator =
        name === "postgresql"
          ? async () => {
              const c = new pg.Client(config);
              attachPgErrorGuard(c);
              await c.connect();
              return c as unknown;
            }
          : async () => (await mysql.createConnection(config)) as unknown;
      const pool = new QueuePool<unknown>(creator, { poolSize: 1, timeoutMs: 2_000 });
      const started = Date.now();
      await assert.rejects(pool.connect(), /ECONNREFUSED/);
      assert.ok(Date.now() - started < 2_000);
      assert.equal(kit.dialect.isDisconnect(pool.lastConnectError), true);
      assert.equal(pool.status().checkedOut, 0);
    });
  });
}
