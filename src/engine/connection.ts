import { inspect } from "node:util";
import {
  ArgumentError,
  InvalidRequestError,
  PendingRollbackError,
  ResourceClosedError,
  type QueryCanceledError,
} from "../errors.js";
import { logInfo } from "../log.js";
import type { PooledConnection } from "../pool/pooled-connection.js";
import { isExecutable, type TypedExecutable } from "../sql/executable.js";
import { isTextClause, type TextClause } from "../sql/text.js";
import { AsyncResult } from "./async-result.js";
import { CallGuard, callLimits, type ExecuteOptions, type StreamOptions } from "./call-guard.js";
import { canceledError } from "./canceled-error.js";
import { canceledBeforeSending, CanceledCall, sendCancellable } from "./cancellable-send.js";
import type { EngineCore } from "./engine-core.js";
import { guardedCursor } from "./guarded-cursor.js";
import { funnelDriverError } from "./error-funnel.js";
import { checkBindValues } from "./bind-values.js";
import { executeMany, valuesForEachSet } from "./execute-many.js";
import type { Dialect, DriverCursor, DriverResult, IsolationLevel } from "./interfaces.js";
import { checkIsolationLevel } from "./isolation.js";
import { Result } from "./result.js";
import { NestedTransaction, Transaction, type TransactionHost } from "./transaction.js";
import { RESOLVED, unlessResolved } from "../resolved.js";

export type Params = Record<string, unknown>;
export type { ExecuteOptions, StreamOptions };

const BACKSLASH_ESCAPES = { backslashEscapes: true } as const;

/** SQL that leaves a transaction open even in AUTOCOMMIT mode. */
const OPENS_TRANSACTION = /^\s*(BEGIN|START\s+TRANSACTION|SAVEPOINT)\b/i;

/** Where the per-driver-connection default isolation level is remembered (proxy.info). */
const DEFAULT_ISOLATION_KEY = "athanor.defaultIsolationLevel";

/**
 * A connection from the engine's pool with explicit transactions (SQLAlchemy 2.0
 * `Connection`): the first statement begins a transaction ("autobegin"); `commit()` and
 * `rollback()` end it ("commit as you go"); `close()` (or leaving an `await using` block)
 * rolls back what was not committed and returns the connection to the pool.
 *
 * One flow of work at a time: a second call while one is running is refused instead of
 * interleaving two flows on one driver connection.
 */
export class Connection<C = unknown> implements TransactionHost {
  #proxy: PooledConnection<C> | null;
  #closed = false;
  #root: Transaction | null = null;
  #savepoints: NestedTransaction[] = [];
  #savepointCounter = 0;
  /** E8: the disconnect that killed the transaction; set until rollback(). */
  #lostTransaction: unknown = undefined;
  #autocommit: boolean;
  #isolationChanged = false;
  #busy: string | undefined = undefined;
  #stream: AsyncResult | undefined = undefined;
  /**
   * Something ran since the last COMMIT/ROLLBACK that may have left a transaction open. When
   * false at close, the pool skips its reset round trip (SQLAlchemy's transaction_was_reset).
   */
  #dirty = false;
  /**
   * A BEGIN not sent yet: it goes out in one round trip with the transaction's first
   * statement (dialects with `executeAfter`). A transaction that ends before any statement
   * never reached the server, so its COMMIT or ROLLBACK is not sent either (as with
   * psycopg2, which begins implicitly before the first statement).
   */
  #pendingBegin: string | undefined = undefined;

  /** @internal Use engine.connect(). */
  constructor(
    private readonly engine: EngineCore<C>,
    proxy: PooledConnection<C>,
  ) {
    this.#proxy = proxy;
    this.#autocommit = engine.isolationLevel === "AUTOCOMMIT";
  }

  /** The pooled connection's info record: lives as long as the driver connection. */
  get info(): Record<string, unknown> {
    return this.#proxyOrThrow().info;
  }

  get closed(): boolean {
    return this.#closed;
  }

  /** The driver connection was lost (and not yet replaced). */
  get invalidated(): boolean {
    return !this.#closed && this.#proxy === null;
  }

  /** A transaction is open (begun explicitly or by the first statement). */
  get inTransaction(): boolean {
    return this.#root !== null;
  }

  /**
   * commit() would send nothing to the database, so it cannot fail there: no transaction, or
   * one in AUTOCOMMIT mode, or one that never ran a statement (BEGIN still deferred), and no
   * transaction lost with its connection (E8).
   */
  get commitSendsNothing(): boolean {
    return this.#root === null || (this.#lostTransaction === undefined && this.#savepoints.length === 0 && (this.#autocommit || this.#pendingBegin !== undefined));
  }

  /** The driver's own connection object (checks one out again after an invalidation). */
  async driverConnection(): Promise<C> {
    this.#assertUsable("get the driver connection");
    const proxy = await this.#ensureProxy();
    // What the caller runs on it belongs to the open transaction, so that must have begun.
    await this.#flushBegin();
    return proxy.dbapiConnection;
  }

