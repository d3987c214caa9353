/**
 * The PGlite dialect (SPEC E1, E7, E9, E12) driven directly on real PGlite instances: one
 * in-memory instance shared by most tests (starting one takes seconds), plus a data
 * directory under a temporary directory. No mocks.
 */
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { after, before, describe, it } from "node:test";
import type { PGlite } from "@electric-sql/pglite";

import { ArgumentError, ResourceClosedError } from "../../../src/errors.js";
import type { ConnectOptions, Dialect } from "../../../src/engine/interfaces.js";
import { DatabaseUrl } from "../../../src/url.js";
import { DriverNotInstalledError, loadDriver } from "../../../src/dialects/shared/load-driver.js";
import { pgliteDialect } from "../../../src/dialects/pglite/dialect.js";
import type { PgliteLike } from "../../../src/dialects/pglite/driver.js";
import { pgliteConnectPlan } from "../../../src/dialects/pglite/connect-options.js";
import { PgliteCommitRolledBackError } from "../../../src/dialects/pglite/commit-rolled-back.js";

// The dialect satisfies the engine's contract, and the real PGlite class fits our minimal type.
const asDialect: Dialect<PgliteLike> = pgliteDialect;
const realPgliteFits = (db: PGlite): PgliteLike => db;
void asDialect;
void realPgliteFits;

const OPTIONS: ConnectOptions = { connectTimeoutMs: 60_000, connectArgs: {} };
const dialect = pgliteDialect;

let dir: string;
let db: PgliteLike;

before(async () => {
  dir = mkdtempSync(join(tmpdir(), "athanor-pglite-"));
  db = await dialect.createConnector(DatabaseUrl.parse("pglite://"), OPTIONS)();
});
after(async () => {
  await dialect.close(db);
  rmSync(dir, { recursive: true, force: true });
});

async function rejection(work: Promise<unknown>): Promise<unknown> {
  try {
    await work;
  } catch (err) {
    return err;
  }
  return assert.fail("expected the operation to fail");
}

function sqlstate(err: unknown): unknown {
  return (err as { code?: unknown }).code;
}

async function run(sql: string, params: unknown[] = []) {
  return dialect.execute(db, sql, params);
}

describe("pglite dialect: URLs and connectors", () => {
  it("always pools exclusively", () => {
    for (const text of ["pglite://", "pglite://:memory:", "pglite:///data", "pglite:////srv/data"]) {
      assert.deepEqual(dialect.defaultPool(DatabaseUrl.parse(text)), { kind: "exclusive" }, text);
    }
  });

  it("maps URLs to PGlite data directories", () => {
    assert.equal(pgliteConnectPlan(DatabaseUrl.parse("pglite://"), {}).dataDir, "memory://");
    assert.equal(pgliteConnectPlan(DatabaseUrl.parse("pglite://:memory:"), {}).dataDir, "memory://");
    assert.equal(pgliteConnectPlan(DatabaseUrl.parse("pglite:///data/pg"), {}).dataDir, resolve("data/pg"));
    assert.equal(pgliteConnectPlan(DatabaseUrl.parse("pglite:////srv/pg"), {}).dataDir, "/srv/pg");
    assert.deepEqual(pgliteConnectPlan(DatabaseUrl.parse("pglite://?relaxedDurability=true"), { debug: 1 }).options, {
      relaxedDurability: true,
      debug: 1,
    });
  });

  it("rejects unknown URL options by name, bad values and server URL parts", () => {
    assert.throws(
      () => dialect.createConnector(DatabaseUrl.parse("pglite://?sslmode=require"), OPTIONS),
      (err: unknown) => err instanceof ArgumentError && /'sslmode'/.test(err.message) && /relaxedDurability/.test(err.message),
    );
    for (const text of ["pglite://?relaxedDurability=yes", "pglite://data", "pglite://user:pw@/data", "pglite://?relaxedDurability=true&relaxedDurability=false"]) {
      assert.throws(() => dialect.createConnector(DatabaseUrl.parse(text), OPTIONS), ArgumentError, text);
    }
  });

  it("keeps data in a data directory across instances", async () => {
    const url = DatabaseUrl.parse(`pglite:///${join(dir, "pgdata")}`);
    const connector = dialect.createConnector(url, OPTIONS);
    const first = await connector();
    await dialect.execute(first, "CREATE TABLE kept (x int)", []);
    await dialect.execute(first, "INSERT INTO kept VALUES ($1)", [7]);
    await dialect.close(first);
    const second = await connector();
    try {
      assert.deepEqual((await dialect.execute(second, "SELECT x FROM kept", [])).rows, [[7]]);
    } finally {
      await dialect.close(second);
    }
  });

  it("names the package to install when the driver is missing", async () => {
    const err = await rejection(loadDriver("@athanor-test/no-such-pglite", "pglite"));
    assert.ok(err instanceof DriverNotInstalledError);
    assert.equal(err.code, "DRIVER_MISSING");
    assert.match(err.message, /npm install @athanor-test\/no-such-pglite/);
  });
});

