import { inspect } from "node:util";
import { ArgumentError, AthanorError, InvalidRequestError } from "../errors.js";
import type { Logger } from "../log.js";
import type { CheckoutOptions, Pool } from "../pool/pool.js";
import type { PooledConnection } from "../pool/pooled-connection.js";
import { funnelDriverError } from "./error-funnel.js";
import type { DatabaseUrl } from "../url.js";
import { Connection } from "./connection.js";
import type { EngineCore } from "./engine-core.js";
import { EngineEvents } from "./engine-events.js";
import { heldHere, stackHere } from "./scope-holds.js";
import type { Dialect, IsolationLevel } from "./interfaces.js";

/** SPEC B4: what engine.connect() does when its scope's own session holds the exhausted pool. */
export type WrongHandleGuard = "warn" | "throw" | "off";

export interface EngineSettings<C = unknown> {
  wrongHandleGuard: WrongHandleGuard;
  echo: boolean;
  hideParameters: boolean;
  logger: Logger;
  isolationLevel: IsolationLevel | undefined;
  /** SPEC B1: default time limit of execute()/stream() (Infinity: none). */
  statementTimeoutMs: number;
  /** SPEC B1: opens the side connection a cancel request goes through (the engine's connector). */
  cancelConnector: () => C | Promise<C>;
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
    private readonly settings: EngineSettings<C>,
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

  get statementTimeoutMs(): number {
    return this.settings.statementTimeoutMs;
  }

  /** @internal SPEC B1: a driver connection outside the pool, for a cancel request; the caller closes it. */
  async openCancelConnection(): Promise<C> {
    return this.settings.cancelConnector();
  }

