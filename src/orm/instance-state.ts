/**
 * The ORM's bookkeeping for one entity instance (SQLAlchemy `InstanceState`), kept beside
 * the object under a symbol so the object itself stays a plain-feeling value.
 *
 * Column values live in `values`; a key missing there is unloaded (expired, or never set on
 * a new object). `committed` is the database's version of each loaded column (loaded or last
 * flushed): flush compares the two to UPDATE only the columns that changed.
 */
import type { Mapper } from "./mapper.js";

/** transient → pending (add) → persistent (flush) → deleted (flushed delete) → detached (commit / expunge / close). */
export type ObjectStatus = "transient" | "pending" | "persistent" | "deleted" | "detached";

/** The session side an instance reports changes to. */
export interface StateOwner {
  /** A loaded object was changed: hold it strongly until it is flushed. */
  markModified(state: InstanceState): void;
}

/** A transaction level, as far as instance states need one: to tell "changed since this savepoint". */
export interface LevelRef {
  readonly parent: LevelRef | undefined;
}

export const STATE: unique symbol = Symbol("athanor.instanceState");

export class InstanceState {
  status: ObjectStatus = "transient";
  owner: StateOwner | undefined = undefined;
  /** The identity map key, once the object is persistent. */
  identityKey: string | undefined = undefined;
  readonly values = new Map<string, unknown>();
  committed = new Map<string, unknown>();
  /** Relationship values loaded or assigned; a key missing here is not loaded. */
  readonly related = new Map<string, unknown>();
  /** Relationship values as loaded or last flushed (collections copied), to find what changed. */
  readonly relatedCommitted = new Map<string, unknown>();
  /** Changed since loaded or flushed (set by the property setters). */
  modified = false;
  /** The transaction level whose flush inserted / updated / deleted the row (for savepoint rollback). */
  insertedIn: LevelRef | undefined = undefined;
  changedIn: LevelRef | undefined = undefined;
  deletedIn: LevelRef | undefined = undefined;

  constructor(readonly mapper: Mapper) {}

  /** Load (or overwrite) column values from the database. */
  loadColumns(row: ReadonlyMap<string, unknown>, onlyUnloaded: boolean): void {
    for (const [key, value] of row) {
      if (onlyUnloaded && this.values.has(key)) continue;
      this.values.set(key, value);
      this.committed.set(key, value);
    }
  }

  /**
   * Forget loaded values so they are read again (SQLAlchemy expire); unsaved changes are
   * discarded. The primary key stays: it is the object's identity, needed to reload it.
   */
  expire(keys?: readonly string[]): void {
    const keep = new Set(this.mapper.primaryKey.map((c) => c.key));
    if (keys === undefined) {
      for (const key of [...this.values.keys()]) if (!keep.has(key)) this.values.delete(key);
      for (const key of [...this.committed.keys()]) if (!keep.has(key)) this.committed.delete(key);
      this.related.clear();
      this.relatedCommitted.clear();
      this.modified = false;
      return;
    }
    for (const key of keys) {
      if (keep.has(key)) continue;
      this.values.delete(key);
      this.committed.delete(key);
      this.related.delete(key);
      this.relatedCommitted.delete(key);
    }
  }

  /** The flushed values are now the database's. */
  markFlushed(): void {
    this.committed = new Map(this.values);
    for (const [key, value] of this.related) this.relatedCommitted.set(key, Array.isArray(value) ? [...(value as unknown[])] : value);
    this.modified = false;
  }
}

/** Was `level` begun inside `ancestor` (or is it `ancestor`)? */
export function within(level: LevelRef | undefined, ancestor: LevelRef): boolean {
  for (let l = level; l !== undefined; l = l.parent) if (l === ancestor) return true;
  return false;
}