describe("pglite dialect: execute", () => {
  it("runs DDL, INSERT, UPDATE and SELECT with $n parameters", async () => {
    const ddl = await run("CREATE TABLE person (id serial PRIMARY KEY, name text NOT NULL, age int)");
    assert.deepEqual(ddl, { columns: [], rows: [], rowCount: -1 });
    const insert = await run("INSERT INTO person (name, age) VALUES ($1, $2), ($3, $4), ($5, $6)", ["ada", 36, "bob", 20, "cy", 51]);
    assert.equal(insert.rowCount, 3);
    assert.equal(insert.lastInsertId, undefined, "PostgreSQL reports ids through RETURNING");
    const update = await run("UPDATE person SET age = age + 1 WHERE age > $1", [30]);
    assert.equal(update.rowCount, 2);
    const select = await run("SELECT id, name, age AS years FROM person WHERE age > $1 ORDER BY id", [21]);
    assert.deepEqual(select.columns, ["id", "name", "years"]);
    assert.deepEqual(select.rows, [
      [1, "ada", 37],
      [3, "cy", 52],
    ]);
    assert.equal(select.rowCount, 2);
    const none = await run("SELECT name FROM person WHERE id = $1", [99]);
    assert.deepEqual(none, { columns: ["name"], rows: [], rowCount: 0 });
  });

  it("returns rows from INSERT/DELETE ... RETURNING", async () => {
    await run("CREATE TABLE item (id serial PRIMARY KEY, label text)");
    const inserted = await run("INSERT INTO item (label) VALUES ($1), ($2) RETURNING id, label", ["a", "b"]);
    assert.deepEqual(inserted.columns, ["id", "label"]);
    assert.deepEqual(inserted.rows, [
      [1, "a"],
      [2, "b"],
    ]);
    assert.equal(inserted.rowCount, 2);
    assert.deepEqual((await run("DELETE FROM item WHERE id = $1 RETURNING label", [2])).rows, [["b"]]);
  });

  it("refuses undefined parameters, naming the position", async () => {
    const err = await rejection(run("SELECT $1::int, $2::int", [1, undefined]));
    assert.ok(err instanceof ArgumentError);
    assert.match(err.message, /Parameter 2 is undefined/);
  });
});

describe("pglite dialect: errors", () => {
  before(async () => {
    await run("CREATE TABLE account (id int PRIMARY KEY, email text UNIQUE NOT NULL)");
    await run("INSERT INTO account VALUES (1, 'a@x')");
  });

  const cases: Array<[string, string, unknown[], string, string]> = [
    ["unique violation", "INSERT INTO account VALUES (2, 'a@x')", [], "23505", "IntegrityError"],
    ["not-null violation", "INSERT INTO account VALUES ($1, $2)", [3, null], "23502", "IntegrityError"],
    ["syntax error", "SELEC 1", [], "42601", "ProgrammingError"],
    ["undefined table", "SELECT * FROM no_such_table", [], "42P01", "ProgrammingError"],
    ["division by zero", "SELECT 1 / $1::int", [0], "22012", "DataError"],
    ["invalid text for a type", "SELECT $1::int", ["abc"], "22P02", "DataError"],
    ["wrong number of parameters", "SELECT $1::int, $2::int", [1], "08P01", "ProgrammingError"],
    ["two statements at once", "SELECT 1; SELECT 2", [], "42601", "ProgrammingError"],
  ];
  for (const [what, sql, params, code, kind] of cases) {
    it(`${what}: ${code} -> ${kind}, not a disconnect`, async () => {
      const err = await rejection(run(sql, params));
      assert.equal(sqlstate(err), code, String(err));
      assert.equal(dialect.classifyError(err), kind);
      assert.equal(dialect.classifyError({ message: "wrapped", orig: err }), kind, "follows the cause chain");
      assert.equal(dialect.isDisconnect(err), false);
    });
  }

  it("a value PGlite cannot serialize for the declared type is a DataError", async () => {
    const err = await rejection(run("SELECT $1::bool", [{ not: "a boolean" }]));
    assert.match(String(err), /Invalid input for boolean type/);
    assert.equal(dialect.classifyError(err), "DataError");
  });

  it("statements in a failed transaction: 25P02 InternalError; COMMIT of it throws, ROLLBACK recovers", async () => {
    await run("BEGIN");
    await rejection(run("INSERT INTO account VALUES (1, 'dup')"));
    const aborted = await rejection(run("SELECT 1"));
    assert.equal(sqlstate(aborted), "25P02");
    assert.equal(dialect.classifyError(aborted), "InternalError");
    const commit = await rejection(dialect.commit(db));
    assert.ok(commit instanceof PgliteCommitRolledBackError);
    assert.equal(dialect.classifyError(commit), "InternalError");
    assert.equal(dialect.isDisconnect(commit), false);
    // PostgreSQL already rolled back; the session is usable.
    assert.deepEqual((await run("SELECT count(*)::int FROM account")).rows, [[1]]);
  });
});

