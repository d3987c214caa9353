import { inspect } from "node:util";
import { ArgumentError } from "../errors.js";
import type { Logger } from "../log.js";
import type { CheckoutOptions, Pool } from "../pool/pool.js";
import type { DatabaseUrl } from "../url.js";
import { Connection } from "./connection.js";
import type { EngineCore } from "./engine-core.js";
import { EngineEvents } from "./engine-events.js";
import type { Dialect, IsolationLevel } from "./interfaces.js";

export interface EngineSettings {
  echo: boolean;
  hideParameters: boolean;
  logger: Logger;
  isolationLevel: IsolationLevel | undefined;
}

/**
 * A database, its dialect and a pool of connections to it (SQLAlchemy `Engine`). Build one
 * per database per process with createEngine(); it never prints its password.
 */
export class Engine<C = unknown> implements EngineCore<C> {
  readonly events = new EngineEvents();
  #pool: Pool<C>;

  /** @internal Use createEngine(). */
  constructor(
    readonly url: DatabaseUrl,
    readonly dialect: Dialect<C>,
    pool: Pool<C>,
    private readonly settings: EngineSettings,
  ) {
    this.#pool = pool;
  }

  get pool(): Pool<C> {
    return this.#pool;
  }

  get echo(): boolean {
    return this.settings.echo;
  }

  get hideParameters(): boolean {
    return this.settings.hideParameters;
  }

  get logger(): Logger {
    return this.settings.logger;
  }

  get isolationLevel(): IsolationLevel | undefined {
    return this.settings.isolationLevel;
  }

  /** Check out a connection; `await using conn = await engine.connect()` returns it at the end of the block. */
  async connect(options?: CheckoutOptions): Promise<Connection<C>> {
    const proxy = await this.#pool.connect(options);
    const conn = new Connection<C>(this, proxy);
    if (this.events.has("engineConnect")) {
      try {
        await this.events.emitAwaited("engineConnect", conn as Connection);
      } catch (err) {
        await conn.close();
        throw err;
      }
    }
    return conn;
  }

  /** Run `work` in a transaction: committed when it returns, rolled back when it throws. */
  async begin<T>(work: (conn: Connection<C>) => Promise<T>): Promise<T> {
    if (typeof work !== "function") throw new ArgumentError("engine.begin() takes an async function: engine.begin(async (conn) => { ... }).");
    const conn = await this.connect();
    try {
      const tx = await conn.begin();
      const result = await work(conn);
      if (tx.isActive) await tx.commit();
      return result;
    } finally {
      await conn.close();
    }
  }

  /**
   * Replace the pool with a fresh one (SPEC P20). `close: false` leaves the old connections
   * open for another owner (SQLAlchemy's recipe after fork); checked-out ones keep working.
   */
  async dispose(options: { close?: boolean } = {}): Promise<void> {
    const old = this.#pool;
    this.#pool = old.recreate();
    if (options.close !== false) await old.dispose();
  }


  toString(): string {
    return `Engine(${this.url.toString()})`;
  }

  [inspect.custom](): string {
    return this.toString();
  }
}
