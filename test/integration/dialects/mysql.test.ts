/**
 * The MySQL/MariaDB (mysql2) dialect driven directly, against the machine's MariaDB
 * (SPEC E1, E3, E5, E7, E9, E12): URL -> connector, statements with bound parameters,
 * lastInsertId, RETURNING where the server has it, injection strings (also under
 * NO_BACKSLASH_ESCAPES), error classes, savepoints, streaming with flat memory and early
 * close, isolation levels, URL option checks before any connect, TLS negotiation.
 */
import assert from "node:assert/strict";
import net from "node:net";
import { setFlagsFromString } from "node:v8";
import { runInNewContext } from "node:vm";
import { after, before, describe, it, type TestContext } from "node:test";
import mysql from "mysql2/promise";

import { MysqlDialect, createMysqlDialect } from "../../../src/dialects/mysql/dialect.js";
import type { Mysql2Connection } from "../../../src/dialects/mysql/mysql2-driver.js";
import type { ConnectOptions } from "../../../src/engine/interfaces.js";
import { ArgumentError } from "../../../src/errors.js";
import { DatabaseUrl } from "../../../src/url.js";
import { databaseUrl, mysqlConfig, requireDatabase } from "../../support/databases.js";

const OPTIONS: ConnectOptions = { connectTimeoutMs: 10_000, connectArgs: {} };
/** One table per run, so concurrent runs on the shared server do not collide. */
const TABLE = `athanor_my_dialect_${process.pid}_${Date.now().toString(36)}`;

/** The injection attempts every protocol must carry as plain data. */
const NASTY: readonly string[] = [
  "'; DROP TABLE " + TABLE + "; -- ",
  "\\' OR 1=1 -- ",
  "\\",
  "\\\\'",
  "?",
  "??",
  "Robert'); DELETE FROM " + TABLE + " WHERE ('1' = '1",
  "quote ' double \" backtick ` NUL \0 newline \n ctrl-z \x1a",
];

function serverUrl(query: Record<string, string> = {}, scheme?: string): DatabaseUrl {
  let url = DatabaseUrl.parse(databaseUrl("mysql"));
  if (scheme !== undefined) url = url.set({ drivername: scheme });
  return url.set({ query: { ...url.query, ...query } });
}

async function failure(work: Promise<unknown>): Promise<unknown> {
  try {
    await work;
  } catch (err) {
    return err;
  }
  assert.fail("expected the operation to fail");
}

