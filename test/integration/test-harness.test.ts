// Proves the test-support harness itself: throwaway servers, cleanup guarantees, the fault
// proxy and the shared-server checks, all against real servers and the real drivers.
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { existsSync, readFileSync, statSync } from "node:fs";
import { after, afterEach, before, beforeEach, describe, test } from "node:test";
import { setTimeout as sleep } from "node:timers/promises";
import mysql from "mysql2/promise";
import pg from "pg";
import {
  mysqlConfig,
  mysqlConfigFromUrl,
  pgConfig,
  pgConfigFromUrl,
  requireDatabase,
  type SkippableTest,
} from "../support/databases.js";
import { startFaultProxy, type FaultProxy } from "../support/fault-proxy.js";
import { descendantPids, freeLoopbackPort, serviceUserFor } from "../support/server-process.js";
import { startThrowawayMariadb } from "../support/throwaway-mariadb.js";
import { startThrowawayPostgres, sweepStalePostgres, type ThrowawayPostgres } from "../support/throwaway-postgres.js";

// --- helpers ---------------------------------------------------------------------------

async function pgQuery<T extends pg.QueryResultRow>(config: pg.ClientConfig, sql: string): Promise<T[]> {
  const client = new pg.Client(config);
  await client.connect();
  try {
    return (await client.query<T>(sql)).rows;
  } finally {
    await client.end();
  }
}

async function mysqlQuery<T>(config: mysql.ConnectionOptions, sql: string): Promise<T[]> {
  const connection = await mysql.createConnection(config);
  try {
    const [rows] = await connection.query(sql);
    return rows as T[];
  } finally {
    await connection.end();
  }
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** Waits for `pids` to die: a SIGKILLed orphan is gone only once init has reaped it. */
async function assertGone(pids: readonly number[], what: string): Promise<void> {
  const deadline = Date.now() + 3_000;
  while (pids.some(isAlive) && Date.now() < deadline) await sleep(20);
  assert.deepEqual(pids.filter(isAlive), [], `${what}: processes still alive`);
}

async function eventually(check: () => boolean, what: string, timeoutMs = 2_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) assert.fail(`not true within ${timeoutMs} ms: ${what}`);
    await sleep(10);
  }
}

/** Settles to "pending" if `promise` has not settled within `ms`. */
async function stateAfter(promise: Promise<unknown>, ms: number): Promise<"resolved" | "rejected" | "pending"> {
  return Promise.race([
    promise.then(
      () => "resolved" as const,
      () => "rejected" as const,
    ),
    sleep(ms, "pending" as const),
  ]);
}

function assertOwnedBy(dir: string, user: string): void {
  const owner = serviceUserFor(user);
  if (owner) assert.equal(statSync(dir).uid, owner.uid, `${dir} should belong to ${user}`);
}

// --- throwaway servers -----------------------------------------------------------------

