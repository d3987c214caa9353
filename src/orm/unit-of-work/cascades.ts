/**
 * Delete cascades of a flush (SQLAlchemy `cascade="all, delete-orphan"`, reduced to a
 * oneToMany's "delete" and "deleteOrphan"):
 *
 * - "delete": the children of a deleted parent are deleted too, and theirs in turn. What gets
 *   deleted must not depend on what happens to be loaded, so a collection that is not loaded
 *   is loaded here, before the flush is planned: one SELECT of the children by foreign key
 *   per relationship and level (loadSelectin), the flush's own I/O, not a property read's.
 *   A new child (pending or transient) has no row to delete: it is dropped from the flush,
 *   never INSERTed, and a pending one is expunged (SQLAlchemy: a deleted pending object).
 * - "deleteOrphan": a persistent child taken out of a loaded collection is deleted, unless the
 *   same flush gives it another parent by the same foreign key (moved, not orphaned).
 *
 * The rows to delete are then ordered as any others: children before parents. Without a
 * cascade, a deleted parent's children get a NULL foreign key, loaded first when needed
 * (deletesNullChildren), unless the foreign key has its own ON DELETE.
 */
import { sameValue } from "../column-values.js";
import { loadSelectin } from "../eager-loading.js";
import type { InstanceState } from "../instance-state.js";
import { stateOf, type Mapper } from "../mapper.js";
import type { OrmContext } from "../orm-context.js";
import { sameForeignKey, type Relationship } from "../relationships.js";
import type { AnyColumn } from "../../sql/schema/column.js";
import type { ForeignKeySync } from "./change-sets.js";

/**
 * The collections of a deleted parent whose children must get a NULL foreign key (SQLAlchemy's
 * default, passive_deletes=False): oneToMany without a delete cascade, whose foreign key leaves
 * no ON DELETE to the database (one that declares it, CASCADE or SET NULL, is left to it).
 */
function nulledCollections(mapper: Mapper): readonly Relationship[] {
  let found = nulled.get(mapper);
  if (found === undefined) {
    found = [...mapper.relationships.values()].filter((rel) => rel.kind === "oneToMany" && !rel.cascadeDelete && onDeleteOf(rel) === undefined);
    nulled.set(mapper, found);
  }
  return found;
}

const nulled = new WeakMap<Mapper, readonly Relationship[]>();

/** The ON DELETE the database applies to `rel`'s foreign key, if its constraint declares one. */
function onDeleteOf(rel: Relationship): string | undefined {
  const constraint = rel.target.table.foreignKeys.find((fk) => fk.columns.length === rel.foreignKey.length && fk.columns.every((c, i) => c === rel.foreignKey[i]));
  return constraint?.onDelete;
}

/** Must the flush load children of these deleted objects, to give them a NULL foreign key? */
export function deletesNullChildren(toDelete: readonly object[]): boolean {
  return toDelete.some((object) => {
    const state = stateOf(object);
    return nulledCollections(state.mapper).some((rel) => !state.related.has(rel.key));
  });
}

/**
 * Load the collections nulledCollections names that are not loaded yet, one SELECT per
 * relationship: the plan then gives every child still there a NULL foreign key before the
 * parent's DELETE, as it does for a loaded collection, and as SQLAlchemy does (it loads them too).
 */
export async function loadChildrenToNull(ctx: OrmContext, toDelete: readonly object[]): Promise<void> {
  const parentsOf = new Map<Relationship, object[]>();
  for (const object of toDelete) {
    const state = stateOf(object);
    for (const rel of nulledCollections(state.mapper)) {
      if (state.related.has(rel.key)) continue;
      const parents = parentsOf.get(rel);
      if (parents === undefined) parentsOf.set(rel, [object]);
      else parents.push(object);
    }
  }
  for (const [rel, parents] of parentsOf) await loadSelectin(ctx, rel, parents);
}

/** A child taken out of a deleteOrphan collection, found while computing the change sets. */
export interface OrphanCandidate {
  readonly child: object;
  readonly rel: Relationship;
}

/** Does deleting these cascade to anything? Checked before cascadeDeletes, so a flush without cascades awaits nothing more. */
export function deletesCascade(toDelete: readonly object[]): boolean {
  return toDelete.some((object) => stateOf(object).mapper.deleteCascades.length > 0);
}