  /**
   * Run a statement; an array of parameter sets runs it once per set (executemany).
   * `options.signal` / `options.timeoutMs` (default: the engine's statementTimeoutMs) give
   * up on the call: a statement running on PostgreSQL or MySQL is canceled on the server,
   * and the call rejects with QueryCanceledError / StatementTimeoutError (SPEC B1).
   */
  execute<T extends object = Record<string, unknown>>(
    statement: TextClause | TypedExecutable<T>,
    params?: Params | readonly Params[],
    options?: ExecuteOptions,
  ): Promise<Result<T>> {
    // No options and no engine default: no guard, and no cost on the hot path.
    if (options === undefined && this.engine.statementTimeoutMs === Infinity) {
      if (isTextClause(statement) && !Array.isArray(params)) {
        const fast = this.#executeTextNow(statement, params as Params | undefined);
        if (fast !== undefined) return fast as Promise<Result<T>>;
      }
      return this.#exclusive("execute", () => this.#executeNow(statement, params, undefined)) as Promise<Result<T>>;
    }
    let guard: CallGuard | undefined;
    try {
      guard = CallGuard.for(callLimits(options, "execute", this.engine.statementTimeoutMs));
    } catch (err) {
      return Promise.reject(err); // bad options: a rejection, like every other failure of execute()
    }
    return this.#executeGuarded(statement, params, guard) as Promise<Result<T>>;
  }

