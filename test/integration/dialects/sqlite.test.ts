/**
 * The SQLite dialect (SPEC E1, E7, E9, E12) driven directly, on real better-sqlite3
 * databases: in memory and in files under a temporary directory. No mocks.
 */
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { after, before, describe, it } from "node:test";
import type BetterSqlite3 from "better-sqlite3";

import { ArgumentError, ResourceClosedError } from "../../../src/errors.js";
import type { ConnectOptions, Dialect } from "../../../src/engine/interfaces.js";
import { DatabaseUrl } from "../../../src/url.js";
import { DriverNotInstalledError, loadDriver } from "../../../src/dialects/shared/load-driver.js";
import { SqliteDialect, sqliteDialect } from "../../../src/dialects/sqlite/dialect.js";
import type { SqliteDatabaseLike } from "../../../src/dialects/sqlite/driver.js";
import { sqliteConnectPlan } from "../../../src/dialects/sqlite/connect-options.js";
import { StatementCache } from "../../../src/dialects/sqlite/statement-cache.js";

// The dialect satisfies the engine's contract, and the real driver class fits our minimal type.
const asDialect: Dialect<SqliteDatabaseLike> = sqliteDialect;
const realDatabaseFits = (db: BetterSqlite3.Database): SqliteDatabaseLike => db;
void asDialect;
void realDatabaseFits;

const OPTIONS: ConnectOptions = { connectTimeoutMs: 5000, connectArgs: {} };
const dialect = sqliteDialect;

let dir: string;
before(() => {
  dir = mkdtempSync(join(tmpdir(), "athanor-sqlite-"));
});
after(() => {
  rmSync(dir, { recursive: true, force: true });
});

function fileUrl(name: string, query = ""): DatabaseUrl {
  // sqlite:////abs/path.db: the fourth slash starts the absolute path.
  return DatabaseUrl.parse(`sqlite:///${join(dir, name)}${query}`);
}

async function connect(url: string | DatabaseUrl, options: ConnectOptions = OPTIONS): Promise<SqliteDatabaseLike> {
  return dialect.createConnector(typeof url === "string" ? DatabaseUrl.parse(url) : url, options)();
}

async function rejection(work: Promise<unknown>): Promise<unknown> {
  try {
    await work;
  } catch (err) {
    return err;
  }
  return assert.fail("expected the operation to fail");
}

async function withMemory<T>(work: (db: SqliteDatabaseLike) => Promise<T>): Promise<T> {
  const db = await connect("sqlite://");
  try {
    return await work(db);
  } finally {
    await dialect.close(db);
  }
}

