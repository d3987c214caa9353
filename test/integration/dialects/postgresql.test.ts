/**
 * The PostgreSQL (pg) dialect driven directly, against the machine's PostgreSQL
 * (SPEC E1, E3, E5, E7, E9, E12): URL -> connector, statements with bound parameters,
 * RETURNING, error classes, savepoints, server-side cursors with flat memory, isolation
 * levels, URL option checks before any connect, TLS negotiation.
 */
import assert from "node:assert/strict";
import net from "node:net";
import { setFlagsFromString } from "node:v8";
import { runInNewContext } from "node:vm";
import { after, before, describe, it, type TestContext } from "node:test";

import { PostgresqlDialect, createPostgresqlDialect } from "../../../src/dialects/postgresql/dialect.js";
import type { PgClient } from "../../../src/dialects/postgresql/pg-driver.js";
import type { ConnectOptions } from "../../../src/engine/interfaces.js";
import { ArgumentError } from "../../../src/errors.js";
import { DatabaseUrl } from "../../../src/url.js";
import { databaseUrl, requireDatabase } from "../../support/databases.js";

const OPTIONS: ConnectOptions = { connectTimeoutMs: 10_000, connectArgs: {} };
/** One table per run, so concurrent runs on the shared server do not collide. */
const TABLE = `athanor_pg_dialect_${process.pid}_${Date.now().toString(36)}`;

const dialect: PostgresqlDialect = createPostgresqlDialect();

function serverUrl(query: Record<string, string> = {}): DatabaseUrl {
  const url = DatabaseUrl.parse(databaseUrl("postgresql"));
  return url.set({ query: { ...url.query, ...query } });
}

async function connect(query: Record<string, string> = {}, options: ConnectOptions = OPTIONS): Promise<PgClient> {
  return dialect.createConnector(serverUrl(query), options)();
}

async function scalar(conn: PgClient, sql: string, params: unknown[] = []): Promise<unknown> {
  return (await dialect.execute(conn, sql, params)).rows[0]?.[0];
}

async function failure(work: Promise<unknown>): Promise<unknown> {
  try {
    await work;
  } catch (err) {
    return err;
  }
  assert.fail("expected the operation to fail");
}

const gc: () => void = (() => {
  const existing = (globalThis as { gc?: () => void }).gc;
  if (typeof existing === "function") return existing;
  setFlagsFromString("--expose-gc");
  return runInNewContext("gc") as () => void;
})();

function settledHeapUsed(): number {
  gc();
  gc();
  return process.memoryUsage().heapUsed;
}

