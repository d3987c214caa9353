// Process plumbing shared by the throwaway database servers: run a daemon as its service
// user, find a free loopback port, kill a whole process tree, and guarantee cleanup when the
// test process exits, even on an uncaught error, a signal, or (via the stale sweep) SIGKILL.
import { execFileSync, spawn, type ChildProcess } from "node:child_process";
import {
  chownSync,
  closeSync,
  mkdtempSync,
  openSync,
  readdirSync,
  readFileSync,
  rmSync,
  statfsSync,
  writeFileSync,
} from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";

export const LOOPBACK = "127.0.0.1";

/** The OS account a server runs as. */
export interface ServiceUser {
  readonly name: string;
  readonly uid: number;
  readonly gid: number;
}

/**
 * The account to run `name`'s server as: initdb and postgres refuse to run as root, and
 * mariadbd needs an unprivileged owner for its files. Returns undefined when we are not root:
 * then the server simply runs as the current user (a developer laptop, most CI runners).
 */
export function serviceUserFor(name: string): ServiceUser | undefined {
  if (process.getuid?.() !== 0) return undefined;
  const id = (flag: string): number => {
    try {
      return Number(execFileSync("id", [flag, name], { encoding: "utf8", stdio: "pipe" }).trim());
    } catch {
      throw new Error(`running as root, but there is no "${name}" OS user to run the server as`);
    }
  };
  return { name, uid: id("-u"), gid: id("-g") };
}

/** Asks the kernel for a free port on 127.0.0.1. Another process could take it before the
 * server binds it; callers retry start-up on a bind failure. */
export async function freeLoopbackPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(0, LOOPBACK, resolve);
  });
  const address = server.address();
  await new Promise<void>((resolve) => server.close(() => resolve()));
  if (address === null || typeof address === "string") throw new Error("no TCP address for the probe socket");
  return address.port;
}

const OWNER_FILE = "harness-owner.pid";
const SERVER_PID_FILE = "harness-server.pid";

const RAM_DISK = "/dev/shm";
const RAM_DISK_MIN_FREE = 1024 ** 3;

function hasRoomOnRamDisk(): boolean {
  try {
    const stats = statfsSync(RAM_DISK);
    return stats.bavail * stats.bsize >= RAM_DISK_MIN_FREE;
  } catch {
    return false;
  }
}

/**
 * Where server temp dirs go: ATHANOR_TEST_TMPDIR if set, else /dev/shm when it is a roomy
 * tmpfs, else the OS temp dir. The data is thrown away, so RAM is the right place: initdb
 * runs about 3× faster there than on this machine's ext4 /tmp. The 1 GiB floor keeps us off
 * the 64 MB /dev/shm that Docker gives containers by default (a cluster needs ~40 MB).
 */
export function serverTempRoot(): string {
  const configured = process.env.ATHANOR_TEST_TMPDIR;
  if (configured !== undefined && configured !== "") return configured;
  return hasRoomOnRamDisk() ? RAM_DISK : tmpdir();
}

/**
 * A fresh temp dir named `<prefix><random>` owned by `user`, marked with our pid so that a
 * later run can sweep it (see sweepStaleServers) if this process dies without cleaning up.
 */
export function createServerTempDir(prefix: string, user: ServiceUser | undefined): string {
  const dir = mkdtempSync(join(serverTempRoot(), prefix));
  writeFileSync(join(dir, OWNER_FILE), String(process.pid));
  if (user) chownSync(dir, user.uid, user.gid);
  return dir;
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    // EPERM means the process exists but belongs to someone else.
    return (error as NodeJS.ErrnoException).code === "EPERM";
  }
}

function readPid(file: string): number | undefined {
  try {
    const pid = Number.parseInt(readFileSync(file, "utf8"), 10);
    return Number.isInteger(pid) && pid > 0 ? pid : undefined;
  } catch {
    return undefined;
  }
}

/** Every descendant of `pid`, from /proc (Linux). PostgreSQL backends call setsid(), so a
 * process-group kill would miss them; walking parent links finds them all. */
export function descendantPids(pid: number): number[] {
  const children = new Map<number, number[]>();
  let entries: string[];
  try {
    entries = readdirSync("/proc");
  } catch {
    return [];
  }
  for (const entry of entries) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      // The command name (field 2) is parenthesised and may contain spaces: parse after ")".
      const stat = readFileSync(`/proc/${entry}/stat`, "utf8");
      const ppid = Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[1]);
      const siblings = children.get(ppid) ?? [];
      siblings.push(Number(entry));
      children.set(ppid, siblings);
    } catch {
      // The process exited while we were looking.
    }
  }
  const found: number[] = [];
  const queue = [pid];
  for (let next = queue.shift(); next !== undefined; next = queue.shift()) {
    for (const child of children.get(next) ?? []) {
      found.push(child);
      queue.push(child);
    }
  }
  return found;
}

