import { ArgumentError } from "../errors.js";
import { RESOLVED } from "../resolved.js";
import { currentScope, runInExistingScope, type AsyncScope } from "../context.js";
import type { Logger } from "../log.js";
import { byAsyncScope, type ByAsyncScope, type ScopedSession } from "../orm/scoped-session.js";
import type { Session } from "../orm/session.js";

/**
 * When the request-scoped session commits (SPEC S5):
 * - "on-success": before a response with status < 400 goes out (a client never sees success
 *   for a write that was not committed); anything else is rolled back.
 * - "never" (default, Flask-SQLAlchemy's habit): the handler commits itself; what it left
 *   open is rolled back when the request ends.
 */
export type CommitMode = "on-success" | "never";

export interface RequestScopeOptions {
  commit?: CommitMode;
}

export type Outcome = "commit" | "rollback";

const COMMITTED: Ending = Object.freeze({ committed: true });
const FINAL = Object.freeze({ final: true });
const NOT_COMMITTED: Ending = Object.freeze({ committed: false });

/** What ending the request's unit of work did. */
export interface Ending {
  /** The transaction was committed (false: rolled back, or nothing was open). */
  readonly committed: boolean;
  /** Set when the commit was asked for and failed: the response must not report success. */
  readonly commitError?: unknown;
}

/** Checked once, at middleware creation, so a typo fails at startup and not per request. */
export function checkOptions(db: ScopedSession, options: RequestScopeOptions | undefined): CommitMode {
  if (typeof db !== "function" || typeof db.remove !== "function" || typeof db.has !== "function") {
    throw new ArgumentError("athanor web middleware needs a scoped session: scopedSession(sessionmaker({ bind: engine })).");
  }
  const mode = options?.commit ?? "never";
  if (mode !== "on-success" && mode !== "never") {
    throw new ArgumentError(`commit must be "on-success" or "never"; got ${JSON.stringify(mode)}.`);
  }
  return mode;
}

/** The engine's logger: teardown problems go there rather than into an unhandled rejection. */
export function loggerOf(db: ScopedSession): Logger {
  return db.factory.options.bind.logger;
}

/**
 * One request's unit of work. Made inside the request's runInScope(); it remembers that scope,
 * because framework events ('finish', 'close', abort signals) fire outside the request's async
 * flow and would otherwise see no session (or another request's).
 *
 * end() is idempotent: the first caller decides commit or rollback, later callers (the
 * response's 'close' after its 'finish', an abort racing the handler) wait for the same ending.
 * Whatever happens, the scope's session is removed with `final: true`, so code still running
 * for this request after it ended gets SCOPE_ENDED instead of opening a session nobody closes.
 */
export class RequestSession {
  #ending: Ending | Promise<Ending> | undefined;
  /**
   * The next database's request session on the same request (another middleware, another
   * scoped session), where one response gate serves them all (Express): ended after this one.
   */
  #next: RequestSession | undefined = undefined;
  /** The registry's access by scope (its default key), else undefined: enter the scope and ask it. */
  readonly #byScope: ByAsyncScope | undefined;

  constructor(
    private readonly db: ScopedSession,
    readonly mode: CommitMode,
    private readonly logger: Logger,
    /** The request's scope (runInScope gives it; by default the current one). */
    readonly scope: AsyncScope = currentScope(),
  ) {
    this.#byScope = byAsyncScope(db);
  }

  /** The request has ended (or is ending): no more decisions to make. */
  get ended(): boolean {
    return this.#ending !== undefined;
  }

  /**
   * Ending this request's session could fail on the database, so a response with this status
   * must wait for it: it is to commit, and its open transaction's COMMIT (or a flush) has
   * something to send. False when the request never touched the database, ran only statements
   * that committed themselves (AUTOCOMMIT), or is to roll back: a rollback changes nothing the
   * client could be told, so the response goes out while it runs.
   */
  mustEndBeforeResponse(status: number): boolean {
    return this.mustEndBefore(this.outcomeFor(status));
  }