describe("throwaway PostgreSQL", () => {
  test("serves pg, applies settings, restarts, recovers from kill, and stops without a trace", async (t) => {
    const server = await startThrowawayPostgres({ settings: { max_connections: 20 } });
    t.after(() => server.stop());
    assertOwnedBy(server.baseDir, "postgres");
    assert.match(server.url, /^postgresql:\/\/postgres@127\.0\.0\.1:\d+\/test$/);

    const [row] = await pgQuery<{ one: number; db: string; max: string }>(
      server.pgConfig,
      "SELECT 1 AS one, current_database() AS db, current_setting('max_connections') AS max",
    );
    assert.deepEqual(row, { one: 1, db: "test", max: "20" });

    assert.deepEqual(await server.setConfig("work_mem", "8MB"), { pendingRestart: false });
    assert.deepEqual(await server.setConfig("max_connections", 30), { pendingRestart: true });
    const [reloaded] = await pgQuery<{ work_mem: string }>(server.pgConfig, "SHOW work_mem");
    assert.equal(reloaded?.work_mem, "8MB");

    const firstPid = server.pid;
    await server.restart();
    assert.notEqual(server.pid, firstPid);
    const [restarted] = await pgQuery<{ max_connections: string }>(server.pgConfig, "SHOW max_connections");
    assert.equal(restarted?.max_connections, "30", "ALTER SYSTEM survives a restart");

    // A connection open during a SIGKILL of the whole tree sees the server vanish.
    const victim = new pg.Client(server.pgConfig);
    victim.on("error", () => {}); // The query's rejection below is what we check.
    await victim.connect();
    // Assert on the rejection from the start: it may arrive before kill() resolves.
    const inFlight = assert.rejects(victim.query("SELECT pg_sleep(30)"), /Connection terminated/);
    await sleep(50);
    await server.kill();
    await inFlight;
    assert.equal(server.running, false);
    await server.restart(); // crash recovery
    assert.deepEqual(await pgQuery(server.pgConfig, "SELECT 1 AS one"), [{ one: 1 }]);

    const postmaster = server.pid;
    assert.ok(postmaster !== undefined);
    const pids = [postmaster, ...descendantPids(postmaster)];
    assert.ok(pids.length > 1, "a postmaster has children");
    await server.stop();
    await server.stop(); // idempotent
    await assertGone(pids, "after stop()");
    assert.equal(existsSync(server.baseDir), false, "temp dir removed");
    await assert.rejects(server.restart(), /stopped/);
  });

  test("ssl: true serves TLS with a certificate clients can pin", async (t) => {
    const server = await startThrowawayPostgres({ ssl: true });
    t.after(() => server.stop());
    assert.ok(server.sslCertFile);
    const rows = await pgQuery<{ ssl: boolean }>(
      { ...server.pgConfig, ssl: { ca: readFileSync(server.sslCertFile) } },
      "SELECT ssl FROM pg_stat_ssl WHERE pid = pg_backend_pid()",
    );
    assert.deepEqual(rows, [{ ssl: true }]);
  });
});

describe("throwaway MariaDB", () => {
  test("serves mysql2, applies settings, restarts, recovers from kill, and stops without a trace", async (t) => {
    const server = await startThrowawayMariadb({ settings: { max_connections: 20 } });
    t.after(() => server.stop());
    assertOwnedBy(server.baseDir, "mysql");
    assert.match(server.url, /^mysql:\/\/root@127\.0\.0\.1:\d+\/test$/);

    const [row] = await mysqlQuery<{ one: number; db: string; max: number }>(
      server.mysqlConfig,
      "SELECT 1 AS one, DATABASE() AS db, @@max_connections AS max",
    );
    assert.deepEqual(row, { one: 1, db: "test", max: 20 });

    await server.setGlobal("max_connections", 30);
    assert.deepEqual(await mysqlQuery(server.mysqlConfig, "SELECT @@max_connections AS max"), [{ max: 30 }]);

    await server.restart();
    assert.deepEqual(
      await mysqlQuery(server.mysqlConfig, "SELECT @@max_connections AS max"),
      [{ max: 20 }],
      "SET GLOBAL is forgotten on restart; settings are not",
    );

    await server.kill();
    assert.equal(server.running, false);
    await server.restart(); // InnoDB crash recovery
    assert.deepEqual(await mysqlQuery(server.mysqlConfig, "SELECT 1 AS one"), [{ one: 1 }]);

    const pid = server.pid;
    assert.ok(pid !== undefined);
    await server.stop();
    await server.stop(); // idempotent
    await assertGone([pid], "after stop()");
    assert.equal(existsSync(server.baseDir), false, "temp dir removed");
  });
});

// --- cleanup guarantees ----------------------------------------------------------------