/** A server that accepts TCP connections and never answers (a hung host). */
async function silentServer(): Promise<{ port: number; close(): Promise<void> }> {
  const sockets = new Set<net.Socket>();
  const server = net.createServer((socket) => {
    sockets.add(socket);
    socket.on("error", () => undefined);
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const address = server.address();
  assert.ok(address !== null && typeof address === "object");
  return {
    port: address.port,
    close: () =>
      new Promise<void>((resolve) => {
        for (const socket of sockets) socket.destroy();
        server.close(() => resolve());
      }),
  };
}

describe("PostgreSQL dialect (pg) against the real server", () => {
  let reachable = false;
  let conn: PgClient;

  before(async () => {
    reachable = (await requireDatabase("postgresql")).reachable;
    if (!reachable) return;
    conn = await connect();
    await dialect.execute(conn, `CREATE TABLE ${TABLE} (id serial PRIMARY KEY, name text UNIQUE NOT NULL, n int)`, []);
  });

  after(async () => {
    if (!reachable) return;
    await dialect.execute(conn, `DROP TABLE IF EXISTS ${TABLE}`, []);
    await dialect.close(conn);
  });

  async function skipUnlessReachable(t: TestContext): Promise<boolean> {
    const db = await requireDatabase("postgresql", t);
    return db.reachable;
  }

  it("describes itself: $n parameters, RETURNING, savepoints, cursors, 65535 parameters", () => {
    assert.equal(dialect.name, "postgresql");
    assert.equal(dialect.driver, "pg");
    assert.equal(dialect.paramStyle, "numeric_dollar");
    assert.equal(dialect.backslashEscapes, false);
    assert.deepEqual(dialect.capabilities, {
      returning: true,
      savepoints: true,
      serverSideCursors: true,
      maxBindParameters: 65_535,
      isolationLevels: ["READ UNCOMMITTED", "READ COMMITTED", "REPEATABLE READ", "SERIALIZABLE"],
      cancel: true,
    });
    assert.deepEqual(dialect.defaultPool(serverUrl()), { kind: "queue" });
    assert.equal(dialect.beginSql(), "BEGIN");
    assert.equal(dialect.quoteIdentifier('we"ird'), '"we""ird"');
    assert.equal(dialect.savepointSql("sp 1"), 'SAVEPOINT "sp 1"');
    assert.equal(dialect.releaseSavepointSql("sp"), 'RELEASE SAVEPOINT "sp"');
    assert.equal(dialect.rollbackToSavepointSql("sp"), 'ROLLBACK TO SAVEPOINT "sp"');
    assert.throws(() => dialect.quoteIdentifier("a\0b"), ArgumentError);
  });

  it("runs DDL, INSERT and SELECT with bound parameters: columns, rows, rowCount", async (t) => {
    if (!(await skipUnlessReachable(t))) return;
    const insert = await dialect.execute(conn, `INSERT INTO ${TABLE} (name, n) VALUES ($1, $2), ($3, $4)`, ["alpha", 1, "beta", 2]);
    assert.deepEqual(insert, { columns: [], rows: [], rowCount: 2 });

    const select = await dialect.execute(conn, `SELECT name, n FROM ${TABLE} WHERE n >= $1 ORDER BY n`, [1]);
    assert.deepEqual(select.columns, ["name", "n"]);
    assert.deepEqual(select.rows, [
      ["alpha", 1],
      ["beta", 2],
    ]);
    assert.equal(select.rowCount, 2);
    assert.equal(select.lastInsertId, undefined);

    const update = await dialect.execute(conn, `UPDATE ${TABLE} SET n = n + 10 WHERE name = $1`, ["alpha"]);
    assert.equal(update.rowCount, 1);
    const ddl = await dialect.execute(conn, `CREATE TEMP TABLE ${TABLE}_tmp (x int)`, []);
    assert.equal(ddl.rowCount, -1, "a command tag without a count gives -1");
  });

  it("returns rows from INSERT ... RETURNING and UPDATE/DELETE ... RETURNING", async (t) => {
    if (!(await skipUnlessReachable(t))) return;
    const inserted = await dialect.execute(conn, `INSERT INTO ${TABLE} (name, n) VALUES ($1, $2) RETURNING id, name`, ["gamma", 3]);
    assert.deepEqual(inserted.columns, ["id", "name"]);
    assert.equal(inserted.rowCount, 1);
    assert.equal(typeof inserted.rows[0]?.[0], "number");
    const deleted = await dialect.execute(conn, `DELETE FROM ${TABLE} WHERE name = $1 RETURNING n`, ["gamma"]);
    assert.deepEqual(deleted.rows, [[3]]);
  });

  it("gives the last result when one text holds several statements", async (t) => {
    if (!(await skipUnlessReachable(t))) return;
    const result = await dialect.execute(conn, "SELECT 1 AS a; SELECT 2 AS b, 3 AS c", []);
    assert.deepEqual(result.columns, ["b", "c"]);
    assert.deepEqual(result.rows, [[2, 3]]);
  });

  it("executeAfter sends the prefix and the statement in one round trip, with and without parameters", async (t) => {
    if (!(await skipUnlessReachable(t))) return;
    const c = await connect();
    try {
      let submitted = 0;
      const query = c.query.bind(c) as (...args: unknown[]) => unknown;
      (c as { query: unknown }).query = (...args: unknown[]) => {
        submitted++;
        return query(...args);
      };
      // Extended protocol: Parse/Bind/Execute BEGIN, then the INSERT, one Sync.
      const inserted = await dialect.executeAfter(c, "BEGIN", `INSERT INTO ${TABLE} (name, n) VALUES ($1, $2) RETURNING n`, ["pipelined", 7]);
      assert.deepEqual(inserted, { columns: ["n"], rows: [[7]], rowCount: 1 }, "the statement's result, not BEGIN's");
      // Simple protocol: "BEGIN;SELECT ...", here inside the open transaction (a warning, no error).
      const seen = await dialect.executeAfter(c, "SAVEPOINT sp", `SELECT count(*)::int FROM ${TABLE} WHERE name = 'pipelined'`, []);
      assert.deepEqual(seen.rows, [[1]]);
      assert.equal(submitted, 2, "one client.query per call: the prefix rode along");
      await dialect.rollback(c);
      assert.equal(await scalar(c, `SELECT count(*)::int FROM ${TABLE} WHERE name = 'pipelined'`), 0, "BEGIN ran first: the rollback undid the INSERT");
    } finally {
      await dialect.close(c);
    }
  });

  it("executeAfter: a failing prefix skips the statement, and the connection stays in step", async (t) => {
    if (!(await skipUnlessReachable(t))) return;
    for (const params of [["skipped-ext"], []]) {
      const name = params.length > 0 ? "$1" : "'skipped-simple'";
      const err = await failure(dialect.executeAfter(conn, "SELECT 1/0", `INSERT INTO ${TABLE} (name) VALUES (${name})`, params));
      assert.equal(dialect.classifyError(err), "DataError", "22012 division_by_zero, from the prefix");
      assert.equal(await scalar(conn, `SELECT count(*)::int FROM ${TABLE} WHERE name LIKE 'skipped-%'`), 0, "the statement never ran");
    }
  });

  it("a value pg cannot convert fails before anything is written; a failing type parser after the statement, in step", async (t) => {
    if (!(await skipUnlessReachable(t))) return;
    const cyclic: Record<string, unknown> = {};
    cyclic.self = cyclic;
    await assert.rejects(dialect.executeAfter(conn, "BEGIN", "SELECT $1::jsonb", [cyclic]), /circular/i);
    assert.equal(await scalar(conn, "SELECT pg_catalog.txid_current_if_assigned() IS NULL AND now() = statement_timestamp()"), true, "no BEGIN was sent");
    const c = await connect();
    try {
      (c as unknown as { setTypeParser(oid: number, parse: (raw: string) => unknown): void }).setTypeParser(1700, () => {
        throw new Error("numeric parser failed");
      });
      await assert.rejects(dialect.execute(c, "SELECT 1.5::numeric FROM generate_series(1, 3)", []), /numeric parser failed/);
      assert.equal(await scalar(c, "SELECT 42"), 42, "the rows were drained: the next statement gets its own answer");
    } finally {
      await dialect.close(c);
    }
  });

  describe("prepared statements (prepare_threshold)", () => {
    const PREPARED = "SELECT name, statement, generic_plans + custom_plans AS runs FROM pg_prepared_statements WHERE name LIKE 'athanor_s%' ORDER BY name";

    it("a statement run past the threshold is prepared once, then run by name", async (t) => {
      if (!(await skipUnlessReachable(t))) return;
      const c = await connect({ prepare_threshold: "2" });
      try {
        const sql = "SELECT $1::int + 1 AS n";
        for (let i = 1; i <= 5; i++) assert.deepEqual((await dialect.execute(c, sql, [i])).rows, [[i + 1]]);
        const prepared = await dialect.execute(c, PREPARED, []);
        assert.equal(prepared.rows.length, 1, "one named statement for the one text");
        assert.equal(prepared.rows[0]?.[1], sql);
        assert.equal(Number(prepared.rows[0]?.[2]), 3, "runs 3, 4 and 5 went through it");
        assert.equal((await dialect.executeAfter(c, "BEGIN", sql, [41])).rows[0]?.[0], 42, "with a BEGIN in front too");
        await dialect.rollback(c);
      } finally {
        await dialect.close(c);
      }
    });

    it("prepare_threshold=none never prepares; a malformed value is refused before connecting", async (t) => {
      if (!(await skipUnlessReachable(t))) return;
      const c = await connect({ prepare_threshold: "none" });
      try {
        for (let i = 0; i < 8; i++) await dialect.execute(c, "SELECT $1::int", [i]);
        assert.deepEqual((await dialect.execute(c, PREPARED, [])).rows, []);
      } finally {
        await dialect.close(c);
      }
      assert.throws(() => dialect.createConnector(serverUrl({ prepare_threshold: "often" }), OPTIONS), (e: unknown) => e instanceof ArgumentError && /prepare_threshold.*'none'/.test(e.message));
    });

    it("survives DEALLOCATE ALL, and a table whose columns changed fails once, then is prepared again", async (t) => {
      if (!(await skipUnlessReachable(t))) return;
      const c = await connect({ prepare_threshold: "0" });
      const table = `${TABLE}_prep`;
      try {
        await dialect.execute(c, `CREATE TABLE ${table} (id int PRIMARY KEY)`, []);
        await dialect.execute(c, `INSERT INTO ${table} VALUES ($1)`, [1]);
        const select = `SELECT * FROM ${table} WHERE id = $1`;
        assert.deepEqual((await dialect.execute(c, select, [1])).rows, [[1]]);
        await dialect.execute(c, "DEALLOCATE ALL", []);
        assert.deepEqual((await dialect.execute(c, select, [1])).rows, [[1]], "prepared again, under a new name");
        await dialect.execute(c, `ALTER TABLE ${table} ADD COLUMN extra int`, []);
        const err = await failure(dialect.execute(c, select, [1]));
        assert.equal((err as { code?: string }).code, "0A000", "cached plan must not change result type (as with psycopg 3)");
        assert.deepEqual((await dialect.execute(c, select, [1])).rows, [[1, null]], "the next run sees the new column");
      } finally {
        await dialect.execute(c, `DROP TABLE IF EXISTS ${table}`, []);
        await dialect.close(c);
      }
    });

    it("keeps at most 100 per connection: the least recently used is closed on the server", async (t) => {
      if (!(await skipUnlessReachable(t))) return;
      const c = await connect({ prepare_threshold: "0" });
      try {
        for (let i = 0; i <= 100; i++) await dialect.execute(c, `SELECT $1::int + ${i}`, [i]);
        await dialect.execute(c, "SELECT $1::int", [0]); // carries the Close of the evicted ones
        const prepared = (await dialect.execute(c, PREPARED, [])).rows.map((r) => r[1]);
        assert.equal(prepared.length, 100);
        assert.ok(!prepared.includes("SELECT $1::int + 0") && !prepared.includes("SELECT $1::int + 1"), "the two least recently used are gone");
      } finally {
        await dialect.close(c);
      }
    });
  });

  it("binds injection strings as data, never as SQL", async (t) => {
    if (!(await skipUnlessReachable(t))) return;
    const nasty = [
      "'; DROP TABLE " + TABLE + "; --",
      "\\'; SELECT 1; --",
      "$1",
      "Robert'); DELETE FROM " + TABLE + " WHERE ('1' = '1",
      "quote ' backslash \\ double \" dollar $$ tag $a$",
    ];
    for (const [i, value] of nasty.entries()) {
      await dialect.execute(conn, `INSERT INTO ${TABLE} (name, n) VALUES ($1, $2)`, [value, 100 + i]);
      assert.equal(await scalar(conn, `SELECT name FROM ${TABLE} WHERE n = $1`, [100 + i]), value);
      assert.equal(await scalar(conn, "SELECT $1::text", [value]), value);
    }
    assert.equal(await scalar(conn, `SELECT count(*)::int FROM ${TABLE} WHERE n >= 100`, []), nasty.length);
  });

  it("classifies server errors by SQLSTATE (SPEC E9)", async (t) => {
    if (!(await skipUnlessReachable(t))) return;
    await dialect.execute(conn, `INSERT INTO ${TABLE} (name, n) VALUES ('dupe', 0)`, []);
    const cases: [string, unknown[], string, string][] = [
      [`INSERT INTO ${TABLE} (name, n) VALUES ($1, 0)`, ["dupe"], "23505", "IntegrityError"],
      [`INSERT INTO ${TABLE} (name) VALUES (NULL)`, [], "23502", "IntegrityError"],
      ["SELEC 1", [], "42601", "ProgrammingError"],
      ["SELECT * FROM athanor_no_such_table", [], "42P01", "ProgrammingError"],
      ["SELECT no_such_column FROM " + TABLE, [], "42703", "ProgrammingError"],
      ["SELECT 1 / 0", [], "22012", "DataError"],
      ["SELECT $1::int", ["not a number"], "22P02", "DataError"],
      ["SELECT pg_sleep(1)", [], "57014", "OperationalError"],
    ];
    for (const [sql, params, sqlstate, kind] of cases) {
      if (sqlstate === "57014") await dialect.execute(conn, "SET statement_timeout = 50", []);
      const err = await failure(dialect.execute(conn, sql, params));
      if (sqlstate === "57014") await dialect.execute(conn, "SET statement_timeout = 0", []);
      assert.equal((err as { code?: unknown }).code, sqlstate, sql);
      assert.equal(dialect.classifyError(err), kind, sql);
      assert.equal(dialect.isDisconnect(err, conn), false, sql);
    }
    // The connection is still good after every one of them.
    assert.equal(await scalar(conn, "SELECT 41 + 1"), 42);
  });

  it("classifies connect failures and client-side errors", async (t) => {
    if (!(await skipUnlessReachable(t))) return;
    const refused = await failure(
      dialect.createConnector(DatabaseUrl.parse(`postgresql://postgres@127.0.0.1:${await closedPort()}/test`), OPTIONS)(),
    );
    assert.equal(dialect.classifyError(refused), "OperationalError");
    assert.equal(dialect.isDisconnect(refused), true);

    const wrongDb = await failure(dialect.createConnector(serverUrl().set({ database: "athanor_no_such_db" }), OPTIONS)());
    // 3D000 arrives as a FATAL that ends the session: a failed connect, OperationalError
    // (as psycopg2 reports every failed connect), not the ProgrammingError of class 3D.
    assert.equal((wrongDb as { code?: unknown }).code, "3D000");
    assert.equal(dialect.classifyError(wrongDb), "OperationalError");

    const closed = await connect();
    await dialect.close(closed);
    const afterClose = await failure(dialect.execute(closed, "SELECT 1", []));
    assert.equal(dialect.classifyError(afterClose), "OperationalError", "a closed client is a disconnect");
    assert.equal(dialect.isDisconnect(afterClose), true);

    const circular: Record<string, unknown> = {};
    circular.self = circular;
    const badValue = await failure(dialect.execute(conn, "SELECT $1::text", [circular]));
    assert.equal(dialect.classifyError(badValue), "InterfaceError");
  });

  it("round-trips savepoints: ROLLBACK TO undoes only the inner work", async (t) => {
    if (!(await skipUnlessReachable(t))) return;
    const sp = 'athanor "sp" 1';
    await dialect.execute(conn, dialect.beginSql(), []);
    await dialect.execute(conn, `INSERT INTO ${TABLE} (name, n) VALUES ('outer', 500)`, []);
    await dialect.execute(conn, dialect.savepointSql(sp), []);
    await dialect.execute(conn, `INSERT INTO ${TABLE} (name, n) VALUES ('inner', 501)`, []);
    // An error inside the savepoint aborts only the savepoint once rolled back to.
    await failure(dialect.execute(conn, "SELECT 1 / 0", []));
    await dialect.execute(conn, dialect.rollbackToSavepointSql(sp), []);
    await dialect.execute(conn, dialect.releaseSavepointSql(sp), []);
    await dialect.commit(conn);
    const names = await dialect.execute(conn, `SELECT name FROM ${TABLE} WHERE n >= 500 ORDER BY n`, []);
    assert.deepEqual(names.rows, [["outer"]]);
  });

  it("sets and reads the session isolation level (SPEC E3)", async (t) => {
    if (!(await skipUnlessReachable(t))) return;
    const c = await connect();
    try {
      assert.equal(await dialect.getIsolationLevel(c), "READ COMMITTED");
      for (const level of dialect.capabilities.isolationLevels) {
        await dialect.execute(c, dialect.isolationLevelSql(level), []);
        assert.equal(await dialect.getIsolationLevel(c), level);
        // It is the session default: a new transaction starts with it.
        await dialect.execute(c, "BEGIN", []);
        assert.equal(await scalar(c, "SHOW transaction_isolation"), level.toLowerCase());
        await dialect.rollback(c);
      }
      assert.throws(() => dialect.isolationLevelSql("CHAOS; DROP TABLE x" as never), ArgumentError);
    } finally {
      await dialect.close(c);
    }
  });

  for (const inTransaction of [true, false]) {
    it(`streams 100 000 rows in batches of 1000 with a flat heap (${inTransaction ? "in a transaction" : "AUTOCOMMIT, WITH HOLD"})`, async (t) => {
      if (!(await skipUnlessReachable(t))) return;
      const c = await connect();
      try {
        if (inTransaction) await dialect.execute(c, "BEGIN", []);
        const cursor = await dialect.openCursor(
          c,
          "SELECT g AS id, repeat($1, 200) AS payload FROM generate_series(1, $2::int) AS g",
          ["x", 100_000],
          { inTransaction },
        );
        let total = 0;
        let expected = 1;
        let batches = 0;
        let baseline = 0;
        let peakGrowth = 0;
        for (;;) {
          const rows = await cursor.fetch(1000);
          if (rows.length === 0) break;
          assert.ok(rows.length <= 1000);
          for (const row of rows) {
            assert.equal(row[0], expected);
            expected += 1;
          }
          total += rows.length;
          batches += 1;
          if (batches === 5) baseline = settledHeapUsed();
          if (batches > 5 && batches % 20 === 0) peakGrowth = Math.max(peakGrowth, settledHeapUsed() - baseline);
        }
        assert.deepEqual(cursor.columns, ["id", "payload"]);
        assert.equal(total, 100_000);
        assert.equal(batches, 100);
        // The whole result is > 20 MB of payload strings alone; holding it would show here.
        assert.ok(peakGrowth < 8 * 1024 * 1024, `heap grew by ${(peakGrowth / 1048576).toFixed(1)} MB while streaming`);
        await cursor.close();
        await cursor.close();
        if (inTransaction) await dialect.commit(c);
        assert.equal(await scalar(c, "SELECT count(*)::int FROM pg_cursors"), 0, "exhausted cursor released on the server");
      } finally {
        await dialect.close(c);
      }
    });
  }

  it("closing a cursor early leaves the connection usable, in and out of a transaction", async (t) => {
    if (!(await skipUnlessReachable(t))) return;
    const c = await connect();
    try {
      for (const inTransaction of [false, true]) {
        if (inTransaction) await dialect.execute(c, "BEGIN", []);
        const cursor = await dialect.openCursor(c, "SELECT g FROM generate_series(1, 100000) AS g", [], { inTransaction });
        assert.deepEqual(await cursor.fetch(3), [[1], [2], [3]]);
        assert.equal(await scalar(c, "SELECT count(*)::int FROM pg_cursors"), 1);
        await cursor.close();
        assert.deepEqual(await cursor.fetch(3), [], "a closed cursor yields nothing");
        assert.equal(await scalar(c, "SELECT count(*)::int FROM pg_cursors"), 0);
        assert.equal(await scalar(c, "SELECT $1::int + 1", [41]), 42);
        if (inTransaction) await dialect.commit(c);
      }
      // A cursor whose transaction already ended closes without complaint.
      await dialect.execute(c, "BEGIN", []);
      const orphan = await dialect.openCursor(c, "SELECT 1", [], { inTransaction: true });
      await dialect.rollback(c);
      await orphan.close();
      assert.equal(await scalar(c, "SELECT 7"), 7);
    } finally {
      await dialect.close(c);
    }
  });

  it("accepts exactly 65535 bind parameters (maxBindParameters)", async (t) => {
    if (!(await skipUnlessReachable(t))) return;
    const max = dialect.capabilities.maxBindParameters;
    const placeholders = (n: number) => Array.from({ length: n }, (_, i) => `$${i + 1}::int`).join(" + ");
    const values = (n: number) => Array.from({ length: n }, () => 1);
    // Summing 65535 terms nests too deep for the parser; an IN list binds them flat.
    const inList = (n: number) => `SELECT count(*)::int FROM (VALUES (1)) v(x) WHERE 1 IN (${placeholders(n).replaceAll(" + ", ", ")})`;
    assert.equal(await scalar(conn, inList(max), values(max)), 1);
    const tooMany = await failure(dialect.execute(conn, inList(max + 1), values(max + 1)));
    assert.match(String((tooMany as Error).message), /65535|parameters/);
    assert.equal(await scalar(conn, "SELECT 1"), 1, "the connection survives the refused statement");
  });

  it("applies URL options and lets connectArgs win over them", async (t) => {
    if (!(await skipUnlessReachable(t))) return;
    const c = await connect({ application_name: "athanor-url", statement_timeout: "1234", options: "-c search_path=pg_catalog" });
    try {
      assert.equal(await scalar(c, "SHOW application_name"), "athanor-url");
      assert.equal(await scalar(c, "SHOW statement_timeout"), "1234ms");
      assert.equal(await scalar(c, "SHOW search_path"), "pg_catalog");
    } finally {
      await dialect.close(c);
    }
    for (const drivername of ["postgresql+pg", "postgres"]) {
      const other = await dialect.createConnector(serverUrl().set({ drivername }), OPTIONS)();
      assert.equal(await scalar(other, "SELECT 1"), 1, drivername);
      await dialect.close(other);
    }
    const overridden = await connect({ application_name: "athanor-url" }, { connectTimeoutMs: 10_000, connectArgs: { application_name: "athanor-args" } });
    try {
      assert.equal(await scalar(overridden, "SHOW application_name"), "athanor-args");
    } finally {
      await dialect.close(overridden);
    }
  });

  it("rejects unknown or malformed URL options before any connect", async () => {
    let accepted = 0;
    const counter = net.createServer((s) => {
      accepted += 1;
      s.destroy();
    });
    await new Promise<void>((resolve) => counter.listen(0, "127.0.0.1", resolve));
    const port = (counter.address() as net.AddressInfo).port;
    try {
      const url = (query: string) => DatabaseUrl.parse(`postgresql://postgres@127.0.0.1:${port}/test?${query}`);
      const unknown = (() => {
        try {
          dialect.createConnector(url("sslmode=require&pool_size=5&fancy=1"), OPTIONS);
        } catch (err) {
          return err;
        }
        return undefined;
      })();
      assert.ok(unknown instanceof ArgumentError);
      assert.match(unknown.message, /'pool_size', 'fancy'/);
      assert.match(unknown.message, /Accepted options: sslmode, sslrootcert/);
      assert.throws(() => dialect.createConnector(url("sslmode=prefer"), OPTIONS), /sslmode' must be one of disable, require, verify-ca, verify-full/);
      assert.throws(() => dialect.createConnector(url("connect_timeout=soon"), OPTIONS), /whole number of seconds/);
      assert.throws(() => dialect.createConnector(url("sslrootcert=/tmp/ca.pem"), OPTIONS), /need TLS/);
      assert.throws(() => dialect.createConnector(url("sslmode=require&sslcert=/tmp/c.pem"), OPTIONS), /both sslcert and sslkey/);
      assert.throws(() => dialect.createConnector(url("sslmode=require&sslmode=disable"), OPTIONS), /given 2 times/);
      assert.throws(() => dialect.createConnector(DatabaseUrl.parse("postgresql+psycopg2://u@h/db"), OPTIONS), /postgresql\+pg/);
      assert.equal(accepted, 0, "nothing connected");
      // A certificate file that does not exist fails at connect, naming the option.
      const missing = await failure(dialect.createConnector(url("sslmode=verify-full&sslrootcert=/nonexistent/ca.pem"), OPTIONS)());
      assert.ok(missing instanceof ArgumentError);
      assert.match(missing.message, /sslrootcert.*\/nonexistent\/ca\.pem/);
      assert.equal(accepted, 0, "the file is read before the socket opens");
    } finally {
      await new Promise<void>((resolve) => counter.close(() => resolve()));
    }
  });

  it("bounds a connect to a silent server by connect_timeout (seconds) and by connectTimeoutMs", async () => {
    const silent = await silentServer();
    try {
      const url = DatabaseUrl.parse(`postgresql://postgres@127.0.0.1:${silent.port}/test?connect_timeout=1`);
      let started = Date.now();
      const byUrl = await failure(dialect.createConnector(url, { connectTimeoutMs: Infinity, connectArgs: {} })());
      assert.ok(Date.now() - started < 3000, "connect_timeout=1 gave up within a second or so");
      assert.equal(dialect.classifyError(byUrl), "OperationalError");
      started = Date.now();
      await failure(dialect.createConnector(url.set({ query: {} }), { connectTimeoutMs: 300, connectArgs: {} })());
      assert.ok(Date.now() - started < 2000, "connectTimeoutMs bounded the connect");
    } finally {
      await silent.close();
    }
  });

  it("sslmode=require: TLS when the server offers it, else a clear connect error", async (t) => {
    if (!(await skipUnlessReachable(t))) return;
    const ssl = await scalar(conn, "SHOW ssl");
    if (ssl === "on") {
      const c = await connect({ sslmode: "require" });
      try {
        assert.equal(await scalar(c, "SELECT ssl FROM pg_stat_ssl WHERE pid = pg_backend_pid()"), true);
      } finally {
        await dialect.close(c);
      }
      return;
    }
    const err = await failure(connect({ sslmode: "require" }));
    assert.match(String((err as Error).message), /does not support SSL/);
    assert.equal(dialect.classifyError(err), "OperationalError");
    // sslmode=disable still connects.
    const plain = await connect({ sslmode: "disable" });
    assert.equal(await scalar(plain, "SELECT 1"), 1);
    await dialect.close(plain);
  });
});

/** A TCP port nothing listens on. */
async function closedPort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const port = (server.address() as net.AddressInfo).port;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}
