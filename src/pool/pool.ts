import { AsyncResource } from "node:async_hooks";
import process from "node:process";
import { inspect } from "node:util";
import { ArgumentError, ConnectTimeoutError, DisconnectionError, PoolTimeoutError } from "../errors.js";
import { logDebug, logInfo, type Logger } from "../log.js";
import { ConnectionRecord } from "./connection-record.js";
import { errorText } from "../events.js";
import { PoolEvents } from "./events.js";
import { LeakTracker } from "./leak-tracker.js";
import {
  checkDuration,
  rejectUnknownOptions,
  resolveBaseOptions,
  type BasePoolOptions,
  type Creator,
  type ResolvedBaseOptions,
} from "./options.js";
import { genericPoolDialect, type PoolDialect } from "./pool-dialect.js";
import { PooledConnection, type ProxyHost } from "./pooled-connection.js";
import { callCreator, captureStack, shortError } from "./pool-helpers.js";
import type { CheckedOutConnection, CheckoutOptions, CheckoutRequest, PoolCounts, PoolStatus } from "./pool-types.js";

export type { CheckedOutConnection, CheckoutOptions, CheckoutRequest, PoolCounts, PoolStatus };

/** What a waiting checkout carries until it is served. */
export interface WaitingCheckout {
  readonly request: CheckoutRequest | undefined;
  readonly stack: string | undefined;
}
import { raceDeadline } from "./race-deadline.js";
import { RESOLVED } from "../resolved.js";

/** Checkout listeners may refuse this many connections in a row (SQLAlchemy's 3 attempts). */
const CHECKOUT_ATTEMPTS = 3;

/**
 * The base of every pool (SQLAlchemy `Pool`). `connect()` is the one entry point; a pool
 * class supplies only how records are acquired, released and counted (template method).
 */
export abstract class Pool<C = unknown> implements ProxyHost<C> {
  readonly events = new PoolEvents<C>();
  /** Every record this pool owns (idle, reserved or checked out). */
  readonly records = new Set<ConnectionRecord<C>>();
  /** The error of the last failed connect, cleared by a successful one. */
  lastConnectError: unknown = undefined;
  protected readonly settings: ResolvedBaseOptions<C>;
  protected readonly dialect: PoolDialect<C>;
  /** Connections opened before the current epoch are stale (pool-wide invalidation). */
  protected epoch = 0;
  /** StaticPool and SingletonPool hand one connection to several holders at once. */
  protected readonly sharesConnections: boolean = false;
  private readonly leaks: LeakTracker<C>;
  private readonly originalOptions: object;
  /** True while checkout needs no checks beyond the record's own state. */
  private fastCheckout = true;
  /** Cached from `events` (a keyed lookup per checkout showed in profiles). */
  private listensCheckout = false;
  private listensCheckin = false;
  private listensReset = false;
  private firstConnectDone = false;

  protected constructor(
    poolName: string,
    creatorOrOptions: Creator<C> | BasePoolOptions<C> | undefined,
    options: BasePoolOptions<C> | undefined,
    extraOptionNames: readonly string[],
  ) {
    const creatorArg = typeof creatorOrOptions === "function" ? creatorOrOptions : undefined;
    const opts: BasePoolOptions<C> =
      (typeof creatorOrOptions === "function" ? options : (creatorOrOptions ?? options)) ?? {};
    if (typeof opts !== "object" || opts === null) {
      throw new ArgumentError(`${poolName} options must be an object; got ${typeof opts}.`);
    }
    rejectUnknownOptions(poolName, opts, extraOptionNames);
    this.settings = resolveBaseOptions(poolName, creatorArg, opts);
    this.originalOptions = { ...opts, creator: this.settings.creator };
    this.dialect = this.settings.dialect ?? (genericPoolDialect as PoolDialect<C>);
    this.leaks = new LeakTracker<C>({
      records: this.records,
      leakDetectionMs: this.settings.leakDetectionMs,
      logger: this.settings.logger,
      reclaimForgotten: (record) => this.reclaimForgotten(record),
    });
    this.events.onChange = () => this.updateFastCheckout();
    this.updateFastCheckout();
  }