describe("sqlite dialect: URLs and connectors", () => {
  it("opens in-memory databases for sqlite://, sqlite:///:memory: and sqlite://:memory:, with an exclusive pool", async () => {
    for (const text of ["sqlite://", "sqlite:///:memory:", "sqlite://:memory:"]) {
      const url = DatabaseUrl.parse(text);
      assert.deepEqual(dialect.defaultPool(url), { kind: "exclusive" }, text);
      const db = await connect(url);
      assert.equal(db.memory, true, text);
      await dialect.close(db);
    }
  });

  it("gives file databases a queue pool; connections to one file share its data", async () => {
    const url = fileUrl("shared.db");
    assert.equal(url.database, join(dir, "shared.db"));
    assert.deepEqual(dialect.defaultPool(url), { kind: "queue" });
    const connector = dialect.createConnector(url, OPTIONS);
    const a = await connector();
    const b = await connector();
    try {
      assert.equal(a.memory, false);
      await dialect.execute(a, "CREATE TABLE t (x INTEGER)", []);
      await dialect.execute(a, "INSERT INTO t VALUES (?)", [42]);
      assert.deepEqual((await dialect.execute(b, "SELECT x FROM t", [])).rows, [[42]]);
    } finally {
      await dialect.close(a);
      await dialect.close(b);
    }
  });

  it("resolves a relative path against the working directory when the engine is created", () => {
    const plan = sqliteConnectPlan(DatabaseUrl.parse("sqlite:///data/app.db"), {});
    assert.equal(plan.filename, resolve("data/app.db"));
    assert.equal(plan.memory, false);
  });

  it("maps mode and timeout to better-sqlite3 options; connectArgs win", () => {
    assert.deepEqual(sqliteConnectPlan(fileUrl("x.db", "?mode=ro&timeout=250"), {}).options, { readonly: true, timeout: 250 });
    assert.deepEqual(sqliteConnectPlan(fileUrl("x.db", "?mode=rw"), {}).options, { fileMustExist: true });
    assert.deepEqual(sqliteConnectPlan(fileUrl("x.db", "?timeout=250"), { timeout: 10 }).options, { timeout: 10 });
  });

  it("rejects unknown URL options by name before opening anything", () => {
    assert.throws(
      () => dialect.createConnector(DatabaseUrl.parse("sqlite:///:memory:?cache=shared&journal=wal"), OPTIONS),
      (err: unknown) => err instanceof ArgumentError && /'cache', 'journal'/.test(err.message) && /mode, timeout/.test(err.message),
    );
  });

  it("rejects bad option values, repeated options and server URL parts", () => {
    const bad = [
      "sqlite:///x.db?mode=rwx", // unknown mode
      "sqlite:///x.db?timeout=soon", // not milliseconds
      "sqlite:///x.db?timeout=1&timeout=2", // given twice
      "sqlite://?mode=ro", // a memory database cannot be read-only
      "sqlite://app.db", // "app.db" is a host here: a classic typo for sqlite:///app.db
      "sqlite://user@/x.db",
    ];
    for (const text of bad) {
      assert.throws(() => dialect.createConnector(DatabaseUrl.parse(text), OPTIONS), ArgumentError, text);
    }
  });

  it("a read-only connection refuses writes with SQLITE_READONLY (OperationalError)", async () => {
    const writer = await connect(fileUrl("ro.db"));
    await dialect.execute(writer, "CREATE TABLE t (x)", []);
    await dialect.close(writer);
    const reader = await connect(fileUrl("ro.db", "?mode=ro"));
    try {
      const err = await rejection(dialect.execute(reader, "INSERT INTO t VALUES (1)", []));
      assert.equal((err as { code?: string }).code, "SQLITE_READONLY");
      assert.equal(dialect.classifyError(err), "OperationalError");
      assert.equal(dialect.isDisconnect(err), false);
    } finally {
      await dialect.close(reader);
    }
  });

  it("mode=rw refuses to create a missing file; a missing directory is an OperationalError", async () => {
    const missingFile = await rejection(connect(fileUrl("absent.db", "?mode=rw")));
    assert.equal((missingFile as { code?: string }).code, "SQLITE_CANTOPEN");
    assert.equal(dialect.classifyError(missingFile), "OperationalError");
    const missingDir = await rejection(connect(fileUrl("no/such/dir.db")));
    assert.equal(dialect.classifyError(missingDir), "OperationalError");
  });

  it("names the package to install when the driver is missing", async () => {
    const err = await rejection(loadDriver("athanor-no-such-driver", "sqlite"));
    assert.ok(err instanceof DriverNotInstalledError);
    assert.equal(err.code, "DRIVER_MISSING");
    assert.equal(err.packageName, "athanor-no-such-driver");
    assert.match(err.message, /npm install athanor-no-such-driver/);
    assert.match(err.message, /sqlite dialect/);
  });
});

