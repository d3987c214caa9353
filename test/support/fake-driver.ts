import { QueuePool, type PoolDialect, type QueuePoolOptions } from "../../src/index.js";

/** Thrown by a FakeConnection whose "server" went away. */
export class FakeDisconnect extends Error {
  constructor(message = "fake: server closed the connection") {
    super(message);
    this.name = "FakeDisconnect";
  }
}

/** A driver connection that records what the pool did to it. */
export class FakeConnection {
  closed = false;
  /** The server side is gone: every call fails with FakeDisconnect. */
  broken = false;
  inTransaction = false;
  rollbacks = 0;
  commits = 0;
  pings = 0;
  /** Make rollback() fail (a reset that fails). */
  failRollback = false;
  /** Make ping() never answer. */
  hangPing = false;

  constructor(readonly id: number) {}

  async query(sql: string): Promise<string> {
    this.check();
    if (sql === "BEGIN") this.inTransaction = true;
    return sql;
  }

  async rollback(): Promise<void> {
    this.check();
    if (this.failRollback) throw new Error("fake: rollback failed");
    this.rollbacks++;
    this.inTransaction = false;
  }

  async commit(): Promise<void> {
    this.check();
    this.commits++;
    this.inTransaction = false;
  }

  async ping(): Promise<void> {
    this.pings++;
    if (this.hangPing) await new Promise(() => undefined);
    this.check();
  }

  async close(): Promise<void> {
    this.closed = true;
  }

  private check(): void {
    if (this.closed) throw new FakeDisconnect("fake: connection is closed");
    if (this.broken) throw new FakeDisconnect();
  }
}

/** Opens FakeConnections; can be told to fail, hang or go slow, like a real server. */
export class FakeDriver {
  readonly connections: FakeConnection[] = [];
  /** Every connect fails with this error while set. */
  down: Error | undefined = undefined;
  /** Connects never answer while set (a blackholed server). */
  hang = false;
  connectDelayMs = 0;
  connectCalls = 0;

  /** The pool's creator. */
  readonly creator = (): Promise<FakeConnection> => this.connect();

  async connect(): Promise<FakeConnection> {
    this.connectCalls++;
    if (this.hang) await new Promise(() => undefined);
    if (this.connectDelayMs > 0) await new Promise((r) => setTimeout(r, this.connectDelayMs));
    if (this.down !== undefined) throw this.down;
    const conn = new FakeConnection(this.connections.length + 1);
    this.connections.push(conn);
    return conn;
  }

  /** The server restarts: every open connection is dead. */
  restartServer(): void {
    for (const c of this.connections) c.broken = true;
  }

  get open(): FakeConnection[] {
    return this.connections.filter((c) => !c.closed);
  }
}

export const fakeDialect: PoolDialect<FakeConnection> = {
  rollback: (c) => c.rollback(),
  commit: (c) => c.commit(),
  close: (c) => c.close(),
  ping: (c) => c.ping(),
  isDisconnect: (err) => err instanceof FakeDisconnect,
};

/** A logger that keeps what it is given, for asserting warnings. */
export class MemoryLogger {
  readonly lines: { level: string; message: string }[] = [];
  debug(message: string): void {
    this.lines.push({ level: "debug", message });
  }
  info(message: string): void {
    this.lines.push({ level: "info", message });
  }
  warn(message: string): void {
    this.lines.push({ level: "warn", message });
  }
  error(message: string): void {
    this.lines.push({ level: "error", message });
  }
  messages(level?: string): string[] {
    return this.lines.filter((l) => level === undefined || l.level === level).map((l) => l.message);
  }
}

export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** Let queued promise callbacks and immediates run. */
export const settle = (): Promise<void> => new Promise((r) => setImmediate(r));

/** A QueuePool over a FakeDriver with the fake dialect and a MemoryLogger. */
export function fakeQueuePool(options: QueuePoolOptions<FakeConnection> = {}): {
  driver: FakeDriver;
  pool: QueuePool<FakeConnection>;
  logger: MemoryLogger;
} {
  const driver = new FakeDriver();
  const logger = new MemoryLogger();
  const pool = new QueuePool<FakeConnection>(driver.creator, { dialect: fakeDialect, logger, ...options });
  return { driver, pool, logger };
}
