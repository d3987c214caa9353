import { AsyncLocalStorage } from "node:async_hooks";

/**
 * An async scope: the unit SingletonPool keeps one connection for and scopedSession keeps
 * one session for. A scope starts with runInScope() (the web middlewares start one per
 * request) and follows every await, timer and callback started inside it.
 */
export class AsyncScope {
  private static nextId = 1;
  readonly id = AsyncScope.nextId++;

  constructor(
    /**
     * What started this scope, where a web request did (the framework's request object): a
     * second athanor middleware on the same request (a second database) runs inside the first
     * one's scope and joins it (runInRequestScope). A scope of its own, nested, would hide the
     * first database's session from its middleware, which ends the session of its own scope:
     * the handler's session there would never be closed.
     */
    readonly origin?: object,
  ) {}
  /**
   * What code keeps for this scope (a scoped session registry its session, the engine the
   * connections a session holds), under the owner's key. On the scope itself, so it dies with
   * it: a WeakMap keyed by scope cost an ephemeron entry per request for the GC to trace. The
   * first two owners in fields (a web request has two: its session registry and the engine's
   * holds), more in a Map: a Map per request cost its allocation and hashing.
   */
  #owner0: object | undefined = undefined;
  #value0: unknown = undefined;
  #owner1: object | undefined = undefined;
  #value1: unknown = undefined;
  #more: Map<object, unknown> | undefined = undefined;

  slot(owner: object): unknown {
    if (this.#owner0 === owner) return this.#value0;
    if (this.#owner1 === owner) return this.#value1;
    return this.#more?.get(owner);
  }

  setSlot(owner: object, value: unknown): void {
    if (this.#owner0 === owner) this.#value0 = value;
    else if (this.#owner1 === owner) this.#value1 = value;
    else if (this.#more?.has(owner) === true) this.#more.set(owner, value);
    else if (this.#owner0 === undefined) {
      this.#owner0 = owner;
      this.#value0 = value;
    } else if (this.#owner1 === undefined) {
      this.#owner1 = owner;
      this.#value1 = value;
    } else {
      (this.#more ??= new Map()).set(owner, value);
    }
  }

  deleteSlot(owner: object): void {
    if (this.#owner0 === owner) {
      this.#owner0 = undefined;
      this.#value0 = undefined;
    } else if (this.#owner1 === owner) {
      this.#owner1 = undefined;
      this.#value1 = undefined;
    } else {
      this.#more?.delete(owner);
    }
  }
}

const storage = new AsyncLocalStorage<AsyncScope>();

/** Code that runs outside any runInScope() shares this scope. */
export const ROOT_SCOPE = new AsyncScope();

export function currentScope(): AsyncScope {
  return storage.getStore() ?? ROOT_SCOPE;
}

/** Run `fn` in a fresh scope of its own (given to it, so it need not look it up). */
export function runInScope<T>(fn: (scope: AsyncScope) => T): T {
  const scope = new AsyncScope();
  return storage.run(scope, fn, scope);
}

/**
 * Run `fn` in the scope `origin` (a web request) started, when this already runs in it (a
 * second middleware on the same request; `joined` is then true), else in a fresh scope
 * started by `origin`.
 */
export function runInRequestScope<T>(origin: object, fn: (scope: AsyncScope, joined: boolean) => T): T {
  const current = storage.getStore();
  if (current !== undefined && current.origin === origin) return fn(current, true);
  const scope = new AsyncScope(origin);
  return storage.run(scope, fn, scope, false);
}

/**
 * Run `fn` inside a scope captured earlier. For framework events that fire outside the
 * request's async flow (a response's 'finish' or 'close'), so teardown sees that request's
 * session.
 */
export function runInExistingScope<T>(scope: AsyncScope, fn: () => T): T {
  // Already there (a response ended from its handler): entering again costs a context switch.
  return storage.getStore() === scope ? fn() : storage.run(scope, fn);
}