  /** Check out a connection; `await using conn = await engine.connect()` returns it at the end of the block. */
  connect(options?: CheckoutOptions): Promise<Connection<C>> {
    try {
      if (options === undefined) {
        const conn = this.connectNow();
        return conn instanceof Promise ? conn : Promise.resolve(conn);
      }
      if (this.settings.wrongHandleGuard !== "off" && this.#pool.wouldWait()) this.#checkWrongHandle();
    } catch (err) {
      return Promise.reject(err);
    }
    const connected = this.checkout(options).then((proxy) => new Connection<C>(this, proxy));
    return this.events.has("engineConnect") ? connected.then((conn) => this.#announce(conn)) : connected;
  }

  /**
   * @internal connect() for the hot paths (Session autobegin): the Connection itself when the
   * pool hands out a ready connection at once, a promise only when it must wait. No async
   * frames: each promise costs its hooks when an AsyncLocalStorage is active, as in a web
   * request's scope. Throws what connect() would reject with.
   */
  connectNow(): Connection<C> | Promise<Connection<C>> {
    return this.connectNowThen(sameConnection);
  }

  /**
   * @internal connectNow() and what to do with the connection, in one step: when the pool
   * makes it wait, one then() makes the Connection and runs `use`, where connectNow().then(use)
   * made a promise more (and a caller's own next step another). `use` runs at once when a
   * connection is ready. Throws what connect() would reject with.
   */
  connectNowThen<T>(use: (conn: Connection<C>) => T): T | Promise<Awaited<T>> {
    if (this.settings.wrongHandleGuard !== "off" && this.#pool.wouldWait()) this.#checkWrongHandle();
    let proxy: PooledConnection<C> | Promise<PooledConnection<C>>;
    try {
      proxy = this.#pool.checkoutNow();
    } catch (err) {
      proxy = Promise.reject(err);
    }
    if (this.events.has("engineConnect")) {
      const connected = proxy instanceof Promise ? proxy.then(this.#connectionOn, (err: unknown) => this.#checkoutFailed(err, undefined)) : this.#connectionOn(proxy);
      return (connected instanceof Promise ? connected.then((conn) => this.#announce(conn)) : this.#announce(connected)).then(use) as Promise<Awaited<T>>;
    }
    if (!(proxy instanceof Promise)) return use(this.#connectionOn(proxy));
    return proxy.then(
      (ready) => use(this.#connectionOn(ready)),
      (err: unknown) => this.#checkoutFailed(err, undefined),
    ) as Promise<Awaited<T>>;
  }

  /**
   * @internal connectNowThen() reporting to callbacks (Session's statement path): no promise on
   * the way to a Connection, whether one is ready (`onConnection` runs at once) or the pool
   * makes it wait (it then runs in the caller's async context). Never throws: a failure (the
   * SPEC B4 guard in "throw" mode, a checkout that failed, wrapped as connect() wraps it)
   * reaches `onError`.
   */
  connectWith(onConnection: (conn: Connection<C>) => void, onError: (err: unknown) => void): void {
    if (this.events.has("engineConnect")) {
      this.connect().then(onConnection, onError);
      return;
    }
    try {
      if (this.settings.wrongHandleGuard !== "off" && this.#pool.wouldWait()) this.#checkWrongHandle();
    } catch (err) {
      onError(err);
      return;
    }
    this.#pool.checkoutWith(
      (proxy) => onConnection(this.#connectionOn(proxy)),
      (err) => void this.#checkoutFailed(err, undefined).catch(onError),
    );
  }

  readonly #connectionOn = (proxy: PooledConnection<C>): Connection<C> => new Connection<C>(this, proxy);

  async #announce(conn: Connection<C>): Promise<Connection<C>> {
    try {
      await this.events.emitAwaited("engineConnect", conn as Connection);
    } catch (err) {
      await conn.close();
      throw err;
    }
    return conn;
  }

  /**
   * @internal A pooled connection, with a driver's connect error wrapped like any other
   * (SQLAlchemy `_handle_dbapi_exception_noconnection`): ECONNREFUSED, too many
   * connections, a TLS failure arrive as OperationalError with the driver's error as `orig`.
   */
  checkout(options?: CheckoutOptions): Promise<PooledConnection<C>> {
    // Not an async function with try/await: the hot path is the pool's own promise.
    return this.#pool.connect(options).catch((err: unknown) => this.#checkoutFailed(err, options));
  }

  async #checkoutFailed(err: unknown, options: CheckoutOptions | undefined): Promise<never> {
    if (err instanceof AthanorError) throw err;
    // An aborted checkout rejects with the signal's reason, as fetch() does: the caller's
    // own value, not a driver error to wrap.
    if (options?.signal?.aborted === true && err === options.signal.reason) throw err;
    const verdict = await funnelDriverError({
      err,
      dialect: this.dialect,
      events: this.events,
      dbapiConnection: undefined,
      connection: undefined,
      statement: undefined,
      parameters: undefined,
      hideParameters: this.settings.hideParameters,
    });
    throw verdict.error;
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


  /**
   * SPEC B4: this scope already holds one of our connections through a Session, and the pool
   * is exhausted, so this checkout may wait for a connection only the caller can return.
   * Usually the code meant to use its session (`session.execute`) rather than the engine.
   */
  #checkWrongHandle(): void {
    const heldAt = heldHere(this);
    if (heldAt === undefined) return;
    const message =
      "engine.connect() while this scope's Session holds a connection of the same engine, and the pool is exhausted: " +
      "this checkout may wait for the very connection the Session keeps (a self-deadlock). Run the statement " +
      "through the session (session.execute) or commit/close the session first.\n" +
      `The session took its connection at:\n${heldAt}\nThis checkout is at:\n${stackHere()}`;
    if (this.settings.wrongHandleGuard === "throw") throw new InvalidRequestError(message, { code: "WRONG_HANDLE" });
    this.settings.logger.warn(`athanor: ${message}`);
  }

  toString(): string {
    return `Engine(${this.url.toString()})`;
  }

  [inspect.custom](): string {
    return this.toString();
  }
}

function sameConnection<C>(conn: Connection<C>): Connection<C> {
  return conn;
}
