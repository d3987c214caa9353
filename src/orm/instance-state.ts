/**
 * The ORM's bookkeeping for one entity instance (SQLAlchemy `InstanceState`), kept beside
 * the object under a symbol so the object itself stays a plain-feeling value.
 *
 * Column values live in `values`; a key missing there is unloaded (expired, or never set on
 * a new object). `committed` is the database's version of each loaded column (loaded or last
 * flushed): flush compares the two to UPDATE only the columns that changed. Writes go through
 * methods, so the two can share one Map until the first change.
 */
import { ColumnValues } from "./column-values.js";
import type { IdentityKey } from "./identity-key.js";
import type { IdentityMap } from "./identity-map.js";
import type { Mapper } from "./mapper.js";

/** transient → pending (add) → persistent (flush) → deleted (flushed delete) → detached (commit / expunge / close). */
export type ObjectStatus = "transient" | "pending" | "persistent" | "deleted" | "detached";

/** The session side an instance reports changes to. */
export interface StateOwner {
  /** A loaded object was changed: hold it strongly until it is flushed. */
  markModified(state: InstanceState): void;
  /** A relationship of an object was loaded or set: flushes must look for collection changes. */
  relationshipSet(): void;
  /** The session's objects by row: backPopulates finds a reference that is not loaded here, without a query. */
  readonly identityMap: IdentityMap;
}

/** A transaction level, as far as instance states need one: to tell "changed since this savepoint". */
export interface LevelRef {
  readonly parent: LevelRef | undefined;
}

export const STATE: unique symbol = Symbol("athanor.instanceState");

/** What an unallocated relationship map reads as. Never written (typed read-only). */
const NO_ENTRIES: ReadonlyMap<string, unknown> = new Map();

export class InstanceState {
  status: ObjectStatus = "transient";
  owner: StateOwner | undefined = undefined;
  /** The identity map key, once the object is persistent. */
  identityKey: IdentityKey | undefined = undefined;
  /** Changed since loaded or flushed (set by the property setters). */
  modified = false;
  /** The transaction level whose flush inserted / updated / deleted the row (for savepoint rollback). */
  insertedIn: LevelRef | undefined = undefined;
  changedIn: LevelRef | undefined = undefined;
  deletedIn: LevelRef | undefined = undefined;
  readonly #values: ColumnValues;
  /**
   * undefined: the same as #values (nothing written since loaded or flushed). Loading 100 000
   * rows then costs one set of values per object, not two; the first write copies (#unshare).
   */
  #committed: ColumnValues | undefined = undefined;
  /** Allocated on first use: most loaded objects never have a relationship loaded. */
  #related: Map<string, unknown> | undefined = undefined;
  #relatedCommitted: Map<string, unknown> | undefined = undefined;

  /** `slots`: column values as loaded, in the mapper's column order (kept, not copied). */
  constructor(
    readonly mapper: Mapper,
    slots?: unknown[],
  ) {
    this.#values = new ColumnValues(mapper, slots);
  }

  /** Column values; a key missing here is unloaded (expired, or never set on a new object). */
  get values(): ReadonlyMap<string, unknown> {
    return this.#values;
  }

  /** The database's version of each loaded column (loaded or last flushed). */
  get committed(): ReadonlyMap<string, unknown> {
    return this.#committed ?? this.#values;
  }

  /** Relationship values loaded or assigned; a key missing here is not loaded. */
  get related(): ReadonlyMap<string, unknown> {
    return this.#related ?? NO_ENTRIES;
  }

  /** Relationship values as loaded or last flushed (collections copied), to find what changed. */
  get relatedCommitted(): ReadonlyMap<string, unknown> {
    return this.#relatedCommitted ?? NO_ENTRIES;
  }

  /** Set a column's value in the object only (a change the next flush writes). */
  setValue(key: string, value: unknown): void {
    this.#unshare();
    this.#values.set(key, value);
  }

