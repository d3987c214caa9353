/**
 * Step one of a flush: what changed (SQLAlchemy `unitofwork.py` register_* + the
 * relationship dependency processors). New objects reachable through loaded relationships
 * are added (save-update cascade); each relationship becomes foreign key "syncs" applied
 * when the row is written (the parent's key may be generated only by its own INSERT); and
 * the dependencies between rows are collected for ordering. Children taken out of a
 * deleteOrphan collection are reported as orphans (cascades.ts), for the flush to delete.
 * New objects a delete cascade reached ("dropped") are left out, as if never added.
 */
import { ObjectStateError } from "../errors.js";
import { KeyedMap } from "../identity-key.js";
import type { InstanceState } from "../instance-state.js";
import { isEntityInstance, stateOf, type Mapper } from "../mapper.js";
import type { AnyColumn } from "../../sql/schema/column.js";
import type { Relationship } from "../relationships.js";
import { orphansOf, type OrphanCandidate } from "./cascades.js";
import type { RowDependencies } from "./commit-order.js";

/** Set the foreign key of `child` from `parent`'s key (or to NULL). */
export interface ForeignKeySync {
  readonly child: InstanceState;
  readonly rel: Relationship;
  readonly parent: InstanceState | null;
}

export interface FlushPlan {
  readonly inserts: InstanceState[];
  /** Persistent rows that may need an UPDATE (modified, or a sync target); the diff is taken when written. */
  readonly updates: InstanceState[];
  readonly deletes: InstanceState[];
  /** Per child, in the order to apply (NULLs for removed children first). */
  readonly syncs: Map<InstanceState, ForeignKeySync[]>;
  /**
   * Row → rows it must come after, worked out when first asked: only rows of tables that refer
   * to each other in a cycle need it (commit-order.ts), and a flush of 10 000 rows of ordinary
   * tables should not build a Set per row for nothing.
   */
  readonly saveDependencies: () => RowDependencies;
  readonly deleteDependencies: () => RowDependencies;
  readonly objects: Map<InstanceState, object>;
  /** Persistent children taken out of a deleteOrphan collection and given no other parent: to delete, then plan again. */
  readonly orphans: readonly object[] | undefined;
}

export interface ChangeInput {
  /** Added, not yet flushed, in add order. */
  readonly pending: readonly object[];
  /** Persistent objects that are modified or have loaded relationships. */
  readonly loaded: readonly object[];
  readonly toDelete: readonly object[];
  /** Add an object found through a relationship (save-update cascade). */
  cascadeAdd(object: object): void;
  /** Take a pending object a delete cascade reached out of the session (SQLAlchemy: a deleted pending object is expunged). */
  expunge(object: object): void;
  /** The owner objects of this session have. */
  readonly owner: unknown;
}

const NO_STATES: ReadonlySet<InstanceState> = new Set();

/** `dropped`: new objects a delete cascade reached (cascades.ts); they are neither inserted nor given a foreign key. */
export function computeChangeSets(input: ChangeInput, dropped: readonly object[] = []): FlushPlan {
  const left = dropped.length === 0 ? NO_STATES : new Set(dropped.map(stateOf));
  const objects = new Map<InstanceState, object>();
  const inserts: InstanceState[] = [];
  /** The states the walk below visited, in order (`objects` has them too, and later the deletes). */
  const seen: InstanceState[] = [];
  const deleting = new Set(input.toDelete.map(stateOf));
  const queue: object[] = [...input.pending, ...input.loaded];
  /** A related object the flush must look at too: a new one it reaches (save-update cascade). */
  const reach = (state: InstanceState, related: unknown): void => {
    if (!isEntityInstance(related)) return;
    const target = stateOf(related);
    if (target.owner !== undefined && target.owner !== input.owner && target.status !== "detached") {
      throw new ObjectStateError(`A ${target.mapper.name} referenced by ${state.mapper.name} belongs to another session; merge() it into this one first.`);
    }
    if ((target.status === "transient" || target.status === "pending") && !objects.has(target)) queue.push(related as object);
  };
  // Cascade: walk loaded relationships from every object the flush looks at.
  for (let i = 0; i < queue.length; i++) {
    const object = queue[i] as object;
    const state = stateOf(object);
    if (objects.has(state) || left.has(state)) continue;
    seen.push(state);
    objects.set(state, object);
    if (state.status === "transient") input.cascadeAdd(object);
    if (state.status === "pending") inserts.push(state);
    if (state.related.size === 0) continue;
    for (const value of state.related.values()) {
      if (!Array.isArray(value)) reach(state, value);
      else for (const related of value as unknown[]) reach(state, related);
    }
  }
  for (const object of input.toDelete) objects.set(stateOf(object), object);

  const syncs = new Map<InstanceState, ForeignKeySync[]>();
  const addSync = (sync: ForeignKeySync): void => {
    if (deleting.has(sync.child) || left.has(sync.child)) return;
    const list = syncs.get(sync.child) ?? [];
    if (sync.parent === null) list.unshift(sync);
    else list.push(sync);
    syncs.set(sync.child, list);
  };
  let orphanCandidates: OrphanCandidate[] | undefined;
  for (const state of seen) {
    if (state.related.size === 0) continue;
    for (const [key, value] of state.related) {
      const rel = state.mapper.relationship(key);
      const before = state.relatedCommitted.get(key);
      if (rel.kind === "manyToOne") {
        if (value !== null) addSync({ child: state, rel, parent: stateOf(value) });
        // null assigned: the foreign key becomes NULL, unless it was loaded as null (nothing to
        // change). Assigned without having been loaded (before undefined) counts, as in SQLAlchemy.
        else if (state.status === "pending" || before !== null) addSync({ child: state, rel, parent: null });
        continue;
      }
      const now = value as object[];
      for (const child of now) addSync({ child: stateOf(child), rel, parent: state });
      // Children taken out of a loaded collection lose their parent (SQLAlchemy's default, without
      // delete-orphan). With deleteOrphan, whether one is deleted instead is known once every sync is.
      for (const child of removedChildren((before as object[] | undefined) ?? [], now)) {
        objects.set(stateOf(child), child);
        addSync({ child: stateOf(child), rel, parent: null });
        if (rel.deleteOrphan) (orphanCandidates ??= []).push({ child, rel });
      }
    }
  }
  // A deleted parent's loaded children that stay get a NULL foreign key. The sync to the parent
  // its own collection made above is dropped: applied after the NULL, it kept the key of the
  // row being deleted (and the DELETE then failed on the foreign key).
  for (const state of deleting) {
    for (const [key, value] of state.related) {
      if (state.mapper.relationship(key).kind !== "oneToMany") continue;
      for (const child of value as object[]) {
        const childState = stateOf(child);
        if (left.has(childState)) continue; // no row, and none to come
        objects.set(childState, child);
        const list = syncs.get(childState);
        if (list !== undefined) syncs.set(childState, list.filter((sync) => sync.parent !== state));
        addSync({ child: childState, rel: state.mapper.relationship(key), parent: null });
      }
    }
  }

  const updates = [...objects.keys()].filter((s) => s.status === "persistent" && !deleting.has(s) && (s.modified || syncs.has(s)));
  const saving = [...inserts, ...updates];
  const saveDependencies = (): RowDependencies => {
    const found = dependencies(saving, (s) => s.values);
    for (const [child, list] of syncs) {
      for (const sync of list) if (sync.parent !== null && sync.parent !== child) found.get(child)?.add(sync.parent);
    }
    return found;
  };
  const deletes = [...deleting];
  const orphans = orphanCandidates === undefined ? undefined : orphansOf(orphanCandidates, syncs, deleting);
  return { inserts, updates, deletes, syncs, saveDependencies, deleteDependencies: () => dependencies(deletes, (s) => s.committed), objects, orphans };
}

