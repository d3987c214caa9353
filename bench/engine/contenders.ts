import knexFactory, { type Knex } from "knex";
import pg from "pg";
import postgres from "postgres";
import { createEngine, text, type Engine, type EngineOptions } from "../../src/index.js";
import { applicationName, PGBENCH_DATABASE, pgTarget, pgUrl, type PgTarget } from "./db.js";

/**
 * The engine benchmark's contenders: each is one way of doing one unit of work (a SELECT 1
 * through a pool, a short transaction, a TPC-B transaction, a 100 000-row insert) with one
 * library, built in its own worker thread (bench/engine/worker.ts) so its call sites, heap and
 * GC are its own. Every pool holds at most POOL_MAX connections (TPC-B: TPCB_CLIENTS), never
 * closes idle ones during the run, and tags its connections with its own application_name so
 * the coordinator can count them on the server.
 */

export const POOL_MAX = 10;
/** pgbench -c: clients, hence connections, for the TPC-B runs. */
export const TPCB_CLIENTS = 16;

/** Something run over and over by N concurrent async loops. */
export interface OpsWorkload {
  readonly kind: "ops";
  op(): Promise<void>;
  close(): Promise<void>;
}

/** Inserts `rows` into the (fresh, empty) `table`. */
export interface InsertWorkload {
  readonly kind: "insert";
  insert(table: string, rows: readonly InsertRow[]): Promise<void>;
  close(): Promise<void>;
}

export type Workload = OpsWorkload | InsertWorkload;

/** The executemany rows: 3 columns (integer, text, double precision). */
export type InsertRow = { a: number; b: string; c: number };

export const SELECT_CONTENDERS = [
  "pg-pool",
  "athanor",
  "athanor-autocommit",
  "athanor-autocommit-noreset",
  "postgres-js",
  "knex",
] as const;
export const BEGIN_CONTENDERS = ["pg-begin", "athanor-begin", "postgres-js-begin", "knex-begin"] as const;
export const TPCB_CONTENDERS = ["athanor-tpcb", "pg-tpcb"] as const;
export const INSERT_CONTENDERS = ["athanor-executemany", "knex-batch-1000", "knex-batch-5000", "knex-insert-all", "pg-values-1000"] as const;

export type SelectContender = (typeof SELECT_CONTENDERS)[number];
export type BeginContender = (typeof BEGIN_CONTENDERS)[number];
export type TpcbContender = (typeof TPCB_CONTENDERS)[number];
export type InsertContender = (typeof INSERT_CONTENDERS)[number];
export type ContenderName = SelectContender | BeginContender | TpcbContender | InsertContender;

export const ALL_CONTENDERS: readonly ContenderName[] = [...SELECT_CONTENDERS, ...BEGIN_CONTENDERS, ...TPCB_CONTENDERS, ...INSERT_CONTENDERS];

