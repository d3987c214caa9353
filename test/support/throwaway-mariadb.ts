// A private MariaDB server for tests that must restart, kill or reconfigure a server, which
// the shared one at :3306 must never be. mariadb-install-db into a fresh temp dir, root with
// an empty password, listening on 127.0.0.1 only, on a free port, socket inside the temp dir.
import { execFileSync } from "node:child_process";
import { join } from "node:path";
import mysql from "mysql2/promise";
import type { MysqlConnectionConfig } from "./databases.js";
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

export type MysqlSettingValue = string | number | boolean;

export interface ThrowawayMariadbOptions {
  /** Extra server options, passed as `--name=value` flags, e.g. `{ max_connections: 20 }`.
   * Unlike setGlobal() they survive restart(). Booleans become ON/OFF. */
  readonly settings?: Readonly<Record<string, MysqlSettingValue>>;
  /** Database created at start-up (default "test", like the shared server). */
  readonly database?: string;
  /** Bound on each start-up, install excluded (default 30 s). */
  readonly startTimeoutMs?: number;
}

export interface ThrowawayMariadb {
  readonly host: string;
  readonly port: number;
  /** mysql://root@127.0.0.1:<port>/<database> */
  readonly url: string;
  readonly mysqlConfig: MysqlConnectionConfig;
  readonly dataDir: string;
  /** The temp dir removed by stop() (data, socket, server.log). */
  readonly baseDir: string;
  /** The mariadbd pid, or undefined while the server is down. */
  readonly pid: number | undefined;
  readonly running: boolean;
  /** Kills the server and removes the temp dir. Safe to call more than once. */
  stop(): Promise<void>;
  /** Clean shutdown (when running) and start again on the same port and data. */
  restart(): Promise<void>;
  /** Sends `signal` (default SIGKILL) and waits until the server is gone. restart() brings
   * it back, with InnoDB crash recovery after a SIGKILL. */
  kill(signal?: NodeJS.Signals): Promise<void>;
  /** SET GLOBAL name = value. Like on a real server, restart() forgets it: use `settings`
   * for values that must persist. */
  setGlobal(name: string, value: MysqlSettingValue): Promise<void>;
  /** The last lines of the server log, for assertion messages. */
  logTail(lines?: number): string;
  [Symbol.asyncDispose](): Promise<void>;
}

const TEMP_PREFIX = "athanor-mariadb-";
const SHUTDOWN_GRACE_MS = 30_000;
const START_ATTEMPTS = 3;

function checkName(name: string): void {
  // Names are spliced into SQL and command lines, so allow only plain identifiers.
  if (!/^[A-Za-z_][A-Za-z0-9_-]*$/.test(name)) throw new Error(`invalid MariaDB variable name: ${JSON.stringify(name)}`);
}

function flagValue(value: MysqlSettingValue): string {
  if (typeof value === "boolean") return value ? "ON" : "OFF";
  return String(value);
}

async function withConnection<T>(
  config: mysql.ConnectionOptions,
  run: (connection: mysql.Connection) => Promise<T>,
): Promise<T> {
  const connection = await mysql.createConnection(config);
  connection.on("error", () => {}); // A server dying mid-probe must not crash the test process.
  try {
    return await run(connection);
  } finally {
    await connection.end().catch(() => connection.destroy());
  }
}

class ThrowawayMariadbServer implements ThrowawayMariadb {
  readonly host = LOOPBACK;
  readonly baseDir: string;
  readonly dataDir: string;
  readonly #user: ServiceUser | undefined;
  readonly #database: string;
  readonly #settings: Readonly<Record<string, MysqlSettingValue>>;
  readonly #startTimeoutMs: number;
  readonly #logFile: string;
  #port = 0;
  #daemon: Daemon | undefined;
  #stopping: Promise<void> | undefined;
  #unregisterExitCleanup: () => void;