/** Runs a child test process that starts a throwaway PostgreSQL, reports it, then dies. */
async function orphanedServer(death: "throw" | "SIGTERM" | "SIGKILL"): Promise<{ pid: number; baseDir: string }> {
  const code = `
    import { startThrowawayPostgres } from "./test/support/throwaway-postgres.ts";
    const server = await startThrowawayPostgres();
    process.stdout.write(JSON.stringify({ pid: server.pid, baseDir: server.baseDir }) + "\\n");
    if (${JSON.stringify(death)} === "throw") throw new Error("a failing test");
    process.kill(process.pid, ${JSON.stringify(death)});
    await new Promise(() => setTimeout(() => {}, 10_000));
  `;
  const child = spawn(process.execPath, ["--import", "tsx", "--input-type=module", "-e", code], {
    cwd: new URL("../..", import.meta.url),
    stdio: ["ignore", "pipe", "pipe"],
  });
  let stdout = "";
  let stderr = "";
  child.stdout.on("data", (data: Buffer) => (stdout += data.toString()));
  child.stderr.on("data", (data: Buffer) => (stderr += data.toString()));
  await new Promise((resolve) => child.once("close", resolve));
  const line = stdout.split("\n").find((text) => text.startsWith("{"));
  assert.ok(line, `child reported no server; stderr:\n${stderr}`);
  return JSON.parse(line) as { pid: number; baseDir: string };
}

// Concurrent: each case spends most of its time starting a child process and a server.
describe("cleanup when the test process dies", { concurrency: true }, () => {
  for (const death of ["throw", "SIGTERM"] as const) {
    test(`an exit by ${death} kills the server and removes its dir`, async () => {
      const { pid, baseDir } = await orphanedServer(death);
      await assertGone([pid], `after the owner died by ${death}`);
      assert.equal(existsSync(baseDir), false);
    });
  }

  test("after a SIGKILL of the owner, the next run sweeps the leftover server", async (t) => {
    const { pid, baseDir } = await orphanedServer("SIGKILL");
    t.after(() => sweepStalePostgres());
    assert.ok(isAlive(pid), "nothing can clean up after SIGKILL in-process");
    assert.ok(sweepStalePostgres().includes(baseDir));
    await assertGone([pid], "after the sweep");
    assert.equal(existsSync(baseDir), false);
  });
});

// --- fault proxy -----------------------------------------------------------------------

describe("fault proxy in front of PostgreSQL", () => {
  let server: ThrowawayPostgres;
  let proxy: FaultProxy;

  before(async () => {
    server = await startThrowawayPostgres();
  });
  after(() => server.stop());
  beforeEach(async () => {
    proxy = await startFaultProxy({ host: server.host, port: server.port });
  });
  // Resets whatever a failed test left open; the clients' error listeners absorb it.
  afterEach(() => proxy.close());

  /** A client through the proxy that records (rather than crashes on) connection errors. */
  function proxiedClient(extra: pg.ClientConfig = {}): { client: pg.Client; errors: Error[] } {
    const client = new pg.Client({ ...server.pgConfig, port: proxy.port, ...extra });
    const errors: Error[] = [];
    client.on("error", (error) => errors.push(error));
    return { client, errors };
  }

  test("passes a real query through and counts connections", async () => {
    const { client } = proxiedClient();
    await client.connect();
    assert.equal(proxy.connectionCount, 1);
    assert.deepEqual((await client.query("SELECT 1 AS one")).rows, [{ one: 1 }]);
    await client.end();
    await eventually(() => proxy.connectionCount === 0, "connection closed");
  });

  test("blackhole: a new connect hangs until the client's own timeout", async () => {
    proxy.mode("blackhole");
    const { client } = proxiedClient({ connectionTimeoutMillis: 400 });
    const started = Date.now();
    await assert.rejects(client.connect(), /timeout/i);
    assert.ok(Date.now() - started >= 350, "the connect hung until the timeout");
    await eventually(() => proxy.connectionCount === 0, "the abandoned connection is gone");

    // A connect that is still waiting when the partition heals goes through.
    const { client: patient } = proxiedClient({ connectionTimeoutMillis: 5_000 });
    const connecting = patient.connect();
    assert.equal(await stateAfter(connecting, 200), "pending");
    assert.equal(proxy.connectionCount, 1, "held by the proxy, not refused");
    proxy.mode("pass");
    await connecting;
    assert.deepEqual((await patient.query("SELECT 1 AS one")).rows, [{ one: 1 }]);
    await patient.end();
  });

  test("blackhole: an open connection stops forwarding, and resumes when healed", async () => {
    const { client } = proxiedClient();
    await client.connect();
    proxy.mode("blackhole");
    const query = client.query("SELECT 2 AS two");
    assert.equal(await stateAfter(query, 300), "pending");
    proxy.mode("pass");
    assert.deepEqual((await query).rows, [{ two: 2 }]);
    await client.end();
  });

  test("latency delays each direction", async () => {
    const { client } = proxiedClient();
    await client.connect();
    proxy.latency(150);
    const started = Date.now();
    await client.query("SELECT 1");
    const elapsed = Date.now() - started;
    assert.ok(elapsed >= 290, `a round trip took ${elapsed} ms, expected >= 2 × 150`);
    proxy.latency(0);
    await client.end();
  });

  test("dropAll closes an in-flight connection with a FIN", async () => {
    const { client, errors } = proxiedClient();
    await client.connect();
    const query = assert.rejects(client.query("SELECT pg_sleep(30)"), /Connection terminated unexpectedly/);
    await sleep(50);
    proxy.dropAll();
    await query;
    assert.ok(!errors.some((error) => (error as NodeJS.ErrnoException).code === "ECONNRESET"), "a FIN, not a RST");
    await eventually(() => proxy.connectionCount === 0, "all connections closed");
  });

  test("resetAll aborts an in-flight connection with a RST", async () => {
    const { client } = proxiedClient();
    await client.connect();
    const query = assert.rejects(client.query("SELECT pg_sleep(30)"), { code: "ECONNRESET" });
    await sleep(50);
    proxy.resetAll();
    await query;
    await eventually(() => proxy.connectionCount === 0, "all connections closed");
    await proxy.close();
    await proxy.close(); // idempotent
  });
});