  get logger(): Logger {
    return this.settings.logger;
  }

  get prePing(): boolean {
    return this.settings.prePing;
  }

  get recycleMs(): number {
    return this.settings.recycleMs;
  }

  /**
   * No listeners and no echo: nothing of a user's runs inside the pool's own work, so the
   * engine may run that work from a driver's callback, outside its caller's async context.
   */
  get silent(): boolean {
    return this.events.empty && this.settings.echo === false;
  }

  /** Checkouts record where they happened (checkoutStacks, or implied by leakDetectionMs). */
  get recordsCheckoutStacks(): boolean {
    return this.settings.checkoutStacks;
  }

  /** Check out a connection. Close the returned proxy (or `await using` it) to give it back. */
  connect(options?: CheckoutOptions): Promise<PooledConnection<C>> {
    try {
      if (options === undefined) {
        const got = this.checkoutNow(this.connect);
        return got instanceof Promise ? got : Promise.resolve(got);
      }
      return this.connectWith(options, this.settings.checkoutStacks ? captureStack(this.connect) : undefined);
    } catch (err) {
      return Promise.reject(err);
    }
  }

  /**
   * @internal connect() without options for the engine's hot path: the proxy itself when an
   * idle connection is ready to hand out, a promise only when the checkout must wait or
   * prepare one (each promise costs its hooks inside an AsyncLocalStorage scope). Throws
   * what connect() would reject with. `caller`: where the recorded checkout stack starts.
   */
  checkoutNow(caller: (...args: never[]) => unknown = this.checkoutNow): PooledConnection<C> | Promise<PooledConnection<C>> {
    const stack = this.settings.checkoutStacks ? captureStack(caller) : undefined;
    const got = this.acquire(undefined, stack);
    // A waiter: served by deliverToWaiter()
    if (got === undefined) return new Promise((resolve, reject) => this.enqueue(undefined, stack, resolve, reject));
    return this.handOutOrPrepare(got, stack);
  }

  /** A record acquired without waiting: handed out on the spot when it needs no checks, else prepared. */
  private handOutOrPrepare(record: ConnectionRecord<C>, stack: string | undefined): PooledConnection<C> | Promise<PooledConnection<C>> {
    if (this.fastCheckout && this.isReady(record)) return this.handOut(record, stack);
    return this.prepare(record, this.request(undefined, stack));
  }

  /**
   * @internal checkoutNow() reporting to callbacks, for the engine's hot path: no promise at all
   * when a connection is ready (`onProxy` runs at once) or when the checkout waits for one
   * returned by another holder. A served waiter continues in the async context it waited in,
   * as a promise's then() would (AsyncResource), not in the returning holder's. Never throws:
   * a failure goes to `onError`.
   */
  checkoutWith(onProxy: (proxy: PooledConnection<C>) => void, onError: (err: unknown) => void): void {
    let got: ConnectionRecord<C> | undefined;
    let stack: string | undefined;
    try {
      stack = this.settings.checkoutStacks ? captureStack(this.checkoutWith) : undefined;
      got = this.acquire(undefined, stack);
    } catch (err) {
      onError(err);
      return;
    }
    if (got === undefined) {
      const waiter = new AsyncResource("athanor.checkout");
      this.enqueue(
        undefined,
        stack,
        (proxy) => {
          if (proxy instanceof Promise) waiter.runInAsyncScope(() => proxy.then(onProxy, onError));
          else waiter.runInAsyncScope(onProxy, undefined, proxy as PooledConnection<C>);
        },
        (err) => waiter.runInAsyncScope(onError, undefined, err),
      );
      return;
    }
    const proxy = this.handOutOrPrepare(got, stack);
    if (proxy instanceof Promise) proxy.then(onProxy, onError);
    else onProxy(proxy);
  }

  /** Counts and checked-out connections (with age and, if recorded, where they were checked out). */
  status(): PoolStatus {
    const now = Date.now();
    const connections: CheckedOutConnection[] = [];
    for (const record of this.records) {
      if (record.state !== "checkedOut") continue;
      connections.push({
        id: record.id,
        ageMs: now - record.connectedAt,
        checkedOutForMs: now - record.checkedOutAt,
        checkedOutAt: record.checkoutStack,
      });
    }
    return { pool: this.constructor.name, ...this.counts(), connections };
  }