/** What deleting some objects cascades to. */
export interface CascadedDeletes {
  /** The objects given and, through "delete" cascades, every persistent child below them (children after their parents). */
  readonly deletes: readonly object[];
  /** New (pending or transient) children the cascades reached: nothing to delete, so the flush leaves them out. */
  readonly dropped: readonly object[];
}

/** `toDelete` and what its "delete" cascades reach, level by level. */
export async function cascadeDeletes(ctx: OrmContext, toDelete: readonly object[]): Promise<CascadedDeletes> {
  const all = [...toDelete];
  const dropped: object[] = [];
  const seen = new Set(toDelete.map(stateOf));
  let level: readonly object[] = toDelete;
  while (level.length > 0) {
    const next: object[] = [];
    // The level's parents per relationship: one SELECT per relationship for the collections not loaded.
    const parentsOf = new Map<Relationship, object[]>();
    for (const object of level) {
      for (const rel of stateOf(object).mapper.deleteCascades) {
        const parents = parentsOf.get(rel);
        if (parents === undefined) parentsOf.set(rel, [object]);
        else parents.push(object);
      }
    }
    for (const [rel, parents] of parentsOf) {
      // A new parent has no rows below it in the database: only what its collection holds in memory.
      const unloaded = new Set(parents.filter((parent) => !stateOf(parent).related.has(rel.key) && !isNew(stateOf(parent))));
      if (unloaded.size > 0) await loadSelectin(ctx, rel, [...unloaded]);
      for (const parent of parents) {
        for (const child of (stateOf(parent).related.get(rel.key) as readonly object[] | undefined) ?? []) {
          const state = stateOf(child);
          // Deleted ones are gone already.
          if (seen.has(state) || !(state.status === "persistent" || isNew(state))) continue;
          if (unloaded.has(parent) && movedAway(state, rel, stateOf(parent))) continue;
          seen.add(state);
          // Its own cascades apply in turn, a new child's too (what it holds may be persistent, moved into it).
          next.push(child);
          if (isNew(state)) dropped.push(child);
          else all.push(child);
        }
      }
    }
    level = next;
  }
  return { deletes: all, dropped };
}

/** Not in the database yet: no row to delete, nor any to load children from. */
function isNew(state: InstanceState): boolean {
  return state.status === "pending" || state.status === "transient";
}

/**
 * A child the database still lists under `parent`, given another parent in memory (by the
 * foreign key, or a loaded manyToOne on it) and not flushed yet: a load after an autoflush
 * would not have found it there, so it is not the parent's to delete.
 */
function movedAway(child: InstanceState, rel: Relationship, parent: InstanceState): boolean {
  for (const other of child.mapper.relationships.values()) {
    if (other.kind === "manyToOne" && sameForeignKey(other, rel) && child.related.has(other.key)) {
      const reference = child.related.get(other.key) as object | null;
      if (reference === null || stateOf(reference) !== parent) return true;
    }
  }
  return rel.foreignKey.some((column, i) => !sameValue(child.values.get(column.key), parent.values.get((rel.referenced[i] as AnyColumn).key)));
}

/**
 * The candidates that are orphans: persistent, not deleted already, and given no other parent
 * by the same foreign key in this flush. undefined when there are none (the usual case).
 */
export function orphansOf(
  candidates: readonly OrphanCandidate[],
  syncs: ReadonlyMap<InstanceState, readonly ForeignKeySync[]>,
  deleting: ReadonlySet<InstanceState>,
): object[] | undefined {
  const orphans: object[] = [];
  // A Set beside the list: looking each candidate up in the list was quadratic in the children taken out.
  const found = new Set<object>();
  for (const { child, rel } of candidates) {
    const state = stateOf(child);
    if (state.status !== "persistent" || deleting.has(state) || found.has(child)) continue;
    const reparented = (syncs.get(state) ?? []).some((sync) => sync.parent !== null && sameForeignKey(sync.rel, rel));
    if (!reparented) {
      orphans.push(child);
      found.add(child);
    }
  }
  return orphans.length > 0 ? orphans : undefined;
}
