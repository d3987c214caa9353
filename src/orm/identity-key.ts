/**
 * The identity of a row in a session: its table and its primary key. Kept as the key value
 * itself (a number for the usual integer key), not as text: the identity map then looks rows
 * up in a Map per table by that value, and a 100 000-row load builds and hashes no strings
 * (that was a sixth of its time).
 */
export interface IdentityKey {
  /** The table (its schema-qualified name: Table.ownerKey). */
  readonly owner: string;
  /** The primary key: the value itself for a one-column key, a text of the values for several. */
  readonly token: IdentityToken;
}

export type IdentityToken = string | number | bigint | boolean;

/** The identity for primary key values (in primary key order); undefined while any is missing. */
export function identityKeyFor(owner: string, pk: readonly unknown[]): IdentityKey | undefined {
  if (pk.length === 1) {
    const value = pk[0];
    if (value === undefined || value === null) return undefined;
    return { owner, token: singleToken(value) };
  }
  let text = "";
  for (let i = 0; i < pk.length; i++) {
    const value = pk[i];
    if (value === undefined || value === null) return undefined;
    text += i === 0 ? keyText(value) : `,${keyText(value)}`;
  }
  return { owner, token: text };
}

/** identityKeyFor(owner, [value]) without the array: a one-column key (the usual case, per loaded row). */
export function identityKeyForOne(owner: string, value: unknown): IdentityKey | undefined {
  return value === undefined || value === null ? undefined : { owner, token: singleToken(value) };
}

function singleToken(value: unknown): IdentityToken {
  switch (typeof value) {
    case "number":
    case "string":
    case "boolean":
      return value;
    case "bigint":
      // The same row whether the key came as 5n (a bigint column) or 5 (a caller's get(User, 5)).
      return value >= BigInt(Number.MIN_SAFE_INTEGER) && value <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(value) : value;
    default:
      return keyText(value);
  }
}

function keyText(value: unknown): string {
  if (typeof value === "string") return JSON.stringify(value);
  if (typeof value === "bigint") return value.toString();
  if (value instanceof Date) return value.toISOString();
  return String(value);
}

/** A map keyed by identity: per table, then per primary key value (no text built per key). */
export class KeyedMap<V> {
  readonly #tables = new Map<string, Map<IdentityToken, V>>();
  #size = 0;

  get size(): number {
    return this.#size;
  }

  get(key: IdentityKey): V | undefined {
    return this.#tables.get(key.owner)?.get(key.token);
  }

  set(key: IdentityKey, value: V): void {
    let table = this.#tables.get(key.owner);
    if (table === undefined) {
      table = new Map();
      this.#tables.set(key.owner, table);
    }
    const before = table.size;
    table.set(key.token, value);
    this.#size += table.size - before;
  }

  delete(key: IdentityKey): void {
    const table = this.#tables.get(key.owner);
    if (table !== undefined && table.delete(key.token)) this.#size--;
  }

  /** Delete the entries `keep` refuses. */
  retain(keep: (value: V) => boolean): void {
    for (const table of this.#tables.values()) {
      for (const [token, value] of table) {
        if (keep(value)) continue;
        table.delete(token);
        this.#size--;
      }
    }
  }

  *values(): IterableIterator<V> {
    for (const table of this.#tables.values()) yield* table.values();
  }

  /** Each entry to `into`, under the same key: table by table, with no key object per entry. */
  copyInto<W>(into: KeyedMap<W>, convert: (value: V) => W): void {
    for (const [owner, table] of this.#tables) {
      let target = into.#tables.get(owner);
      if (target === undefined) {
        target = new Map();
        into.#tables.set(owner, target);
      }
      const before = target.size;
      for (const [token, value] of table) target.set(token, convert(value));
      into.#size += target.size - before;
    }
  }

  clear(): void {
    this.#tables.clear();
    this.#size = 0;
  }
}