  async #executeGuarded(statement: TextClause | TypedExecutable<object>, params: Params | readonly Params[] | undefined, guard: CallGuard | undefined): Promise<Result> {
    try {
      return await this.#exclusive("execute", () => this.#executeNow(statement, params, guard));
    } finally {
      guard?.dispose();
    }
  }

  /**
   * The hot path, as #exclusive + #executeNow would run it, with one promise (the driver's
   * callbacks settle it: each promise costs its hooks in a web request's AsyncLocalStorage
   * scope): see runTextNow(). Undefined (nothing done): take the general path.
   */
  #executeTextNow(clause: TextClause, params: Params | undefined): Promise<Result> | undefined {
    if (!this.#runsTextNow()) return undefined;
    return new Promise((resolve, reject) => this.#runText(clause, params, resolve, reject));
  }

  /**
   * @internal execute() of a text() statement with no options, reporting to callbacks (Session's
   * statement path, which makes the one promise its caller awaits). False, with nothing done,
   * when this connection can't take that path right now (busy, a stream open, a lost
   * transaction, echo, execute or begin listeners, a statement time limit): use execute().
   * Otherwise exactly one callback runs, maybe at once (a missing bind parameter), else from
   * the driver's I/O, outside the caller's async context: they must not run the caller's code
   * that cares where it runs.
   */
  runTextNow(clause: TextClause, params: Params | undefined, onResult: (result: Result) => void, onError: (err: unknown) => void): boolean {
    if (this.engine.statementTimeoutMs !== Infinity || !this.#runsTextNow()) return false;
    this.#runText(clause, params, onResult, onError);
    return true;
  }

  /**
   * The text fast path applies: connected, idle, no stream, no lost transaction, no echo and no
   * execute listeners, and (when it must begin) a transaction that begins without I/O.
   */
  #runsTextNow(): boolean {
    const engine = this.engine;
    if (this.#proxy === null || this.#closed || this.#busy !== undefined || this.#stream !== undefined || this.#lostTransaction !== undefined) return false;
    if (engine.echo || engine.events.has("beforeExecute") || engine.events.has("afterExecute")) return false;
    return this.#root !== null || this.#autocommit || (engine.dialect.executeAfter !== undefined && !engine.events.has("begin"));
  }

  /** The fast path itself (#runsTextNow() holds): compile, begin if needed, send, settle once. */
  #runText(clause: TextClause, params: Params | undefined, onResult: (result: Result) => void, onError: (err: unknown) => void): void {
    let sql: string;
    let values: unknown[];
    try {
      ({ sql, values } = this.#compile(clause, params));
    } catch (err) {
      onError(err); // refused before anything was sent, and before BEGIN
      return;
    }
    if (this.#root === null && !this.#autocommit) this.#beginDeferred(false);
    if (!this.#autocommit || OPENS_TRANSACTION.test(sql)) this.#dirty = true;
    this.#busy = "execute";
    let settled = false;
    const received = (raw: DriverResult): void => {
      if (settled) return;
      settled = true;
      this.#busy = undefined;
      onResult(new Result(raw.columns, raw.rows, raw.rowCount, raw.lastInsertId));
    };
    const failed = (err: unknown): void => {
      if (settled) return;
      settled = true;
      const done = (error: unknown): void => {
        this.#busy = undefined;
        onError(error);
      };
      this.#failed(err, sql, values).then(done, done);
    };
    try {
      this.#driverSend(this.#proxy!.dbapiConnection, sql, values, received, failed);
    } catch (err) {
      failed(err);
    }
  }

  async #executeNow(statement: TextClause | TypedExecutable<object>, params: Params | readonly Params[] | undefined, guard: CallGuard | undefined): Promise<Result> {
    if (isExecutable(statement)) {
      if (Array.isArray(params)) throw new ArgumentError("Pass several rows to the statement itself (insert(t).values([...])), not to execute().");
      // Compiled once connected: some dialects learn their server's features on connect
      // (MariaDB's RETURNING). Bad values are refused before BEGIN all the same.
      await this.#ensureProxy(guard);
      const compiled = statement.compileFor(this.engine.dialect, params as Params | undefined);
      checkBindValues(compiled.params, undefined);
      this.#throwIfFired(guard, compiled.sql, compiled.params);
      await this.#autobegin(guard);
      return this.#run(compiled.sql, [...compiled.params], compiled.processRows, guard);
    }
    const clause = checkStatement(statement);
    if (Array.isArray(params)) return this.#executeMany(clause, params as readonly Params[], guard);
    const { sql, values } = this.#compile(clause, params as Params | undefined);
    this.#throwIfFired(guard, sql, values);
    const begun = this.#autobegin(guard);
    if (begun !== undefined) await begun;
    return this.#run(sql, values, undefined, guard);
  }

  /**
   * Read a large result in batches through a server-side cursor (PostgreSQL DECLARE/FETCH,
   * mysql2 streaming, SQLite iterate): memory stays flat. Until the stream is closed (or
   * the loop ends, or breaks) the connection runs nothing else.
   *
   * `options.signal` covers the whole stream: aborting it cancels the round trip in flight
   * (on the server) and makes the iteration throw QueryCanceledError. `options.timeoutMs`
   * (default: the engine's statementTimeoutMs) bounds each round trip: opening the cursor,
   * then each batch; not the time the loop spends on rows.
   */
  async stream<T extends object = Record<string, unknown>>(
    statement: TextClause | TypedExecutable<T>,
    params?: Params,
    options?: StreamOptions,
  ): Promise<AsyncResult<T>> {
    const limits = callLimits(options, "stream", this.engine.statementTimeoutMs);
    const yieldPer = options?.yieldPer ?? 1000;
    if (!Number.isInteger(yieldPer) || yieldPer < 1) throw new ArgumentError(`yieldPer must be a positive integer; got ${String(yieldPer)}.`);
    const guard = CallGuard.for(limits);
    try {
      return await this.#exclusive("stream", async () => {
        let sql: string;
        let values: unknown[];
        let processRows: ((rows: unknown[][]) => unknown[][]) | undefined;
        if (isExecutable(statement)) {
          // As execute(): compiled once connected; its rows converted batch by batch.
          await this.#ensureProxy(guard);
          const compiled = statement.compileFor(this.engine.dialect, params);
          checkBindValues(compiled.params, undefined);
          ({ sql, processRows } = compiled);
          values = [...compiled.params];
        } else {
          ({ sql, values } = this.#compile(checkStatement(statement), params));
        }
        this.#throwIfFired(guard, sql, values);
        await this.#autobegin(guard);
        const proxy = await this.#ensureProxy(guard);
        // DECLARE must run inside the transaction, and a cursor cannot ride along with BEGIN.
        await this.#flushBegin(guard);
        const dbapi = proxy.dbapiConnection;
        await this.#beforeExecute(sql, values);
        this.#dirty = true;
        let cursor: DriverCursor;
        try {
          const open = () => this.engine.dialect.openCursor(dbapi, sql, values, { inTransaction: this.#root !== null });
          cursor = await this.#send(proxy, guard, open, (late) => late.close());
        } catch (err) {
          throw await this.#failed(err, sql, values);
        }
        if (guard !== undefined) {
          cursor = guardedCursor(cursor, limits, {
            send: (fetchGuard, work) => this.#send(proxy, fetchGuard, work),
            connectionValid: () => this.#proxy === proxy && proxy.isValid,
          });
        }
        if (processRows !== undefined) cursor = processedCursor(cursor, processRows);
        const result = new AsyncResult<T>(cursor, yieldPer, {
          onError: (err) => this.#failed(err, sql, values),
          onClose: () => {
            this.#stream = undefined;
          },
        });
        this.#stream = result as AsyncResult;
        return result;
      });
    } finally {
      guard?.dispose();
    }
  }

  /**
   * @internal commit() done now, for the Session: true when it sends nothing and nobody
   * listens (commitSendsNothing, no "commit" listener), so it is complete on return; false
   * (nothing done) when commit() must be used.
   */
  commitNow(): boolean {
    const tx = this.#root;
    if (tx === null || this.#proxy === null || this.#closed || this.#busy !== undefined || this.#stream !== undefined) return false;
    if (!this.commitSendsNothing || this.engine.events.has("commit")) return false;
    // Sends nothing and, without "commit" listeners, settles before it returns.
    void this.#endRootOn(this.#proxy, tx, "commit");
    return true;
  }

  /** Begin the outermost transaction explicitly; an error if one is already open. */
  begin(): Promise<Transaction> {
    return this.#exclusive("begin", () => {
      if (this.#root !== null) {
        throw new InvalidRequestError(
          "A transaction is already begun on this Connection (explicitly, or by its first statement). " +
            "Commit or roll it back first, or use conn.beginNested() for a SAVEPOINT.",
          { code: "TRANSACTION_ALREADY_BEGUN" },
        );
      }
      const tx = this.#beginDeferred(true);
      return tx !== undefined ? Promise.resolve(tx) : this.#beginRoot(true);
    });
  }

  /**
   * @internal begin() answered now, for the Session's autobegin: the transaction when
   * beginning it needs no I/O and no await (#beginDeferred); undefined when begin() must be
   * used instead (which also reports any misuse).
   */
  beginNow(): Transaction | undefined {
    if (this.#closed || this.#busy !== undefined || this.#stream !== undefined || this.#root !== null) return undefined;
    return this.#beginDeferred(true);
  }

  /** A SAVEPOINT inside the current transaction (begun first if needed). */
  async beginNested(): Promise<NestedTransaction> {
    return this.#exclusive("beginNested", async () => {
      if (!this.engine.dialect.capabilities.savepoints) {
        throw new InvalidRequestError(`${this.engine.dialect.name} does not support savepoints.`);
      }
      if (this.#autocommit) {
        throw new InvalidRequestError("Savepoints need a transaction, and this Connection is in AUTOCOMMIT mode.");
      }
      await this.#autobegin();
      const name = `athanor_sp_${++this.#savepointCounter}`;
      await this.#runControl(this.engine.dialect.savepointSql(name));
      const nested = new NestedTransaction(this, name);
      this.#savepoints.push(nested);
      await this.engine.events.emitReported(this.engine.logger, "savepoint", this as Connection, name);
      return nested;
    });
  }

  /** Commit the current transaction, if any ("commit as you go"). */
  commit(): Promise<void> {
    const tx = this.#root;
    const proxy = this.#proxy;
    if (tx !== null && proxy !== null && !this.#closed && this.#busy === undefined && this.#stream === undefined && this.#lostTransaction === undefined && this.#pendingBegin === undefined && !this.#autocommit && !this.engine.events.has("commit")) {
      // A COMMIT to send (every request's): #exclusive and #endRoot inlined, one then() fewer.
      this.#busy = "commit";
      return this.#endRootOnServer(proxy, tx, "commit", true);
    }
    return this.#exclusive("commit", () => (this.#root !== null ? this.#endRoot(this.#root, "commit") : RESOLVED));
  }

  /** Roll back the current transaction, if any; also clears a lost transaction (E8). */
  rollback(): Promise<void> {
    return this.#exclusive("rollback", () => (this.#root !== null ? this.#endRoot(this.#root, "rollback") : RESOLVED));
  }

  /**
   * Set this connection's isolation level ("AUTOCOMMIT" included) until it is closed; the
   * pool gets it back at the engine's level. Only between transactions.
   */
  async setIsolationLevel(level: IsolationLevel): Promise<void> {
    return this.#exclusive("setIsolationLevel", async () => {
      if (this.#root !== null) {
        throw new InvalidRequestError("Can't change the isolation level inside a transaction; commit or roll back first.");
      }
      checkIsolationLevel(this.engine.dialect as Dialect<unknown>, level);
      const proxy = await this.#ensureProxy();
      await this.#rememberDefaultIsolation(proxy);
      if (level === "AUTOCOMMIT") {
        this.#autocommit = true;
      } else {
        await this.#runControl(this.engine.dialect.isolationLevelSql(level));
        this.#autocommit = false;
      }
      this.#isolationChanged = true;
    });
  }

  /** The isolation level in effect ("AUTOCOMMIT" when statements commit by themselves). */
  async getIsolationLevel(): Promise<IsolationLevel> {
    if (this.#autocommit) return "AUTOCOMMIT";
    return this.#exclusive("getIsolationLevel", async () => {
      const proxy = await this.#ensureProxy();
      return this.engine.dialect.getIsolationLevel(proxy.dbapiConnection);
    });
  }

  /** Roll back what was not committed and return the connection to the pool. Safe to call twice. */
  close(): Promise<void> {
    if (this.#closed) return RESOLVED;
    const proxy = this.#proxy;
    if (proxy !== null && this.#root === null && this.#stream === undefined && this.#busy === undefined && !this.#isolationChanged) {
      // Nothing to end: straight back to the pool (the common case, and the hot path).
      this.#closed = true;
      this.#proxy = null;
      this.#lostTransaction = undefined;
      try {
        return proxy.close({ transactionWasReset: !this.#dirty });
      } catch (err) {
        return Promise.reject(err);
      }
    }
    if (proxy !== null && this.#root !== null && this.#defersRollback(proxy)) {
      // The rollback goes out with the connection's next statement: nobody waits for it here.
      this.#echoed("ROLLBACK", undefined);
      this.#finishRoot(this.#root, "rolledBack");
      this.#dirty = false;
      this.#closed = true;
      this.#proxy = null;
      try {
        return proxy.close({ transactionWasReset: true });
      } catch (err) {
        return Promise.reject(err);
      }
    }
    return this.#closeSlow();
  }

  /**
   * close() may leave its ROLLBACK to the dialect (Dialect.deferRollback): a plain open
   * transaction whose BEGIN went out, nothing running, and no rollback listener to run first.
   */
  #defersRollback(proxy: PooledConnection<C>): boolean {
    const defer = this.engine.dialect.deferRollback;
    return (
      defer !== undefined &&
      this.#stream === undefined &&
      this.#busy === undefined &&
      !this.#isolationChanged &&
      this.#lostTransaction === undefined &&
      this.#pendingBegin === undefined &&
      !this.#autocommit &&
      !this.engine.events.has("rollback") &&
      defer.call(this.engine.dialect, proxy.dbapiConnection)
    );
  }

  async #closeSlow(): Promise<void> {
    if (this.#closed) return;
    if (this.#stream !== undefined) await this.#stream.close();
    if (this.#busy !== undefined) {
      throw new InvalidRequestError(`Can't close this Connection while ${this.#busy}() is running; await it first.`);
    }
    this.#closed = true;
    const proxy = this.#proxy;
    this.#proxy = null;
    let clean = true;
    try {
      if (this.#root !== null && this.#lostTransaction === undefined && proxy !== null) {
        await this.#endRootOn(proxy, this.#root, "rollback");
      }
      if (this.#isolationChanged && proxy?.isValid === true) await this.#restoreIsolation(proxy);
    } catch {
      clean = false; // the pool's own reset (or invalidation) deals with it
    } finally {
      this.#root = null;
      this.#savepoints = [];
      this.#lostTransaction = undefined;
      await proxy?.close({ transactionWasReset: clean && !this.#dirty });
    }
  }

  /** Discard the driver connection now (SQLAlchemy `Connection.invalidate`); the next statement gets a new one. */
  async invalidate(error?: unknown): Promise<void> {
    if (this.#closed) return;
    const proxy = this.#proxy;
    this.#proxy = null;
    if (proxy !== null) await proxy.invalidate(error);
    if (this.#root !== null) this.#lostTransaction = error ?? new Error("the connection was invalidated");
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.close();
  }

  /** Never the engine's pool or the driver connection (they may hold the password). */
  [inspect.custom](): string {
    const state = this.#closed ? "closed" : this.#proxy === null ? "invalidated" : this.#root !== null ? "in transaction" : "idle";
    return `Connection(${this.engine.dialect.name}, ${state})`;
  }

  // ---- transactions (TransactionHost) ------------------------------------------------------

  /** @internal */
  async commitRoot(tx: Transaction): Promise<void> {
    return this.#exclusive("commit", () => this.#endRoot(tx, "commit"));
  }

  /** @internal */
  async rollbackRoot(tx: Transaction): Promise<void> {
    return this.#exclusive("rollback", () => this.#endRoot(tx, "rollback"));
  }

  /** @internal */
  async releaseSavepoint(sp: NestedTransaction): Promise<void> {
    return this.#exclusive("commit", async () => {
      this.#assertNoLostTransaction();
      await this.#runControl(this.engine.dialect.releaseSavepointSql(sp.name));
      this.#endSavepointsFrom(sp, "committed");
      await this.engine.events.emitReported(this.engine.logger, "releaseSavepoint", this as Connection, sp.name);
    });
  }

  /** @internal */
  async rollbackToSavepoint(sp: NestedTransaction): Promise<void> {
    return this.#exclusive("rollback", async () => {
      this.#assertNoLostTransaction();
      await this.#runControl(this.engine.dialect.rollbackToSavepointSql(sp.name));
      this.#endSavepointsFrom(sp, "rolledBack");
      await this.engine.events.emitReported(this.engine.logger, "rollbackSavepoint", this as Connection, sp.name);
    });
  }

  // ---- internals -----------------------------------------------------------------------------

  /**
   * The transaction begun without any I/O or await, when that is all there is to it: connected,
   * a dialect that sends BEGIN with the first statement, no echo and no "begin" listeners.
   * Undefined: use #beginRoot.
   */
  #beginDeferred(explicit: boolean): Transaction | undefined {
    const engine = this.engine;
    if (this.#proxy === null || engine.echo || engine.events.has("begin")) return undefined;
    // In AUTOCOMMIT nothing is sent at all; otherwise BEGIN must be able to ride along.
    if (!this.#autocommit && engine.dialect.executeAfter === undefined) return undefined;
    this.#assertNoLostTransaction();
    const tx = new Transaction(this, explicit);
    this.#root = tx;
    if (!this.#autocommit) this.#pendingBegin = engine.dialect.beginSql();
    return tx;
  }

  async #beginRoot(explicit: boolean, guard?: CallGuard): Promise<Transaction> {
    this.#assertNoLostTransaction();
    if (this.#proxy === null) await this.#ensureProxy(guard);
    // The transaction exists before BEGIN goes out (SQLAlchemy's autobegin too): a connection
    // lost while sending it, or with the first statement it rides along with, is a lost
    // transaction (E8), the same on every dialect.
    const tx = new Transaction(this, explicit);
    this.#root = tx;
    if (!this.#autocommit) {
      const begin = this.engine.dialect.beginSql();
      const echoAs = explicit ? begin : "BEGIN (implicit)";
      if (this.engine.dialect.executeAfter !== undefined) {
        this.#echoed(echoAs, undefined);
        this.#pendingBegin = begin;
      } else {
        try {
          await this.#runControl(begin, echoAs, guard);
        } catch (err) {
          // Any other failure: no transaction began.
          if (this.#lostTransaction === undefined) this.#finishRoot(tx, "rolledBack");
          throw err;
        }
      }
    }
    if (this.engine.events.has("begin")) await this.engine.events.emitReported(this.engine.logger, "begin", this as Connection);
    return tx;
  }

  /** Begin if nothing is open; undefined (nothing to await) when that needed no I/O. */
  #autobegin(guard?: CallGuard): Promise<Transaction> | undefined {
    this.#assertNoLostTransaction();
    if (this.#root !== null || this.#autocommit || this.#beginDeferred(false) !== undefined) return undefined;
    return this.#beginRoot(false, guard);
  }

  /** Send a deferred BEGIN on its own (before a cursor, or a caller using the driver connection). */
  async #flushBegin(guard?: CallGuard): Promise<void> {
    const begin = this.#pendingBegin;
    if (begin === undefined) return;
    this.#pendingBegin = undefined;
    await this.#runControl(begin, null, guard);
  }

  /**
   * #driverExecute() reporting to callbacks: the driver's own where the dialect has them and
   * nothing of a user's can run on the way (no listeners, no echo: a failure runs the error
   * funnel and maybe an invalidation, which call listeners). Otherwise through the driver's
   * promise, whose then() runs them in the caller's async context, where they expect to be.
   */
  #driverSend(dbapi: C, sql: string, values: readonly unknown[], onResult: (raw: DriverResult) => void, onError: (err: unknown) => void): void {
    const engine = this.engine;
    const dialect = engine.dialect;
    if (dialect.executeWith === undefined || !engine.events.empty || engine.echo || !engine.pool.silent) {
      this.#driverExecute(dbapi, sql, values).then(onResult, onError);
      return;
    }
    const begin = dialect.executeAfter === undefined ? undefined : this.#pendingBegin;
    if (begin !== undefined) this.#pendingBegin = undefined;
    dialect.executeWith(dbapi, begin, sql, values, onResult, onError);
  }

  /** The statement, with a deferred BEGIN in front of it when one is waiting. */
  #driverExecute(dbapi: C, sql: string, values: readonly unknown[]): Promise<DriverResult> {
    const dialect = this.engine.dialect;
    const begin = this.#pendingBegin;
    if (begin === undefined || dialect.executeAfter === undefined) return dialect.execute(dbapi, sql, values);
    this.#pendingBegin = undefined;
    return dialect.executeAfter(dbapi, begin, sql, values);
  }

  /** Not async on the common paths: a commit or rollback that sends nothing makes no promise of its own. */
  #endRoot(tx: Transaction, how: "commit" | "rollback"): Promise<void> {
    if (this.#root !== tx) return RESOLVED; // already ended by the connection (commit() vs tx.commit())
    if (this.#lostTransaction !== undefined) {
      if (how === "commit") this.#assertNoLostTransaction();
      // E8: the transaction died with its connection; rolling back only clears the state.
      this.#lostTransaction = undefined;
      this.#finishRoot(tx, "rolledBack");
      return RESOLVED;
    }
    const proxy = this.#proxy;
    if (proxy === null) {
      this.#finishRoot(tx, how === "commit" ? "committed" : "rolledBack");
      return RESOLVED;
    }
    return this.#endRootOn(proxy, tx, how);
  }

  #endRootOn(proxy: PooledConnection<C>, tx: Transaction, how: "commit" | "rollback"): Promise<void> {
    if (this.#pendingBegin === undefined && !this.#autocommit) return this.#endRootOnServer(proxy, tx, how);
    if (this.#pendingBegin !== undefined) {
      // Nothing of this transaction reached the server: nothing to end there.
      this.#pendingBegin = undefined;
      this.#echoed(how === "commit" ? "COMMIT" : "ROLLBACK", undefined);
    }
    return this.#rootEnded(tx, how);
  }

  /** Not an async function: one then() on the driver's promise (the commit of every request). */
  #endRootOnServer(proxy: PooledConnection<C>, tx: Transaction, how: "commit" | "rollback", clearsBusy = false): Promise<void> {
    let sent: Promise<unknown>;
    try {
      this.#echoed(how === "commit" ? "COMMIT" : "ROLLBACK", undefined);
      const ended = how === "commit" ? this.engine.dialect.commit(proxy.dbapiConnection) : this.engine.dialect.rollback(proxy.dbapiConnection);
      sent = ended instanceof Promise ? ended : RESOLVED; // SQLite's driver is synchronous
    } catch (err) {
      sent = Promise.reject(err);
    }
    return sent.then(
      () => {
        if (clearsBusy) this.#busy = undefined;
        return unlessResolved(this.#rootEnded(tx, how));
      },
      async (err: unknown) => {
        if (how === "rollback") this.#finishRoot(tx, "rolledBack");
        try {
          throw await this.#failed(err, how.toUpperCase(), undefined);
        } finally {
          if (clearsBusy) this.#busy = undefined;
        }
      },
    );
  }

  #rootEnded(tx: Transaction, how: "commit" | "rollback"): Promise<void> {
    this.#finishRoot(tx, how === "commit" ? "committed" : "rolledBack");
    if (!this.#autocommit) this.#dirty = false;
    return this.engine.events.has(how) ? this.engine.events.emitReported(this.engine.logger, how, this as Connection) : RESOLVED;
  }

  #finishRoot(tx: Transaction, state: "committed" | "rolledBack"): void {
    tx.end(state);
    for (const sp of this.#savepoints) sp.end("deactivated");
    this.#savepoints = [];
    this.#root = null;
  }

  #endSavepointsFrom(sp: NestedTransaction, state: "committed" | "rolledBack"): void {
    const index = this.#savepoints.indexOf(sp);
    if (index < 0) return;
    for (const inner of this.#savepoints.slice(index + 1)) inner.end("deactivated");
    sp.end(state);
    this.#savepoints = this.#savepoints.slice(0, index);
  }

  async #executeMany(clause: TextClause, paramSets: readonly Params[], guard: CallGuard | undefined): Promise<Result> {
    const dialect = this.engine.dialect as Dialect<unknown>;
    const valueLists = valuesForEachSet(clause, paramSets, dialect);
    this.#throwIfFired(guard, clause.text, undefined);
    await this.#autobegin(guard);
    return executeMany(clause, valueLists, dialect, {
      run: (sql, values) => this.#run(sql, values, undefined, guard),
      runRaw: (sql, values) => this.#runRaw(sql, values, guard),
    });
  }

  #compile(clause: TextClause, params: Params | undefined): { sql: string; values: unknown[] } {
    const dialect = this.engine.dialect;
    const options = dialect.backslashEscapes ? BACKSLASH_ESCAPES : undefined;
    const { sql, values, positions } = clause.compileWithValues(dialect.paramStyle, params, options);
    checkBindValues(values, positions);
    return { sql, values };
  }

  async #run(sql: string, values: unknown[], processRows?: (rows: unknown[][]) => unknown[][], guard?: CallGuard): Promise<Result> {
    const raw = await this.#runRaw(sql, values, guard);
    const rows = processRows !== undefined && raw.rows.length > 0 ? processRows(raw.rows) : raw.rows;
    const result = new Result(raw.columns, rows, raw.rowCount, raw.lastInsertId);
    if (this.engine.events.has("afterExecute")) await this.engine.events.emitAwaited("afterExecute", this as Connection, sql, values, result);
    return result;
  }

  /** Not an async function: on the hot path (connected, no echo, no listeners) one send and one catch. */
  #runRaw(sql: string, values: unknown[], guard?: CallGuard): Promise<DriverResult> {
    const proxy = this.#proxy;
    if (proxy === null || this.engine.echo || this.engine.events.has("beforeExecute")) return this.#runRawChecked(sql, values, guard);
    return this.#sendStatement(proxy, sql, values, guard);
  }

  /** After an invalidation, checks a connection out again; runs echo and beforeExecute listeners first. */
  async #runRawChecked(sql: string, values: unknown[], guard?: CallGuard): Promise<DriverResult> {
    const proxy = this.#proxy ?? (await this.#ensureProxy(guard));
    await this.#beforeExecute(sql, values);
    return this.#sendStatement(proxy, sql, values, guard);
  }

  #sendStatement(proxy: PooledConnection<C>, sql: string, values: unknown[], guard: CallGuard | undefined): Promise<DriverResult> {
    // In AUTOCOMMIT each statement commits itself: nothing is left open for the pool to reset,
    // unless the SQL itself opens a transaction (a BEGIN sent through text()).
    if (!this.#autocommit || OPENS_TRANSACTION.test(sql)) this.#dirty = true;
    let sent: Promise<DriverResult>;
    try {
      const dbapi = proxy.dbapiConnection;
      sent = this.#send(proxy, guard, () => this.#driverExecute(dbapi, sql, values));
    } catch (err) {
      sent = Promise.reject(err);
    }
    return sent.catch(async (err: unknown) => {
      throw await this.#failed(err, sql, values);
    });
  }

  /** BEGIN, SAVEPOINT and the like: through the funnel, without beforeExecute; `echoAs` null: not echoed. */
  async #runControl(sql: string, echoAs?: string | null, guard?: CallGuard): Promise<void> {
    const proxy = this.#proxy ?? (await this.#ensureProxy(guard));
    if (echoAs !== null) this.#echoed(echoAs ?? sql, undefined);
    this.#dirty = true;
    try {
      const dbapi = proxy.dbapiConnection;
      await this.#send(proxy, guard, () => this.#driverExecute(dbapi, sql, []));
    } catch (err) {
      throw await this.#failed(err, sql, undefined);
    }
  }

  // ---- cancellation (SPEC B1) ----------------------------------------------------------------

  /** Send through `guard` (a cancel on the server when it fires), or plainly when there is none. */
  #send<T>(proxy: PooledConnection<C>, guard: CallGuard | undefined, send: () => Promise<T>, discard?: (late: T) => unknown): Promise<T> {
    if (guard === undefined) return send();
    const target = {
      dialect: this.engine.dialect,
      conn: proxy.dbapiConnection,
      info: proxy.info,
      openSide: () => this.engine.openCancelConnection(),
    };
    return sendCancellable(guard, target, send, discard);
  }

  /** Abort before sending: nothing (not even BEGIN or a checkout) reaches the server. */
  #throwIfFired(guard: CallGuard | undefined, sql: string | undefined, values: readonly unknown[] | undefined): void {
    if (guard?.firedBy === undefined) return;
    throw this.#canceledError(canceledBeforeSending(guard), sql, values, false);
  }

  /**
   * A canceled statement: the driver's error (if any) goes through the funnel first, so a
   * disconnect invalidates as usual; a statement (or cancel) that never ended costs the
   * connection, and inside a transaction leaves it refusing work until rollback (E8).
   */
  async #canceled(call: CanceledCall, sql: string | undefined, values: readonly unknown[] | undefined): Promise<unknown> {
    if (call.driverError !== undefined) await this.#failed(call.driverError, sql, values);
    const lost = this.#proxy === null;
    const proxy = call.connectionUnsettled ? this.#proxy : null;
    const error = this.#canceledError(call, sql, values, lost || proxy !== null);
    if (proxy !== null) {
      this.#proxy = null;
      // Not awaited: closing a connection whose statement hangs can take the driver's close
      // timeout, and the caller's limit must hold. The pool counts it back when closed.
      proxy.invalidate(error).catch((err: unknown) => this.engine.logger.warn(`athanor: invalidating a canceled connection failed: ${errorMessage(err)}`));
    }
    if (error.connectionInvalidated && this.#root !== null) this.#lostTransaction = error;
    return error;
  }

  #canceledError(call: CanceledCall, sql: string | undefined, values: readonly unknown[] | undefined, invalidated: boolean): QueryCanceledError {
    return canceledError(call, {
      statement: sql,
      parameters: values,
      hideParameters: this.engine.hideParameters,
      connectionInvalidated: invalidated,
    });
  }

  async #beforeExecute(sql: string, values: readonly unknown[]): Promise<void> {
    this.#echoed(sql, values);
    if (this.engine.events.has("beforeExecute")) await this.engine.events.emitAwaited("beforeExecute", this as Connection, sql, values);
  }

  /** Synchronous (the logger is): no promise per statement when echo is off. */
  #echoed(sql: string, values: readonly unknown[] | undefined): void {
    if (!this.engine.echo) return;
    const logger = this.engine.logger;
    logInfo(logger, `athanor.engine ${sql}`);
    if (values !== undefined) {
      logInfo(logger, this.engine.hideParameters ? "athanor.engine [parameters hidden]" : `athanor.engine [parameters: ${safeJson(values)}]`);
    }
  }

  /**
   * The error funnel's verdict applied to this connection: a disconnect invalidates the
   * driver connection (and the pool's older ones), and inside a transaction leaves the
   * connection refusing work until rollback() (SPEC E8, P14).
   */
  async #failed(err: unknown, sql: string | undefined, values: readonly unknown[] | undefined): Promise<unknown> {
    if (err instanceof CanceledCall) return this.#canceled(err, sql, values);
    const proxy = this.#proxy;
    const verdict = await funnelDriverError({
      err,
      dialect: this.engine.dialect,
      events: this.engine.events,
      dbapiConnection: proxy?.isValid === true ? proxy.dbapiConnection : undefined,
      connection: this as Connection,
      statement: sql,
      parameters: values,
      hideParameters: this.engine.hideParameters,
    });
    if (verdict.isDisconnect && proxy !== null) {
      if (verdict.invalidatePool) this.engine.pool.invalidateAll(err);
      this.#proxy = null;
      await proxy.invalidate(err);
      if (this.#root !== null) this.#lostTransaction = verdict.error;
    }
    return verdict.error;
  }

  /** The driver connection; after an invalidation a fresh checkout, which the guard may abandon. */
  async #ensureProxy(guard?: CallGuard): Promise<PooledConnection<C>> {
    if (this.#proxy !== null) return this.#proxy;
    if (guard === undefined) {
      this.#proxy = await this.engine.checkout();
      return this.#proxy;
    }
    this.#throwIfFired(guard, undefined, undefined);
    try {
      this.#proxy = await this.engine.checkout({ signal: guard.signal });
    } catch (err) {
      if (guard.firedBy !== undefined) throw this.#canceledError(canceledBeforeSending(guard), undefined, undefined, false);
      throw err;
    }
    return this.#proxy;
  }

  #proxyOrThrow(): PooledConnection<C> {
    this.#assertUsable("use it");
    if (this.#proxy === null) throw new InvalidRequestError("This Connection was invalidated; run a statement to reconnect.");
    return this.#proxy;
  }

  async #rememberDefaultIsolation(proxy: PooledConnection<C>): Promise<void> {
    if (proxy.info[DEFAULT_ISOLATION_KEY] !== undefined) return;
    proxy.info[DEFAULT_ISOLATION_KEY] = await this.engine.dialect.getIsolationLevel(proxy.dbapiConnection);
  }

  /** E3: the pool gets the connection back at the level it had when checked out. */
  async #restoreIsolation(proxy: PooledConnection<C>): Promise<void> {
    this.#autocommit = this.engine.isolationLevel === "AUTOCOMMIT";
    const level = (this.engine.isolationLevel !== undefined && this.engine.isolationLevel !== "AUTOCOMMIT"
      ? this.engine.isolationLevel
      : proxy.info[DEFAULT_ISOLATION_KEY]) as Exclude<IsolationLevel, "AUTOCOMMIT"> | undefined;
    if (level !== undefined) await this.engine.dialect.execute(proxy.dbapiConnection, this.engine.dialect.isolationLevelSql(level), []);
  }

  #assertUsable(action: string): void {
    if (this.#closed) {
      throw new ResourceClosedError(`This Connection is closed; can't ${action}. Get a new one with engine.connect().`);
    }
  }

  #assertNoLostTransaction(): void {
    if (this.#lostTransaction === undefined) return;
    throw new PendingRollbackError(
      "Can't reconnect until invalid transaction is rolled back. The connection was lost inside a transaction " +
        `(${errorMessage(this.#lostTransaction)}); call rollback() before running anything else on this Connection.`,
      { cause: this.#lostTransaction },
    );
  }

  /**
   * One operation at a time on this connection (and none while a stream is open). Not an
   * async function: every call of every statement goes through here, and with an
   * AsyncLocalStorage active (a web request's scope) each promise made costs its hooks.
   */
  #exclusive<T>(operation: string, work: () => Promise<T>): Promise<T> {
    let running: Promise<T>;
    try {
      this.#assertUsable(operation);
      if (this.#busy !== undefined) {
        throw new InvalidRequestError(
          `This Connection is busy with ${this.#busy}(); await each call before starting the next. ` +
            "For concurrent queries, use one Connection per flow of work.",
          { code: "CONNECTION_BUSY" },
        );
      }
      if (this.#stream !== undefined) {
        throw new InvalidRequestError("A stream is open on this Connection; finish iterating it or close() it first.", {
          code: "CONNECTION_BUSY",
        });
      }
    } catch (err) {
      return Promise.reject(err);
    }
    this.#busy = operation;
    try {
      running = work();
    } catch (err) {
      this.#busy = undefined;
      return Promise.reject(err);
    }
    return running.then(
      (value) => {
        this.#busy = undefined;
        return value;
      },
      (err: unknown) => {
        this.#busy = undefined;
        throw err;
      },
    );
  }
}

/** A cursor whose batches go through a compiled statement's row processors (types read back). */
function processedCursor(cursor: DriverCursor, processRows: (rows: unknown[][]) => unknown[][]): DriverCursor {
  return {
    get columns() {
      return cursor.columns;
    },
    fetch: async (size) => {
      const rows = await cursor.fetch(size);
      return rows.length > 0 ? processRows(rows) : rows;
    },
    close: () => cursor.close(),
  };
}

function checkStatement(statement: unknown): TextClause {
  if (isTextClause(statement)) return statement;
  throw new ArgumentError(
    typeof statement === "string"
      ? "A plain string is not executable: wrap SQL in text(), e.g. conn.execute(text(\"SELECT 1\")), so parameters are bound, never spliced."
      : `Not an executable statement: ${typeof statement}. Pass text("...") or a statement such as select(...).`,
  );
}

function errorMessage(err: unknown): string {
  return err instanceof Error ? err.message.split("\n")[0] ?? err.name : String(err);
}

function safeJson(values: readonly unknown[]): string {
  try {
    return JSON.stringify(values, (_k, v: unknown) => (typeof v === "bigint" ? `${v}n` : v));
  } catch {
    return "[unserializable]";
  }
}
