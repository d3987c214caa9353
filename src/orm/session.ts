import { inspect } from "node:util";
import type { Connection, ExecuteOptions, Params, StreamOptions } from "../engine/connection.js";
import type { Transaction } from "../engine/transaction.js";
import type { AsyncResult } from "../engine/async-result.js";
import type { Engine } from "../engine/engine.js";
import type { Result } from "../engine/result.js";
import {
  ArgumentError,
  DBAPIError,
  IllegalStateChangeError,
  InvalidRequestError,
  PendingRollbackError,
} from "../errors.js";
import type { TypedExecutable } from "../sql/executable.js";
import { isTextClause, type TextClause } from "../sql/text.js";
import { holdConnection, type ConnectionHold } from "../engine/scope-holds.js";
import { SessionTransaction, type SessionTransactionHost } from "./session-transaction.js";
import { Result as ResultClass, ScalarResult } from "../engine/result.js";
import { executeStatement } from "../sql/statement/execute.js";
import type { EntityClass } from "./entity-class.js";
import { isEntitySelect, type EntitySelect } from "./entity-select.js";
import type { IdentityMap } from "./identity-map.js";
import { loadEntities } from "./loading.js";
import type { OrmContext } from "./orm-context.js";
import { getByKey, identityHit, merge, refresh, type PrimaryKey } from "./orm-operations.js";
import { countRows, keysetPage, paginate, streamEntities, type KeysetOptions, type KeysetPage, type Page, type PageOptions, type StreamEntitiesOptions } from "./pagination.js";
import { Query } from "./query.js";
import { SessionObjects } from "./session-objects.js";
import { RESOLVED, unlessResolved } from "../resolved.js";

export interface SessionOptions {
  /** The engine the session's connections come from. */
  bind: Engine;
  /** Flush pending ORM changes before each query (the ORM's unit of work). Default true. */
  autoflush?: boolean;
  /** Expire loaded ORM objects at commit, so they reload. Default true. */
  expireOnCommit?: boolean;
}

export const SESSION_OPTION_NAMES: readonly (keyof SessionOptions)[] = ["bind", "autoflush", "expireOnCommit"];

/**
 * A unit of work on one engine (SQLAlchemy 2.0 `Session`). The first statement takes a
 * connection from the pool and begins a transaction ("autobegin"); commit() and rollback()
 * end it and give the connection back; the next statement takes one again. close() (or
 * leaving an `await using` block) rolls back what was not committed.
 *
 * A session is for one flow of work: an operation started while another is running raises
 * IllegalStateChangeError instead of interleaving on the connection (SPEC S6).
 */
export class Session implements SessionTransactionHost {
  readonly bind: Engine;
  readonly autoflush: boolean;
  readonly expireOnCommit: boolean;
  #root: SessionTransaction | null = null;
  /** The innermost open level (root or a savepoint). */
  #current: SessionTransaction | null = null;
  #hold: ConnectionHold | undefined = undefined;
  #busy: string | undefined = undefined;
  /** The running operation, so close() can wait for it. */
  #running: Promise<unknown> | undefined = undefined;
  /** close({ final: true }) happened: the session refuses any further work. */
  #finalized = false;
  /**
   * The ORM objects: identity map, pending, deleted. Made on first ORM use: a session that only
   * runs statements (a web request's db.execute) never needs their seven Maps and Sets.
   */
  #objectsIfAny: SessionObjects | undefined = undefined;

  get #objects(): SessionObjects {
    return (this.#objectsIfAny ??= new SessionObjects());
  }

  constructor(options: SessionOptions) {
    // for...in first (no arrays made per session); the own keys are listed only for the error.
    for (const key in options) {
      if ((SESSION_OPTION_NAMES as readonly string[]).includes(key)) continue;
      const unknown = Object.keys(options).filter((k) => !(SESSION_OPTION_NAMES as readonly string[]).includes(k));
      if (unknown.length === 0) break; // an inherited key: only own options count
      throw new ArgumentError(`Unknown Session option${unknown.length > 1 ? "s" : ""} ${unknown.map((k) => `'${k}'`).join(", ")}; options: ${SESSION_OPTION_NAMES.join(", ")}.`);
    }
    if (options?.bind === undefined || typeof options.bind.connect !== "function") {
      throw new ArgumentError("A Session needs bind: an Engine, e.g. sessionmaker({ bind: createEngine(url) }).");
    }
    this.bind = options.bind;
    this.autoflush = checkFlag("autoflush", options.autoflush, true);
    this.expireOnCommit = checkFlag("expireOnCommit", options.expireOnCommit, true);
  }

