import { AsyncLocalStorage } from "node:async_hooks";

/**
 * An async scope: the unit SingletonPool keeps one connection for and scopedSession keeps
 * one session for. A scope starts with runInScope() (the web middlewares start one per
 * request) and follows every await, timer and callback started inside it.
 */
export class AsyncScope {
  private static nextId = 1;
  readonly id = AsyncScope.nextId++;
  /**
   * What code keeps for this scope (a scoped session registry its session, the engine the
   * connections a session holds), under the owner's key. On the scope itself, so it dies with
   * it: a WeakMap keyed by scope cost an ephemeron entry per request for the GC to trace.
   */
  #slots: Map<object, unknown> | undefined = undefined;

  slot(owner: object): unknown {
    return this.#slots?.get(owner);
  }

  setSlot(owner: object, value: unknown): void {
    (this.#slots ??= new Map()).set(owner, value);
  }

  deleteSlot(owner: object): void {
    this.#slots?.delete(owner);
  }
}

const storage = new AsyncLocalStorage<AsyncScope>();

/** Code that runs outside any runInScope() shares this scope. */
export const ROOT_SCOPE = new AsyncScope();

export function currentScope(): AsyncScope {
  return storage.getStore() ?? ROOT_SCOPE;
}

/** Run `fn` in a fresh scope of its own. */
export function runInScope<T>(fn: () => T): T {
  return storage.run(new AsyncScope(), fn);
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