/**
 * The members of `before` (a collection as loaded) that `now` no longer holds, in `before`'s
 * order. Linear: a Set of `now`, built only when something may have been taken out (a
 * collection unchanged, or only appended to, keeps `before` as its prefix). Looking each one
 * up in `now` made this O(before × now) for every loaded collection a flush looks at.
 */
function removedChildren(before: readonly object[], now: readonly object[]): readonly object[] {
  if (before.length === 0) return before;
  if (now.length >= before.length && before.every((child, i) => now[i] === child)) return [];
  const members = new Set(now);
  return before.filter((child) => !members.has(child));
}

/** Row → rows (in the same set) its foreign key values point to. */
function dependencies(states: readonly InstanceState[], valuesOf: (s: InstanceState) => ReadonlyMap<string, unknown>): Map<InstanceState, Set<InstanceState>> {
  const mapperOfTable = new Map<unknown, Mapper>();
  for (const state of states) mapperOfTable.set(state.mapper.table, state.mapper);
  // Per mapper, once: its foreign keys that reference the primary key of a table in the set
  // (only those identify a row through the identity map, and only such rows can be depended on).
  const keysOf = new Map<Mapper, ReferencingKey[]>();
  const referenced = new Set<unknown>();
  for (const mapper of mapperOfTable.values()) {
    const keys: ReferencingKey[] = [];
    for (const fk of mapper.table.foreignKeys) {
      const target = mapperOfTable.get(fk.referencedTable);
      if (target === undefined) continue;
      const pk = target.primaryKey;
      if (pk.length !== fk.referencedColumns.length || !pk.every((c, i) => c === fk.referencedColumns[i])) continue;
      keys.push({ columns: fk.columns, target });
      referenced.add(fk.referencedTable);
    }
    keysOf.set(mapper, keys);
  }
  const byIdentity = new KeyedMap<InstanceState>();
  for (const state of states) {
    if (!referenced.has(state.mapper.table)) continue;
    const key = state.mapper.identityKey(state.mapper.primaryKey.map((c) => valuesOf(state).get(c.key)));
    if (key !== undefined) byIdentity.set(key, state);
  }
  const out = new Map<InstanceState, Set<InstanceState>>();
  for (const state of states) {
    const deps = new Set<InstanceState>();
    for (const { columns, target: mapper } of keysOf.get(state.mapper) as ReferencingKey[]) {
      const key = mapper.identityKey(columns.map((c) => valuesOf(state).get(c.key)));
      const target = key === undefined ? undefined : byIdentity.get(key);
      if (target !== undefined && target !== state) deps.add(target);
    }
    out.set(state, deps);
  }
  return out;
}

/** A foreign key (its columns) that identifies a row of `target` by primary key. */
interface ReferencingKey {
  readonly columns: readonly AnyColumn[];
  readonly target: Mapper;
}