function signalQuietly(pid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(pid, signal);
  } catch {
    // Already gone.
  }
}

/**
 * SIGKILLs `pid` and all its descendants; returns the pids signalled. The root is frozen
 * with SIGSTOP first, so it cannot fork between our scan and the kill: a child born then
 * would survive as an orphan (a PostgreSQL backend still attached to the shared memory,
 * which makes the next start fail). Servers fork only from their root process.
 */
export function killTree(pid: number): number[] {
  signalQuietly(pid, "SIGSTOP");
  const targets = [pid, ...descendantPids(pid)];
  for (const target of targets) signalQuietly(target, "SIGKILL");
  return targets;
}

/** False once `pid` has exited, counting a zombie as exited (it holds no resources). */
function isRunning(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    return stat.slice(stat.lastIndexOf(")") + 2, stat.lastIndexOf(")") + 3) !== "Z";
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return false;
    return isAlive(pid); // No /proc: fall back to signal 0.
  }
}

/** Waits until every pid has exited; SIGKILLed orphans die asynchronously. */
async function waitForGone(pids: readonly number[], timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (pids.some(isRunning)) {
    if (Date.now() > deadline) return false;
    await sleep(10);
  }
  return true;
}

const KILL_WAIT_MS = 10_000;

/** How a daemon ended. */
export interface ExitStatus {
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
}

export interface DaemonOptions {
  readonly user: ServiceUser | undefined;
  /** stdout and stderr are appended here, so a start-up failure can quote them. */
  readonly logFile: string;
  /** Directory holding the pid marker for the stale sweep. */
  readonly markerDir: string;
  readonly env?: NodeJS.ProcessEnv;
}

/** One running server process. */
export class Daemon {
  readonly pid: number;
  /** Resolves once the process has exited; never rejects. See waitForExit. */
  readonly exited: Promise<ExitStatus>;
  #status: ExitStatus | undefined;