export const DESCRIPTIONS: Record<ContenderName, string> = {
  "pg-pool": "pg 8 `pg.Pool.query('SELECT 1')` (max 10, idleTimeoutMillis 0): checkout, 1 query, release",
  athanor: "athanor `engine.connect()` + `execute(text('SELECT 1'))` + `close()`, default settings: a transaction, BEGIN sent with the SELECT; close() does not wait for its ROLLBACK, which goes in front of the connection's next BEGIN (\"ROLLBACK;BEGIN;SELECT 1\": one round trip per op)",
  "athanor-autocommit":
    "as athanor, `isolationLevel: 'AUTOCOMMIT'`: no BEGIN; nothing is left open, so close() tells the pool to skip its reset: one round trip",
  "athanor-autocommit-noreset": "as athanor-autocommit, plus `poolResetOnReturn: 'none'`: the SELECT alone, the same work as pg.Pool.query",
  "postgres-js":
    "postgres.js 3 `sql`SELECT 1`` (max 10, defaults: named prepared statements, and up to 100 queries pipelined on a busy connection, so at c=128 it does not wait for a free one)",
  knex: "knex 3 `knex.raw('SELECT 1')` on pg (tarn pool min 0, max 10)",
  "pg-begin": "pg.Pool: `connect()` → BEGIN, SELECT 1, COMMIT → `release()`",
  "athanor-begin": "athanor `engine.begin(async (conn) => conn.execute(text('SELECT 1')))`",
  "postgres-js-begin": "postgres.js `sql.begin(async (tx) => tx`SELECT 1`)`",
  "knex-begin": "knex `knex.transaction(async (trx) => trx.raw('SELECT 1'))`",
  "athanor-tpcb": "athanor `engine.begin()` running pgbench's tpcb-like script (5 statements, :name parameters), pool of 16",
  "pg-tpcb": "pg.Pool (max 16): connect → BEGIN, the 5 statements ($n parameters), COMMIT → release",
  "athanor-executemany": "athanor `engine.begin(conn => conn.execute(text('INSERT ... VALUES (:a, :b, :c)'), rows))`: insertmanyvalues, 1000 rows per statement",
  "knex-batch-1000": "knex `batchInsert(table, rows, 1000)` (its own transaction)",
  "knex-batch-5000": "knex `batchInsert(table, rows, 5000)` (its own transaction)",
  "knex-insert-all": "knex `knex(table).insert(rows)`: all rows in one statement",
  "pg-values-1000": "pg, hand-written: BEGIN, 100 × `INSERT ... VALUES ($1,$2,$3), ... (1000 rows)`, COMMIT (the floor for a batched insert)",
};

export function isContender(name: string): name is ContenderName {
  return (ALL_CONTENDERS as readonly string[]).includes(name);
}

export function makeWorkload(name: ContenderName): Workload {
  const t = pgTarget();
  const app = applicationName(name);
  switch (name) {
    case "pg-pool": {
      const pool = pgPool(t, app, POOL_MAX);
      return ops(async () => void (await pool.query("SELECT 1")), () => pool.end());
    }
    case "athanor":
      return athanorSelect(athanorEngine(t, app, {}));
    case "athanor-autocommit":
      return athanorSelect(athanorEngine(t, app, { isolationLevel: "AUTOCOMMIT" }));
    case "athanor-autocommit-noreset":
      return athanorSelect(athanorEngine(t, app, { isolationLevel: "AUTOCOMMIT", poolResetOnReturn: "none" }));
    case "postgres-js": {
      const sql = postgresJs(t, app, POOL_MAX);
      return ops(async () => void (await sql`SELECT 1`), () => sql.end());
    }
    case "knex": {
      const k = knexPg(t, app, POOL_MAX);
      return ops(async () => void (await k.raw("SELECT 1")), () => k.destroy());
    }
    case "pg-begin": {
      const pool = pgPool(t, app, POOL_MAX);
      return ops(async () => {
        const client = await pool.connect();
        try {
          await client.query("BEGIN");
          await client.query("SELECT 1");
          await client.query("COMMIT");
        } finally {
          client.release();
        }
      }, () => pool.end());
    }
    case "athanor-begin": {
      const engine = athanorEngine(t, app, {});
      const select1 = text("SELECT 1");
      return ops(
        () => engine.begin(async (conn) => void (await conn.execute(select1))),
        () => engine.dispose(),
      );
    }
    case "postgres-js-begin": {
      const sql = postgresJs(t, app, POOL_MAX);
      return ops(async () => void (await sql.begin(async (tx) => void (await tx`SELECT 1`))), () => sql.end());
    }
    case "knex-begin": {
      const k = knexPg(t, app, POOL_MAX);
      return ops(() => k.transaction(async (trx) => void (await trx.raw("SELECT 1"))), () => k.destroy());
    }
    case "athanor-tpcb":
      return athanorTpcb(pgTarget(PGBENCH_DATABASE), app);
    case "pg-tpcb":
      return pgTpcb(pgTarget(PGBENCH_DATABASE), app);
    case "athanor-executemany": {
      const engine = athanorEngine(t, app, {});
      return inserts(async (table, rows) => {
        const insert = text(`INSERT INTO ${table} (a, b, c) VALUES (:a, :b, :c)`);
        await engine.begin(async (conn) => void (await conn.execute(insert, rows)));
      }, () => engine.dispose());
    }
    case "knex-batch-1000":
    case "knex-batch-5000": {
      const chunk = name === "knex-batch-1000" ? 1000 : 5000;
      const k = knexPg(t, app, POOL_MAX);
      return inserts(async (table, rows) => void (await k.batchInsert(table, [...rows], chunk)), () => k.destroy());
    }
    case "knex-insert-all": {
      const k = knexPg(t, app, POOL_MAX);
      return inserts(async (table, rows) => void (await k(table).insert([...rows])), () => k.destroy());
    }
    case "pg-values-1000": {
      const pool = pgPool(t, app, POOL_MAX);
      return inserts((table, rows) => pgValuesInsert(pool, table, rows, 1000), () => pool.end());
    }
  }
}