  /**
   * Mark every connection opened so far as stale: idle ones are replaced at their next
   * checkout, checked-out ones are closed when returned (SQLAlchemy `pool._invalidate`).
   */
  invalidateAll(reason?: unknown): void {
    this.epoch++;
    if (this.settings.echo !== false) {
      logInfo(this.logger, `athanor pool: all connections invalidated${reason === undefined ? "" : ` (${shortError(reason)})`}`);
    }
  }

  /**
   * Close every idle connection now; checked-out ones are closed when they are returned.
   * The pool stays usable and opens fresh connections on demand.
   */
  async dispose(): Promise<void> {
    this.epoch++;
    const idle = this.takeAllIdle();
    await Promise.all(idle.map((record) => this.discardRecord(record)));
    if (this.settings.echo !== false) logInfo(this.logger, `athanor pool: disposed, closed ${idle.length} idle connection(s)`);
  }

  /**
   * What console.log / util.inspect show: the counts, never the driver connections (a mysql2
   * connection keeps its password in a plain field).
   */
  [inspect.custom](): string {
    const { size, checkedIn, checkedOut, overflow, waiting } = this.counts();
    return `${this.constructor.name}(size=${size}, checkedIn=${checkedIn}, checkedOut=${checkedOut}, overflow=${overflow}, waiting=${waiting})`;
  }

  /** A new, empty pool of the same class and settings, with the same listeners. */
  recreate(): this {
    const PoolClass = this.constructor as new (options: object) => this;
    const fresh = new PoolClass(this.originalOptions);
    this.events.copyTo(fresh.events);
    return fresh;
  }

  /**
   * Would a checkout now have to wait for another to be returned? Pools without a size limit
   * never wait; QueuePool answers from its counts (the engine's wrong-handle guard asks).
   */
  wouldWait(): boolean {
    return false;
  }

  // ---- what each pool class supplies -------------------------------------------------

  /** A record for this checkout now (marked reserved), or undefined when it must wait: enqueue(). */
  protected abstract acquire(request: CheckoutRequest | undefined, stack: string | undefined): ConnectionRecord<C> | undefined;

  /**
   * Wait for a record (acquire() had none): the pool class serves the waiter through
   * deliverToWaiter(), which gives `resolve` the connection or a promise of it. Only pools with
   * a size limit wait; the others never get here.
   */
  protected enqueue(
    _request: CheckoutRequest | undefined,
    _stack: string | undefined,
    _resolve: (proxy: PooledConnection<C> | PromiseLike<PooledConnection<C>>) => void,
    reject: (reason: unknown) => void,
  ): void {
    reject(new Error(`${this.constructor.name} has no wait queue; acquire() must always give a record.`));
  }
  /** A record came back (reset done; it may have no connection left). */
  protected abstract releaseRecord(record: ConnectionRecord<C>): Promise<void> | void;
  /** Remove and return every idle record (for dispose). */
  protected abstract takeAllIdle(): ConnectionRecord<C>[];
  protected abstract counts(): PoolCounts;

  /** A record left the pool for good (detached or discarded); pools with waiters serve them. */
  protected slotFreed(): void {
    // Pools without a size limit have nobody waiting for a slot.
  }

  // ---- records ---------------------------------------------------------------------------

  /** A new record with no connection yet; checkout opens it. */
  protected createRecord(): ConnectionRecord<C> {
    const record = new ConnectionRecord<C>();
    this.records.add(record);
    return record;
  }

  /** Remove a record from the pool and close its connection. */
  protected async discardRecord(record: ConnectionRecord<C>): Promise<void> {
    this.records.delete(record);
    record.state = "closed";
    this.leaks.forget(record);
    const conn = record.release();
    if (conn !== null) await this.closeDriverConnection(conn, record, "close");
    this.slotFreed();
  }

