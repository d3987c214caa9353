/**
 * Disconnect classification (SPEC P13, P14, E12) for pg and mysql2, proven against the real
 * local servers: every case that can be provoked is provoked; the rest are checked over
 * error objects shaped like the ones the drivers build. Also the per-driver pool dialects.
 *
 * Servers: PostgreSQL 127.0.0.1:5432 (postgres, db test), MariaDB 127.0.0.1:3306 (root, db test).
 */
import assert from "node:assert/strict";
import net from "node:net";
import { describe, it, before, after, type TestContext } from "node:test";
import pg from "pg";
import mysql from "mysql2/promise";

import { isPostgresDisconnect } from "../../src/dialects/postgresql/disconnect.js";
import { isMysqlDisconnect } from "../../src/dialects/mysql/disconnect.js";
import {
  attachPgErrorGuard,
  createPgPoolDialect,
  pgClientError,
  pgPoolDialect,
} from "../../src/dialects/postgresql/pg-pool-dialect.js";
import {
  attachMysqlErrorGuard,
  createMysql2PoolDialect,
  mysql2PoolDialect,
  mysqlConnectionError,
} from "../../src/dialects/mysql/mysql2-pool-dialect.js";
import type { PoolDialect } from "../../src/pool/pool-dialect.js";

const PG_CONFIG = { host: "127.0.0.1", port: 5432, user: "postgres", database: "test" };
const MY_CONFIG = { host: "127.0.0.1", port: 3306, user: "root", password: "", database: "test" };

// The dialect objects must satisfy the pool's interface for the real driver classes.
const pgDialectForPool: PoolDialect<pg.Client> = pgPoolDialect;
const mysqlDialectForPool: PoolDialect<mysql.Connection> = mysql2PoolDialect;

/** The fields the drivers put on their errors, all optional. */
type DriverError = Error & {
  code?: unknown;
  errno?: unknown;
  severity?: unknown;
  fatal?: unknown;
  sqlState?: unknown;
};

async function errorOf(work: Promise<unknown>): Promise<DriverError> {
  try {
    await work;
  } catch (err) {
    assert.ok(err instanceof Error, `expected an Error, got ${String(err)}`);
    return err;
  }
  assert.fail("expected the operation to fail");
}

async function waitFor<T>(probe: () => T | undefined | Promise<T | undefined>, what: string): Promise<T> {
  const deadline = Date.now() + 5000;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) assert.fail(`timed out waiting for ${what}`);
    await sleep(25);
  }
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** A TCP port nothing listens on: bind an ephemeral port, then release it. */
async function closedPort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const address = server.address();
  assert.ok(address !== null && typeof address === "object");
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return address.port;
}