// --- shared servers --------------------------------------------------------------------

describe("shared servers", () => {
  test("URLs become driver configs", () => {
    assert.deepEqual(pgConfigFromUrl("postgresql://postgres@127.0.0.1:5432/test"), {
      host: "127.0.0.1",
      port: 5432,
      user: "postgres",
      database: "test",
    });
    assert.deepEqual(mysqlConfigFromUrl("mysql://app:p%40ss@127.0.0.1/shop"), {
      host: "127.0.0.1",
      port: 3306,
      user: "app",
      password: "p@ss",
      database: "shop",
    });
    assert.throws(() => pgConfigFromUrl("mysql://root@127.0.0.1/test"), /ATHANOR_PG_URL/);
  });

  test("an unreachable server skips locally and fails under CI=true", async () => {
    const saved = { url: process.env.ATHANOR_PG_URL, ci: process.env.CI };
    const closedPort = await freeLoopbackPort(); // free, so nothing listens there
    try {
      process.env.ATHANOR_PG_URL = `postgresql://postgres@127.0.0.1:${closedPort}/test`;
      delete process.env.CI;
      const skipped: (string | undefined)[] = [];
      const fakeTest: SkippableTest = { skip: (message) => skipped.push(message) };
      const availability = await requireDatabase("postgresql", fakeTest);
      assert.equal(availability.reachable, false);
      assert.equal(skipped.length, 1);
      assert.match(skipped[0] ?? "", new RegExp(`127\\.0\\.0\\.1:${closedPort}.*ECONNREFUSED.*ATHANOR_PG_URL`));

      process.env.CI = "true";
      await assert.rejects(requireDatabase("postgresql", fakeTest), /not a skip/);
      assert.equal(skipped.length, 1, "CI never skips");
    } finally {
      for (const [name, value] of [["ATHANOR_PG_URL", saved.url], ["CI", saved.ci]] as const) {
        if (value === undefined) delete process.env[name];
        else process.env[name] = value;
      }
    }
  });

  test("the shared PostgreSQL answers through pgConfig", async (t) => {
    const db = await requireDatabase("postgresql", t);
    if (!db.reachable) return;
    assert.deepEqual(await pgQuery(pgConfig, "SELECT 1 AS one"), [{ one: 1 }]);
  });

  test("the shared MariaDB answers through mysqlConfig", async (t) => {
    const db = await requireDatabase("mysql", t);
    if (!db.reachable) return;
    assert.deepEqual(await mysqlQuery(mysqlConfig, "SELECT 1 AS one"), [{ one: 1 }]);
  });
});