describe("pglite dialect: transactions, savepoints, isolation", () => {
  before(async () => {
    await run("CREATE TABLE tx (x int)");
  });

  it("BEGIN / SAVEPOINT / ROLLBACK TO / RELEASE / COMMIT round trip", async () => {
    await run(dialect.beginSql());
    await run("INSERT INTO tx VALUES (1)");
    await run(dialect.savepointSql("sa_savepoint_1"));
    await run("INSERT INTO tx VALUES (2)");
    await run(dialect.rollbackToSavepointSql("sa_savepoint_1"));
    await run(dialect.releaseSavepointSql("sa_savepoint_1"));
    await run(dialect.savepointSql("Mixed Case"));
    await run("INSERT INTO tx VALUES (3)");
    await run(dialect.releaseSavepointSql("Mixed Case"));
    await dialect.commit(db);
    assert.deepEqual((await run("SELECT x FROM tx ORDER BY x")).rows, [[1], [3]]);
    assert.equal(dialect.savepointSql("Mixed Case"), 'SAVEPOINT "Mixed Case"');
  });

  it("rollback and commit do nothing outside a transaction; inside, they end it", async () => {
    await dialect.rollback(db);
    await dialect.commit(db);
    await run("BEGIN");
    await run("INSERT INTO tx VALUES (10)");
    await dialect.rollback(db);
    await run("BEGIN");
    await run("INSERT INTO tx VALUES (11)");
    await dialect.commit(db);
    assert.deepEqual((await run("SELECT x FROM tx WHERE x >= 10")).rows, [[11]]);
  });

  it("sets and reads every isolation level; rejects others", async () => {
    assert.equal(await dialect.getIsolationLevel(db), "READ COMMITTED");
    for (const level of dialect.capabilities.isolationLevels) {
      await run(dialect.isolationLevelSql(level));
      assert.equal(await dialect.getIsolationLevel(db), level);
    }
    await run(dialect.isolationLevelSql("READ COMMITTED"));
    assert.equal(dialect.isolationLevelSql("SERIALIZABLE"), "SET SESSION CHARACTERISTICS AS TRANSACTION ISOLATION LEVEL SERIALIZABLE");
    assert.throws(() => dialect.isolationLevelSql("SNAPSHOT" as "SERIALIZABLE"), ArgumentError);
  });
});

