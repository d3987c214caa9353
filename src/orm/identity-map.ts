/**
 * The identity map (SQLAlchemy `WeakInstanceDict`): one object per row per session. Clean
 * objects are held weakly, so a session that reads a million rows one page at a time keeps
 * only the pages the caller still holds; objects with unflushed changes (and deleted ones)
 * are pinned strongly until a flush makes them clean. Rows are found by table, then by the
 * primary key value itself (identity-key.ts).
 *
 * Objects enter strongly ("young") and are weakened in bulk on the next turn of the event loop
 * (setImmediate): the same lifetime WeakRef itself gives (a new WeakRef keeps its target alive
 * until the current job ends), without a WeakRef per object while a query's rows are being
 * absorbed, and none at all for a session closed before then (a request's, typically).
 * Making 100 000 WeakRefs in one go cost half of loading 100 000 rows.
 *
 * Entries of collected objects are swept, not reported: a FinalizationRegistry registration
 * per object cost more than the rest of loading a row (an allocation per object, and work for
 * the GC per collected one). Instead a sweep drops dead entries once the map has taken twice
 * as many additions as it had live entries after the last sweep (at least SWEEP_MIN):
 * amortised O(1) per addition, and dead entries never outnumber twice the live ones.
 */
import { KeyedMap, type IdentityKey } from "./identity-key.js";
import { STATE, type InstanceState } from "./instance-state.js";

const SWEEP_MIN = 1024;

export class IdentityMap {
  /** Added since the last weakening: held strongly until then (see above). */
  readonly #young = new KeyedMap<object>();
  #weakening: NodeJS.Immediate | undefined = undefined;
  readonly #entries = new KeyedMap<WeakRef<object>>();
  /** Objects that must not be collected: modified or deleted, not yet flushed/committed. */
  readonly #pinned = new KeyedMap<object>();
  #addsUntilSweep = SWEEP_MIN;

  /**
   * Live entries. Sweeps the dead ones first, so this walks the map (for inspection and
   * tests), and like any WeakRef.deref() keeps every live object alive until the current job
   * (the running task and its microtasks) ends.
   */
  get size(): number {
    this.#sweep();
    return this.#young.size + this.#entries.size;
  }

  /**
   * Nothing was ever added since the last clear() (dead entries not swept count as something).
   * No sweep: a session that ran only text() statements checks this at every commit and close.
   */
  get isEmpty(): boolean {
    return this.#young.size === 0 && this.#entries.size === 0 && this.#pinned.size === 0;
  }

  /** Objects held strongly. */
  get strongCount(): number {
    return this.#pinned.size;
  }

  get(key: IdentityKey): object | undefined {
    const young = this.#young.get(key);
    if (young !== undefined) return young;
    const ref = this.#entries.get(key);
    if (ref === undefined) return undefined;
    const object = ref.deref();
    if (object === undefined) this.#entries.delete(key);
    return object;
  }

  add(key: IdentityKey, object: object): void {
    this.#entries.delete(key); // a newer object for the row replaces an old entry
    this.#young.set(key, object);
    this.#weakening ??= setImmediate(() => this.#weaken()).unref();
  }

  remove(key: IdentityKey): void {
    this.#young.delete(key);
    this.#entries.delete(key);
    this.#pinned.delete(key);
  }

  pin(key: IdentityKey, object: object): void {
    this.#pinned.set(key, object);
  }

  unpin(key: IdentityKey): void {
    this.#pinned.delete(key);
  }

  /** The objects held strongly (modified or deleted), and their states. */
  *pinnedObjects(): IterableIterator<[object, InstanceState]> {
    for (const object of [...this.#pinned.values()]) yield [object, (object as { [STATE]: InstanceState })[STATE]];
  }

  /** Each live object's state, without building an entry per object (commit and rollback walk every one). */
  forEachState(visit: (state: InstanceState, object: object) => void): void {
    for (const object of [...this.#young.values()]) visit((object as { [STATE]: InstanceState })[STATE], object);
    for (const ref of [...this.#entries.values()]) {
      const object = ref.deref();
      if (object !== undefined) visit((object as { [STATE]: InstanceState })[STATE], object);
    }
  }

  /** The live objects and their states. */
  *objects(): IterableIterator<[object, InstanceState]> {
    for (const object of [...this.#young.values()]) yield [object, (object as { [STATE]: InstanceState })[STATE]];
    for (const ref of [...this.#entries.values()]) {
      const object = ref.deref();
      if (object !== undefined) yield [object, (object as { [STATE]: InstanceState })[STATE]];
    }
  }

  clear(): void {
    if (this.#weakening !== undefined) clearImmediate(this.#weakening);
    this.#weakening = undefined;
    this.#young.clear();
    this.#entries.clear();
    this.#pinned.clear();
    this.#addsUntilSweep = SWEEP_MIN;
  }

  /** The young entries become weak ones. */
  #weaken(): void {
    this.#weakening = undefined;
    // Sweep first when due: the entries about to come in were held strongly until now.
    this.#addsUntilSweep -= this.#young.size;
    if (this.#addsUntilSweep <= 0) this.#sweep();
    this.#young.copyInto(this.#entries, (object) => new WeakRef(object));
    this.#young.clear();
  }

  #sweep(): void {
    this.#entries.retain((ref) => ref.deref() !== undefined);
    this.#addsUntilSweep = Math.max(SWEEP_MIN, 2 * this.#entries.size);
  }
}
