import { AsyncScope, currentScope, runInScope } from "../context.js";
import { ArgumentError, InvalidRequestError } from "../errors.js";
import type { Session, SessionOptions } from "./session.js";
import type { SessionFactory } from "./sessionmaker.js";
import { RESOLVED } from "../resolved.js";

/** The Session methods a scoped session forwards to the current scope's session. */
type Forwarded = "execute" | "stream" | "connection" | "begin" | "beginNested" | "commit" | "rollback" | "close";

/**
 * A registry of sessions, one per async scope (SQLAlchemy `scoped_session`, SPEC S4).
 * `db()` is this scope's session (made on first use); `db.remove()` closes and forgets it;
 * `db.execute(...)`, `db.commit()`... act on it.
 */
export type ScopedSession = ((options?: Partial<SessionOptions>) => Session) &
  Pick<Session, Forwarded> & {
    /**
     * Close this scope's session (rolling back what it left open) and forget it. `final`:
     * the scope is over (its request ended), so a later db() in it raises instead of opening
     * a session that nobody would remove.
     */
    remove(options?: { final?: boolean }): Promise<void>;
    /** Does this scope have a session yet? */
    has(): boolean;
    /** Run `work` in a new scope with its own session, removed when `work` ends. */
    scope<T>(work: () => Promise<T>): Promise<T>;
    readonly factory: SessionFactory;
  };

export interface ScopedSessionOptions {
  /** The scope key; default: the current async scope (see runInScope). */
  scopefunc?: () => unknown;
}

export function scopedSession(factory: SessionFactory, options: ScopedSessionOptions = {}): ScopedSession {
  if (typeof factory !== "function") throw new ArgumentError("scopedSession() takes a session factory from sessionmaker().");
  const scopefunc = options.scopefunc ?? currentScope;
  if (typeof scopefunc !== "function") throw new ArgumentError("scopefunc must be a function returning the current scope's key.");
  // An AsyncScope (the default key) keeps the session in a slot of its own; other objects are
  // held weakly. Either way a scope that ends without remove() does not leak its key.
  const slot = {};
  const byObject = new WeakMap<object, Session | typeof ENDED>();
  const byValue = new Map<unknown, Session>();
  const lookup = (key: unknown): Session | typeof ENDED | undefined =>
    key instanceof AsyncScope ? (key.slot(slot) as Session | typeof ENDED | undefined) : isObject(key) ? byObject.get(key) : byValue.get(key);
  const get = (key: unknown): Session | undefined => {
    const found = lookup(key);
    return found === ENDED ? undefined : found;
  };
  const set = (key: unknown, session: Session): void => {
    if (key instanceof AsyncScope) key.setSlot(slot, session);
    else if (isObject(key)) byObject.set(key, session);
    else byValue.set(key, session);
  };
  /** `final` on an object key remembers that its scope ended (a value key cannot end). */
  const forget = (key: unknown, final: boolean): void => {
    if (key instanceof AsyncScope) final ? key.setSlot(slot, ENDED) : key.deleteSlot(slot);
    else if (isObject(key)) final ? byObject.set(key, ENDED) : byObject.delete(key);
    else byValue.delete(key);
  };

  const registry = ((overrides?: Partial<SessionOptions>) => {
    const key = scopefunc();
    const existing = lookup(key);
    if (existing === ENDED) {
      throw new InvalidRequestError(
        "This scope has ended (its request finished) and its session was removed; code that runs after the response " +
          "must open its own session (Session.begin(async (session) => ...)).",
        { code: "SCOPE_ENDED" },
      );
    }
    if (existing !== undefined) {
      if (overrides !== undefined) {
        throw new InvalidRequestError(
          "This scope already has a session; options can only be given when it is created. Call db.remove() first to start a new one.",
        );
      }
      return existing;
    }
    const session = factory(overrides);
    set(key, session);
    return session;
  }) as ScopedSession;

  const removeKey = (key: unknown, final: boolean): Promise<void> => {
    const session = get(key);
    forget(key, final);
    return session === undefined ? RESOLVED : session.close({ final });
  };
  registry.has = () => get(scopefunc()) !== undefined;
  registry.remove = (removeOptions?: { final?: boolean }) => {
    try {
      return removeKey(scopefunc(), removeOptions?.final === true);
    } catch (err) {
      return Promise.reject(err);
    }
  };
  if (options.scopefunc === undefined) {
    const byScope: ByAsyncScope = { session: get, remove: removeKey };
    Object.defineProperty(registry, BY_ASYNC_SCOPE, { value: byScope });
  }
  registry.scope = <T>(work: () => Promise<T>): Promise<T> =>
    runInScope(async () => {
      try {
        return await work();
      } finally {
        await registry.remove();
      }
    });
  Object.defineProperty(registry, "factory", { value: factory });
  const forwarded: Forwarded[] = ["execute", "stream", "connection", "begin", "beginNested", "commit", "rollback", "close"];
  for (const method of forwarded) {
    Object.defineProperty(registry, method, {
      // db.execute(...) in an ended scope rejects like any other failure (never throws), without
      // an async frame of its own: in a request's scope every promise costs its hooks.
      value: (...args: unknown[]) => {
        try {
          return (registry()[method] as (...a: unknown[]) => unknown)(...args);
        } catch (err) {
          return Promise.reject(err);
        }
      },
    });
  }
  return registry;
}

/**
 * A registry keyed by the async scope (the default scopefunc) answers for a given scope too:
 * the web middlewares keep their request's scope and end its session from framework events
 * without entering the scope again and looking it up for each call.
 */
export const BY_ASYNC_SCOPE: unique symbol = Symbol("athanor.byAsyncScope");
export interface ByAsyncScope {
  session(scope: AsyncScope): Session | undefined;
  remove(scope: AsyncScope, final: boolean): Promise<void>;
}

/** The registry's by-scope access, where its sessions are keyed by the async scope. */
export function byAsyncScope(db: ScopedSession): ByAsyncScope | undefined {
  return (db as ScopedSession & { [BY_ASYNC_SCOPE]?: ByAsyncScope })[BY_ASYNC_SCOPE];
}

/** A scope whose session was removed with `final`: db() there raises SCOPE_ENDED. */
const ENDED: unique symbol = Symbol("athanor.scopeEnded");

function isObject(key: unknown): key is object {
  return (typeof key === "object" && key !== null) || typeof key === "function";
}