describe("pglite dialect: cursors", () => {
  const ROWS = 100_000;
  const BATCH = 1000;
  const SQL = "SELECT g AS n, 'row ' || g AS label FROM generate_series(1, $1::int) AS g ORDER BY g";

  async function openCursors(): Promise<string[]> {
    return (await run("SELECT name FROM pg_cursors WHERE name LIKE 'athanor_cur_%'")).rows.map((row) => String(row[0]));
  }

  async function readAll(inTransaction: boolean): Promise<void> {
    const cursor = await dialect.openCursor(db, SQL, [ROWS], { inTransaction });
    let batches = 0;
    let expected = 1;
    for (;;) {
      const rows = await cursor.fetch(BATCH);
      if (rows.length === 0) break;
      batches += 1;
      assert.deepEqual(cursor.columns, ["n", "label"]);
      for (const row of rows) {
        assert.equal(row[0], expected);
        expected += 1;
      }
    }
    assert.equal(batches, ROWS / BATCH);
    assert.equal(expected - 1, ROWS);
    assert.deepEqual(await cursor.fetch(BATCH), []);
    await cursor.close();
  }

  it(`fetches ${ROWS} rows in batches of ${BATCH} inside a transaction`, async () => {
    await run("BEGIN");
    await readAll(true);
    assert.deepEqual(await openCursors(), [], "read to the end, the cursor is closed");
    await dialect.commit(db);
  });

  it(`fetches ${ROWS} rows in batches of ${BATCH} outside a transaction (WITH HOLD)`, async () => {
    await readAll(false);
    assert.deepEqual(await openCursors(), [], "read to the end, the held cursor is closed");
  });

  it("closing early leaves the connection usable; close is idempotent; fetch after close fails", async () => {
    const cursor = await dialect.openCursor(db, SQL, [ROWS], { inTransaction: false });
    assert.equal((await cursor.fetch(BATCH)).length, BATCH);
    assert.equal((await openCursors()).length, 1);
    await run("INSERT INTO tx VALUES (100)"); // other statements may run while it is open
    await cursor.close();
    await cursor.close();
    assert.deepEqual(await openCursors(), []);
    await assert.rejects(cursor.fetch(1), ResourceClosedError);
    assert.deepEqual((await run("SELECT 1 AS one")).rows, [[1]]);
  });

  it("closing a cursor whose transaction ended is harmless", async () => {
    await run("BEGIN");
    const cursor = await dialect.openCursor(db, SQL, [10], { inTransaction: true });
    await cursor.fetch(2);
    await dialect.commit(db); // a plain cursor ends with its transaction
    await run("BEGIN");
    await cursor.close(); // must not issue a failing CLOSE inside this new transaction
    assert.deepEqual((await run("SELECT 1")).rows, [[1]]);
    await dialect.commit(db);
  });

  it("rollback closes held cursors left open, even from an aborted transaction", async () => {
    const held = await dialect.openCursor(db, SQL, [ROWS], { inTransaction: false });
    await held.fetch(5);
    await run("BEGIN");
    await rejection(run("SELECT 1 / 0"));
    await held.close(); // cannot CLOSE inside the aborted transaction: left for rollback
    assert.equal((await rejection(run("SELECT 1")) as { code?: unknown }).code, "25P02");
    await dialect.rollback(db);
    assert.deepEqual(await openCursors(), [], "the WITH HOLD cursor outlived ROLLBACK until the dialect closed it");
  });

  it("a statement DECLARE cannot take fails with the server's error", async () => {
    const err = await rejection(dialect.openCursor(db, "SELEC 1", [], { inTransaction: false }));
    assert.equal(dialect.classifyError(err), "ProgrammingError");
  });
});

describe("pglite dialect: ping, close and disconnects", () => {
  it("pings; after close, every call fails with a disconnect", async () => {
    const own = await dialect.createConnector(DatabaseUrl.parse("pglite://"), OPTIONS)();
    await dialect.ping(own);
    await dialect.close(own);
    await dialect.close(own); // twice is fine
    const err = await rejection(dialect.ping(own));
    assert.match(String(err), /PGlite is closed/);
    assert.equal(dialect.isDisconnect(err), true);
    assert.equal(dialect.classifyError(err), "InterfaceError");
    assert.equal(dialect.isDisconnect(await rejection(dialect.rollback(own))), true, "a closed instance must fail the pool's reset");
    assert.equal(dialect.isDisconnect(await rejection(dialect.execute(own, "SELECT 1", []))), true);
  });

  it("server errors are never disconnects, whatever their message says", () => {
    assert.equal(dialect.isDisconnect(Object.assign(new Error("PGlite is closed"), { code: "23505" })), false);
    assert.equal(dialect.isDisconnect(new Error("something else")), false);
    assert.equal(dialect.classifyError(new Error("something else")), "DatabaseError");
  });

  it("declares its capabilities and placeholder style", () => {
    assert.equal(dialect.name, "pglite");
    assert.equal(dialect.driver, "@electric-sql/pglite");
    assert.equal(dialect.paramStyle, "numeric_dollar");
    assert.equal(dialect.backslashEscapes, false);
    assert.equal(dialect.capabilities.maxBindParameters, 65535);
    assert.equal(dialect.capabilities.cancel, false, "one in-process session: nothing to cancel from (SPEC B1)");
    assert.equal(dialect.quoteIdentifier('a"b'), '"a""b"');
  });
});