  /** mustEndBeforeResponse() for an outcome already decided. */
  mustEndBefore(outcome: Outcome): boolean {
    if (this.#ending !== undefined || outcome !== "commit") return false;
    const session = this.#session();
    return session !== undefined && session.inTransaction && !session.commitSendsNothing;
  }

  /**
   * Another database's request session on this request: endFor() ends it after this one.
   * Several middlewares on one request share the response's one gate (Express).
   */
  join(other: RequestSession): void {
    let last: RequestSession = this;
    while (last.#next !== undefined) last = last.#next;
    last.#next = other;
  }

  /** The response must wait for the ending of this request session, or of one joined to it. */
  mustHold(response: { readonly statusCode: number }): boolean {
    for (let rs: RequestSession | undefined = this; rs !== undefined; rs = rs.#next) {
      if (rs.mustEndBefore(rs.outcomeOf(response))) return true;
    }
    return false;
  }

  /**
   * End this request session and those joined to it for this response (undefined: nobody is
   * left to answer; roll back), one after the other. A commit that fails rolls back those after
   * it: the client is told of the failure, and what it did not see succeed does not stay.
   * Those before it stay committed: without two-phase commit, one database cannot take back
   * what another one committed (SQLAlchemy's Session with several binds commits them in turn
   * the same way).
   */
  endFor(response: { readonly statusCode: number } | undefined): Ending | Promise<Ending> {
    const ending = this.end(response === undefined ? "rollback" : this.outcomeOf(response));
    const next = this.#next;
    if (next === undefined) return ending;
    const andNext = (mine: Ending): Ending | Promise<Ending> => {
      const theirs = next.endFor(mine.commitError === undefined ? response : undefined);
      return theirs instanceof Promise ? theirs.then((t) => either(mine, t)) : either(mine, theirs);
    };
    return ending instanceof Promise ? ending.then(andNext) : andNext(ending);
  }

  /** "commit" only when configured to and the response is a success. */
  outcomeFor(status: number): Outcome {
    return this.mode === "on-success" && status < 400 ? "commit" : "rollback";
  }

  /**
   * outcomeFor() of a response, its status read only where it decides ("on-success"): on
   * Express's responses every property read misses V8's inline caches (see express-gate.ts).
   */
  outcomeOf(response: { readonly statusCode: number }): Outcome {
    return this.mode === "on-success" ? this.outcomeFor(response.statusCode) : "rollback";
  }

  /**
   * Commit or roll back, then remove the session. Never rejects: failures are logged or
   * returned. The ending itself, not a promise of it, when nothing had to be waited for (await
   * takes either): in the request's scope every promise costs its hooks.
   */
  end(outcome: Outcome = "rollback"): Ending | Promise<Ending> {
    this.#ending ??= this.#finish(outcome); // #session(), the commit and #remove() each enter the scope where they need it
    return this.#ending;
  }

  /** This request's session, if it has one. Throws what the registry throws. */
  #session(): Session | undefined {
    if (this.#byScope !== undefined) return this.#byScope.session(this.scope);
    return this.#inScope(() => (this.db.has() ? this.db() : undefined));
  }

  /** Two promises when there is something to commit, none when nothing is left open to wait for. */
  #finish(outcome: Outcome): Ending | Promise<Ending> {
    let session: Session | undefined;
    try {
      session = this.#session();
    } catch (err) {
      this.logger.error(`athanor: ending the request's session failed: ${describe(err)}`);
      return this.#remove(NOT_COMMITTED);
    }
    if (session === undefined || outcome !== "commit" || !session.inTransaction) return this.#remove(NOT_COMMITTED);
    // In the request's scope: a commit that flushes may begin, and a connection taken is the scope's (SPEC B4).
    const committing = session;
    return this.#inScope(() => committing.commit()).then(
      () => this.#remove(COMMITTED),
      (err: unknown) => this.#remove({ committed: false, commitError: err }),
    );
  }

  /**
   * remove({ final: true }) rolls back what is still open and forgets the session. If the
   * handler is still running a statement (it went on after the response, or the client left),
   * close() waits for that call first; the session then refuses further work.
   */
  #remove(ending: Ending): Ending | Promise<Ending> {
    let removed: Promise<void>;
    try {
      removed = this.#byScope !== undefined ? this.#byScope.remove(this.scope, true) : this.#inScope(() => this.db.remove(FINAL));
    } catch (err) {
      removed = Promise.reject(err);
    }
    if (removed === RESOLVED) return ending; // nothing was open: no promise to wait on
    return removed.then(
      () => ending,
      (err: unknown) => {
        this.logger.error(`athanor: removing the request's session failed: ${describe(err)}`);
        return ending;
      },
    );
  }

  #inScope<T>(fn: () => T): T {
    return runInExistingScope(this.scope, fn);
  }
}

/** Two databases' endings as one: a failed commit in either, else a commit in either. */
function either(a: Ending, b: Ending): Ending {
  if (a.commitError !== undefined) return a;
  if (b.commitError !== undefined || b.committed) return b;
  return a;
}

export function describe(err: unknown): string {
  return err instanceof Error ? (err.stack ?? err.message) : String(err);
}

