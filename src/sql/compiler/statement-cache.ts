/**
 * A bounded LRU of compiled statements (SQLAlchemy's `compiled_cache`, default size 500; SPEC
 * S8: the compiled-statement cache is bounded). One cache per compile target, that is per
 * engine dialect, so statements compiled for one database never serve another.
 */
import { ArgumentError } from "../../errors.js";
import type { CompileTarget } from "../executable.js";

export const DEFAULT_STATEMENT_CACHE_SIZE = 500;

export class StatementCache<V> {
  #entries = new Map<string, V>();
  #capacity: number;
  /** Lookups that found a compiled statement. */
  hits = 0;
  /** Lookups that had to compile. */
  misses = 0;
  /** Entries dropped to stay within capacity. */
  evictions = 0;

  constructor(capacity = DEFAULT_STATEMENT_CACHE_SIZE) {
    this.#capacity = checkCapacity(capacity);
  }

  get capacity(): number {
    return this.#capacity;
  }

  get size(): number {
    return this.#entries.size;
  }

  /** The entry for `key`, made most recently used; counts a hit or a miss. */
  get(key: string): V | undefined {
    const entry = this.#entries.get(key);
    if (entry === undefined) {
      this.misses++;
      return undefined;
    }
    this.hits++;
    // Map keeps insertion order: re-inserting moves the key to the young end.
    this.#entries.delete(key);
    this.#entries.set(key, entry);
    return entry;
  }

  set(key: string, value: V): void {
    if (this.#capacity === 0) return;
    this.#entries.delete(key);
    this.#entries.set(key, value);
    this.#evictOverflow();
  }

  /** Change the capacity (0 turns caching off); the oldest entries go first. */
  resize(capacity: number): void {
    this.#capacity = checkCapacity(capacity);
    this.#evictOverflow();
  }

  clear(): void {
    this.#entries.clear();
  }

  stats(): { hits: number; misses: number; evictions: number; size: number; capacity: number } {
    return { hits: this.hits, misses: this.misses, evictions: this.evictions, size: this.size, capacity: this.#capacity };
  }

  #evictOverflow(): void {
    while (this.#entries.size > this.#capacity) {
      const oldest = this.#entries.keys().next().value as string;
      this.#entries.delete(oldest);
      this.evictions++;
    }
  }
}

function checkCapacity(capacity: number): number {
  if (!Number.isInteger(capacity) || capacity < 0) {
    throw new ArgumentError(`A statement cache capacity must be a non-negative integer (0 turns caching off); got ${String(capacity)}.`);
  }
  return capacity;
}

const caches = new WeakMap<CompileTarget, StatementCache<unknown>>();

/**
 * The cache for a target (pass `engine.dialect`): read `hits`/`misses`, `resize()` it or
 * `clear()` it. Created on first use with DEFAULT_STATEMENT_CACHE_SIZE entries.
 */
export function statementCacheFor(target: CompileTarget): StatementCache<unknown> {
  let cache = caches.get(target);
  if (cache === undefined) {
    cache = new StatementCache<unknown>();
    caches.set(target, cache);
  }
  return cache;
}