function ops(op: () => Promise<void>, close: () => Promise<unknown>): OpsWorkload {
  return { kind: "ops", op, close: async () => void (await close()) };
}

function inserts(insert: (table: string, rows: readonly InsertRow[]) => Promise<void>, close: () => Promise<unknown>): InsertWorkload {
  return { kind: "insert", insert, close: async () => void (await close()) };
}

// ---- builders -----------------------------------------------------------------------------

function pgPool(t: PgTarget, app: string, max: number): pg.Pool {
  const pool = new pg.Pool({ host: t.host, port: t.port, user: t.user, database: t.database, application_name: app, max, idleTimeoutMillis: 0 });
  pool.on("error", () => undefined);
  return pool;
}

function athanorEngine(t: PgTarget, app: string, options: EngineOptions, poolSize = POOL_MAX): Engine {
  return createEngine(pgUrl(t, app), { poolSize, maxOverflow: 0, ...options });
}

function postgresJs(t: PgTarget, app: string, max: number): postgres.Sql {
  return postgres({
    host: t.host,
    port: t.port,
    user: t.user,
    database: t.database,
    max,
    connection: { application_name: app },
    onnotice: () => undefined,
  });
}

function knexPg(t: PgTarget, app: string, max: number): Knex {
  return knexFactory({
    client: "pg",
    connection: { host: t.host, port: t.port, user: t.user, database: t.database, application_name: app },
    // idleTimeoutMillis: keep idle connections through the other contenders' rounds, as the others do.
    pool: { min: 0, max, idleTimeoutMillis: 600_000 },
  });
}

function athanorSelect(engine: Engine): OpsWorkload {
  const select1 = text("SELECT 1");
  return ops(async () => {
    const conn = await engine.connect();
    try {
      await conn.execute(select1);
    } finally {
      await conn.close();
    }
  }, () => engine.dispose());
}

// ---- TPC-B (pgbench's built-in "tpcb-like" script, scale 1) --------------------------------

/** pgbench -s 1: 100 000 accounts, 1 branch, 10 tellers. */
const SCALE = 1;

interface TpcbParams {
  aid: number;
  bid: number;
  tid: number;
  delta: number;
}

/** `random(lo, hi)` of pgbench: uniform, both ends included. */
function random(lo: number, hi: number): number {
  return lo + Math.floor(Math.random() * (hi - lo + 1));
}

function tpcbParams(): TpcbParams {
  return {
    aid: random(1, 100_000 * SCALE),
    bid: random(1, SCALE),
    tid: random(1, 10 * SCALE),
    delta: random(-5000, 5000),
  };
}