describe("sqlite dialect: execute", () => {
  it("runs DDL, INSERT, UPDATE and SELECT with positional parameters", async () => {
    await withMemory(async (db) => {
      const ddl = await dialect.execute(db, "CREATE TABLE person (id INTEGER PRIMARY KEY, name TEXT NOT NULL, age INTEGER)", []);
      assert.deepEqual(ddl, { columns: [], rows: [], rowCount: 0, lastInsertId: undefined });

      const first = await dialect.execute(db, "INSERT INTO person (name, age) VALUES (?, ?)", ["ada", 36]);
      assert.equal(first.rowCount, 1);
      assert.equal(first.lastInsertId, 1);
      const many = await dialect.execute(db, "INSERT INTO person (name, age) VALUES (?, ?), (?, ?)", ["bob", 20, "cy", 51]);
      assert.equal(many.rowCount, 2);
      assert.equal(many.lastInsertId, 3);

      const update = await dialect.execute(db, "UPDATE person SET age = age + 1 WHERE age > ?", [30]);
      assert.equal(update.rowCount, 2);
      assert.equal(update.lastInsertId, undefined, "last_insert_rowid is not reported for an UPDATE");

      const select = await dialect.execute(db, "SELECT id, name, age AS years FROM person WHERE age > ? ORDER BY id", [21]);
      assert.deepEqual(select.columns, ["id", "name", "years"]);
      assert.deepEqual(select.rows, [
        [1, "ada", 37],
        [3, "cy", 52],
      ]);
      assert.equal(select.rowCount, 2);

      const none = await dialect.execute(db, "SELECT name FROM person WHERE id = ?", [99]);
      assert.deepEqual(none, { columns: ["name"], rows: [], rowCount: 0 });
    });
  });

  it("returns rows from INSERT/UPDATE/DELETE ... RETURNING", async () => {
    await withMemory(async (db) => {
      await dialect.execute(db, "CREATE TABLE item (id INTEGER PRIMARY KEY, label TEXT)", []);
      const inserted = await dialect.execute(db, "INSERT INTO item (label) VALUES (?), (?) RETURNING id, label", ["a", "b"]);
      assert.deepEqual(inserted.columns, ["id", "label"]);
      assert.deepEqual(inserted.rows, [
        [1, "a"],
        [2, "b"],
      ]);
      assert.equal(inserted.rowCount, 2);
      const deleted = await dialect.execute(db, "DELETE FROM item WHERE id = ? RETURNING label", [2]);
      assert.deepEqual(deleted.rows, [["b"]]);
    });
  });

  it("binds booleans as 1/0, Dates as ISO text, bigints, Buffers and null", async () => {
    await withMemory(async (db) => {
      const when = new Date("2024-05-01T12:34:56.789Z");
      const result = await dialect.execute(db, "SELECT ?, ?, ?, ?, ?, ?, datetime(?)", [
        true,
        false,
        when,
        2n ** 60n,
        Buffer.from([1, 2, 3]),
        null,
        when,
      ]);
      // 2^60 is beyond 2^53: it reads back exact, as a bigint (integers.ts)
      assert.deepEqual(result.rows, [[1, 0, "2024-05-01T12:34:56.789Z", 2n ** 60n, Buffer.from([1, 2, 3]), null, "2024-05-01 12:34:56"]]);
    });
  });

  it("refuses undefined, objects, arrays and invalid Dates as parameters, naming the position", async () => {
    await withMemory(async (db) => {
      for (const [value, pattern] of [
        [undefined, /Parameter 2 is undefined/],
        [{ a: 1 }, /Parameter 2 is an object/],
        [[1], /Parameter 2 is an array/],
        [new Date(Number.NaN), /Parameter 2 is an invalid Date/],
      ] as const) {
        const err = await rejection(dialect.execute(db, "SELECT ?, ?", [1, value]));
        assert.ok(err instanceof ArgumentError, String(err));
        assert.match(err.message, pattern);
      }
    });
  });

  it("reuses prepared statements per connection (LRU)", () => {
    const cache = new StatementCache(2);
    const prepared: string[] = [];
    const fake = {
      prepare(sql: string) {
        prepared.push(sql);
        return { sql } as unknown as ReturnType<SqliteDatabaseLike["prepare"]>;
      },
    } as unknown as SqliteDatabaseLike;
    const a1 = cache.prepare(fake, "a");
    cache.prepare(fake, "b");
    assert.equal(cache.prepare(fake, "a"), a1, "a hit returns the same statement");
    cache.prepare(fake, "c"); // evicts b, the least recently used
    cache.prepare(fake, "a");
    cache.prepare(fake, "b");
    assert.deepEqual(prepared, ["a", "b", "c", "b"]);
    assert.equal(cache.size, 2);
  });

  it("a statement cache of 0 prepares every time and still works", async () => {
    const uncached = new SqliteDialect({ statementCacheSize: 0 });
    const db = await uncached.createConnector(DatabaseUrl.parse("sqlite://"), OPTIONS)();
    try {
      assert.deepEqual((await uncached.execute(db, "SELECT ? + 1", [1])).rows, [[2]]);
      assert.deepEqual((await uncached.execute(db, "SELECT ? + 1", [2])).rows, [[3]]);
    } finally {
      await uncached.close(db);
    }
    assert.throws(() => new SqliteDialect({ statementCacheSize: -1 }), ArgumentError);
  });
});

