import { currentScope, runInScope } from "../context.js";
import { ArgumentError, InvalidRequestError } from "../errors.js";
import type { Session, SessionOptions } from "./session.js";
import type { SessionFactory } from "./sessionmaker.js";

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
  // Objects (scopes) are held weakly: a scope that ends without remove() does not leak its key.
  const byObject = new WeakMap<object, Session>();
  const byValue = new Map<unknown, Session>();
  const ended = new WeakSet<object>();
  const get = (key: unknown): Session | undefined => (isObject(key) ? byObject.get(key) : byValue.get(key));
  const set = (key: unknown, session: Session): void => void (isObject(key) ? byObject.set(key, session) : byValue.set(key, session));
  const forget = (key: unknown): void => void (isObject(key) ? byObject.delete(key) : byValue.delete(key));

  const registry = ((overrides?: Partial<SessionOptions>) => {
    const key = scopefunc();
    if (isObject(key) && ended.has(key)) {
      throw new InvalidRequestError(
        "This scope has ended (its request finished) and its session was removed; code that runs after the response " +
          "must open its own session (Session.begin(async (session) => ...)).",
        { code: "SCOPE_ENDED" },
      );
    }
    const existing = get(key);
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

  registry.has = () => get(scopefunc()) !== undefined;
  registry.remove = (removeOptions?: { final?: boolean }) => {
    let session: Session | undefined;
    let final: boolean;
    try {
      const key = scopefunc();
      session = get(key);
      forget(key);
      final = removeOptions?.final === true;
      if (final && isObject(key)) ended.add(key);
    } catch (err) {
      return Promise.reject(err);
    }
    return session === undefined ? RESOLVED : session.close({ final });
  };
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

const RESOLVED: Promise<void> = Promise.resolve();

function isObject(key: unknown): key is object {
  return (typeof key === "object" && key !== null) || typeof key === "function";
}