  /** Drop a record that has no connection (a failed connect, an invalidation). */
  protected dropEmptyRecord(record: ConnectionRecord<C>): void {
    this.records.delete(record);
    record.state = "closed";
    this.slotFreed();
  }

  // ---- checkout ---------------------------------------------------------------------------

  private async connectWith(options: CheckoutOptions, stack: string | undefined): Promise<PooledConnection<C>> {
    const request = this.request(options, stack);
    request.signal?.throwIfAborted();
    const got = this.acquire(request, stack);
    return got !== undefined ? this.prepare(got, request) : new Promise((resolve, reject) => this.enqueue(request, stack, resolve, reject));
  }

  /**
   * A waiter is served a record: hand it out on the spot when it needs no checks (one
   * promise hop for the waiter), else prepare it. A waiter without options gets its deadline
   * from when it started waiting (SPEC P22).
   */
  protected deliverToWaiter(record: ConnectionRecord<C>, waiting: WaitingCheckout, startedAt: number): PooledConnection<C> | Promise<PooledConnection<C>> {
    if (this.fastCheckout && this.isReady(record)) return this.handOut(record, waiting.stack);
    const timeoutMs = waiting.request?.timeoutMs ?? this.defaultTimeoutMs();
    const request = waiting.request ?? { timeoutMs, startedAt, deadline: startedAt + timeoutMs, signal: undefined, stack: waiting.stack };
    return this.prepare(record, request);
  }

  private request(options: CheckoutOptions | undefined, stack: string | undefined): CheckoutRequest {
    const timeoutMs =
      options?.timeoutMs === undefined ? this.defaultTimeoutMs() : checkDuration("timeoutMs", options.timeoutMs, true, "per checkout");
    const signal = options?.signal;
    if (signal !== undefined && !(signal instanceof AbortSignal)) throw new ArgumentError("signal must be an AbortSignal.");
    const startedAt = Date.now();
    return { timeoutMs, startedAt, deadline: startedAt + timeoutMs, signal, stack };
  }

  /** How long a checkout may take when the caller does not say; QueuePool overrides. */
  protected defaultTimeoutMs(): number {
    return Infinity;
  }

  /** Ready to hand out with no I/O: has a live, current connection opened here. */
  private isReady(record: ConnectionRecord<C>): boolean {
    return record.dbapiConnection !== null && this.isCurrent(record);
  }

  /** Opened in the current epoch, not marked for replacement, by this process. */
  private isCurrent(record: ConnectionRecord<C>): boolean {
    return record.epoch === this.epoch && !record.softInvalidated && record.ownedHere();
  }

  private updateFastCheckout(): void {
    this.listensCheckout = this.events.has("checkout");
    this.listensCheckin = this.events.has("checkin");
    this.listensReset = this.events.has("reset");
    this.fastCheckout = !this.settings.prePing && this.settings.recycleMs === 0 && !this.listensCheckout;
  }

  /** Shared pools prepare one checkout at a time, so two callers never open the same record twice. */
  private sharedPrepare: Promise<unknown> = RESOLVED;

  private prepare(record: ConnectionRecord<C>, request: CheckoutRequest): Promise<PooledConnection<C>> {
    if (!this.sharesConnections) return this.prepareNow(record, request);
    const run = this.sharedPrepare.then(() => this.prepareNow(record, request));
    this.sharedPrepare = run.catch(() => undefined);
    return run;
  }

  /** Make the record's connection usable (reconnect, recycle, pre-ping), run checkout listeners, hand out. */
  private async prepareNow(record: ConnectionRecord<C>, request: CheckoutRequest): Promise<PooledConnection<C>> {
    for (let attempt = 1; ; attempt++) {
      try {
        await this.ensureUsable(record, request);
      } catch (err) {
        await this.giveBack(record);
        throw err;
      }
      const proxy = this.handOut(record, request.stack);
      if (!this.listensCheckout) return proxy;
      try {
        await this.events.emitAwaited("checkout", record.dbapiConnection as C, record, proxy);
        return proxy;
      } catch (err) {
        proxy.revoke();
        this.unhandOut(record);
        if (err instanceof DisconnectionError) {
          await this.invalidateRecord(record, err, false);
          if (attempt < CHECKOUT_ATTEMPTS) continue;
          await this.giveBack(record);
          throw new DisconnectionError(
            `A checkout listener refused ${CHECKOUT_ATTEMPTS} connections in a row; giving up. Last reason: ${shortError(err)}`,
            { cause: err },
          );
        }
        await this.giveBack(record);
        throw err;
      }
    }
  }