describe("sqlite dialect: errors", () => {
  it("classifies constraint violations as IntegrityError", async () => {
    await withMemory(async (db) => {
      await dialect.execute(db, "CREATE TABLE u (id INTEGER PRIMARY KEY, email TEXT UNIQUE, name TEXT NOT NULL)", []);
      await dialect.execute(db, "INSERT INTO u (email, name) VALUES (?, ?)", ["a@x", "a"]);
      const unique = await rejection(dialect.execute(db, "INSERT INTO u (email, name) VALUES (?, ?)", ["a@x", "b"]));
      assert.equal((unique as { code?: string }).code, "SQLITE_CONSTRAINT_UNIQUE");
      assert.equal(dialect.classifyError(unique), "IntegrityError");
      const notNull = await rejection(dialect.execute(db, "INSERT INTO u (email, name) VALUES (?, ?)", ["b@x", null]));
      assert.equal((notNull as { code?: string }).code, "SQLITE_CONSTRAINT_NOTNULL");
      assert.equal(dialect.classifyError(notNull), "IntegrityError");
      const mismatch = await rejection(dialect.execute(db, "INSERT INTO u (id, name) VALUES (?, ?)", ["not a rowid", "c"]));
      assert.equal((mismatch as { code?: string }).code, "SQLITE_MISMATCH");
      assert.equal(dialect.classifyError(mismatch), "IntegrityError");
      // The classifier follows the chain, as the engine's funnel hands it wrapped errors too.
      assert.equal(dialect.classifyError({ message: "wrapped", orig: unique }), "IntegrityError");
      assert.equal(dialect.isDisconnect(unique), false);
    });
  });

  it("classifies syntax errors and missing tables as OperationalError, as Python's sqlite3 does", async () => {
    await withMemory(async (db) => {
      const syntax = await rejection(dialect.execute(db, "SELEC 1", []));
      assert.equal((syntax as { code?: string }).code, "SQLITE_ERROR");
      assert.equal(dialect.classifyError(syntax), "OperationalError");
      const noTable = await rejection(dialect.execute(db, "SELECT * FROM missing_table", []));
      assert.match(String(noTable), /no such table/);
      assert.equal(dialect.classifyError(noTable), "OperationalError");
    });
  });

  it("classifies better-sqlite3's own misuse errors as ProgrammingError", async () => {
    await withMemory(async (db) => {
      const tooFew = await rejection(dialect.execute(db, "SELECT ?, ?", [1]));
      assert.ok(tooFew instanceof RangeError);
      assert.equal(dialect.classifyError(tooFew), "ProgrammingError");
      const two = await rejection(dialect.execute(db, "SELECT 1; SELECT 2", []));
      assert.equal(dialect.classifyError(two), "ProgrammingError");
    });
  });

  it("a lock held past the busy timeout is SQLITE_BUSY, an OperationalError", async () => {
    const holder = await connect(fileUrl("busy.db"));
    const waiter = await connect(fileUrl("busy.db", "?timeout=0"));
    try {
      await dialect.execute(holder, "CREATE TABLE t (x)", []);
      await dialect.execute(holder, "BEGIN IMMEDIATE", []);
      const err = await rejection(dialect.execute(waiter, "INSERT INTO t VALUES (1)", []));
      assert.equal((err as { code?: string }).code, "SQLITE_BUSY");
      assert.equal(dialect.classifyError(err), "OperationalError");
      assert.equal(dialect.isDisconnect(err), false);
    } finally {
      await dialect.close(holder);
      await dialect.close(waiter);
    }
  });

  it("an unknown error is a DatabaseError", () => {
    assert.equal(dialect.classifyError(new Error("something else")), "DatabaseError");
    assert.equal(dialect.classifyError("not even an error"), "DatabaseError");
  });
});