  constructor(options: ThrowawayMariadbOptions) {
    this.#user = serviceUserFor("mysql");
    this.#database = options.database ?? "test";
    this.#settings = options.settings ?? {};
    this.#startTimeoutMs = options.startTimeoutMs ?? 30_000;
    this.baseDir = createServerTempDir(TEMP_PREFIX, this.#user);
    this.dataDir = join(this.baseDir, "data");
    this.#logFile = join(this.baseDir, "server.log");
    this.#unregisterExitCleanup = cleanupOnExit(() => this.#cleanupNow());
  }

  get port(): number {
    return this.#port;
  }

  get url(): string {
    return `mysql://root@${LOOPBACK}:${this.#port}/${encodeURIComponent(this.#database)}`;
  }

  get mysqlConfig(): MysqlConnectionConfig {
    return { host: LOOPBACK, port: this.#port, user: "root", password: "", database: this.#database };
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
    // Minimal environment: nothing from the test process (MYSQL_PWD, ~/.my.cnf via HOME)
    // leaks in; TZ pins the server's SYSTEM time zone to UTC, like the shared server.
    return { PATH: `${process.env.PATH ?? ""}:/usr/sbin:/usr/local/sbin`, HOME: this.baseDir, TZ: "UTC" };
  }

  /** Options shared by install and server: --no-defaults must come first, and the redo log
   * size must match between the two or the server resizes it on first start. */
  #commonFlags(): string[] {
    return ["--no-defaults", `--datadir=${this.dataDir}`, "--innodb-log-file-size=16M"];
  }

  initialize(): void {
    // Run as the service user directly rather than as root with --user: the files are then
    // owned by it without the script's chown pass. "normal" auth makes root@localhost a
    // password-less account instead of unix_socket-only (which would need us to be OS root).
    try {
      execFileSync("mariadb-install-db", [
        ...this.#commonFlags(),
        "--auth-root-authentication-method=normal",
        "--skip-test-db",
      ], {
        env: this.#env(),
        stdio: "pipe",
        ...(this.#user ? { uid: this.#user.uid, gid: this.#user.gid } : {}),
      });
    } catch (error) {
      const output = (error as { stdout?: Buffer; stderr?: Buffer });
      throw new Error(`mariadb-install-db failed: ${output.stderr?.toString() ?? ""}${output.stdout?.toString() ?? ""}`);
    }
  }

  /** Starts mariadbd, retrying on a fresh port if another process took ours. */
  async startOnFreePort(): Promise<void> {
    for (let attempt = 1; ; attempt++) {
      this.#port = await freeLoopbackPort();
      try {
        await this.#start();
        return;
      } catch (error) {
        const portTaken = /Address already in use|Can't start server: Bind/.test(this.logTail(50));
        if (!portTaken || attempt >= START_ATTEMPTS) throw error;
      }
    }
  }

  async #start(): Promise<void> {
    const userFlags = Object.entries(this.#settings).map(([name, value]) => {
      checkName(name);
      return `--${name}=${flagValue(value)}`;
    });
    const daemon = Daemon.start("mariadbd", [
      ...this.#commonFlags(),
      `--port=${this.#port}`,
      `--bind-address=${LOOPBACK}`,
      `--socket=${join(this.baseDir, "mysqld.sock")}`,
      `--pid-file=${join(this.baseDir, "mysqld.pid")}`,
      `--tmpdir=${this.baseDir}`,
      // --no-defaults drops Debian's my.cnf, so restore its utf8mb4 default to behave like
      // the shared server.
      "--character-set-server=utf8mb4",
      "--collation-server=utf8mb4_general_ci",
      // Durability and warm caches are worthless for a throwaway server; fast restarts are not.
      "--innodb-flush-log-at-trx-commit=0",
      "--innodb-doublewrite=0",
      "--innodb-buffer-pool-size=64M",
      "--innodb-buffer-pool-dump-at-shutdown=0",
      "--innodb-buffer-pool-load-at-startup=0",
      ...userFlags,
    ], { user: this.#user, logFile: this.#logFile, markerDir: this.baseDir, env: this.#env() });
    this.#daemon = daemon;
    const probeConfig = { ...this.mysqlConfig, database: undefined, connectTimeout: 1_000 };
    await waitUntil(() => withConnection(probeConfig, async (connection) => (await connection.query("SELECT 1")) !== undefined), {
      timeoutMs: this.#startTimeoutMs,
      what: `MariaDB on port ${this.#port}`,
      failure: () =>
        daemon.status ? new Error(`mariadbd exited (${JSON.stringify(daemon.status)}):\n${this.logTail()}`) : undefined,
    }).catch(async (error: unknown) => {
      await daemon.stop("SIGKILL", SHUTDOWN_GRACE_MS);
      throw error;
    });
  }

  async createDatabase(): Promise<void> {
    await withConnection({ ...this.mysqlConfig, database: undefined }, (connection) =>
      connection.query(`CREATE DATABASE IF NOT EXISTS ${mysql.escapeId(this.#database)}`),
    );
  }

  #requireNotStopped(action: string): void {
    if (this.#stopping) throw new Error(`cannot ${action}: the throwaway MariaDB was stopped`);
  }

  async restart(): Promise<void> {
    this.#requireNotStopped("restart");
    // SIGTERM is mariadbd's normal shutdown.
    await this.#daemon?.stop("SIGTERM", SHUTDOWN_GRACE_MS);
    await this.#start();
  }

  async kill(signal: NodeJS.Signals = "SIGKILL"): Promise<void> {
    this.#requireNotStopped("kill");
    const daemon = this.#daemon;
    if (!daemon?.running) throw new Error("the throwaway MariaDB is not running");
    if (!(await daemon.kill(signal, SHUTDOWN_GRACE_MS))) {
      throw new Error(`mariadbd (pid ${daemon.pid}) still running ${SHUTDOWN_GRACE_MS} ms after ${signal}`);
    }
  }

  async setGlobal(name: string, value: MysqlSettingValue): Promise<void> {
    checkName(name);
    // The value goes through mysql2's escaping: numbers stay numbers (an integer variable
    // rejects '20'), strings are quoted, booleans become true/false.
    await withConnection(this.mysqlConfig, (connection) => connection.query(`SET GLOBAL ${name} = ?`, [value]));
  }

  stop(): Promise<void> {
    this.#stopping ??= (async () => {
      try {
        // The data is about to be deleted, so a clean shutdown (~2 s of InnoDB work) buys
        // nothing: SIGKILL at once.
        await this.#daemon?.stop("SIGKILL", SHUTDOWN_GRACE_MS);
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

  /** Synchronous last resort at process exit. */
  #cleanupNow(): void {
    if (this.#daemon?.running) killTree(this.#daemon.pid);
    removeDir(this.baseDir);
  }
}

/**
 * Kills the servers and removes the temp dirs of test processes that died without cleaning
 * up (SIGKILL, OOM). startThrowawayMariadb() runs it first. Returns the dirs removed.
 */
export function sweepStaleMariadb(): string[] {
  return sweepStaleServers(TEMP_PREFIX);
}

/**
 * Starts a private MariaDB (mariadb-install-db + mariadbd; as the `mysql` OS user when
 * running as root) with root and an empty password on 127.0.0.1:<free port>, and creates
 * the `test` database. Always call stop() (t.after / finally); process exit kills it as a
 * last resort.
 */
export async function startThrowawayMariadb(options: ThrowawayMariadbOptions = {}): Promise<ThrowawayMariadb> {
  sweepStaleMariadb();
  const server = new ThrowawayMariadbServer(options);
  try {
    server.initialize();
    await server.startOnFreePort();
    await server.createDatabase();
    return server;
  } catch (error) {
    await server.stop();
    throw error;
  }
}