  private constructor(child: ChildProcess, pid: number) {
    this.pid = pid;
    this.exited = new Promise((resolve) => {
      child.once("exit", (code, signal) => {
        this.#status = { code, signal };
        resolve(this.#status);
      });
    });
  }

  static start(command: string, args: readonly string[], options: DaemonOptions): Daemon {
    const log = openSync(options.logFile, "a");
    try {
      const child = spawn(command, args, {
        // Own process group: a Ctrl-C in the terminal reaches only the test process, whose
        // exit handler then kills the server and removes its files. In our group the server
        // would also get the SIGINT and race that cleanup with a shutdown of its own.
        detached: true,
        stdio: ["ignore", log, log],
        env: options.env ?? process.env,
        ...(options.user ? { uid: options.user.uid, gid: options.user.gid } : {}),
      });
      if (child.pid === undefined) throw new Error(`could not start ${command}`);
      // Unreferenced: a test that forgets stop() must not keep the event loop alive forever;
      // the exit handler still kills the server when the process ends.
      child.unref();
      writeFileSync(join(options.markerDir, SERVER_PID_FILE), String(child.pid));
      return new Daemon(child, child.pid);
    } finally {
      closeSync(log);
    }
  }

  get status(): ExitStatus | undefined {
    return this.#status;
  }

  get running(): boolean {
    return this.#status === undefined;
  }

  signal(signal: NodeJS.Signals): void {
    if (!this.running) return;
    try {
      process.kill(this.pid, signal);
    } catch {
      // Exited between the check and the kill.
    }
  }

  /** Resolves with the exit status, or undefined if still running after `timeoutMs`.
   * Always wait through this, not on `exited` alone: the child is unreferenced, so only the
   * timer here keeps the event loop (and thus the awaiting test) alive until it exits. */
  async waitForExit(timeoutMs: number): Promise<ExitStatus | undefined> {
    const abort = new AbortController();
    try {
      return await Promise.race([
        this.exited,
        sleep(timeoutMs, undefined, { signal: abort.signal }).catch(() => undefined),
      ]);
    } finally {
      abort.abort();
    }
  }

  /**
   * Sends `signal` and waits up to `timeoutMs` for the exit; undefined if still running.
   * SIGKILL goes to the whole process tree, and waits for every process in it: a server
   * whose orphaned children linger cannot be started again on the same data.
   */
  async kill(signal: NodeJS.Signals, timeoutMs: number): Promise<ExitStatus | undefined> {
    if (signal !== "SIGKILL") {
      this.signal(signal);
      return this.waitForExit(timeoutMs);
    }
    const tree = killTree(this.pid);
    const status = await this.waitForExit(timeoutMs);
    return status && (await waitForGone(tree, timeoutMs)) ? status : undefined;
  }

  /** Sends `signal` and waits up to `graceMs`; then SIGKILLs the whole tree. */
  async stop(signal: NodeJS.Signals, graceMs: number): Promise<ExitStatus> {
    const status = (await this.kill(signal, graceMs)) ?? (await this.kill("SIGKILL", KILL_WAIT_MS));
    if (!status) throw new Error(`pid ${this.pid} survived SIGKILL for ${KILL_WAIT_MS} ms`);
    return status;
  }
}

/** Reads the last `lines` lines of a log file, for error messages. */
export function logTail(file: string, lines = 20): string {
  try {
    return readFileSync(file, "utf8").trimEnd().split("\n").slice(-lines).join("\n");
  } catch {
    return "(no log)";
  }
}

/**
 * Polls `probe` until it returns true. Fails early with `failure()` when that returns an
 * error (the server process died), and after `timeoutMs` with the last probe error.
 */
export async function waitUntil(
  probe: () => Promise<boolean>,
  options: { readonly timeoutMs: number; readonly what: string; readonly failure: () => Error | undefined },
): Promise<void> {
  const deadline = Date.now() + options.timeoutMs;
  let lastError: unknown;
  for (;;) {
    const failure = options.failure();
    if (failure) throw failure;
    try {
      if (await probe()) return;
    } catch (error) {
      lastError = error;
    }
    if (Date.now() > deadline) {
      const cause = lastError instanceof Error ? `: ${lastError.message}` : "";
      throw new Error(`${options.what} not ready after ${options.timeoutMs} ms${cause}`);
    }
    await sleep(50);
  }
}

// --- cleanup at exit -------------------------------------------------------------------

const exitCleanups = new Set<() => void>();
const FATAL_SIGNALS: readonly NodeJS.Signals[] = ["SIGINT", "SIGTERM", "SIGHUP"];

function runExitCleanups(): void {
  for (const cleanup of exitCleanups) {
    try {
      cleanup();
    } catch {
      // Best effort: one failed cleanup must not stop the others.
    }
  }
  exitCleanups.clear();
}

function onFatalSignal(signal: NodeJS.Signals): void {
  runExitCleanups();
  uninstallHandlers();
  // Re-raise so the process dies the way it would have without our handler.
  process.kill(process.pid, signal);
}

function installHandlers(): void {
  process.on("exit", runExitCleanups);
  for (const signal of FATAL_SIGNALS) process.on(signal, onFatalSignal);
}

function uninstallHandlers(): void {
  process.off("exit", runExitCleanups);
  for (const signal of FATAL_SIGNALS) process.off(signal, onFatalSignal);
}

/**
 * Runs `cleanup` (synchronous: the 'exit' event allows nothing else) if the process exits
 * or gets a fatal signal before the returned function unregisters it. The signal handlers
 * exist only while some cleanup is registered, so importing this module changes nothing.
 */
export function cleanupOnExit(cleanup: () => void): () => void {
  if (exitCleanups.size === 0) installHandlers();
  exitCleanups.add(cleanup);
  return () => {
    exitCleanups.delete(cleanup);
    if (exitCleanups.size === 0) uninstallHandlers();
  };
}

/** Removes a temp dir whose files belong to the service user (we are root or its owner). */
export function removeDir(dir: string): void {
  rmSync(dir, { recursive: true, force: true, maxRetries: 3 });
}

function listStaleCandidates(prefix: string): string[] {
  const roots = new Set([serverTempRoot(), RAM_DISK, tmpdir()]);
  const dirs: string[] = [];
  for (const root of roots) {
    try {
      for (const name of readdirSync(root)) if (name.startsWith(prefix)) dirs.push(join(root, name));
    } catch {
      // A root that does not exist here.
    }
  }
  return dirs;
}

/**
 * Kills servers and removes temp dirs (`<prefix>*` in the temp roots) left by test processes
 * that died without cleaning up (SIGKILL, OOM, a power cut). A dir is stale when the pid in
 * its owner marker is no longer alive. The server pid is only killed if its command line
 * still names the dir, so a recycled pid is never hit. Returns the dirs removed.
 */
export function sweepStaleServers(prefix: string, beforeRemove?: (dir: string) => void): string[] {
  const removed: string[] = [];
  for (const dir of listStaleCandidates(prefix)) {
    const owner = readPid(join(dir, OWNER_FILE));
    if (owner === undefined || isAlive(owner)) continue;
    const server = readPid(join(dir, SERVER_PID_FILE));
    if (server !== undefined && commandLineMentions(server, dir)) killTree(server);
    beforeRemove?.(dir);
    removeDir(dir);
    removed.push(dir);
  }
  return removed;
}

function commandLineMentions(pid: number, text: string): boolean {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, "utf8").includes(text);
  } catch {
    return false;
  }
}