function athanorTpcb(t: PgTarget, app: string): OpsWorkload {
  const engine = athanorEngine(t, app, {}, TPCB_CLIENTS);
  const updateAccount = text("UPDATE pgbench_accounts SET abalance = abalance + :delta WHERE aid = :aid");
  const selectAccount = text("SELECT abalance FROM pgbench_accounts WHERE aid = :aid");
  const updateTeller = text("UPDATE pgbench_tellers SET tbalance = tbalance + :delta WHERE tid = :tid");
  const updateBranch = text("UPDATE pgbench_branches SET bbalance = bbalance + :delta WHERE bid = :bid");
  const insertHistory = text(
    "INSERT INTO pgbench_history (tid, bid, aid, delta, mtime) VALUES (:tid, :bid, :aid, :delta, CURRENT_TIMESTAMP)",
  );
  return ops(
    () =>
      engine.begin(async (conn) => {
        const p = tpcbParams();
        await conn.execute(updateAccount, { delta: p.delta, aid: p.aid });
        await conn.execute(selectAccount, { aid: p.aid });
        await conn.execute(updateTeller, { delta: p.delta, tid: p.tid });
        await conn.execute(updateBranch, { delta: p.delta, bid: p.bid });
        await conn.execute(insertHistory, { tid: p.tid, bid: p.bid, aid: p.aid, delta: p.delta });
      }),
    () => engine.dispose(),
  );
}

function pgTpcb(t: PgTarget, app: string): OpsWorkload {
  const pool = pgPool(t, app, TPCB_CLIENTS);
  return ops(async () => {
    const p = tpcbParams();
    const client = await pool.connect();
    try {
      await client.query("BEGIN");
      await client.query("UPDATE pgbench_accounts SET abalance = abalance + $1 WHERE aid = $2", [p.delta, p.aid]);
      await client.query("SELECT abalance FROM pgbench_accounts WHERE aid = $1", [p.aid]);
      await client.query("UPDATE pgbench_tellers SET tbalance = tbalance + $1 WHERE tid = $2", [p.delta, p.tid]);
      await client.query("UPDATE pgbench_branches SET bbalance = bbalance + $1 WHERE bid = $2", [p.delta, p.bid]);
      await client.query("INSERT INTO pgbench_history (tid, bid, aid, delta, mtime) VALUES ($1, $2, $3, $4, CURRENT_TIMESTAMP)", [
        p.tid,
        p.bid,
        p.aid,
        p.delta,
      ]);
      await client.query("COMMIT");
    } catch (err) {
      await client.query("ROLLBACK").catch(() => undefined);
      throw err;
    } finally {
      client.release();
    }
  }, () => pool.end());
}

// ---- the hand-written batched insert ---------------------------------------------------------

async function pgValuesInsert(pool: pg.Pool, table: string, rows: readonly InsertRow[], perStatement: number): Promise<void> {
  const client = await pool.connect();
  try {
    await client.query("BEGIN");
    const sqlByRows = new Map<number, string>();
    for (let start = 0; start < rows.length; start += perStatement) {
      const n = Math.min(perStatement, rows.length - start);
      let sql = sqlByRows.get(n);
      if (sql === undefined) {
        const groups: string[] = [];
        for (let i = 0; i < n; i++) groups.push(`($${3 * i + 1}, $${3 * i + 2}, $${3 * i + 3})`);
        sql = `INSERT INTO ${table} (a, b, c) VALUES ${groups.join(", ")}`;
        sqlByRows.set(n, sql);
      }
      const values: unknown[] = new Array<unknown>(3 * n);
      for (let i = 0; i < n; i++) {
        const row = rows[start + i] as InsertRow;
        values[3 * i] = row.a;
        values[3 * i + 1] = row.b;
        values[3 * i + 2] = row.c;
      }
      await client.query(sql, values);
    }
    await client.query("COMMIT");
  } catch (err) {
    await client.query("ROLLBACK").catch(() => undefined);
    throw err;
  } finally {
    client.release();
  }
}