  /** setValue by column position (mapper.columns order). */
  setValueAt(index: number, value: unknown): void {
    this.#unshare();
    this.#values.setAt(index, value);
  }

  /** Unset the column at `index` in the object only. */
  deleteValueAt(index: number): void {
    this.#unshare();
    this.#values.deleteAt(index);
  }

  /** The column at `index` is loaded (or set), and its value. */
  hasValueAt(index: number): boolean {
    return this.#values.hasAt(index);
  }

  valueAt(index: number): unknown {
    return this.#values.getAt(index);
  }

  /** A copy of the column values, for restoreValues. */
  snapshotValues(): ReadonlyMap<string, unknown> {
    return this.#values.copy();
  }

  /** Put back values saved earlier (a failed flush undoing what it wrote into the object). */
  restoreValues(saved: ReadonlyMap<string, unknown>): void {
    this.#unshare();
    this.#values.clear();
    for (const [key, value] of saved) this.#values.set(key, value);
  }

  /** One column's value as the database has it. */
  loadValue(key: string, value: unknown): void {
    this.#values.set(key, value);
    this.#committed?.set(key, value);
  }

  /** Load (or overwrite) column values from the database. */
  loadColumns(row: ReadonlyMap<string, unknown>, onlyUnloaded: boolean): void {
    for (const [key, value] of row) {
      if (onlyUnloaded && this.#values.has(key)) continue;
      this.loadValue(key, value);
    }
  }

  /** Changed by a property write (or through backPopulates): a loaded object is held strongly until flushed. */
  touch(): void {
    if (this.status !== "persistent" || this.modified) return; // already pinned by its first change
    this.modified = true;
    this.owner?.markModified(this);
  }

  setRelated(key: string, value: unknown): void {
    (this.#related ??= new Map()).set(key, value);
    this.owner?.relationshipSet();
  }

  /** The relationship's value as loaded (a collection copied, so later changes show). */
  setRelatedCommitted(key: string, value: unknown): void {
    (this.#relatedCommitted ??= new Map()).set(key, Array.isArray(value) ? [...(value as unknown[])] : value);
  }

  /** Forget a relationship's loaded value, so it must be loaded again. */
  forgetRelated(key: string): void {
    this.#related?.delete(key);
    this.#relatedCommitted?.delete(key);
  }

  /**
   * Forget loaded values so they are read again (SQLAlchemy expire); unsaved changes are
   * discarded. The primary key stays: it is the object's identity, needed to reload it.
   */
  expire(keys?: readonly string[]): void {
    if (keys === undefined) {
      this.#values.unloadExcept(this.mapper.primaryKeyMask);
      this.#committed?.unloadExcept(this.mapper.primaryKeyMask);
      this.#related = undefined;
      this.#relatedCommitted = undefined;
      this.modified = false;
      return;
    }
    const keep = new Set(this.mapper.primaryKey.map((c) => c.key));
    for (const key of keys) {
      if (keep.has(key)) continue;
      this.#values.delete(key);
      this.#committed?.delete(key);
      this.forgetRelated(key);
    }
  }

  /**
   * Positions (mapper column order) of loaded columns whose value differs from the
   * database's; undefined when nothing was written since they were loaded or flushed.
   */
  changedColumns(): number[] | undefined {
    return this.#committed === undefined ? undefined : this.#values.changedFrom(this.#committed);
  }

  /** The flushed values are now the database's. */
  markFlushed(): void {
    this.#committed = undefined;
    if (this.#related !== undefined) for (const [key, value] of this.#related) this.setRelatedCommitted(key, value);
    this.modified = false;
  }

  #unshare(): void {
    if (this.#committed === undefined) this.#committed = this.#values.copy();
  }
}

/** Was `level` begun inside `ancestor` (or is it `ancestor`)? */
export function within(level: LevelRef | undefined, ancestor: LevelRef): boolean {
  for (let l = level; l !== undefined; l = l.parent) if (l === ancestor) return true;
  return false;
}
