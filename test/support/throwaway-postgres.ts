// A private PostgreSQL server for tests that must restart, kill or reconfigure a server,
// which the shared one at :5432 must never be. initdb into a fresh temp dir, trust auth,
// listening on 127.0.0.1 only, on a free port, with its unix socket inside the temp dir.
import { execFileSync } from "node:child_process";
import { appendFileSync, chmodSync, chownSync, existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import pg from "pg";
import type { PgConnectionConfig } from "./databases.js";
import {
  cleanupOnExit,
  createServerTempDir,
  Daemon,
  freeLoopbackPort,
  killTree,
  LOOPBACK,
  logTail,
  removeDir,
  serviceUserFor,
  sweepStaleServers,
  waitUntil,
  type ServiceUser,
} from "./server-process.js";

export type PgSettingValue = string | number | boolean;

export interface ThrowawayPostgresOptions {
  /** Extra postgresql.conf settings, e.g. `{ max_connections: 20 }`. Written to the file
   * (not passed as -c flags) so that setConfig() can still override them. */
  readonly settings?: Readonly<Record<string, PgSettingValue>>;
  /** Generate a self-signed certificate (CN=127.0.0.1) and turn ssl on. */
  readonly ssl?: boolean;
  /** Database created at start-up (default "test", like the shared server). */
  readonly database?: string;
  /** Bound on each start-up, initdb excluded (default 30 s). */
  readonly startTimeoutMs?: number;
}

export interface ThrowawayPostgres {
  readonly host: string;
  readonly port: number;
  /** postgresql://postgres@127.0.0.1:<port>/<database> */
  readonly url: string;
  readonly pgConfig: PgConnectionConfig;
  /** PGDATA (inside the temp dir, which also holds the socket and server.log). */
  readonly dataDir: string;
  /** The temp dir removed by stop(). */
  readonly baseDir: string;
  /** The self-signed certificate clients can trust (`ssl: { ca }`), when `ssl` was set. */
  readonly sslCertFile: string | undefined;
  /** The postmaster pid, or undefined while the server is down. */
  readonly pid: number | undefined;
  readonly running: boolean;
  /** Fast shutdown, then the temp dir is removed. Safe to call more than once. */
  stop(): Promise<void>;
  /** Fast shutdown (when running) and start again on the same port and data. */
  restart(): Promise<void>;
  /** Sends `signal` to the postmaster and waits until it is gone; SIGKILL hits the whole
   * process tree, like the OOM killer. restart() brings it back (with crash recovery). */
  kill(signal?: NodeJS.Signals): Promise<void>;
  /** ALTER SYSTEM SET name = value, then reload; resolves once the reload is in effect.
   * `pendingRestart` is true for settings that only a restart() applies. */
  setConfig(name: string, value: PgSettingValue): Promise<{ pendingRestart: boolean }>;
  /** The last lines of the server log, for assertion messages. */
  logTail(lines?: number): string;
  [Symbol.asyncDispose](): Promise<void>;
}

const TEMP_PREFIX = "athanor-pg-";
const SHUTDOWN_GRACE_MS = 10_000;
const START_ATTEMPTS = 3;

/** Where initdb and postgres live: Debian keeps them off PATH (/usr/lib/postgresql/<v>/bin). */
function bindir(): string {
  try {
    return execFileSync("pg_config", ["--bindir"], { encoding: "utf8", stdio: "pipe" }).trim();
  } catch {
    throw new Error("pg_config not found: install the PostgreSQL server (and dev) packages");
  }
}

/** A value as a postgresql.conf / ALTER SYSTEM literal. */
function settingLiteral(value: PgSettingValue): string {
  if (typeof value === "boolean") return value ? "on" : "off";
  return `'${String(value).replaceAll("'", "''")}'`;
}

function checkSettingName(name: string): void {
  // Names are spliced into SQL and config files, so allow only what PostgreSQL allows.
  if (!/^[A-Za-z_][A-Za-z0-9_]*(\.[A-Za-z_][A-Za-z0-9_]*)?$/.test(name)) {
    throw new Error(`invalid PostgreSQL setting name: ${JSON.stringify(name)}`);
  }
}

/**
 * After a SIGKILL the postmaster cannot remove its small SysV shared memory segment; its id
 * is on line 7 of postmaster.pid. Release it before the data dir (and that record) is gone.
 */
function releaseSharedMemory(dataDir: string): void {
  const pidFile = join(dataDir, "postmaster.pid");
  if (!existsSync(pidFile)) return; // Clean shutdowns remove the file and the segment.
  const shmid = readFileSync(pidFile, "utf8").split("\n")[6]?.trim().split(/\s+/)[1];
  if (shmid === undefined || !/^\d+$/.test(shmid)) return;
  try {
    execFileSync("ipcrm", ["-m", shmid], { stdio: "ignore" });
  } catch {
    // Already removed, or not ours to remove.
  }
}

async function queryOnce<T>(config: pg.ClientConfig, run: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client(config);
  client.on("error", () => {}); // A server dying mid-probe must not crash the test process.
  await client.connect();
  try {
    return await run(client);
  } finally {
    await client.end().catch(() => {});
  }
}

class ThrowawayPostgresServer implements ThrowawayPostgres {
  readonly host = LOOPBACK;
  readonly baseDir: string;
  readonly dataDir: string;
  readonly sslCertFile: string | undefined;
  readonly #user: ServiceUser | undefined;
  readonly #bin: string;
  readonly #database: string;
  readonly #startTimeoutMs: number;
  readonly #logFile: string;
  #port = 0;
  #daemon: Daemon | undefined;
  #stopping: Promise<void> | undefined;
  #unregisterExitCleanup: () => void;

  constructor(options: ThrowawayPostgresOptions) {
    this.#user = serviceUserFor("postgres");
    this.#bin = bindir();
    this.#database = options.database ?? "test";
    this.#startTimeoutMs = options.startTimeoutMs ?? 30_000;
    this.baseDir = createServerTempDir(TEMP_PREFIX, this.#user);
    this.dataDir = join(this.baseDir, "data");
    this.#logFile = join(this.baseDir, "server.log");
    this.sslCertFile = options.ssl ? join(this.dataDir, "server.crt") : undefined;
    this.#unregisterExitCleanup = cleanupOnExit(() => this.#cleanupNow());
  }

  get port(): number {
    return this.#port;
  }

  get url(): string {
    return `postgresql://postgres@${LOOPBACK}:${this.#port}/${encodeURIComponent(this.#database)}`;
  }

  get pgConfig(): PgConnectionConfig {
    return { host: LOOPBACK, port: this.#port, user: "postgres", database: this.#database };
  }

  get pid(): number | undefined {
    return this.#daemon?.running ? this.#daemon.pid : undefined;
  }

  get running(): boolean {
    return this.#daemon?.running ?? false;
  }

  logTail(lines = 20): string {
    return logTail(this.#logFile, lines);
  }

  #env(): NodeJS.ProcessEnv {
    // A minimal environment: nothing from the test process (PGPORT, LANG …) leaks in,
    // and TZ makes initdb write timezone = 'UTC' whatever the machine says.
    return { PATH: process.env.PATH, HOME: this.baseDir, TZ: "UTC", LC_ALL: "C.UTF-8" };
  }

  /** Runs a one-shot tool as the service user, throwing its output on failure. */
  #runTool(command: string, args: readonly string[]): void {
    try {
      execFileSync(command, args, {
        env: this.#env(),
        stdio: "pipe",
        ...(this.#user ? { uid: this.#user.uid, gid: this.#user.gid } : {}),
      });
    } catch (error) {
      const stderr = (error as { stderr?: Buffer }).stderr?.toString() ?? "";
      throw new Error(`${command} failed: ${stderr || String(error)}`);
    }
  }

  initialize(options: ThrowawayPostgresOptions): void {
    // --no-sync: the cluster is thrown away, so skip the fsyncs that make initdb slow.
    this.#runTool(join(this.#bin, "initdb"), [
      "-D", this.dataDir, "-U", "postgres", "-A", "trust",
      "--encoding=UTF8", "--locale=C.UTF-8", "--no-sync", "--no-instructions",
    ]);
    const settings: Record<string, PgSettingValue> = {
      // Durability is worthless for a throwaway cluster; speed is not.
      fsync: false,
      synchronous_commit: false,
      full_page_writes: false,
      ...options.settings,
    };
    if (options.ssl) {
      this.#createCertificate();
      Object.assign(settings, { ssl: true, ssl_cert_file: "server.crt", ssl_key_file: "server.key" });
    }
    const lines = Object.entries(settings).map(([name, value]) => {
      checkSettingName(name);
      return `${name} = ${settingLiteral(value)}`;
    });
    appendFileSync(join(this.dataDir, "postgresql.conf"), `\n# athanor test harness\n${lines.join("\n")}\n`);
  }

  #createCertificate(): void {
    const key = join(this.dataDir, "server.key");
    const cert = join(this.dataDir, "server.crt");
    execFileSync("openssl", [
      "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes",
      "-days", "2", "-subj", "/CN=127.0.0.1", "-addext", "subjectAltName=IP:127.0.0.1",
      "-keyout", key, "-out", cert,
    ], { stdio: "pipe" });
    // PostgreSQL refuses a key that others can read, or one it does not own.
    chmodSync(key, 0o600);
    if (this.#user) {
      chownSync(key, this.#user.uid, this.#user.gid);
      chownSync(cert, this.#user.uid, this.#user.gid);
    }
  }

  /** Starts the postmaster, retrying on a fresh port if another process took ours. */
  async startOnFreePort(): Promise<void> {
    for (let attempt = 1; ; attempt++) {
      this.#port = await freeLoopbackPort();
      try {
        await this.#start();
        return;
      } catch (error) {
        const portTaken = /could not bind|Address already in use/.test(this.logTail(50));
        if (!portTaken || attempt >= START_ATTEMPTS) throw error;
      }
    }
  }

  async #start(): Promise<void> {
    // Address, port and socket dir are fixed on the command line: they must stay what this
    // object reports, and command-line settings cannot be overridden by ALTER SYSTEM.
    const daemon = Daemon.start(join(this.#bin, "postgres"), [
      "-D", this.dataDir,
      "-c", `port=${this.#port}`,
      "-c", `listen_addresses=${LOOPBACK}`,
      "-c", `unix_socket_directories=${this.baseDir}`,
    ], { user: this.#user, logFile: this.#logFile, markerDir: this.baseDir, env: this.#env() });
    this.#daemon = daemon;
    const probeConfig = { ...this.pgConfig, database: "postgres", connectionTimeoutMillis: 1_000 };
    await waitUntil(() => queryOnce(probeConfig, async (client) => (await client.query("SELECT 1")).rowCount === 1), {
      timeoutMs: this.#startTimeoutMs,
      what: `PostgreSQL on port ${this.#port}`,
      failure: () =>
        daemon.status ? new Error(`postgres exited (${JSON.stringify(daemon.status)}):\n${this.logTail()}`) : undefined,
    }).catch(async (error: unknown) => {
      await daemon.stop("SIGKILL", SHUTDOWN_GRACE_MS);
      throw error;
    });
  }

  async createDatabase(): Promise<void> {
    if (this.#database === "postgres") return;
    await queryOnce({ ...this.pgConfig, database: "postgres" }, (client) =>
      client.query(`CREATE DATABASE "${this.#database.replaceAll('"', '""')}"`),
    );
  }

  #requireNotStopped(action: string): void {
    if (this.#stopping) throw new Error(`cannot ${action}: the throwaway PostgreSQL was stopped`);
  }

  async restart(): Promise<void> {
    this.#requireNotStopped("restart");
    // SIGINT is PostgreSQL's "fast" shutdown: roll back sessions, checkpoint, exit.
    await this.#daemon?.stop("SIGINT", SHUTDOWN_GRACE_MS);
    await this.#start();
  }

  async kill(signal: NodeJS.Signals = "SIGKILL"): Promise<void> {
    this.#requireNotStopped("kill");
    const daemon = this.#daemon;
    if (!daemon?.running) throw new Error("the throwaway PostgreSQL is not running");
    if (!(await daemon.kill(signal, SHUTDOWN_GRACE_MS))) {
      throw new Error(`postgres (pid ${daemon.pid}) still running ${SHUTDOWN_GRACE_MS} ms after ${signal}`);
    }
  }

  async setConfig(name: string, value: PgSettingValue): Promise<{ pendingRestart: boolean }> {
    checkSettingName(name);
    return queryOnce({ ...this.pgConfig, database: "postgres" }, async (client) => {
      const before = await client.query<{ t: string }>("SELECT pg_conf_load_time()::text AS t");
      await client.query(`ALTER SYSTEM SET ${name} = ${settingLiteral(value)}`);
      await client.query("SELECT pg_reload_conf()");
      // The reload is asynchronous. Once this session has re-read the files, the postmaster
      // has too (it signals its children after reloading), so new connections see the value.
      await waitUntil(
        async () =>
          (await client.query<{ done: boolean }>("SELECT pg_conf_load_time() > $1::timestamptz AS done", [before.rows[0]?.t]))
            .rows[0]?.done === true,
        { timeoutMs: 5_000, what: "configuration reload", failure: () => undefined },
      );
      const pending = await client.query<{ pending_restart: boolean }>(
        "SELECT pending_restart FROM pg_settings WHERE name = lower($1)",
        [name],
      );
      return { pendingRestart: pending.rows[0]?.pending_restart === true };
    });
  }

  stop(): Promise<void> {
    this.#stopping ??= (async () => {
      try {
        await this.#daemon?.stop("SIGINT", SHUTDOWN_GRACE_MS);
        // A no-op after a clean shutdown; needed after kill() or a forced SIGKILL.
        releaseSharedMemory(this.dataDir);
      } finally {
        removeDir(this.baseDir);
        this.#unregisterExitCleanup();
      }
    })();
    return this.#stopping;
  }

  [Symbol.asyncDispose](): Promise<void> {
    return this.stop();
  }

  /** Synchronous last resort at process exit: no time for a graceful shutdown. */
  #cleanupNow(): void {
    if (this.#daemon?.running) killTree(this.#daemon.pid);
    releaseSharedMemory(this.dataDir);
    removeDir(this.baseDir);
  }
}

/**
 * Kills the servers and removes the temp dirs of test processes that died without cleaning
 * up (SIGKILL, OOM). startThrowawayPostgres() runs it first. Returns the dirs removed.
 */
export function sweepStalePostgres(): string[] {
  return sweepStaleServers(TEMP_PREFIX, (dir) => releaseSharedMemory(join(dir, "data")));
}

/**
 * Starts a private PostgreSQL (initdb + postgres from `pg_config --bindir`; as the
 * `postgres` OS user when running as root) with trust auth on 127.0.0.1:<free port>.
 * Always call stop() (t.after / finally); process exit kills it as a last resort.
 */
export async function startThrowawayPostgres(options: ThrowawayPostgresOptions = {}): Promise<ThrowawayPostgres> {
  sweepStalePostgres();
  const server = new ThrowawayPostgresServer(options);
  try {
    server.initialize(options);
    await server.startOnFreePort();
    await server.createDatabase();
    return server;
  } catch (error) {
    await server.stop();
    throw error;
  }
}