  /** A transaction is open (explicitly or by the first statement). */
  get inTransaction(): boolean {
    return this.#root !== null;
  }

  /**
   * commit() now would send nothing to the database and cannot fail: nothing to flush, no
   * call running, no failed transaction, and the connection's commit sends nothing (AUTOCOMMIT,
   * or no statement run yet). The web middlewares answer such a request without waiting for it.
   */
  get commitSendsNothing(): boolean {
    const changed = this.#objectsIfAny?.hasChanges === true;
    if (this.#root === null) return !changed;
    if (this.#running !== undefined || changed || this.#failedLevel() !== undefined) return false;
    return this.#root.connection.commitSendsNothing;
  }

  /** The outermost transaction, if one is open. */
  get transaction(): SessionTransaction | undefined {
    return this.#root ?? undefined;
  }

  /**
   * Run a statement in the session's transaction (begun first if needed); `options` as
   * Connection.execute (SPEC B1). `select(User)` runs through the identity map and returns
   * entities: `(await session.execute(select(User))).scalars().all()`.
   */
  execute<E extends object>(statement: EntitySelect<E>): Promise<Result<Record<string, E>>>;
  execute<T extends object = Record<string, unknown>>(statement: TextClause | TypedExecutable<T>, params?: Params | readonly Params[], options?: ExecuteOptions): Promise<Result<T>>;
  execute<T extends object>(statement: TextClause | TypedExecutable<T> | EntitySelect<object>, params?: Params | readonly Params[], options?: ExecuteOptions): Promise<Result<T>> {
    if (isEntitySelect(statement)) return this.#executeEntities(statement) as Promise<Result<T>>;
    if (options === undefined && isTextClause(statement) && !Array.isArray(params)) {
      const fast = this.#executeTextNow(statement, params as Params | undefined);
      if (fast !== undefined) return fast as Promise<Result<T>>;
    }
    // Not async, and the statement's failure handled in #exclusive's own then(): a session's
    // statement makes two promises of its own besides the driver's (web requests pay hooks on each).
    let guarded: SessionTransaction | undefined;
    return this.#exclusive(
      "execute",
      () => {
        const tx = this.#current;
        if (tx === null) {
          // Begin and run: at once on a ready connection; when the pool makes us wait, in the one
          // then() that receives the connection. A failure goes to the onError below like any other.
          return this.bind.connectNowThen((conn) => {
            const root = this.#beginConnected(conn, false);
            if (root instanceof Promise) {
              return root.then((r) => {
                guarded = r;
                return r.connection.execute<T>(statement, params, options);
              });
            }
            guarded = root;
            return root.connection.execute<T>(statement, params, options);
          });
        }
        this.#assertNoFailure("run this");
        guarded = tx;
        return tx.connection.execute<T>(statement, params, options);
      },
      (err) => {
        if (guarded !== undefined) this.#statementFailed(guarded, err);
      },
    );
  }

  /**
   * execute() of a text() statement with no options, as #exclusive would run it, in the one
   * promise the caller awaits: the pool, the connection and the driver report to callbacks
   * (Engine.connectWith, Connection.runTextNow). A web request's statement makes one promise
   * instead of up to six, each paying AsyncLocalStorage's hooks. Undefined, with nothing done,
   * where #exclusive or the transaction would refuse the call: the general path says why.
   */
  #executeTextNow(statement: TextClause, params: Params | undefined): Promise<Result> | undefined {
    if (this.#finalized || this.#busy !== undefined || this.#failedLevel() !== undefined) return undefined;
    const tx = this.#current;
    this.#busy = "execute";
    const running = new Promise<Result>((resolve, reject) => {
      let guarded: SessionTransaction | undefined;
      const done = (result: Result): void => {
        this.#busy = undefined;
        this.#running = undefined;
        resolve(result);
      };
      const failed = (err: unknown): void => {
        if (guarded !== undefined) this.#statementFailed(guarded, err);
        this.#busy = undefined;
        this.#running = undefined;
        reject(err);
      };
      const run = (level: SessionTransaction): void => {
        guarded = level;
        if (!level.connection.runTextNow(statement, params, done, failed)) level.connection.execute(statement, params).then(done, failed);
      };
      if (tx !== null) {
        run(tx);
        return;
      }
      this.bind.connectWith((conn) => {
        let root: SessionTransaction | Promise<SessionTransaction>;
        try {
          root = this.#beginConnected(conn, false);
        } catch (err) {
          conn.close().then(() => failed(err), () => failed(err));
          return;
        }
        if (root instanceof Promise) root.then(run, failed);
        else run(root);
      }, failed);
    });
    // Settled already (refused before anything was sent): nothing for close() to wait for.
    if (this.#busy !== undefined) this.#running = running;
    return running;
  }

  async #executeEntities<E extends object>(statement: EntitySelect<E>): Promise<Result<Record<string, E>>> {
    const objects = await this.#orm("execute", true, (ctx) => loadEntities(ctx, statement));
    return new ResultClass([statement.mapper.name], objects.map((o) => [o]), objects.length) as unknown as Result<Record<string, E>>;
  }

  // ---- ORM (SPEC S7, S8) ---------------------------------------------------------------------

  /** The entities an entity select returns: `await session.scalars(select(User).where(...))`. */
  async scalars<E extends object>(statement: EntitySelect<E>): Promise<ScalarResult<E>> {
    return new ScalarResult(await this.#orm("scalars", true, (ctx) => loadEntities(ctx, statement)));
  }

  /** The legacy Query API: `await session.query(User).filterBy({ id: 1 }).first()`. */
  query<E extends object>(entity: EntityClass<E>): Query<E> {
    return new Query(this, entity);
  }

  /** The object for a primary key: from the identity map when loaded there (no SQL), else one SELECT. */
  async get<E extends object>(entity: EntityClass<E>, pk: PrimaryKey): Promise<E | undefined> {
    const hit = identityHit(this.#objects, entity, pk);
    if (hit !== undefined) return hit;
    return this.#orm("get", true, (ctx) => getByKey(ctx, entity, pk));
  }

  /** Make a new object pending: INSERTed at the next flush (also the objects it references). */
  add(object: object): void {
    this.#assertUsable("add");
    this.#objects.add(object);
  }

  addAll(objects: Iterable<object>): void {
    for (const object of objects) this.add(object);
  }

  /** Mark a persistent object for DELETE at the next flush. */
  delete(object: object): void {
    this.#assertUsable("delete");
    this.#objects.delete(object);
  }

  /** Take an object out of the session (pending ones become transient, persistent ones detached). */
  expunge(object: object): void {
    this.#objects.expunge(object);
  }

  expungeAll(): void {
    this.#objectsIfAny?.expungeAll();
  }

  /** Forget loaded values (all, or the named columns) so they reload on refresh() or the next query. */
  expire(object: object, attributes?: readonly string[]): void {
    this.#objects.expire(object, attributes);
  }

  expireAll(): void {
    this.#objects.expireAll();
  }

  /** Reload an object's columns, and the named (or already loaded) relationships. */
  async refresh(object: object, attributes?: readonly string[]): Promise<void> {
    await this.#orm("refresh", false, (ctx) => refresh(ctx, this.#objects, object, attributes));
  }

  /** This session's object for `object`'s row, with `object`'s loaded values copied onto it. */
  async merge<E extends object>(object: E): Promise<E> {
    return this.#orm("merge", true, (ctx) => merge(ctx, this.#objects, object));
  }

  /** Send pending INSERTs, UPDATEs and DELETEs in foreign-key order (the transaction stays open). */
  async flush(): Promise<void> {
    await this.#exclusive("flush", () => this.#flushNow());
  }

  /** How many rows an entity select returns (its LIMIT/OFFSET applied), counted by the database: nothing is loaded. */
  async count(statement: EntitySelect<object>): Promise<number> {
    return this.#orm("count", true, (ctx) => countRows(ctx, statement, true));
  }

  /** A page of entities, and the total across pages. */
  async paginate<E extends object>(statement: EntitySelect<E>, options: PageOptions): Promise<Page<E>> {
    return this.#orm("paginate", true, (ctx) => paginate(ctx, statement, options));
  }

  /** The page after `options.after` (the cursor of the previous page) in the statement's ORDER BY, which must be columns. */
  async keysetPage<E extends object>(statement: EntitySelect<E>, options: KeysetOptions): Promise<KeysetPage<E>> {
    return this.#orm("keysetPage", true, (ctx) => keysetPage(ctx, statement, options));
  }

  /**
   * Stream entities `yieldPer` at a time (keyset batches): clean objects are held weakly, so
   * the heap stays flat however many rows there are, as long as the caller lets them go.
   */
  streamScalars<E extends object>(statement: EntitySelect<E>, options: StreamEntitiesOptions = {}): AsyncIterable<E> {
    return streamEntities((after) => this.keysetPage(statement, { perPage: options.yieldPer ?? 1000, after }));
  }

  /** The identity map (size, strongCount) for inspection. */
  get identityMap(): IdentityMap {
    return this.#objects.identityMap;
  }

  /** Pending objects, persistent ones with unflushed changes, objects marked for deletion. */
  get new(): readonly object[] {
    return this.#objects.new;
  }

  get dirty(): readonly object[] {
    return this.#objects.dirty;
  }

  get deleted(): readonly object[] {
    return this.#objects.deleted;
  }

  /** Is the object pending or persistent in this session? */
  contains(object: object): boolean {
    return this.#objects.contains(object);
  }

  /** Stream a large result through a server-side cursor (see Connection.stream). */
  async stream<T extends object = Record<string, unknown>>(statement: TextClause | TypedExecutable<T>, params?: Params, options?: StreamOptions): Promise<AsyncResult<T>> {
    return this.#exclusive("stream", async () => {
      const tx = await this.#usableTransaction();
      return this.#guarded(tx, () => tx.connection.stream<T>(statement, params, options));
    });
  }

  /** The session's connection (begun first if needed). */
  async connection(): Promise<Connection> {
    return this.#exclusive("connection", async () => (await this.#usableTransaction()).connection);
  }

  /** Begin the outermost transaction explicitly; an error if one is open. */
  begin(): Promise<SessionTransaction> {
    return this.#exclusive("begin", () => {
      if (this.#root !== null) {
        throw new InvalidRequestError(
          "A transaction is already begun on this Session (explicitly, or by its first statement). " +
            "Commit or roll it back first, or use session.beginNested() for a SAVEPOINT.",
          { code: "TRANSACTION_ALREADY_BEGUN" },
        );
      }
      const root = this.#beginRoot(true);
      return root instanceof Promise ? root : Promise.resolve(root);
    });
  }

  /** A SAVEPOINT: its commit() releases it and its rollback() undoes only what ran inside it. */
  async beginNested(): Promise<SessionTransaction> {
    return this.#exclusive("beginNested", async () => {
      await this.#flushNow(); // a savepoint starts from what the database has (SQLAlchemy flushes here too)
      const parent = await this.#usableTransaction();
      const savepoint = await this.#guarded(parent, () => parent.connection.beginNested());
      const nested = new SessionTransaction(this, parent, true, parent.connection, savepoint);
      this.#current = nested;
      return nested;
    });
  }

  /** Commit the outermost transaction (savepoints inside it are released) and give the connection back. */
  commit(): Promise<void> {
    return this.#exclusive("commit", () => {
      if (this.#root !== null) this.#assertNoFailure("commit");
      return this.#objectsIfAny?.hasChanges === true ? this.#flushNow().then(() => this.#commitRoot()) : this.#commitRoot();
    });
  }

  /** COMMIT, then give the connection back. Promise chains, not an async function: see #exclusive. */
  #commitRoot(): Promise<void> {
    const root = this.#root;
    if (root === null) {
      this.#objectsIfAny?.afterCommit(this.expireOnCommit);
      return RESOLVED;
    }
    if (root.connection.commitNow()) {
      // Nothing to send (AUTOCOMMIT, or no statement ran): no promise of its own.
      this.#closeLevels(root, "committed");
      this.#objectsIfAny?.afterCommit(this.expireOnCommit);
      return this.#release();
    }
    return root.connection.commit().then(
      () => {
        this.#closeLevels(root, "committed");
        this.#objectsIfAny?.afterCommit(this.expireOnCommit);
        return unlessResolved(this.#release());
      },
      (err: unknown) => {
        this.#deactivate(root, err);
        throw err;
      },
    );
  }

  /** Roll back the outermost transaction, whatever state it is in, and give the connection back. */
  async rollback(): Promise<void> {
    return this.#exclusive("rollback", () => this.#rollbackAll());
  }

  /**
   * Roll back anything open and give the connection back. A call still running is waited for
   * first (teardown must not race it). The session can be used again, unless `final`: then
   * it refuses any further work (a request that ended must not autobegin a new transaction).
   */
  close(options?: { final?: boolean }): Promise<void> {
    if (options?.final === true) this.#finalized = true;
    if (this.#running === undefined) {
      // Nothing running: end what is open now, without a promise of our own (a request's teardown).
      try {
        return this.#discardAll();
      } catch (err) {
        return Promise.reject(err);
      } finally {
        this.#objectsIfAny?.expungeAll(); // SQLAlchemy close(): every object leaves the session
      }
    }
    return this.#closeSlow();
  }

  async #closeSlow(): Promise<void> {
    while (this.#running !== undefined) await this.#running.catch(() => undefined);
    this.#busy = "close";
    const running = this.#discardAll();
    this.#running = running;
    try {
      await running;
    } finally {
      this.#busy = undefined;
      this.#running = undefined;
      this.#objectsIfAny?.expungeAll(); // SQLAlchemy close(): every object leaves the session
    }
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.close();
  }

  /** Never the engine's pool or the driver connection (they may hold the password). */
  [inspect.custom](): string {
    return `Session(${this.bind.toString()}, ${this.#root === null ? "no transaction" : `transaction ${this.#current?.state ?? ""}`})`;
  }

  // ---- SessionTransactionHost: tx.commit() / tx.rollback() ----------------------------------

  /** @internal */
  async commitTransaction(tx: SessionTransaction): Promise<void> {
    if (tx === this.#root) return this.commit();
    return this.#exclusive("commit", async () => {
      this.#assertOpen(tx, "commit");
      if (tx.state === "deactive") throw this.#pendingRollback(tx, "commit");
      await this.#flushNow();
      await this.#guarded(tx, () => tx.dbTransaction.commit());
      this.#closeLevels(tx, "committed");
      this.#current = tx.parent ?? null;
    });
  }

  /** @internal */
  async rollbackTransaction(tx: SessionTransaction): Promise<void> {
    if (tx === this.#root) return this.rollback();
    return this.#exclusive("rollback", async () => {
      this.#assertOpen(tx, "roll back");
      try {
        await tx.dbTransaction.rollback();
      } catch (err) {
        // The savepoint could not be rolled back (the connection is gone): only a full rollback helps.
        if (this.#root !== null) this.#deactivate(this.#root, err);
        throw err;
      }
      this.#closeLevels(tx, "closed");
      this.#current = tx.parent ?? null;
      this.#objectsIfAny?.afterRollback(tx);
    });
  }

  // ---- internals -------------------------------------------------------------------------------

  /** An ORM operation: one at a time, in the transaction, after an autoflush when `flushFirst`. */
  async #orm<T>(method: string, flushFirst: boolean, work: (ctx: OrmContext) => Promise<T>): Promise<T> {
    return this.#exclusive(method, async () => {
      if (flushFirst && this.autoflush) await this.#flushNow();
      return work(this.#ormContext(await this.#usableTransaction()));
    });
  }

  async #flushNow(): Promise<void> {
    if (this.#objectsIfAny?.hasChanges !== true) return;
    await this.#objects.flush(this.#ormContext(await this.#usableTransaction()));
  }

  #ormContext(tx: SessionTransaction): OrmContext {
    const level = this.#current ?? tx;
    return {
      identityMap: this.#objects.identityMap,
      owner: this.#objects,
      target: this.bind.dialect,
      logger: this.bind.logger,
      level,
      run: (statement) => this.#guarded(level, () => executeStatement(level.connection, statement)),
    };
  }

  #assertUsable(method: string): void {
    if (this.#finalized) {
      throw new InvalidRequestError(`This Session was closed for good (its scope ended); can't ${method}(). Open a new Session.`, { code: "SESSION_CLOSED" });
    }
  }

  /**
   * Take a connection and begin: synchronously when the pool has a ready connection and
   * beginning sends nothing (the common case: BEGIN rides with the first statement), so a
   * session's first statement costs no promises of its own; otherwise through the promises.
   * Throws (synchronously) what connecting would reject with.
   */
  #beginRoot(explicit: boolean): SessionTransaction | Promise<SessionTransaction> {
    return this.bind.connectNowThen((conn) => this.#beginConnected(conn, explicit));
  }

  /** Begin on a connection just taken: at once when that sends nothing, as on a ready one. */
  #beginConnected(conn: Connection, explicit: boolean): SessionTransaction | Promise<SessionTransaction> {
    const dbTransaction = conn.beginNow();
    return dbTransaction !== undefined ? this.#rootOn(conn, dbTransaction, explicit) : this.#beginOn(conn, explicit);
  }

  #beginOn(conn: Connection, explicit: boolean): Promise<SessionTransaction> {
    return conn.begin().then(
      (dbTransaction) => this.#rootOn(conn, dbTransaction, explicit),
      (err: unknown) =>
        conn.close().then(() => {
          throw err;
        }),
    );
  }

  #rootOn(conn: Connection, dbTransaction: Transaction, explicit: boolean): SessionTransaction {
    const root = new SessionTransaction(this, undefined, explicit, conn, dbTransaction);
    this.#root = root;
    this.#current = root;
    this.#hold = holdConnection(this.bind, this.bind.pool.recordsCheckoutStacks);
    return root;
  }

  /** The innermost open level, begun if nothing is open; refuses work after a failure (S3). */
  async #usableTransaction(): Promise<SessionTransaction> {
    if (this.#current === null) return this.#beginRoot(false);
    this.#assertNoFailure("run this");
    return this.#current;
  }

  /** Run `work` on the connection; a database error deactivates the innermost level. */
  #guarded<T>(tx: SessionTransaction, work: () => Promise<T>): Promise<T> {
    let running: Promise<T>;
    try {
      running = work();
    } catch (err) {
      running = Promise.reject(err);
    }
    return running.catch((err: unknown) => {
      this.#statementFailed(tx, err);
      throw err;
    });
  }

  /** A statement on `tx` failed: a database error deactivates it (a lost connection, the root). */
  #statementFailed(tx: SessionTransaction, err: unknown): void {
    if (err instanceof ArgumentError) return; // refused before anything was sent
    const lostConnection = err instanceof PendingRollbackError || (err instanceof DBAPIError && err.connectionInvalidated);
    this.#deactivate(lostConnection && this.#root !== null ? this.#root : tx, err);
  }

  #deactivate(tx: SessionTransaction, err: unknown): void {
    if (tx.state === "active") tx.transition("deactive", err);
  }

  async #rollbackAll(): Promise<void> {
    const root = this.#root;
    if (root === null) return;
    try {
      await root.connection.rollback();
    } finally {
      this.#closeLevels(root, "closed");
      this.#objectsIfAny?.afterRollback(undefined);
      await this.#release();
    }
  }

  /**
   * close()'s end of the transaction: its objects expire as after a rollback, and the
   * connection's own close() rolls back (without waiting, where the dialect can:
   * Dialect.deferRollback). A failed rollback is the pool's to deal with, not the closer's.
   */
  #discardAll(): Promise<void> {
    const root = this.#root;
    if (root === null) return RESOLVED;
    this.#closeLevels(root, "closed");
    this.#objectsIfAny?.afterRollback(undefined);
    return this.#release();
  }

  /** Close `tx` and every level opened inside it. */
  #closeLevels(tx: SessionTransaction, how: "committed" | "closed"): void {
    for (let level: SessionTransaction | null | undefined = this.#current; level !== null && level !== undefined; level = level.parent) {
      if (level.state !== "closed") {
        if (how === "committed" && level.state === "active") level.transition("committed");
        level.transition("closed");
      }
      if (level === tx) break;
    }
  }

  #release(): Promise<void> {
    const root = this.#root;
    this.#root = null;
    this.#current = null;
    this.#hold?.release();
    this.#hold = undefined;
    if (root === null) return RESOLVED;
    try {
      return root.connection.close();
    } catch (err) {
      return Promise.reject(err);
    }
  }

  /** SPEC S3: after a failure nothing runs until the transaction (or the failed savepoint) is rolled back. */
  #assertNoFailure(action: string): void {
    const failed = this.#failedLevel();
    if (failed !== undefined) throw this.#pendingRollback(failed, action);
  }

  /** The innermost open level a failure deactivated (it refuses work until rolled back), if any. */
  #failedLevel(): SessionTransaction | undefined {
    for (let level: SessionTransaction | null | undefined = this.#current; level !== null && level !== undefined; level = level.parent) {
      if (level.state === "deactive") return level;
    }
    return undefined;
  }

  #pendingRollback(tx: SessionTransaction, action: string): PendingRollbackError {
    const failure = tx.failure;
    const reason = failure instanceof Error ? failure.message.split("\n")[0] : String(failure);
    return new PendingRollbackError(
      `This Session's ${tx.nested ? "savepoint" : "transaction"} failed (${reason}); can't ${action} until it is rolled back: ` +
        `call ${tx.nested ? "rollback() on that savepoint, or " : ""}session.rollback().`,
      { cause: failure },
    );
  }

  #assertOpen(tx: SessionTransaction, action: string): void {
    if (tx.state === "closed" || tx.state === "committed") {
      throw new InvalidRequestError(`Can't ${action}: this session transaction is already ${tx.state}.`, { code: "TRANSACTION_INACTIVE" });
    }
  }

  /**
   * One operation at a time (SPEC S6). Not an async function: every session call goes through
   * here, and in a web request's scope (AsyncLocalStorage) each promise made costs its hooks.
   */
  #exclusive<T>(method: string, work: () => Promise<T>, onError?: (err: unknown) => void): Promise<T> {
    if (this.#finalized) {
      return Promise.reject(
        new InvalidRequestError(`This Session was closed for good (its scope ended); can't ${method}(). Open a new Session.`, { code: "SESSION_CLOSED" }),
      );
    }
    if (this.#busy !== undefined) {
      return Promise.reject(
        new IllegalStateChangeError(
          `Method '${method}()' can't be called here: '${this.#busy}()' is already in progress on this Session. ` +
            "A Session is for one flow of work: await each call, or give each concurrent flow its own Session.",
        ),
      );
    }
    this.#busy = method;
    let started: Promise<T>;
    try {
      started = work();
    } catch (err) {
      started = Promise.reject(err);
    }
    const running = started.then(
      (value) => {
        this.#busy = undefined;
        this.#running = undefined;
        return value;
      },
      (err: unknown) => {
        onError?.(err);
        this.#busy = undefined;
        this.#running = undefined;
        throw err;
      },
    );
    this.#running = running;
    return running;
  }
}


function checkFlag(name: string, value: unknown, fallback: boolean): boolean {
  if (value === undefined) return fallback;
  if (typeof value !== "boolean") throw new ArgumentError(`${name} must be true or false; got ${JSON.stringify(value)}.`);
  return value;
}
