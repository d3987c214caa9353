/**
 * The identity map (SQLAlchemy `WeakInstanceDict`): one object per row per session. Clean
 * objects are held weakly, so a session that reads a million rows one page at a time keeps
 * only the pages the caller still holds; objects with unflushed changes (and deleted ones)
 * are pinned strongly until a flush makes them clean.
 *
 * Entries of collected objects are swept, not reported: a FinalizationRegistry registration
 * per object cost more than the rest of loading a row (an allocation per object, and work for
 * the GC per collected one). Instead a sweep drops dead entries once the map has taken twice
 * as many additions as it had live entries after the last sweep (at least SWEEP_MIN):
 * amortised O(1) per addition, and dead entries never outnumber twice the live ones.
 */
import { STATE, type InstanceState } from "./instance-state.js";

const SWEEP_MIN = 1024;

export class IdentityMap {
  readonly #entries = new Map<string, WeakRef<object>>();
  /** Objects that must not be collected: modified or deleted, not yet flushed/committed. */
  readonly #pinned = new Map<string, object>();
  #addsUntilSweep = SWEEP_MIN;

  /**
   * Live entries. Sweeps the dead ones first, so this walks the map (for inspection and
   * tests), and like any WeakRef.deref() keeps every live object alive until the current job
   * (the running task and its microtasks) ends.
   */
  get size(): number {
    this.#sweep();
    return this.#entries.size;
  }

  /** Objects held strongly. */
  get strongCount(): number {
    return this.#pinned.size;
  }

  get(key: string): object | undefined {
    const ref = this.#entries.get(key);
    if (ref === undefined) return undefined;
    const object = ref.deref();
    if (object === undefined) this.#entries.delete(key);
    return object;
  }

  add(key: string, object: object): void {
    this.#entries.set(key, new WeakRef(object));
    if (--this.#addsUntilSweep <= 0) this.#sweep();
  }

  remove(key: string): void {
    this.#entries.delete(key);
    this.#pinned.delete(key);
  }

  pin(key: string, object: object): void {
    this.#pinned.set(key, object);
  }

  unpin(key: string): void {
    this.#pinned.delete(key);
  }

  isPinned(key: string): boolean {
    return this.#pinned.has(key);
  }

  /** The live objects and their states. */
  *objects(): IterableIterator<[object, InstanceState]> {
    for (const ref of [...this.#entries.values()]) {
      const object = ref.deref();
      if (object !== undefined) yield [object, (object as { [STATE]: InstanceState })[STATE]];
    }
  }

  clear(): void {
    this.#entries.clear();
    this.#pinned.clear();
    this.#addsUntilSweep = SWEEP_MIN;
  }

  #sweep(): void {
    for (const [key, ref] of this.#entries) if (ref.deref() === undefined) this.#entries.delete(key);
    this.#addsUntilSweep = Math.max(SWEEP_MIN, 2 * this.#entries.size);
  }
}
