/**
 * The identity map (SQLAlchemy `WeakInstanceDict`): one object per row per session. Clean
 * objects are held weakly, so a session that reads a million rows one page at a time keeps
 * only the pages the caller still holds; objects with unflushed changes (and deleted ones)
 * are pinned strongly until a flush makes them clean. A FinalizationRegistry removes the
 * entries of collected objects.
 */
import { STATE, type InstanceState } from "./instance-state.js";

interface Entry {
  readonly ref: WeakRef<object>;
}

export class IdentityMap {
  readonly #entries = new Map<string, Entry>();
  /** Objects that must not be collected: modified or deleted, not yet flushed/committed. */
  readonly #pinned = new Map<string, object>();
  readonly #registry = new FinalizationRegistry<{ key: string; entry: Entry }>(({ key, entry }) => {
    // The key may since hold a newer object for the same row: only remove our own entry.
    if (this.#entries.get(key) === entry) this.#entries.delete(key);
  });

  /** Entries (some may be collected objects whose cleanup has not run yet). */
  get size(): number {
    return this.#entries.size;
  }

  /** Objects held strongly. */
  get strongCount(): number {
    return this.#pinned.size;
  }

  get(key: string): object | undefined {
    return this.#entries.get(key)?.ref.deref();
  }

  add(key: string, object: object): void {
    const entry: Entry = { ref: new WeakRef(object) };
    this.#entries.set(key, entry);
    this.#registry.register(object, { key, entry }, entry);
  }

  remove(key: string): void {
    const entry = this.#entries.get(key);
    if (entry !== undefined) this.#registry.unregister(entry);
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
    for (const entry of [...this.#entries.values()]) {
      const object = entry.ref.deref();
      if (object !== undefined) yield [object, (object as { [STATE]: InstanceState })[STATE]];
    }
  }

  clear(): void {
    for (const entry of this.#entries.values()) this.#registry.unregister(entry);
    this.#entries.clear();
    this.#pinned.clear();
  }
}