describe("sqlite dialect: transactions and savepoints", () => {
  it("BEGIN / SAVEPOINT / ROLLBACK TO / RELEASE / COMMIT round trip", async () => {
    await withMemory(async (db) => {
      await dialect.execute(db, "CREATE TABLE t (x INTEGER)", []);
      await dialect.execute(db, dialect.beginSql(), []);
      assert.equal(db.inTransaction, true);
      await dialect.execute(db, "INSERT INTO t VALUES (1)", []);
      await dialect.execute(db, dialect.savepointSql("sa_savepoint_1"), []);
      await dialect.execute(db, "INSERT INTO t VALUES (2)", []);
      await dialect.execute(db, dialect.rollbackToSavepointSql("sa_savepoint_1"), []);
      await dialect.execute(db, dialect.releaseSavepointSql("sa_savepoint_1"), []);
      await dialect.execute(db, dialect.savepointSql("Odd Name"), []);
      await dialect.execute(db, "INSERT INTO t VALUES (3)", []);
      await dialect.execute(db, dialect.releaseSavepointSql("Odd Name"), []);
      await dialect.commit(db);
      assert.equal(db.inTransaction, false);
      assert.deepEqual((await dialect.execute(db, "SELECT x FROM t ORDER BY x", [])).rows, [[1], [3]]);
    });
  });

  it("renders savepoint SQL with the name quoted (never spliced raw)", () => {
    assert.equal(dialect.savepointSql("sa_savepoint_1"), 'SAVEPOINT "sa_savepoint_1"');
    assert.equal(dialect.releaseSavepointSql("sa_savepoint_1"), 'RELEASE SAVEPOINT "sa_savepoint_1"');
    assert.equal(dialect.rollbackToSavepointSql("sa_savepoint_1"), 'ROLLBACK TO SAVEPOINT "sa_savepoint_1"');
    assert.equal(dialect.savepointSql('x"; DROP TABLE t; --'), 'SAVEPOINT "x""; DROP TABLE t; --"');
    assert.throws(() => dialect.savepointSql(""), ArgumentError);
  });

  it("rollback and commit do nothing outside a transaction; inside, they end it", async () => {
    await withMemory(async (db) => {
      await dialect.rollback(db);
      await dialect.commit(db);
      await dialect.execute(db, "CREATE TABLE t (x)", []);
      await dialect.execute(db, "BEGIN", []);
      await dialect.execute(db, "INSERT INTO t VALUES (1)", []);
      await dialect.rollback(db);
      assert.equal(db.inTransaction, false);
      await dialect.execute(db, "BEGIN", []);
      await dialect.execute(db, "INSERT INTO t VALUES (2)", []);
      await dialect.commit(db);
      assert.deepEqual((await dialect.execute(db, "SELECT x FROM t", [])).rows, [[2]]);
    });
  });

  it("sets and reads the isolation level (read_uncommitted pragma)", async () => {
    await withMemory(async (db) => {
      assert.equal(await dialect.getIsolationLevel(db), "SERIALIZABLE");
      assert.equal(dialect.isolationLevelSql("READ UNCOMMITTED"), "PRAGMA read_uncommitted = 1");
      await dialect.execute(db, dialect.isolationLevelSql("READ UNCOMMITTED"), []);
      assert.equal(await dialect.getIsolationLevel(db), "READ UNCOMMITTED");
      await dialect.execute(db, dialect.isolationLevelSql("SERIALIZABLE"), []);
      assert.equal(await dialect.getIsolationLevel(db), "SERIALIZABLE");
      assert.throws(() => dialect.isolationLevelSql("READ COMMITTED"), (err: unknown) => err instanceof ArgumentError && /SERIALIZABLE/.test(err.message));
      assert.deepEqual(dialect.capabilities.isolationLevels, ["READ UNCOMMITTED", "SERIALIZABLE"]);
    });
  });
});