  private async ensureUsable(record: ConnectionRecord<C>, request: CheckoutRequest): Promise<void> {
    if (record.dbapiConnection !== null) {
      const stale = this.staleReason(record);
      if (stale !== undefined) {
        const conn = record.release() as C;
        this.echo(() => `${record.toString()} replaced at checkout: ${stale}`);
        this.closeInBackground(conn, record);
      }
    }
    if (record.dbapiConnection === null) {
      await this.openConnection(record, request);
      return;
    }
    // A connection other holders are using is evidently alive; pinging it would interleave.
    if (this.settings.prePing && record.holders === 0) await this.pingOrReplace(record, request);
  }

  /** Why a record's connection must be replaced before use, if it must. */
  private staleReason(record: ConnectionRecord<C>): string | undefined {
    // Never replace a connection while someone holds it (shared pools); only a dead one.
    if (record.holders > 0) return undefined;
    if (record.epoch !== this.epoch) return "the pool was invalidated after it was opened";
    if (record.softInvalidated) return "it was soft-invalidated";
    if (!record.ownedHere()) return `it was opened by process ${record.ownerPid}, not this one (${process.pid})`;
    const recycleMs = this.settings.recycleMs;
    if (recycleMs > 0 && Date.now() - record.connectedAt > recycleMs) return `older than recycleMs (${recycleMs} ms)`;
    return undefined;
  }

  private async openConnection(record: ConnectionRecord<C>, request: CheckoutRequest): Promise<void> {
    const connectTimeoutMs = this.settings.connectTimeoutMs;
    const remaining = request.deadline - Date.now();
    let conn: C;
    try {
      conn = await raceDeadline(callCreator(this.settings.creator), {
        ms: Math.min(connectTimeoutMs, remaining),
        signal: request.signal,
        onTimeout: () =>
          connectTimeoutMs <= remaining
            ? new ConnectTimeoutError(
                `Opening a connection took longer than connectTimeoutMs (${connectTimeoutMs} ms). ` +
                  "Is the server reachable and accepting connections? Raise connectTimeoutMs if it is just slow.",
              )
            : this.timeoutError(Date.now() - request.startedAt, request.timeoutMs, new ConnectTimeoutError("a connection attempt was still in progress")),
        onLateValue: (late) => void this.closeQuietly(late),
      });
    } catch (err) {
      this.lastConnectError = err;
      this.echo(() => `connect failed: ${shortError(err)}`);
      throw err;
    }
    this.lastConnectError = undefined;
    record.attach(conn, this.epoch);
    this.echo(() => `${record.toString()} opened`);
    try {
      if (!this.firstConnectDone && this.events.has("firstConnect")) await this.events.emitAwaited("firstConnect", conn, record);
      this.firstConnectDone = true;
      await this.events.emitAwaited("connect", conn, record);
    } catch (err) {
      record.release();
      await this.closeQuietly(conn);
      throw err;
    }
  }

  /** SPEC P13: a failed ping replaces the connection and marks every older one stale. */
  private async pingOrReplace(record: ConnectionRecord<C>, request: CheckoutRequest): Promise<void> {
    const conn = record.dbapiConnection as C;
    try {
      await raceDeadline(Promise.resolve().then(() => this.dialect.ping(conn)), {
        ms: Math.min(this.settings.connectTimeoutMs, request.deadline - Date.now()),
        signal: request.signal,
        onTimeout: () => new DisconnectionError(`pre-ping got no answer within ${this.settings.connectTimeoutMs} ms`),
        onLateValue: () => undefined,
      });
      return;
    } catch (err) {
      request.signal?.throwIfAborted();
      this.echo(() => `${record.toString()} failed its pre-ping (${shortError(err)}); reconnecting`);
      this.invalidateAll(err);
      record.release();
      await this.events.emitReported(this.logger, "invalidate", conn, record, err);
      this.closeInBackground(conn, record);
    }
    await this.openConnection(record, request);
  }