function errnoOf(err: unknown): unknown {
  return (err as { errno?: unknown }).errno;
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

/** A TCP server that counts connections and either drops them or leaves them hanging. */
async function tcpServer(mode: "drop" | "silent"): Promise<{ port: number; accepted(): number; close(): Promise<void> }> {
  let accepted = 0;
  const sockets = new Set<net.Socket>();
  const server = net.createServer((socket) => {
    accepted += 1;
    socket.on("error", () => undefined);
    if (mode === "drop") socket.destroy();
    else sockets.add(socket);
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return {
    port: (server.address() as net.AddressInfo).port,
    accepted: () => accepted,
    close: () =>
      new Promise<void>((resolve) => {
        for (const socket of sockets) socket.destroy();
        server.close(() => resolve());
      }),
  };
}

/** Rows 1..n from a cross join of digits (no recursion limit, no sequence engine needed). */
function numbersSql(digits: number): string {
  const d = "(SELECT 0 AS n UNION ALL SELECT 1 UNION ALL SELECT 2 UNION ALL SELECT 3 UNION ALL SELECT 4 " +
    "UNION ALL SELECT 5 UNION ALL SELECT 6 UNION ALL SELECT 7 UNION ALL SELECT 8 UNION ALL SELECT 9)";
  const aliases = Array.from({ length: digits }, (_, i) => `d${i}`);
  const value = aliases.map((a, i) => `${a}.n * ${10 ** i}`).join(" + ");
  return `SELECT ${value} + 1 AS id FROM ${aliases.map((a) => `${d} AS ${a}`).join(" CROSS JOIN ")}`;
}

describe("MySQL/MariaDB dialect (mysql2) against the real server", () => {
  let reachable = false;
  const dialect: MysqlDialect = createMysqlDialect();
  let conn: Mysql2Connection;

  async function connect(query: Record<string, string> = {}, options: ConnectOptions = OPTIONS): Promise<Mysql2Connection> {
    return dialect.createConnector(serverUrl(query), options)();
  }

  async function scalar(c: Mysql2Connection, sql: string, params: unknown[] = []): Promise<unknown> {
    return (await dialect.execute(c, sql, params)).rows[0]?.[0];
  }

  async function skipUnlessReachable(t: TestContext): Promise<boolean> {
    return (await requireDatabase("mysql", t)).reachable;
  }

  before(async () => {
    reachable = (await requireDatabase("mysql")).reachable;
    if (!reachable) return;
    conn = await connect();
    await dialect.execute(
      conn,
      `CREATE TABLE ${TABLE} (id INT AUTO_INCREMENT PRIMARY KEY, name VARCHAR(200) NOT NULL UNIQUE, n INT, ` +
        `small TINYINT, short VARCHAR(3), CONSTRAINT ${TABLE}_n_check CHECK (n IS NULL OR n >= 0)) ENGINE=InnoDB`,
      [],
    );
  });

  after(async () => {
    if (!reachable) return;
    await dialect.execute(conn, `DROP TABLE IF EXISTS ${TABLE}`, []);
    await dialect.close(conn);
  });

  it("describes itself: ? parameters, backticks, START TRANSACTION, 65535 parameters", () => {
    const fresh = createMysqlDialect();
    assert.equal(fresh.name, "mysql");
    assert.equal(fresh.driver, "mysql2");
    assert.equal(fresh.paramStyle, "qmark");
    assert.equal(fresh.backslashEscapes, true);
    assert.equal(fresh.capabilities.returning, false, "unknown until a connect shows MariaDB >= 10.5");
    assert.equal(fresh.capabilities.savepoints, true);
    assert.equal(fresh.capabilities.serverSideCursors, true);
    assert.equal(fresh.capabilities.maxBindParameters, 65_535);
    assert.equal(fresh.capabilities.cancel, true, "KILL QUERY (SPEC B1)");
    assert.deepEqual(fresh.capabilities.isolationLevels, ["READ UNCOMMITTED", "READ COMMITTED", "REPEATABLE READ", "SERIALIZABLE"]);
    assert.deepEqual(fresh.defaultPool(serverUrl()), { kind: "queue" });
    assert.equal(fresh.beginSql(), "START TRANSACTION");
    assert.equal(fresh.quoteIdentifier("we`ird"), "`we``ird`");
    assert.equal(fresh.savepointSql("sp 1"), "SAVEPOINT `sp 1`");
    assert.equal(fresh.releaseSavepointSql("sp"), "RELEASE SAVEPOINT `sp`");
    assert.equal(fresh.rollbackToSavepointSql("sp"), "ROLLBACK TO SAVEPOINT `sp`");
    assert.throws(() => fresh.quoteIdentifier("a\0b"), ArgumentError);
    assert.equal(fresh.flavour, undefined);
    fresh.createConnector(serverUrl({}, "mariadb"), OPTIONS);
    assert.equal(fresh.flavour, "mariadb", "the mariadb:// scheme says so before any connect");
  });

  it("learns the server at connect: flavour, version, RETURNING support", async (t) => {
    if (!(await skipUnlessReachable(t))) return;
    const info = dialect.serverInfo;
    assert.ok(info !== undefined);
    const version = String(await scalar(conn, "SELECT VERSION()"));
    assert.equal(info.version, version);
    assert.equal(info.flavour, /mariadb/i.test(version) ? "mariadb" : "mysql");
    if (info.flavour === "mariadb" && (info.major > 10 || (info.major === 10 && info.minor >= 5))) {
      assert.deepEqual(dialect.returningSupport, { insert: true, update: false, delete: true });
      assert.equal(dialect.capabilities.returning, true);
    } else if (info.flavour === "mysql") {
      assert.deepEqual(dialect.returningSupport, { insert: false, update: false, delete: false });
      assert.equal(dialect.capabilities.returning, false);
    }
  });

  it("serves mysql://, mysql+mysql2:// and mariadb:// URLs alike", async (t) => {
    if (!(await skipUnlessReachable(t))) return;
    for (const scheme of ["mysql", "mysql+mysql2", "mariadb", "mariadb+mysql2"]) {
      const d = createMysqlDialect();
      const c = await d.createConnector(serverUrl({}, scheme), OPTIONS)();
      try {
        assert.equal((await d.execute(c, "SELECT ? + 1", [41])).rows[0]?.[0], 42, scheme);
      } finally {
        await d.close(c);
      }
    }
    assert.throws(() => dialect.createConnector(DatabaseUrl.parse("mysql+pymysql://u@h/db"), OPTIONS), /mysql\+mysql2/);
  });

  it("runs DDL, INSERT, UPDATE and SELECT: columns, rows, rowCount, lastInsertId", async (t) => {
    if (!(await skipUnlessReachable(t))) return;
    const first = await dialect.execute(conn, `INSERT INTO ${TABLE} (name, n) VALUES (?, ?)`, ["alpha", 1]);
    assert.deepEqual(first.columns, []);
    assert.equal(first.rowCount, 1);
    assert.equal(typeof first.lastInsertId, "number");
    const two = await dialect.execute(conn, `INSERT INTO ${TABLE} (name, n) VALUES (?, ?), (?, ?)`, ["beta", 2, "gamma", 3]);
    assert.equal(two.rowCount, 2);
    // For a multi-row INSERT MySQL reports the id of the *first* row it generated.
    assert.equal(two.lastInsertId, Number(first.lastInsertId) + 1);

    const select = await dialect.execute(conn, `SELECT name, n FROM ${TABLE} WHERE n >= ? ORDER BY n`, [1]);
    assert.deepEqual(select.columns, ["name", "n"]);
    assert.deepEqual(select.rows, [
      ["alpha", 1],
      ["beta", 2],
      ["gamma", 3],
    ]);
    assert.equal(select.rowCount, 3);
    assert.equal(select.lastInsertId, undefined);

    // FOUND_ROWS: a matched row counts even when the value does not change.
    const same = await dialect.execute(conn, `UPDATE ${TABLE} SET n = n WHERE name = ?`, ["alpha"]);
    assert.equal(same.rowCount, 1);
    assert.equal(same.lastInsertId, undefined, "no AUTO_INCREMENT value: absent, not 0");
    const ddl = await dialect.execute(conn, `CREATE TEMPORARY TABLE ${TABLE}_tmp (x INT)`, []);
    assert.equal(ddl.rowCount, 0);
  });

  it("returns rows from INSERT/DELETE ... RETURNING on MariaDB 10.5+", async (t) => {
    if (!(await skipUnlessReachable(t))) return;
    if (!dialect.capabilities.returning) {
      t.skip(`${dialect.serverInfo?.version ?? "this server"} has no RETURNING`);
      return;
    }
    const inserted = await dialect.execute(conn, `INSERT INTO ${TABLE} (name, n) VALUES (?, ?) RETURNING id, name`, ["delta", 4]);
    assert.deepEqual(inserted.columns, ["id", "name"]);
    assert.equal(inserted.rows.length, 1);
    assert.equal(inserted.rows[0]?.[1], "delta");
    const deleted = await dialect.execute(conn, `DELETE FROM ${TABLE} WHERE name = ? RETURNING n`, ["delta"]);
    assert.deepEqual(deleted.rows, [[4]]);
    // UPDATE ... RETURNING does not exist on MariaDB (returningSupport.update is false).
    const update = await failure(dialect.execute(conn, `UPDATE ${TABLE} SET n = 5 WHERE name = 'alpha' RETURNING n`, []));
    assert.equal(dialect.classifyError(update), "ProgrammingError");
  });

  it("binds injection strings as data with the text protocol", async (t) => {
    if (!(await skipUnlessReachable(t))) return;
    for (const [i, value] of NASTY.entries()) {
      await dialect.execute(conn, `INSERT INTO ${TABLE} (name, n) VALUES (?, ?)`, [value, 100 + i]);
      assert.equal(await scalar(conn, `SELECT name FROM ${TABLE} WHERE n = ?`, [100 + i]), value);
      assert.equal(await scalar(conn, "SELECT ?", [value]), value);
    }
    assert.equal(Number(await scalar(conn, `SELECT COUNT(*) FROM ${TABLE} WHERE n >= 100`)), NASTY.length);
    // Values mysql2's escaper would expand are reduced to scalars first.
    assert.equal(await scalar(conn, "SELECT ?", [{ password: 1 }]), '{"password":1}');
    assert.equal(await scalar(conn, "SELECT ?", [[1, 2]]), "[1,2]");
    // mysql2 would splice toSqlString()'s result raw; as a plain object it is JSON (the function dropped).
    assert.equal(await scalar(conn, "SELECT ?", [{ toSqlString: () => "1 OR 1=1" }]), "{}");
    class Money {
      toSqlString(): string {
        return "1 OR 1=1";
      }
      toString(): string {
        return "12.50";
      }
    }
    assert.equal(await scalar(conn, "SELECT ?", [new Money()]), "12.50");
    assert.equal(await scalar(conn, "SELECT ? IS NULL", [undefined]), 1);
    assert.deepEqual(await scalar(conn, "SELECT ?", [Buffer.from([0, 39, 92, 255])]), Buffer.from([0, 39, 92, 255]));
    assert.equal(await scalar(conn, "SELECT ? + 1", [41n]), 42);
    const nan = await failure(dialect.execute(conn, "SELECT ?", [Number.NaN]));
    assert.ok(nan instanceof ArgumentError);
    assert.equal(dialect.classifyError(nan), "InterfaceError");
  });

  it("switches to the binary protocol under NO_BACKSLASH_ESCAPES, where client-side escaping is unsafe", async (t) => {
    if (!(await skipUnlessReachable(t))) return;
    // The hazard itself, with mysql2 alone: its escaping lets OR 1=1 through.
    const raw = await mysql.createConnection(mysqlConfig);
    try {
      await raw.query("SET SESSION sql_mode = CONCAT(@@SESSION.sql_mode, ',NO_BACKSLASH_ESCAPES')");
      const [rows] = await raw.query({ sql: "SELECT ?", rowsAsArray: true }, ["\\' OR 1=1 -- "]);
      assert.deepEqual(rows, [[1]], "mysql2 query() under NO_BACKSLASH_ESCAPES runs injected SQL");
    } finally {
      await raw.end();
    }

    const c = await connect();
    try {
      // Changed through the dialect: the OK packet's status flag is tracked.
      await dialect.execute(c, "SET SESSION sql_mode = CONCAT(@@SESSION.sql_mode, ',NO_BACKSLASH_ESCAPES')", []);
      for (const value of NASTY) {
        assert.equal(await scalar(c, "SELECT ?", [value]), value);
        assert.equal(await scalar(c, "SELECT CONCAT('[', ?, ']')", [value]), `[${value}]`);
      }
      const cursor = await dialect.openCursor(c, "SELECT ?, ?", [NASTY[1], 7], { inTransaction: false });
      assert.deepEqual(await cursor.fetch(10), [[NASTY[1], 7]]);
      await cursor.close();
      await dialect.execute(c, "SET SESSION sql_mode = REPLACE(@@SESSION.sql_mode, 'NO_BACKSLASH_ESCAPES', '')", []);
      assert.equal(await scalar(c, "SELECT ?", [NASTY[1]]), NASTY[1]);
    } finally {
      await dialect.close(c);
    }

    // A connection from a user's creator, already in that mode: asked on first use.
    const created = (await mysql.createConnection(mysqlConfig)) as unknown as Mysql2Connection;
    try {
      await created.query({ sql: "SET SESSION sql_mode = 'NO_BACKSLASH_ESCAPES'", rowsAsArray: true });
      const d = createMysqlDialect();
      assert.equal(await (await d.execute(created, "SELECT ?", [NASTY[1]])).rows[0]?.[0], NASTY[1]);
      assert.equal(d.backslashEscapes, false, "the dialect now reads literals as this server does");
    } finally {
      await created.end();
    }
  });

  it("classifies server errors by errno (SPEC E9)", async (t) => {
    if (!(await skipUnlessReachable(t))) return;
    await dialect.execute(conn, `INSERT INTO ${TABLE} (name, n) VALUES ('dupe', 0)`, []);
    const checkErrno = dialect.flavour === "mariadb" ? 4025 : 3819;
    const cases: [string, unknown[], number, string][] = [
      [`INSERT INTO ${TABLE} (name, n) VALUES (?, 0)`, ["dupe"], 1062, "IntegrityError"],
      [`INSERT INTO ${TABLE} (name, n) VALUES (NULL, 0)`, [], 1048, "IntegrityError"],
      [`INSERT INTO ${TABLE} (name, n) VALUES ('negative', -1)`, [], checkErrno, "IntegrityError"],
      [`INSERT INTO ${TABLE} (n) VALUES (1)`, [], 1364, "IntegrityError"],
      ["SELEC 1", [], 1064, "ProgrammingError"],
      ["SELECT * FROM athanor_no_such_table", [], 1146, "ProgrammingError"],
      [`SELECT no_such_column FROM ${TABLE}`, [], 1054, "ProgrammingError"],
      [`INSERT INTO ${TABLE} (name, n) VALUES ('div', 1 / 0)`, [], 1365, "DataError"],
      [`INSERT INTO ${TABLE} (name, small) VALUES ('big', 1000)`, [], 1264, "DataError"],
      [`INSERT INTO ${TABLE} (name, short) VALUES ('long', 'abcdef')`, [], 1406, "DataError"],
      [`INSERT INTO ${TABLE} (name, n) VALUES ('text', 'abc')`, [], 1366, "DataError"],
    ];
    for (const [sql, params, errno, kind] of cases) {
      const err = await failure(dialect.execute(conn, sql, params));
      assert.equal(errnoOf(err), errno, sql);
      assert.equal(dialect.classifyError(err), kind, sql);
      assert.equal(dialect.isDisconnect(err, conn), false, sql);
    }
    assert.equal(await scalar(conn, "SELECT 41 + 1"), 42, "the connection is still good");
  });

  it("classifies lock waits, connect failures and client-side errors", async (t) => {
    if (!(await skipUnlessReachable(t))) return;
    const a = await connect();
    const b = await connect();
    try {
      await dialect.execute(a, "START TRANSACTION", []);
      await dialect.execute(a, `UPDATE ${TABLE} SET n = n WHERE name = 'alpha'`, []);
      await dialect.execute(b, "SET SESSION innodb_lock_wait_timeout = 1", []);
      await dialect.execute(b, "START TRANSACTION", []);
      const wait = await failure(dialect.execute(b, `UPDATE ${TABLE} SET n = n WHERE name = 'alpha'`, []));
      assert.equal(errnoOf(wait), 1205);
      assert.equal(dialect.classifyError(wait), "OperationalError");
      assert.equal(dialect.isDisconnect(wait, b), false);
    } finally {
      await dialect.rollback(a);
      await dialect.rollback(b);
      await dialect.close(a);
      await dialect.close(b);
    }

    const refused = await tcpServer("drop");
    await refused.close();
    const notListening = await failure(dialect.createConnector(DatabaseUrl.parse(`mysql://root@127.0.0.1:${refused.port}/test`), OPTIONS)());
    assert.equal(dialect.classifyError(notListening), "OperationalError");
    assert.equal(dialect.isDisconnect(notListening), true);

    const denied = await failure(dialect.createConnector(serverUrl().set({ username: "athanor_no_such_user", password: "x" }), OPTIONS)());
    assert.equal(errnoOf(denied), 1045);
    assert.equal(dialect.classifyError(denied), "OperationalError");

    const closed = await connect();
    await dialect.close(closed);
    const afterClose = await failure(dialect.execute(closed, "SELECT 1", []));
    assert.equal(dialect.classifyError(afterClose), "OperationalError");
    assert.equal(dialect.isDisconnect(afterClose, closed), true);
    const cursorAfterClose = await failure(dialect.openCursor(closed, "SELECT 1", [], { inTransaction: false }));
    assert.equal(dialect.isDisconnect(cursorAfterClose, closed), true);

    const symbol = await failure(dialect.execute(conn, "SELECT ?", [Symbol("x")]));
    assert.equal(dialect.classifyError(symbol), "InterfaceError");
  });

  it("round-trips savepoints: ROLLBACK TO undoes only the inner work", async (t) => {
    if (!(await skipUnlessReachable(t))) return;
    const sp = "athanor `sp` 1";
    await dialect.execute(conn, dialect.beginSql(), []);
    await dialect.execute(conn, `INSERT INTO ${TABLE} (name, n) VALUES ('outer', 500)`, []);
    await dialect.execute(conn, dialect.savepointSql(sp), []);
    await dialect.execute(conn, `INSERT INTO ${TABLE} (name, n) VALUES ('inner', 501)`, []);
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
      assert.equal(await dialect.getIsolationLevel(c), "REPEATABLE READ");
      for (const level of dialect.capabilities.isolationLevels) {
        await dialect.execute(c, dialect.isolationLevelSql(level), []);
        assert.equal(await dialect.getIsolationLevel(c), level);
      }
      assert.throws(() => dialect.isolationLevelSql("CHAOS; DROP TABLE x" as never), ArgumentError);
    } finally {
      await dialect.close(c);
    }
  });

  it("streams 100 000 rows in batches of 1000 with a flat heap", async (t) => {
    if (!(await skipUnlessReachable(t))) return;
    const c = await connect();
    try {
      const cursor = await dialect.openCursor(c, `SELECT id, REPEAT(?, 200) AS payload FROM (${numbersSql(5)}) AS numbers ORDER BY id`, ["x"], {
        inTransaction: false,
      });
      assert.deepEqual(cursor.columns, ["id", "payload"], "known once the server has described the result");
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
          assert.equal(Number(row[0]), expected);
          expected += 1;
        }
        total += rows.length;
        batches += 1;
        if (batches === 5) baseline = settledHeapUsed();
        if (batches > 5 && batches % 20 === 0) peakGrowth = Math.max(peakGrowth, settledHeapUsed() - baseline);
      }
      assert.equal(total, 100_000);
      assert.equal(batches, 100);
      // The whole result is > 20 MB of payload strings alone; holding it would show here.
      assert.ok(peakGrowth < 8 * 1024 * 1024, `heap grew by ${(peakGrowth / 1048576).toFixed(1)} MB while streaming`);
      await cursor.close();
      await cursor.close();
      assert.equal(await scalar(c, "SELECT ? + 1", [1]), 2);
    } finally {
      await dialect.close(c);
    }
  });

  it("closing a stream early leaves the connection usable", async (t) => {
    if (!(await skipUnlessReachable(t))) return;
    const c = await connect();
    try {
      for (let round = 0; round < 3; round += 1) {
        const cursor = await dialect.openCursor(c, numbersSql(5), [], { inTransaction: round === 2 });
        const rows = await cursor.fetch(3);
        assert.equal(rows.length, 3);
        await cursor.close();
        assert.deepEqual(await cursor.fetch(3), [], "a closed cursor yields nothing");
        assert.equal(await scalar(c, "SELECT ? + 1", [41]), 42);
      }
      // A statement that fails fails at open, and the connection carries on.
      const bad = await failure(dialect.openCursor(c, "SELECT * FROM athanor_no_such_table", [], { inTransaction: false }));
      assert.equal(dialect.classifyError(bad), "ProgrammingError");
      assert.equal(await scalar(c, "SELECT 7"), 7);
      // A statement without rows streams nothing.
      const noRows = await dialect.openCursor(c, "DO 1", [], { inTransaction: false });
      assert.deepEqual(await noRows.fetch(10), []);
      await noRows.close();
      assert.equal(await scalar(c, "SELECT 8"), 8);
    } finally {
      await dialect.close(c);
    }
  });

  it("fails a stream whose connection is killed, instead of hanging", async (t) => {
    if (!(await skipUnlessReachable(t))) return;
    const c = await connect();
    const id = await scalar(c, "SELECT CONNECTION_ID()");
    const cursor = await dialect.openCursor(c, `SELECT id, REPEAT('x', 500) FROM (${numbersSql(5)}) AS numbers`, [], { inTransaction: false });
    await cursor.fetch(10);
    await dialect.execute(conn, `KILL CONNECTION ${Number(id)}`, []);
    const err = await failure(
      (async () => {
        for (;;) if ((await cursor.fetch(1000)).length === 0) return;
      })(),
    );
    assert.equal(dialect.isDisconnect(err, c), true);
    await cursor.close();
    await dialect.close(c);
  });

  it("takes 65535 bind parameters with either protocol; the binary protocol refuses 65536", async (t) => {
    if (!(await skipUnlessReachable(t))) return;
    const max = dialect.capabilities.maxBindParameters;
    const inList = (n: number) => `SELECT COUNT(*) FROM (SELECT 1 AS x) AS v WHERE 1 IN (${Array.from({ length: n }, () => "?").join(", ")})`;
    const values = (n: number) => Array.from({ length: n }, () => 1);
    const c = await connect();
    try {
      assert.equal(Number(await scalar(c, inList(max), values(max))), 1, "text protocol");
      await dialect.execute(c, "SET SESSION sql_mode = CONCAT(@@SESSION.sql_mode, ',NO_BACKSLASH_ESCAPES')", []);
      assert.equal(Number(await scalar(c, inList(max), values(max))), 1, "binary protocol");
      const tooMany = await failure(dialect.execute(c, inList(max + 1), values(max + 1)));
      assert.equal(errnoOf(tooMany), 1390);
      assert.equal(dialect.classifyError(tooMany), "ProgrammingError");
    } finally {
      await dialect.close(c);
    }
  });

  it("applies URL options and lets connectArgs win over them", async (t) => {
    if (!(await skipUnlessReachable(t))) return;
    const c = await connect({ charset: "latin1", connect_timeout: "5" });
    try {
      assert.equal(await scalar(c, "SELECT @@SESSION.character_set_client"), "latin1");
    } finally {
      await dialect.close(c);
    }
    // connectTimeoutMs Infinity must not reach mysql2: Node would turn it into a 1 ms timer.
    const unbounded = await connect({}, { connectTimeoutMs: Infinity, connectArgs: {} });
    assert.equal(await scalar(unbounded, "SELECT 1"), 1);
    await dialect.close(unbounded);
    const d = await connect({ charset: "latin1" }, { connectTimeoutMs: 10_000, connectArgs: { charset: "utf8mb4" } });
    try {
      assert.equal(await scalar(d, "SELECT @@SESSION.character_set_client"), "utf8mb4");
      assert.equal(await scalar(d, "SELECT ?", ["snowman ☃ and emoji 😀"]), "snowman ☃ and emoji 😀");
    } finally {
      await dialect.close(d);
    }
  });

  it("rejects unknown or malformed URL options before any connect", async () => {
    const counter = await tcpServer("drop");
    try {
      const url = (query: string) => DatabaseUrl.parse(`mysql://root@127.0.0.1:${counter.port}/test?${query}`);
      let unknown: unknown;
      try {
        dialect.createConnector(url("charset=utf8mb4&sslmode=require&pool_size=5"), OPTIONS);
      } catch (err) {
        unknown = err;
      }
      assert.ok(unknown instanceof ArgumentError);
      assert.match(unknown.message, /'sslmode', 'pool_size'/);
      assert.match(unknown.message, /Accepted options: charset, connect_timeout, ssl_mode/);
      assert.throws(() => dialect.createConnector(url("ssl_mode=PREFERRED"), OPTIONS), /DISABLED, REQUIRED, VERIFY_CA, VERIFY_IDENTITY/);
      assert.throws(() => dialect.createConnector(url("connect_timeout=-1"), OPTIONS), /whole number of seconds/);
      assert.throws(() => dialect.createConnector(url("ssl_ca=/tmp/ca.pem"), OPTIONS), /need TLS/);
      assert.throws(() => dialect.createConnector(url("ssl_mode=REQUIRED&ssl_ca=/tmp/ca.pem"), OPTIONS), /VERIFY_CA/);
      assert.throws(() => dialect.createConnector(url("ssl_mode=REQUIRED&ssl_key=/tmp/k.pem"), OPTIONS), /both ssl_cert and ssl_key/);
      assert.throws(() => dialect.createConnector(url("charset=utf8;DROP"), OPTIONS), /charset/);
      assert.equal(counter.accepted(), 0, "nothing connected");
      const missing = await failure(dialect.createConnector(url("ssl_mode=VERIFY_CA&ssl_ca=/nonexistent/ca.pem"), OPTIONS)());
      assert.ok(missing instanceof ArgumentError);
      assert.match(missing.message, /ssl_ca.*\/nonexistent\/ca\.pem/);
      assert.equal(counter.accepted(), 0, "the file is read before the socket opens");
    } finally {
      await counter.close();
    }
  });

  it("bounds a connect to a silent server by connect_timeout (seconds) and by connectTimeoutMs", async () => {
    const silent = await tcpServer("silent");
    try {
      const url = DatabaseUrl.parse(`mysql://root@127.0.0.1:${silent.port}/test?connect_timeout=1`);
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

  it("ssl_mode=REQUIRED: TLS when the server offers it, else a clear connect error", async (t) => {
    if (!(await skipUnlessReachable(t))) return;
    const haveSsl = String(await scalar(conn, "SELECT @@have_ssl"));
    if (haveSsl === "YES") {
      const c = await connect({ ssl_mode: "REQUIRED" });
      try {
        const status = await dialect.execute(c, "SHOW SESSION STATUS LIKE 'Ssl_cipher'", []);
        assert.ok(String(status.rows[0]?.[1] ?? "").length > 0);
      } finally {
        await dialect.close(c);
      }
      return;
    }
    const err = await failure(connect({ ssl_mode: "REQUIRED" }));
    assert.match(String((err as Error).message), /does not support secure connection/i);
    assert.equal(dialect.classifyError(err), "OperationalError");
    const plain = await connect({ ssl_mode: "DISABLED" });
    assert.equal(await scalar(plain, "SELECT 1"), 1);
    await dialect.close(plain);
  });
});