describe("sqlite dialect: cursors", () => {
  const ROWS = 100_000;
  const BATCH = 1000;
  let db: SqliteDatabaseLike;

  before(async () => {
    db = await connect(fileUrl("big.db"));
    await dialect.execute(db, "CREATE TABLE big (id INTEGER PRIMARY KEY, label TEXT)", []);
    await dialect.execute(
      db,
      "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < ?) INSERT INTO big SELECT i, 'row ' || i FROM n",
      [ROWS],
    );
  });
  after(async () => {
    await dialect.close(db);
  });

  it(`fetches ${ROWS} rows in batches of ${BATCH}`, async () => {
    const cursor = await dialect.openCursor(db, "SELECT id, label FROM big WHERE id > ? ORDER BY id", [0], { inTransaction: false });
    assert.deepEqual(cursor.columns, ["id", "label"]);
    let batches = 0;
    let expected = 1;
    for (;;) {
      const rows = await cursor.fetch(BATCH);
      if (rows.length === 0) break;
      batches += 1;
      assert.ok(rows.length <= BATCH);
      for (const row of rows) {
        assert.equal(row[0], expected);
        expected += 1;
      }
    }
    assert.equal(batches, ROWS / BATCH);
    assert.equal(expected - 1, ROWS);
    assert.deepEqual(await cursor.fetch(BATCH), [], "an exhausted cursor keeps returning []");
    await cursor.close();
    await dialect.execute(db, "UPDATE big SET label = label WHERE id = 1", []); // the connection can write again
  });

  it("closing early frees the connection for writes; close is idempotent; fetch after close fails", async () => {
    const cursor = await dialect.openCursor(db, "SELECT id FROM big ORDER BY id", [], { inTransaction: false });
    assert.equal((await cursor.fetch(BATCH)).length, BATCH);
    // better-sqlite3 refuses writes while the iterator is open...
    const busy = await rejection(dialect.execute(db, "UPDATE big SET label = 'x' WHERE id = 1", []));
    assert.match(String(busy), /busy executing a query/);
    assert.equal(dialect.classifyError(busy), "ProgrammingError");
    assert.equal(dialect.isDisconnect(busy), false);
    // ...and allows them once it is closed.
    await cursor.close();
    await cursor.close();
    assert.equal((await dialect.execute(db, "UPDATE big SET label = 'x' WHERE id = 1", [])).rowCount, 1);
    await assert.rejects(cursor.fetch(10), ResourceClosedError);
  });

  it("reads may run while a cursor is open, even the same SQL", async () => {
    const sql = "SELECT id FROM big WHERE id <= ? ORDER BY id";
    const cursor = await dialect.openCursor(db, sql, [5], { inTransaction: false });
    assert.deepEqual(await cursor.fetch(2), [[1], [2]]);
    assert.deepEqual((await dialect.execute(db, sql, [2])).rows, [[1], [2]]);
    assert.deepEqual(await cursor.fetch(10), [[3], [4], [5]]);
    await cursor.close();
  });

  it("rollback and close end cursors left open", async () => {
    await dialect.execute(db, "BEGIN", []);
    const cursor = await dialect.openCursor(db, "SELECT id FROM big", [], { inTransaction: true });
    await cursor.fetch(10);
    await dialect.rollback(db);
    assert.equal(db.inTransaction, false);
    await assert.rejects(cursor.fetch(10), ResourceClosedError);

    const other = await connect("sqlite://");
    const left = await dialect.openCursor(other, "SELECT 1 UNION ALL SELECT 2", [], { inTransaction: false });
    await left.fetch(1);
    await dialect.close(other);
    assert.equal(other.open, false, "close() closed the database despite the open cursor");
  });

  it("a statement that returns no rows cannot be streamed", async () => {
    const err = await rejection(dialect.openCursor(db, "UPDATE big SET label = label WHERE id = 1", [], { inTransaction: false }));
    assert.equal(dialect.classifyError(err), "ProgrammingError");
  });
});

