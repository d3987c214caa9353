/**
 * Reading and writing entity attributes through their InstanceState: the property accessors
 * of entity classes call these. A write to a loaded object marks it modified, which is how
 * the session finds dirty objects (and holds them strongly until they are flushed).
 */
import { ArgumentError } from "../errors.js";
import { populateCollection, populateReference } from "./back-populates.js";
import { ExpiredAttributeError, RelationshipNotLoadedError } from "./errors.js";
import { STATE, type InstanceState } from "./instance-state.js";

/** The column at `index` (mapper.columns order: an entity's accessors know their column's). */
export function readColumn(state: InstanceState, index: number): unknown {
  if (state.hasValueAt(index)) return state.valueAt(index);
  // Not set yet on a new object: undefined, and the INSERT leaves the column to its default.
  if (state.status === "transient" || state.status === "pending") return undefined;
  throw new ExpiredAttributeError(state.mapper.name, state.mapper.columnKeyList[index] as string, state.status === "detached");
}

export function writeColumn(state: InstanceState, index: number, value: unknown): void {
  if (value === undefined) {
    state.deleteValueAt(index);
  } else {
    state.setValueAt(index, value);
  }
  state.touch();
}

export function readRelationship(state: InstanceState, key: string): unknown {
  if (state.related.has(key)) return state.related.get(key);
  if (state.status === "transient" || state.status === "pending") {
    const rel = state.mapper.relationship(key);
    if (rel.kind === "manyToOne") return null;
    // A new object's collection starts empty, and is the object's own from now on.
    const collection: object[] = [];
    state.setRelated(key, collection);
    return collection;
  }
  throw new RelationshipNotLoadedError(state.mapper.name, key);
}

/** `object` is the instance whose state this is: backPopulates puts it in the other side's collection. */
export function writeRelationship(state: InstanceState, key: string, value: unknown, object: object): void {
  const rel = state.mapper.relationship(key);
  const check = (item: unknown): void => {
    const target = (item as { [STATE]?: InstanceState } | null)?.[STATE];
    if (target === undefined || target.mapper !== rel.target) {
      throw new ArgumentError(`${state.mapper.name}.${key} takes ${rel.kind === "oneToMany" ? "an array of " : ""}${rel.target.name} instances${rel.kind === "manyToOne" ? " or null" : ""}.`);
    }
  };
  if (rel.kind === "manyToOne") {
    if (value !== null) check(value);
  } else {
    if (!Array.isArray(value)) throw new ArgumentError(`${state.mapper.name}.${key} is a collection: assign an array of ${rel.target.name}.`);
    value.forEach(check);
  }
  // Before the value is stored: the other side needs this side's previous value.
  if (rel.backPopulates !== undefined) {
    if (rel.kind === "manyToOne") populateReference(state, object, rel, value as object | null);
    else populateCollection(state, object, rel, value as readonly object[]);
  }
  state.setRelated(key, value);
  state.touch();
}