  private handOut(record: ConnectionRecord<C>, stack: string | undefined): PooledConnection<C> {
    record.state = "checkedOut";
    record.checkedOutAt = Date.now();
    record.checkoutSerial++;
    record.leakWarned = false;
    record.checkoutStack = stack;
    const proxy = new PooledConnection<C>(this, record);
    if (this.sharesConnections) record.holders++;
    else this.leaks.watch(record, proxy);
    if (this.settings.echo !== false) this.echo(() => `${record.toString()} checked out`);
    return proxy;
  }

  /** Undo handOut for a checkout that a listener refused. */
  private unhandOut(record: ConnectionRecord<C>): void {
    if (this.sharesConnections) record.holders--;
    else this.leaks.forget(record);
    record.state = "reserved";
  }

  /** A reserved record that will not be handed out goes back to its pool class. */
  private giveBack(record: ConnectionRecord<C>): Promise<void> {
    if (this.sharesConnections && record.holders > 0) return RESOLVED;
    return this.finishCheckin(record);
  }

  // ---- return, invalidation, detach (called by the proxy) ---------------------------------

  /** The proxy was closed: reset the connection and give the record back. */
  returnRecord(record: ConnectionRecord<C>, transactionWasReset = false): Promise<void> {
    if (this.sharesConnections) {
      record.holders--;
      if (record.holders > 0) return RESOLVED;
    } else {
      this.leaks.forget(record);
    }
    const conn = record.dbapiConnection;
    if (conn !== null) {
      if (!this.isCurrent(record)) {
        // Stale (invalidated, disposed, foreign): close now rather than keep it idle.
        record.release();
        return this.closeDriverConnection(conn, record, "close").then(() => this.finishCheckin(record));
      }
      const mode = this.settings.resetOnReturn;
      if (mode !== "none" && !transactionWasReset) {
        if (this.listensReset) return this.resetWithListeners(record, conn, mode);
        let pending: Promise<unknown> | void;
        try {
          pending = mode === "rollback" ? this.dialect.rollback(conn) : this.dialect.commit(conn);
        } catch (err) {
          return this.resetFailed(record, err);
        }
        if (pending !== undefined) {
          return pending.then(
            () => this.finishCheckin(record),
            (err: unknown) => this.resetFailed(record, err),
          );
        }
      }
    }
    return this.finishCheckin(record);
  }

  private async resetWithListeners(record: ConnectionRecord<C>, conn: C, mode: "rollback" | "commit"): Promise<void> {
    try {
      await this.events.emitAwaited("reset", conn, record, mode);
      await (mode === "rollback" ? this.dialect.rollback(conn) : this.dialect.commit(conn));
    } catch (err) {
      return this.resetFailed(record, err);
    }
    return this.finishCheckin(record);
  }

  /** SPEC P9: a connection that cannot be reset is invalidated, never returned dirty. */
  private async resetFailed(record: ConnectionRecord<C>, err: unknown): Promise<void> {
    this.logger.warn(`athanor pool: resetting ${record.toString()} on return failed, so it was invalidated: ${shortError(err)}`);
    await this.invalidateRecord(record, err, false);
    return this.finishCheckin(record);
  }

  private finishCheckin(record: ConnectionRecord<C>): Promise<void> {
    if (this.settings.echo !== false) this.echo(() => `${record.toString()} checked in`);
    if (this.listensCheckin) {
      return this.events
        .emitReported(this.logger, "checkin", record.dbapiConnection, record)
        .then(() => this.releaseRecord(record));
    }
    const released = this.releaseRecord(record);
    return released === undefined ? RESOLVED : released;
  }