/** A server that accepts TCP connections and never says a word (a hung database host). */
async function muteServer() {
  const sockets = new Set<net.Socket>();
  const server = net.createServer((socket) => void sockets.add(socket.on("error", () => undefined)));
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const address = server.address();
  assert.ok(address !== null && typeof address === "object");
  return {
    port: address.port,
    async close(): Promise<void> {
      for (const socket of sockets) socket.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

/**
 * A TCP proxy that can go silent: after `silence()` it forwards nothing, not even FIN, like a
 * host that vanished from the network. Client sockets see a peer that never answers.
 */
async function silentProxy(targetPort: number) {
  const sockets = new Set<net.Socket>();
  const clientClosed: Promise<void>[] = [];
  let silent = false;
  const server = net.createServer({ allowHalfOpen: true }, (client) => {
    const upstream = net.connect({ host: "127.0.0.1", port: targetPort, allowHalfOpen: true });
    for (const socket of [client, upstream]) {
      sockets.add(socket);
      socket.on("error", () => undefined);
    }
    // 'end' = the client sent FIN; with allowHalfOpen a silent proxy never fully closes.
    clientClosed.push(new Promise((resolve) => client.once("end", () => resolve())));
    client.on("data", (chunk: Buffer) => void (silent || upstream.write(chunk)));
    upstream.on("data", (chunk: Buffer) => void (silent || client.write(chunk)));
    client.on("end", () => void (silent || upstream.end()));
    upstream.on("end", () => void (silent || client.end()));
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const address = server.address();
  assert.ok(address !== null && typeof address === "object");
  return {
    port: address.port,
    silence(): void {
      silent = true;
    },
    /** Resolves when every proxied client has closed its side of the connection. */
    clientClosed(): Promise<void> {
      return Promise.all(clientClosed).then(() => undefined);
    },
    async close(): Promise<void> {
      for (const socket of sockets) socket.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

// ---------------------------------------------------------------------------------------------
// PostgreSQL
// ---------------------------------------------------------------------------------------------

describe("PostgreSQL (pg): real disconnects are disconnects", () => {
  let admin: pg.Client;
  before(async () => {
    admin = await pgConnect();
  });
  after(async () => {
    await admin.end();
  });

  async function pgConnect(config: pg.ClientConfig = PG_CONFIG): Promise<pg.Client> {
    const client = new pg.Client(config);
    attachPgErrorGuard(client); // without it, a server-side kill crashes the test process
    await client.connect();
    return client;
  }

  async function pgSession(t: TestContext, config?: pg.ClientConfig): Promise<{ client: pg.Client; pid: number }> {
    const client = await pgConnect(config);
    t.after(() => client.end());
    const result = await client.query<{ pid: number }>("SELECT pg_backend_pid() AS pid");
    const pid = result.rows[0]?.pid;
    assert.ok(typeof pid === "number");
    return { client, pid };
  }

  async function backendState(pid: number): Promise<string | undefined> {
    const result = await admin.query<{ state: string | null }>(
      "SELECT state FROM pg_stat_activity WHERE pid = $1",
      [pid],
    );
    return result.rows[0]?.state ?? undefined;
  }

  it("pg_terminate_backend on an idle client: the 'error' event (57P01) and the next query", async (t) => {
    const { client, pid } = await pgSession(t);
    await admin.query("SELECT pg_terminate_backend($1)", [pid]);

    const event = (await waitFor(() => pgClientError(client), "the client 'error' event")) as DriverError;
    assert.equal(event.code, "57P01");
    assert.equal(event.severity, "FATAL");
    assert.equal(event.message, "terminating connection due to administrator command");
    assert.equal(isPostgresDisconnect(event), true);

    const next = await errorOf(client.query("SELECT 1"));
    assert.equal(next.message, "Client has encountered a connection error and is not queryable");
    assert.equal(next.code, undefined);
    assert.equal(isPostgresDisconnect(next), true);
  });

  it("pg_terminate_backend during a query: the query fails with 57P01", async (t) => {
    const { client, pid } = await pgSession(t);
    const failure = errorOf(client.query("SELECT pg_sleep(10)"));
    await waitFor(async () => ((await backendState(pid)) === "active" ? true : undefined), "pg_sleep to run");
    await admin.query("SELECT pg_terminate_backend($1)", [pid]);

    const err = await failure;
    assert.equal(err.code, "57P01");
    assert.equal(isPostgresDisconnect(err), true);
  });

  it("a query on a client after end(): 'Client was closed and is not queryable'", async () => {
    const client = await pgConnect();
    await client.end();
    const err = await errorOf(client.query("SELECT 1"));
    assert.equal(err.message, "Client was closed and is not queryable");
    assert.equal(isPostgresDisconnect(err), true);
  });

  it("idle_in_transaction_session_timeout ends the session with 25P03", async (t) => {
    const { client } = await pgSession(t);
    await client.query("SET idle_in_transaction_session_timeout = '200ms'");
    await client.query("BEGIN");

    const event = (await waitFor(() => pgClientError(client), "the 25P03 'error' event")) as DriverError;
    assert.equal(event.code, "25P03");
    assert.equal(isPostgresDisconnect(event), true);
    assert.equal(isPostgresDisconnect(await errorOf(client.query("SELECT 1"))), true);
  });

  it("idle_session_timeout (PostgreSQL 14+) ends the session with 57P05", async (t) => {
    const version = await admin.query<{ v: string }>("SELECT current_setting('server_version_num') AS v");
    if (Number(version.rows[0]?.v) < 140000) return t.skip("idle_session_timeout needs PostgreSQL 14");
    const { client } = await pgSession(t);
    await client.query("SET idle_session_timeout = '200ms'");

    const event = (await waitFor(() => pgClientError(client), "the 57P05 'error' event")) as DriverError;
    assert.equal(event.code, "57P05");
    assert.equal(isPostgresDisconnect(event), true);
  });

  it("connectionTimeoutMillis against a host that never answers: 'timeout expired'", async (t) => {
    const mute = await muteServer();
    t.after(() => mute.close());
    const client = new pg.Client({ ...PG_CONFIG, port: mute.port, connectionTimeoutMillis: 200 });
    attachPgErrorGuard(client);
    const err = await errorOf(client.connect());
    assert.equal(err.message, "timeout expired");
    assert.equal(isPostgresDisconnect(err), true);
  });

  it("connecting to a port nothing listens on: ECONNREFUSED", async () => {
    const client = new pg.Client({ ...PG_CONFIG, port: await closedPort() });
    attachPgErrorGuard(client);
    const err = await errorOf(client.connect());
    assert.equal(err.code, "ECONNREFUSED");
    assert.equal(isPostgresDisconnect(err), true);
  });
});

describe("PostgreSQL (pg): statement errors are not disconnects, and the session lives on", () => {
  let client: pg.Client;
  let admin: pg.Client;
  before(async () => {
    client = new pg.Client(PG_CONFIG);
    attachPgErrorGuard(client);
    await client.connect();
    admin = new pg.Client(PG_CONFIG);
    await admin.connect();
    await client.query("CREATE TEMP TABLE unique_probe (id int PRIMARY KEY)");
    await client.query("INSERT INTO unique_probe VALUES (1)");
  });
  after(async () => {
    await client.end();
    await admin.end();
  });

  async function assertStillUsable(): Promise<void> {
    const result = await client.query<{ one: number }>("SELECT 1 AS one");
    assert.equal(result.rows[0]?.one, 1);
  }

  it("syntax error (42601)", async () => {
    const err = await errorOf(client.query("SELEC 1"));
    assert.equal(err.code, "42601");
    assert.equal(isPostgresDisconnect(err), false);
    await assertStillUsable();
  });

  it("unique violation (23505)", async () => {
    const err = await errorOf(client.query("INSERT INTO unique_probe VALUES (1)"));
    assert.equal(err.code, "23505");
    assert.equal(isPostgresDisconnect(err), false);
    await assertStillUsable();
  });

  it("statement_timeout cancel (57014)", async () => {
    await client.query("SET statement_timeout = '100ms'");
    const err = await errorOf(client.query("SELECT pg_sleep(2)"));
    await client.query("SET statement_timeout = 0");
    assert.equal(err.code, "57014");
    assert.equal(err.message, "canceling statement due to statement timeout");
    assert.equal(isPostgresDisconnect(err), false);
    await assertStillUsable();
  });

  it("pg_cancel_backend (57014, 'due to user request')", async () => {
    const pidResult = await client.query<{ pid: number }>("SELECT pg_backend_pid() AS pid");
    const pid = pidResult.rows[0]?.pid;
    const failure = errorOf(client.query("SELECT pg_sleep(10)"));
    await waitFor(async () => {
      const r = await admin.query<{ state: string }>("SELECT state FROM pg_stat_activity WHERE pid = $1", [pid]);
      return r.rows[0]?.state === "active" ? true : undefined;
    }, "pg_sleep to run");
    await admin.query("SELECT pg_cancel_backend($1)", [pid]);
    const err = await failure;
    assert.equal(err.code, "57014");
    assert.equal(isPostgresDisconnect(err), false);
    await assertStillUsable();
  });

  it("pg's client-side query_timeout ('Query read timeout') leaves a working client", async (t) => {
    const slow = new pg.Client({ ...PG_CONFIG, query_timeout: 200 });
    attachPgErrorGuard(slow);
    await slow.connect();
    t.after(() => slow.end());
    const err = await errorOf(slow.query("SELECT pg_sleep(0.5)"));
    assert.equal(err.message, "Query read timeout");
    assert.equal(isPostgresDisconnect(err), false);
    // The abandoned pg_sleep still occupies the connection (a query queued now would hit the
    // same 200 ms timer while waiting); once it is over, the client answers normally.
    await sleep(600);
    const result = await slow.query<{ one: number }>("SELECT 1 AS one");
    assert.equal(result.rows[0]?.one, 1);
  });
});

// ---------------------------------------------------------------------------------------------
// MariaDB / MySQL
// ---------------------------------------------------------------------------------------------

describe("MariaDB (mysql2): real disconnects are disconnects", () => {
  let admin: mysql.Connection;
  before(async () => {
    admin = await mysql.createConnection(MY_CONFIG);
  });
  after(async () => {
    await admin.end();
  });

  async function mysqlSession(t: TestContext): Promise<mysql.Connection> {
    const conn = await mysql.createConnection(MY_CONFIG);
    attachMysqlErrorGuard(conn);
    t.after(() => conn.destroy());
    return conn;
  }

  async function runningStatement(threadId: number): Promise<string | undefined> {
    const [rows] = await admin.query<mysql.RowDataPacket[]>(
      "SELECT info FROM information_schema.processlist WHERE id = ?",
      [threadId],
    );
    const info: unknown = rows[0]?.["info"];
    return typeof info === "string" ? info : undefined;
  }

  it("KILL CONNECTION on an idle connection: PROTOCOL_CONNECTION_LOST, then 'closed state'", async (t) => {
    const conn = await mysqlSession(t);
    await admin.query(`KILL CONNECTION ${conn.threadId}`);

    const event = (await waitFor(() => mysqlConnectionError(conn), "the 'error' event")) as DriverError;
    assert.equal(event.code, "PROTOCOL_CONNECTION_LOST");
    assert.equal(event.fatal, true);
    assert.equal(isMysqlDisconnect(event), true);

    const next = await errorOf(conn.query("SELECT 1"));
    assert.equal(next.message, "Can't add new command when connection is in closed state");
    assert.equal(next.code, undefined);
    assert.equal(isMysqlDisconnect(next), true);
  });

  it("KILL CONNECTION during a query: the query fails with PROTOCOL_CONNECTION_LOST", async (t) => {
    const conn = await mysqlSession(t);
    const failure = errorOf(conn.query("SELECT SLEEP(10)"));
    await waitFor(async () => ((await runningStatement(conn.threadId)) ? true : undefined), "SLEEP to run");
    await admin.query(`KILL CONNECTION ${conn.threadId}`);

    const err = await failure;
    // MariaDB closes the socket; it does not send 1927 ER_CONNECTION_KILLED to the victim.
    assert.equal(err.code, "PROTOCOL_CONNECTION_LOST");
    assert.equal(isMysqlDisconnect(err), true);
  });

  it("wait_timeout closes an idle session", async (t) => {
    const conn = await mysqlSession(t);
    await conn.query("SET SESSION wait_timeout = 1");
    await sleep(2000);

    // MariaDB just closes the socket (ECONNRESET here); MySQL 8.0.24+ first sends 4031.
    const event = (await waitFor(() => mysqlConnectionError(conn), "the 'error' event")) as DriverError;
    assert.ok(["ECONNRESET", "PROTOCOL_CONNECTION_LOST", 4031].includes(event.code as string | number));
    assert.equal(isMysqlDisconnect(event), true);

    const next = await errorOf(conn.query("SELECT 1"));
    assert.equal(next.message, "Can't add new command when connection is in closed state");
    assert.equal(isMysqlDisconnect(next), true);
  });

  it("a query after end(): 'closed state'", async () => {
    const conn = await mysql.createConnection(MY_CONFIG);
    await conn.end();
    const err = await errorOf(conn.query("SELECT 1"));
    assert.equal(err.message, "Can't add new command when connection is in closed state");
    assert.equal(isMysqlDisconnect(err), true);
  });

  it("connectTimeout against a host that never answers: ETIMEDOUT", async (t) => {
    const mute = await muteServer();
    t.after(() => mute.close());
    const err = await errorOf(mysql.createConnection({ ...MY_CONFIG, port: mute.port, connectTimeout: 200 }));
    assert.equal(err.code, "ETIMEDOUT");
    assert.equal(err.fatal, true);
    assert.equal(isMysqlDisconnect(err), true);
  });

  it("connecting to a port nothing listens on: ECONNREFUSED", async () => {
    const err = await errorOf(mysql.createConnection({ ...MY_CONFIG, port: await closedPort() }));
    assert.equal(err.code, "ECONNREFUSED");
    assert.equal(isMysqlDisconnect(err), true);
  });
});

describe("MariaDB (mysql2): statement errors are not disconnects, and the session lives on", () => {
  let conn: mysql.Connection;
  let admin: mysql.Connection;
  let isMariaDb = false;
  before(async () => {
    conn = await mysql.createConnection(MY_CONFIG);
    attachMysqlErrorGuard(conn);
    admin = await mysql.createConnection(MY_CONFIG);
    await conn.query("CREATE TEMPORARY TABLE unique_probe (id int PRIMARY KEY)");
    await conn.query("INSERT INTO unique_probe VALUES (1)");
    const [rows] = await conn.query<mysql.RowDataPacket[]>("SELECT VERSION() AS v");
    isMariaDb = String(rows[0]?.["v"]).includes("MariaDB");
  });
  after(async () => {
    await conn.end();
    await admin.end();
  });

  async function assertStillUsable(): Promise<void> {
    const [rows] = await conn.query<mysql.RowDataPacket[]>("SELECT 1 AS one");
    assert.equal(rows[0]?.["one"], 1);
  }

  it("KILL QUERY: 1317 ER_QUERY_INTERRUPTED", async () => {
    const failure = errorOf(conn.query("SELECT SLEEP(10)"));
    await waitFor(async () => {
      const [rows] = await admin.query<mysql.RowDataPacket[]>(
        "SELECT info FROM information_schema.processlist WHERE id = ?",
        [conn.threadId],
      );
      return typeof rows[0]?.["info"] === "string" ? true : undefined;
    }, "SLEEP to run");
    await admin.query(`KILL QUERY ${conn.threadId}`);
    const err = await failure;
    assert.equal(err.errno, 1317);
    assert.equal(err.code, "ER_QUERY_INTERRUPTED");
    assert.equal(isMysqlDisconnect(err), false);
    await assertStillUsable();
  });

  it("syntax error: 1064", async () => {
    const err = await errorOf(conn.query("SELEC 1"));
    assert.equal(err.errno, 1064);
    assert.equal(isMysqlDisconnect(err), false);
    await assertStillUsable();
  });

  it("duplicate key: 1062", async () => {
    const err = await errorOf(conn.query("INSERT INTO unique_probe VALUES (1)"));
    assert.equal(err.errno, 1062);
    assert.equal(isMysqlDisconnect(err), false);
    await assertStillUsable();
  });

  it("MariaDB max_statement_time: 1969, which mysql2 cannot name", async (t) => {
    if (!isMariaDb) return t.skip("max_statement_time is MariaDB's");
    const err = await errorOf(conn.query("SET STATEMENT max_statement_time = 0.1 FOR SELECT SLEEP(2)"));
    assert.equal(err.errno, 1969);
    assert.equal(err.code, undefined);
    assert.equal(isMysqlDisconnect(err), false);
    await assertStillUsable();
  });

  it("MariaDB errno 4031 is a trigger error, though mysql2 names it ER_CLIENT_INTERACTION_TIMEOUT", async (t) => {
    if (!isMariaDb) return t.skip("on MySQL 4031 really is the idle-timeout disconnect");
    const table = `athanor_trigger_probe_${conn.threadId}`; // triggers refuse temporary tables
    await conn.query(`CREATE TABLE ${table} (id int)`);
    t.after(() => admin.query(`DROP TABLE IF EXISTS ${table}`));
    const err = await errorOf(
      conn.query(
        `CREATE TRIGGER ${table}_bi BEFORE INSERT ON ${table} FOR EACH ROW ` +
          "FOLLOWS no_such_trigger SET @athanor_probe = 1",
      ),
    );
    assert.equal(err.errno, 4031);
    assert.equal(err.code, "ER_CLIENT_INTERACTION_TIMEOUT");
    assert.equal(isMysqlDisconnect(err), false);
    await assertStillUsable();
  });

  it("mysql2's per-query timeout (PROTOCOL_SEQUENCE_TIMEOUT) leaves a working connection", async () => {
    const err = await errorOf(conn.query({ sql: "SELECT SLEEP(0.6)", timeout: 200 }));
    assert.equal(err.code, "PROTOCOL_SEQUENCE_TIMEOUT");
    assert.equal(isMysqlDisconnect(err), false);
    await assertStillUsable(); // answered once the SLEEP is over
  });
});

// ---------------------------------------------------------------------------------------------
// Error shapes that cannot be provoked here (server crash, shutdown, network failures,
// MySQL 8, libmysqlclient codes), built like the drivers build them.
// ---------------------------------------------------------------------------------------------

/** Like pg-protocol's DatabaseError (parser.js parseErrorMessage): name 'error', code, severity. */
function pgServerError(code: string, severity: string, message = "server message"): Error {
  return Object.assign(new Error(message), { name: "error", code, severity });
}

function socketError(code: string): Error {
  return Object.assign(new Error(`read ${code}`), { code, errno: -1, syscall: "read" });
}

/** Like mysql2's Packet.asError (lib/packets/packet.js): code name, errno, sqlState. */
function mysqlServerError(errno: number, message = "server message", code?: string): Error {
  return Object.assign(new Error(message), { code, errno, sqlState: "HY000", sqlMessage: message });
}

const SOCKET_CODES = [
  "ECONNRESET",
  "EPIPE",
  "ECONNREFUSED",
  "ECONNABORTED",
  "ETIMEDOUT",
  "ENOTCONN",
  "EHOSTUNREACH",
  "EHOSTDOWN",
  "ENETUNREACH",
  "ENETDOWN",
  "ENETRESET",
];

describe("isPostgresDisconnect over constructed errors", () => {
  it("class 08 connection exceptions, whatever the severity", () => {
    for (const code of ["08000", "08003", "08006", "08001", "08004", "08007", "08P01"]) {
      assert.equal(isPostgresDisconnect(pgServerError(code, "ERROR")), true, code);
    }
  });

  it("the session-ending SQLSTATEs of class 57 and 25", () => {
    for (const code of ["57P01", "57P02", "57P03", "57P04", "57P05", "25P03", "25P04"]) {
      assert.equal(isPostgresDisconnect(pgServerError(code, "FATAL")), true, code);
    }
  });

  it("any FATAL or PANIC error: the backend exits", () => {
    assert.equal(isPostgresDisconnect(pgServerError("53300", "FATAL", "sorry, too many clients already")), true);
    assert.equal(isPostgresDisconnect(pgServerError("XX000", "PANIC")), true);
  });

  it("ordinary server errors are not disconnects", () => {
    for (const code of ["42601", "23505", "57014", "40001", "40P01", "55P03", "53200", "P0001", "XX000"]) {
      assert.equal(isPostgresDisconnect(pgServerError(code, "ERROR")), false, code);
    }
  });

  it("a server error's message is never searched: it can quote user data", () => {
    const quoting = pgServerError("P0001", "ERROR", "Connection terminated unexpectedly");
    assert.equal(isPostgresDisconnect(quoting), false);
  });

  it("Node socket error codes", () => {
    for (const code of [...SOCKET_CODES, "ERR_STREAM_DESTROYED", "ERR_STREAM_WRITE_AFTER_END"]) {
      assert.equal(isPostgresDisconnect(socketError(code)), true, code);
    }
    assert.equal(isPostgresDisconnect(socketError("ENOENT")), false);
  });

  it("pg and pg-pool client messages, exactly", () => {
    for (const message of [
      "Connection terminated unexpectedly",
      "Connection terminated",
      "Client has encountered a connection error and is not queryable",
      "Client was closed and is not queryable",
      "Connection terminated due to connection timeout",
      "timeout expired",
    ]) {
      assert.equal(isPostgresDisconnect(new Error(message)), true, message);
    }
    assert.equal(isPostgresDisconnect(new Error("Query read timeout")), false);
    assert.equal(isPostgresDisconnect(new Error("Client has already been connected. You cannot reuse a client.")), false);
  });

  it("server and libpq wordings on errors that lost their SQLSTATE", () => {
    for (const message of [
      "terminating connection due to administrator command",
      "terminating connection because of crash of another server process",
      "server closed the connection unexpectedly\n\tThis probably means the server terminated abnormally",
    ]) {
      assert.equal(isPostgresDisconnect(new Error(message)), true, message);
    }
  });

  it("follows cause, orig and AggregateError, and survives cycles and non-errors", () => {
    const lost = new Error("Connection terminated unexpectedly");
    assert.equal(isPostgresDisconnect(new Error("wrapped", { cause: lost })), true);
    assert.equal(isPostgresDisconnect(Object.assign(new Error("DBAPIError"), { orig: lost })), true);
    assert.equal(isPostgresDisconnect(new AggregateError([socketError("ECONNREFUSED")], "all failed")), true);
    const cyclic: Error & { cause?: unknown } = new Error("loop");
    cyclic.cause = cyclic;
    assert.equal(isPostgresDisconnect(cyclic), false);
    for (const value of [undefined, null, "Connection terminated", 57, {}]) {
      assert.equal(isPostgresDisconnect(value), false, String(value));
    }
  });
});

describe("isMysqlDisconnect over constructed errors", () => {
  it("SQLAlchemy's errno list plus 1053", () => {
    for (const errno of [1053, 1927, 2006, 2013, 2014, 2045, 2055]) {
      assert.equal(isMysqlDisconnect(mysqlServerError(errno)), true, String(errno));
    }
  });

  it("MySQL 8.0.24+ 4031 as mysql2 delivers it: numeric code, fatal, no errno", () => {
    const message =
      "The client was disconnected by the server because of inactivity. " +
      "See wait_timeout and interactive_timeout for configuring this behavior.";
    const unsolicited = Object.assign(new Error(message), { code: 4031, fatal: true });
    assert.equal(isMysqlDisconnect(unsolicited), true);
    // Same packet read by a command that raced the timeout: errno, not fatal.
    assert.equal(isMysqlDisconnect(mysqlServerError(4031, message, "ER_CLIENT_INTERACTION_TIMEOUT")), true);
    // MariaDB's 4031 keeps its own wording and is not a disconnect.
    const trigger = "Referenced trigger 'x' for the given action time and event type does not exist";
    assert.equal(isMysqlDisconnect(mysqlServerError(4031, trigger, "ER_CLIENT_INTERACTION_TIMEOUT")), false);
  });

  it("ordinary server errors are not disconnects", () => {
    for (const errno of [1317, 1969, 3024, 1064, 1062, 1213, 1205, 1146, 1045]) {
      assert.equal(isMysqlDisconnect(mysqlServerError(errno)), false, String(errno));
    }
  });

  it("mysql2's own codes and messages", () => {
    const lost = Object.assign(new Error("Connection lost: The server closed the connection."), {
      code: "PROTOCOL_CONNECTION_LOST",
    });
    assert.equal(isMysqlDisconnect(lost), true);
    assert.equal(isMysqlDisconnect(new Error("Can't add new command when connection is in closed state")), true);
    assert.equal(isMysqlDisconnect(new Error("Can't write in closed state")), true);
    assert.equal(isMysqlDisconnect(Object.assign(new Error("x"), { code: "PROTOCOL_ERROR", fatal: true })), true);
    const timeout = Object.assign(new Error("Query inactivity timeout"), { code: "PROTOCOL_SEQUENCE_TIMEOUT" });
    assert.equal(isMysqlDisconnect(timeout), false);
  });

  it("Node socket error codes (with their negative errno)", () => {
    for (const code of SOCKET_CODES) {
      assert.equal(isMysqlDisconnect(socketError(code)), true, code);
    }
    assert.equal(isMysqlDisconnect(socketError("ENOENT")), false);
  });

  it("follows cause, orig and AggregateError, and survives non-errors", () => {
    const gone = mysqlServerError(2006, "MySQL server has gone away");
    assert.equal(isMysqlDisconnect(new Error("wrapped", { cause: gone })), true);
    assert.equal(isMysqlDisconnect(Object.assign(new Error("DBAPIError"), { orig: gone })), true);
    assert.equal(isMysqlDisconnect(new AggregateError([socketError("ECONNREFUSED")], "all failed")), true);
    for (const value of [undefined, null, "MySQL server has gone away", 2006, {}]) {
      assert.equal(isMysqlDisconnect(value), false, String(value));
    }
  });
});

// ---------------------------------------------------------------------------------------------
// Pool dialects
// ---------------------------------------------------------------------------------------------

describe("pg pool dialect", () => {
  let admin: pg.Client;
  before(async () => {
    admin = new pg.Client(PG_CONFIG);
    await admin.connect();
  });
  after(async () => {
    await admin.end();
  });

  async function session(t: TestContext, port = PG_CONFIG.port): Promise<{ client: pg.Client; pid: number }> {
    const client = new pg.Client({ ...PG_CONFIG, port });
    attachPgErrorGuard(client);
    await client.connect();
    t.after(() => pgDialectForPool.close(client));
    const result = await client.query<{ pid: number }>("SELECT pg_backend_pid() AS pid");
    const pid = result.rows[0]?.pid;
    assert.ok(typeof pid === "number");
    return { client, pid };
  }

  async function stateOf(pid: number): Promise<string | undefined> {
    const r = await admin.query<{ state: string }>("SELECT state FROM pg_stat_activity WHERE pid = $1", [pid]);
    return r.rows[0]?.state;
  }

  it("ping succeeds on a live client", async (t) => {
    const { client } = await session(t);
    await pgDialectForPool.ping(client);
  });

  it("ping on a terminated client throws the 57P01 that killed it", async (t) => {
    const { client, pid } = await session(t);
    await admin.query("SELECT pg_terminate_backend($1)", [pid]);
    await waitFor(() => pgClientError(client), "the 'error' event");
    const err = await errorOf(Promise.resolve(pgDialectForPool.ping(client)));
    assert.equal(err.code, "57P01");
    assert.equal(pgDialectForPool.isDisconnect(err, client), true);
    // Whatever fails next on that client is classified from what killed it.
    assert.equal(pgDialectForPool.isDisconnect(new Error("anything"), client), true);
  });

  it("ping on an ended client throws through the round trip", async () => {
    const client = new pg.Client(PG_CONFIG);
    attachPgErrorGuard(client);
    await client.connect();
    await client.end();
    const err = await errorOf(Promise.resolve(pgDialectForPool.ping(client)));
    assert.equal(err.message, "Client was closed and is not queryable");
    assert.equal(pgDialectForPool.isDisconnect(err, client), true);
  });

  it("isDisconnect is false for a statement error on a live client", async (t) => {
    const { client } = await session(t);
    const err = await errorOf(client.query("SELEC 1"));
    assert.equal(pgDialectForPool.isDisconnect(err, client), false);
  });

  it("rollback ends the open transaction (pg_stat_activity)", async (t) => {
    const { client, pid } = await session(t);
    await client.query("BEGIN");
    await client.query("SELECT txid_current()");
    assert.equal(await stateOf(pid), "idle in transaction");
    await pgDialectForPool.rollback(client);
    assert.equal(await stateOf(pid), "idle");
  });

  it("commit makes the work visible to other sessions", async (t) => {
    const { client, pid } = await session(t);
    const table = `athanor_pd_commit_${pid}`;
    await client.query(`CREATE TABLE ${table} (id int)`);
    t.after(() => admin.query(`DROP TABLE IF EXISTS ${table}`));
    await client.query("BEGIN");
    await client.query(`INSERT INTO ${table} VALUES (1)`);
    await pgDialectForPool.commit(client);
    assert.equal(await stateOf(pid), "idle");
    const r = await admin.query<{ n: string }>(`SELECT count(*) AS n FROM ${table}`);
    assert.equal(r.rows[0]?.n, "1");
  });

  it("close ends a live client and does not throw on a dead one", async (t) => {
    const live = await session(t);
    await pgDialectForPool.close(live.client);
    assert.equal((await errorOf(live.client.query("SELECT 1"))).message, "Client was closed and is not queryable");
    await waitFor(async () => ((await stateOf(live.pid)) === undefined ? true : undefined), "the backend to exit");

    const dead = await session(t);
    await admin.query("SELECT pg_terminate_backend($1)", [dead.pid]);
    await waitFor(() => pgClientError(dead.client), "the 'error' event");
    await pgDialectForPool.close(dead.client);
  });

  it("close returns within closeTimeoutMs when the server went silent", async (t) => {
    const proxy = await silentProxy(PG_CONFIG.port);
    t.after(() => proxy.close());
    const { client } = await session(t, proxy.port);
    proxy.silence();
    const started = Date.now();
    await createPgPoolDialect({ closeTimeoutMs: 300 }).close(client);
    const elapsed = Date.now() - started;
    assert.ok(elapsed >= 250 && elapsed < 2000, `close took ${elapsed} ms`);
  });
});

describe("mysql2 pool dialect", () => {
  let admin: mysql.Connection;
  before(async () => {
    admin = await mysql.createConnection(MY_CONFIG);
  });
  after(async () => {
    await admin.end();
  });

  async function session(t: TestContext, port = MY_CONFIG.port): Promise<mysql.Connection> {
    const conn = await mysql.createConnection({ ...MY_CONFIG, port });
    attachMysqlErrorGuard(conn);
    t.after(() => mysqlDialectForPool.close(conn));
    return conn;
  }

  /**
   * InnoDB serves INNODB_TRX from a cache that it refreshes only once the cache has not been
   * read for 100 ms (trx0i_s.cc, CACHE_MIN_IDLE_TIME_US), so reading right after a previous
   * read returns the old snapshot; polling fast would never see a change. Hence the pause.
   */
  async function openTransactions(threadId: number): Promise<number> {
    await sleep(150);
    const [rows] = await admin.query<mysql.RowDataPacket[]>(
      "SELECT count(*) AS n FROM information_schema.innodb_trx WHERE trx_mysql_thread_id = ?",
      [threadId],
    );
    return Number(rows[0]?.["n"]);
  }

  async function withTable(t: TestContext, conn: mysql.Connection): Promise<string> {
    const table = `athanor_pd_${conn.threadId}`;
    await admin.query(`CREATE TABLE ${table} (id int) ENGINE=InnoDB`);
    t.after(() => admin.query(`DROP TABLE IF EXISTS ${table}`));
    return table;
  }

  async function rowCount(table: string): Promise<number> {
    const [rows] = await admin.query<mysql.RowDataPacket[]>(`SELECT count(*) AS n FROM ${table}`);
    return Number(rows[0]?.["n"]);
  }

  it("ping succeeds on a live connection", async (t) => {
    const conn = await session(t);
    await mysqlDialectForPool.ping(conn);
  });

  it("ping on a killed connection throws the error that killed it", async (t) => {
    const conn = await session(t);
    await admin.query(`KILL CONNECTION ${conn.threadId}`);
    await waitFor(() => mysqlConnectionError(conn), "the 'error' event");
    const err = await errorOf(Promise.resolve(mysqlDialectForPool.ping(conn)));
    assert.equal(err.code, "PROTOCOL_CONNECTION_LOST");
    assert.equal(mysqlDialectForPool.isDisconnect(err, conn), true);
    assert.equal(mysqlDialectForPool.isDisconnect(new Error("anything"), conn), true);
  });

  it("ping on an ended connection throws through COM_PING", async () => {
    const conn = await mysql.createConnection(MY_CONFIG);
    attachMysqlErrorGuard(conn);
    await conn.end();
    const err = await errorOf(Promise.resolve(mysqlDialectForPool.ping(conn)));
    assert.equal(err.message, "Can't add new command when connection is in closed state");
    assert.equal(mysqlDialectForPool.isDisconnect(err, conn), true);
  });

  it("isDisconnect is false for a statement error on a live connection", async (t) => {
    const conn = await session(t);
    const err = await errorOf(conn.query("SELEC 1"));
    assert.equal(mysqlDialectForPool.isDisconnect(err, conn), false);
  });

  it("rollback ends the open transaction (information_schema.innodb_trx) and undoes it", async (t) => {
    const conn = await session(t);
    const table = await withTable(t, conn);
    await conn.query("START TRANSACTION");
    await conn.query(`INSERT INTO ${table} VALUES (1)`);
    assert.equal(await openTransactions(conn.threadId), 1);
    await mysqlDialectForPool.rollback(conn);
    assert.equal(await openTransactions(conn.threadId), 0);
    assert.equal(await rowCount(table), 0);
  });

  it("commit ends the open transaction and keeps its work", async (t) => {
    const conn = await session(t);
    const table = await withTable(t, conn);
    await conn.query("START TRANSACTION");
    await conn.query(`INSERT INTO ${table} VALUES (1)`);
    await mysqlDialectForPool.commit(conn);
    assert.equal(await openTransactions(conn.threadId), 0);
    assert.equal(await rowCount(table), 1);
  });

  it("close ends a live connection and does not throw on a dead one", async (t) => {
    const live = await session(t);
    const liveId = live.threadId;
    await mysqlDialectForPool.close(live);
    await waitFor(async () => {
      const [rows] = await admin.query<mysql.RowDataPacket[]>(
        "SELECT id FROM information_schema.processlist WHERE id = ?",
        [liveId],
      );
      return rows.length === 0 ? true : undefined;
    }, "the server session to end");

    const dead = await session(t);
    await admin.query(`KILL CONNECTION ${dead.threadId}`);
    await waitFor(() => mysqlConnectionError(dead), "the 'error' event");
    await mysqlDialectForPool.close(dead);
  });

  it("close releases the socket of a silent server, even behind a hung statement", async (t) => {
    const proxy = await silentProxy(MY_CONFIG.port);
    t.after(() => proxy.close());
    const conn = await session(t, proxy.port);
    proxy.silence();
    void conn.query("SELECT 1").catch(() => undefined); // never answered: end() queues behind it
    const started = Date.now();
    await createMysql2PoolDialect({ closeTimeoutMs: 300 }).close(conn);
    const elapsed = Date.now() - started;
    assert.ok(elapsed >= 250 && elapsed < 2000, `close took ${elapsed} ms`);
    await proxy.clientClosed();
  });
});
