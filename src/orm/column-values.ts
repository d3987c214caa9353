/**
 * An entity instance's column values: a slot per mapped column, in the mapper's column order,
 * behind the ReadonlyMap interface the ORM reads them through. A Map per object cost about
 * three times the memory (and the GC time) of one array when loading 100 000 rows; the keys
 * and their positions are the mapper's, shared by every instance.
 */

/** A slot whose column is not loaded (expired, or never set on a new object). */
const UNLOADED: unique symbol = Symbol("athanor.unloaded");

/** What ColumnValues needs from a mapper: the column keys and where each sits. */
export interface ColumnLayout {
  readonly columnKeyList: readonly string[];
  readonly columnIndex: ReadonlyMap<string, number>;
}

export class ColumnValues implements ReadonlyMap<string, unknown> {
  readonly #layout: ColumnLayout;
  readonly #slots: unknown[];

  constructor(layout: ColumnLayout, slots?: unknown[]) {
    this.#layout = layout;
    this.#slots = slots ?? new Array<unknown>(layout.columnKeyList.length).fill(UNLOADED);
  }

  get size(): number {
    let loaded = 0;
    for (const slot of this.#slots) if (slot !== UNLOADED) loaded++;
    return loaded;
  }

  get(key: string): unknown {
    const index = this.#layout.columnIndex.get(key);
    if (index === undefined) return undefined;
    const slot = this.#slots[index];
    return slot === UNLOADED ? undefined : slot;
  }

  has(key: string): boolean {
    const index = this.#layout.columnIndex.get(key);
    return index !== undefined && this.#slots[index] !== UNLOADED;
  }

  set(key: string, value: unknown): void {
    this.#slots[this.#indexOf(key)] = value;
  }

  /** By position (an entity's property accessors know theirs): no key lookup per read or write. */
  hasAt(index: number): boolean {
    return this.#slots[index] !== UNLOADED;
  }

  getAt(index: number): unknown {
    const slot = this.#slots[index];
    return slot === UNLOADED ? undefined : slot;
  }

  setAt(index: number, value: unknown): void {
    this.#slots[index] = value;
  }

  deleteAt(index: number): void {
    this.#slots[index] = UNLOADED;
  }

  delete(key: string): void {
    const index = this.#layout.columnIndex.get(key);
    if (index !== undefined) this.#slots[index] = UNLOADED;
  }

  clear(): void {
    this.#slots.fill(UNLOADED);
  }

  /** Unload every slot whose `keep` entry is not true (expiry keeps the primary key). */
  unloadExcept(keep: readonly boolean[]): void {
    for (let i = 0; i < this.#slots.length; i++) if (keep[i] !== true) this.#slots[i] = UNLOADED;
  }

  /** Positions (column order) of loaded slots whose value differs from `before`'s (unloaded there counts as different). */
  changedFrom(before: ColumnValues): number[] {
    const out: number[] = [];
    const other = before.#slots;
    for (let i = 0; i < this.#slots.length; i++) {
      const slot = this.#slots[i];
      if (slot !== UNLOADED && (other[i] === UNLOADED || !sameValue(slot, other[i]))) out.push(i);
    }
    return out;
  }

  copy(): ColumnValues {
    return new ColumnValues(this.#layout, [...this.#slots]);
  }

  *entries(): MapIterator<[string, unknown]> {
    const keys = this.#layout.columnKeyList;
    for (let i = 0; i < this.#slots.length; i++) {
      const slot = this.#slots[i];
      if (slot !== UNLOADED) yield [keys[i] as string, slot];
    }
  }

  *keys(): MapIterator<string> {
    for (const [key] of this.entries()) yield key;
  }

  *values(): MapIterator<unknown> {
    for (const [, value] of this.entries()) yield value;
  }

  forEach(callback: (value: unknown, key: string, map: ReadonlyMap<string, unknown>) => void): void {
    for (const [key, value] of this.entries()) callback(value, key, this);
  }

  [Symbol.iterator](): MapIterator<[string, unknown]> {
    return this.entries();
  }

  get [Symbol.toStringTag](): string {
    return "ColumnValues";
  }

  #indexOf(key: string): number {
    const index = this.#layout.columnIndex.get(key);
    if (index === undefined) throw new Error(`'${key}' is not a mapped column (columns: ${this.#layout.columnKeyList.join(", ")})`);
    return index;
  }
}

/** Two column values are the same for change detection (Dates by instant, JSON by content). */
export function sameValue(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (a instanceof Date && b instanceof Date) return a.getTime() === b.getTime();
  if (typeof a === "object" && typeof b === "object" && a !== null && b !== null) return JSON.stringify(a) === JSON.stringify(b);
  return false;
}