  async invalidateRecord(record: ConnectionRecord<C>, error: unknown, soft: boolean): Promise<void> {
    const conn = record.dbapiConnection;
    if (conn === null) return;
    if (soft) {
      record.softInvalidated = true;
      this.echo(() => `${record.toString()} soft-invalidated${error === undefined ? "" : ` (${shortError(error)})`}`);
      await this.events.emitReported(this.logger, "softInvalidate", conn, record, error);
      return;
    }
    record.release();
    this.echo(() => `${record.toString()} invalidated${error === undefined ? "" : ` (${shortError(error)})`}`);
    await this.events.emitReported(this.logger, "invalidate", conn, record, error);
    await this.closeDriverConnection(conn, record, "close");
  }

  async detachRecord(record: ConnectionRecord<C>): Promise<void> {
    this.records.delete(record);
    this.leaks.forget(record);
    if (this.sharesConnections) record.holders = 0;
    record.state = "detached";
    this.forgetDetached(record);
    this.slotFreed();
    this.echo(() => `${record.toString()} detached`);
    const conn = record.dbapiConnection;
    if (conn !== null) await this.events.emitReported(this.logger, "detach", conn, record);
  }

  /** Pools that keep a record by reference (Static, Singleton, Assertion) drop it here. */
  protected forgetDetached(_record: ConnectionRecord<C>): void {
    // QueuePool and NullPool keep records only in `records`.
  }

  async closeDetached(record: ConnectionRecord<C>): Promise<void> {
    const conn = record.release();
    record.state = "closed";
    if (conn === null) return;
    await this.closeQuietly(conn);
    await this.events.emitReported(this.logger, "closeDetached", conn);
  }

  /** SPEC P10: a proxy garbage-collected while checked out: warn with its stack, return it. */
  private reclaimForgotten(record: ConnectionRecord<C>): void {
    this.logger.warn(
      `athanor pool: ${record.toString()} was garbage-collected without being closed; it has been returned to the pool. ` +
        "Close connections explicitly (await conn.close(), or 'await using conn = ...'). Checked out at:\n" +
        (record.checkoutStack ?? "(stack not recorded: set checkoutStacks: true or leakDetectionMs to record it)"),
    );
    this.returnRecord(record).catch((err: unknown) =>
      this.logger.error(`athanor pool: returning a forgotten connection failed: ${errorText(err)}`),
    );
  }

  // ---- helpers ----------------------------------------------------------------------------

  private async closeDriverConnection(conn: C, record: ConnectionRecord<C>, event: "close"): Promise<void> {
    await this.events.emitReported(this.logger, event, conn, record);
    await this.closeQuietly(conn);
  }

  /**
   * Close a connection without making the caller wait: on the checkout path the connection
   * being replaced is usually dead, and closing a dead socket can take as long as the
   * driver's own close timeout (pg and mysql2 wait for a silent peer), which would stretch
   * the checkout past its deadline (SPEC P22).
   */
  private closeInBackground(conn: C, record: ConnectionRecord<C>): void {
    void this.closeDriverConnection(conn, record, "close");
  }

  /** Close a driver connection; a failure is logged, never thrown (it is being discarded). */
  protected async closeQuietly(conn: C): Promise<void> {
    try {
      await this.dialect.close(conn);
    } catch (err) {
      this.logger.warn(`athanor pool: closing a driver connection failed (ignored): ${shortError(err)}`);
    }
  }

  protected timeoutError(waitedMs: number, timeoutMs: number, cause?: unknown): PoolTimeoutError {
    const connectFailure = this.lastConnectError;
    const c = this.counts();
    return new PoolTimeoutError(
      `${this.describeLimits()} reached, ${c.checkedOut} checked out, ${c.waiting} waiting; ` +
        `no connection became available within ${timeoutMs} ms (waited ${waitedMs} ms). ` +
        (connectFailure !== undefined
          ? `Connecting is failing: ${shortError(connectFailure)}. Check that the database is up and reachable.`
          : "Return connections sooner (close them, or use 'await using'), or raise the pool's size or timeoutMs."),
      { cause: connectFailure ?? cause },
    );
  }

  /** How the timeout message names the pool's limits. */
  protected describeLimits(): string {
    return `${this.constructor.name} limit`;
  }

  private echo(message: () => string): void {
    if (this.settings.echo === false) return;
    logDebug(this.logger, `athanor pool ${this.constructor.name}: ${message()}`);
  }
}
