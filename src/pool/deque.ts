/**
 * A growable ring buffer: O(1) push/pop at the tail and shift at the head. Arrays' shift()
 * is O(n) once V8 leaves its fast mode, and the pool shifts on every FIFO checkout.
 */
export class Deque<T> {
  private items: (T | undefined)[];
  private head = 0;
  private size = 0;

  constructor(initialCapacity = 16) {
    this.items = new Array<T | undefined>(initialCapacity);
  }

  get length(): number {
    return this.size;
  }

  push(item: T): void {
    if (this.size === this.items.length) this.grow();
    this.items[(this.head + this.size) % this.items.length] = item;
    this.size++;
  }

  /** Remove and return the oldest item. */
  shift(): T | undefined {
    if (this.size === 0) return undefined;
    const item = this.items[this.head];
    this.items[this.head] = undefined;
    this.head = (this.head + 1) % this.items.length;
    this.size--;
    return item;
  }

  /** Remove and return the newest item. */
  pop(): T | undefined {
    if (this.size === 0) return undefined;
    const index = (this.head + this.size - 1) % this.items.length;
    const item = this.items[index];
    this.items[index] = undefined;
    this.size--;
    return item;
  }

  peek(): T | undefined {
    return this.size === 0 ? undefined : this.items[this.head];
  }

  /** Remove one item wherever it is (rare: aborted waiters, disposal). */
  remove(item: T): boolean {
    const all = this.toArray();
    const index = all.indexOf(item);
    if (index < 0) return false;
    all.splice(index, 1);
    this.reset(all);
    return true;
  }

  /** Remove every item and return them, oldest first. */
  drain(): T[] {
    const all = this.toArray();
    this.reset([]);
    return all;
  }

  toArray(): T[] {
    const out: T[] = [];
    for (let i = 0; i < this.size; i++) out.push(this.items[(this.head + i) % this.items.length] as T);
    return out;
  }

  private reset(all: T[]): void {
    this.items = new Array<T | undefined>(Math.max(16, all.length * 2));
    this.head = 0;
    this.size = 0;
    for (const item of all) this.push(item);
  }

  private grow(): void {
    const all = this.toArray();
    this.items = new Array<T | undefined>(this.items.length * 2);
    this.head = 0;
    this.size = 0;
    for (const item of all) this.push(item);
  }
}
