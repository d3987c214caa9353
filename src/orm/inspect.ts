/** `inspectObject(user).status`: an entity's ORM state, for tests and debugging (SQLAlchemy `inspect(obj)`). */
import type { ObjectStatus } from "./instance-state.js";
import { stateOf } from "./mapper.js";

export interface ObjectInfo {
  readonly status: ObjectStatus;
  /** Has unflushed changes. */
  readonly modified: boolean;
  /** Column keys not loaded (expired, or not set on a new object). */
  readonly unloaded: readonly string[];
  /** Relationship keys loaded. */
  readonly loadedRelationships: readonly string[];
}

export function inspectObject(object: object): ObjectInfo {
  const state = stateOf(object);
  return {
    status: state.status,
    modified: state.modified,
    unloaded: [...state.mapper.columnKeys].filter((k) => !state.values.has(k)),
    loadedRelationships: [...state.related.keys()],
  };
}