describe("sqlite dialect: ping, close and disconnects", () => {
  it("pings an open connection; a closed one fails ping with a disconnect", async () => {
    const db = await connect("sqlite://");
    await dialect.ping(db);
    await dialect.close(db);
    await dialect.close(db); // twice is fine
    const err = await rejection(dialect.ping(db));
    assert.match(String(err), /The database connection is not open/);
    assert.equal(dialect.isDisconnect(err), true);
    assert.equal(dialect.classifyError(err), "ProgrammingError");
    // A closed connection must not look healthy to the pool's reset.
    assert.equal(dialect.isDisconnect(await rejection(dialect.rollback(db))), true);
    assert.equal(dialect.isDisconnect(await rejection(dialect.execute(db, "SELECT 1", []))), true);
  });

  it("only the closed-connection message is a disconnect", () => {
    assert.equal(dialect.isDisconnect(new TypeError("The database connection is not open")), true);
    assert.equal(dialect.isDisconnect({ orig: new TypeError("The database connection is not open") }), true);
    // A SQLite error that happens to quote the words (say, a CHECK constraint's message) is not.
    assert.equal(dialect.isDisconnect(Object.assign(new Error("The database connection is not open"), { code: "SQLITE_CONSTRAINT_CHECK" })), false);
    assert.equal(dialect.isDisconnect(new Error("disk I/O error")), false);
  });

  it("quotes identifiers with double quotes, doubling embedded ones", () => {
    assert.equal(dialect.quoteIdentifier("user"), '"user"');
    assert.equal(dialect.quoteIdentifier('we"ird'), '"we""ird"');
  });

  it("declares its capabilities and placeholder style", () => {
    assert.equal(dialect.name, "sqlite");
    assert.equal(dialect.driver, "better-sqlite3");
    assert.equal(dialect.paramStyle, "qmark");
    assert.equal(dialect.backslashEscapes, false);
    assert.deepEqual(
      { ...dialect.capabilities, isolationLevels: [...dialect.capabilities.isolationLevels] },
      { returning: true, savepoints: true, serverSideCursors: true, maxBindParameters: 32766, isolationLevels: ["READ UNCOMMITTED", "SERIALIZABLE"], cancel: false },
    );
  });

  it("maxBindParameters is the bundled SQLite's real limit", async () => {
    await withMemory(async (db) => {
      const n = dialect.capabilities.maxBindParameters;
      const params = Array.from({ length: n }, (_, i) => i);
      const list = (count: number) => Array.from({ length: count }, () => "?").join(", ");
      // One placeholder is the probe, the rest an IN list (no expression-depth limit there).
      assert.deepEqual((await dialect.execute(db, `SELECT ? IN (${list(n - 1)})`, params)).rows, [[0]]);
      const over = await rejection(dialect.execute(db, `SELECT ? IN (${list(n)})`, [...params, 0]));
      assert.match(String(over), /too many SQL variables/);
    });
  });
});
