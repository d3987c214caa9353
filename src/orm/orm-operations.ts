/**
 * Session operations that read through the identity map: get(), refresh(), merge(). The
 * Session wraps each in its one-operation-at-a-time guard and hands it an OrmContext.
 */
import { ArgumentError } from "../errors.js";
import type { AnyColumn } from "../sql/schema/column.js";
import { writeColumn } from "./attributes.js";
import { loadSelectin } from "./eager-loading.js";
import type { EntityClass } from "./entity-class.js";
import { select } from "./entity-select.js";
import { ObjectDeletedError, ObjectStateError } from "./errors.js";
import { loadEntities } from "./loading.js";
import { mapperOf, stateOf, type Mapper } from "./mapper.js";
import type { OrmContext } from "./orm-context.js";
import type { SessionObjects } from "./session-objects.js";

/** A primary key: the value, the values in key order, or an object by column key. */
export type PrimaryKey = string | number | bigint | Date | readonly unknown[] | Readonly<Record<string, unknown>>;

export function primaryKeyValues(mapper: Mapper, pk: PrimaryKey): unknown[] {
  if (Array.isArray(pk)) return [...(pk as readonly unknown[])];
  if (typeof pk === "object" && pk !== null && !(pk instanceof Date)) return mapper.primaryKey.map((c) => (pk as Record<string, unknown>)[c.key]);
  return [pk];
}

/** The object already in the session for `pk`, fully loaded (no query needed), if any. */
export function identityHit<E extends object>(objects: SessionObjects, entity: EntityClass<E>, pk: PrimaryKey): E | undefined {
  const mapper = mapperOf(entity);
  const values = primaryKeyValues(mapper, pk);
  if (values.length !== mapper.primaryKey.length) {
    throw new ArgumentError(`${mapper.name} has a primary key of ${mapper.primaryKey.length} column(s) (${mapper.primaryKey.map((c) => c.key).join(", ")}); get() was given ${values.length} value(s).`);
  }
  const key = mapper.identityKey(values);
  const object = key === undefined ? undefined : objects.identityMap.get(key);
  if (object === undefined) return undefined;
  const state = stateOf(object);
  const loaded = mapper.columns.every((c) => state.values.has(c.key));
  return loaded && state.status === "persistent" ? (object as E) : undefined;
}

function wherePrimaryKey(mapper: Mapper, values: readonly unknown[]) {
  return mapper.primaryKey.map((c: AnyColumn, i) => c.eq(values[i] as never));
}

export async function getByKey<E extends object>(ctx: OrmContext, entity: EntityClass<E>, pk: PrimaryKey): Promise<E | undefined> {
  const mapper = mapperOf(entity);
  const found = await loadEntities(ctx, select(entity).where(...wherePrimaryKey(mapper, primaryKeyValues(mapper, pk))));
  return found[0];
}

/** Reload columns (and the named relationships) from the database, discarding unflushed changes to them. */
export async function refresh(ctx: OrmContext, objects: SessionObjects, object: object, attributes?: readonly string[]): Promise<void> {
  const state = stateOf(object);
  if (state.owner !== objects || state.status !== "persistent") {
    throw new ObjectStateError(`refresh() needs a persistent object of this session; this ${state.mapper.name} is ${state.status}.`);
  }
  const mapper = state.mapper;
  for (const name of attributes ?? []) {
    if (!mapper.columnKeys.has(name) && !mapper.relationshipKeys.has(name)) throw new ArgumentError(`${mapper.name} has no attribute '${name}'.`);
  }
  const columns = attributes === undefined ? [...mapper.columnKeys] : attributes.filter((a) => mapper.columnKeys.has(a));
  const relationships = attributes === undefined ? [...state.related.keys()] : attributes.filter((a) => mapper.relationshipKeys.has(a));
  if (columns.length > 0) {
    const pk = mapper.primaryKey.map((c) => state.values.get(c.key));
    state.expire(columns);
    const found = await loadEntities(ctx, select(mapper.entity).where(...wherePrimaryKey(mapper, pk)));
    if (found.length === 0) throw new ObjectDeletedError(`Could not refresh this ${mapper.name}: its row (${pk.map(String).join(", ")}) no longer exists.`);
    if (state.modified && mapper.columns.every((c) => state.values.get(c.key) === state.committed.get(c.key))) state.modified = false;
  }
  for (const key of relationships) {
    state.forgetRelated(key);
    await loadSelectin(ctx, mapper.relationship(key), [object]);
  }
}

/**
 * Copy `object`'s loaded column values onto the session's object for the same row (loaded
 * if needed), or onto a new pending one when the row does not exist; return that object.
 */
export async function merge<E extends object>(ctx: OrmContext, objects: SessionObjects, object: E): Promise<E> {
  const state = stateOf(object);
  if (state.owner === objects && (state.status === "persistent" || state.status === "pending")) return object;
  const mapper = state.mapper;
  const pk = mapper.primaryKey.map((c) => state.values.get(c.key));
  const key = mapper.identityKey(pk);
  let target: object | undefined = key === undefined ? undefined : objects.identityMap.get(key);
  if (target === undefined && key !== undefined) target = await getByKey(ctx, mapper.entity, pk);
  if (target === undefined) {
    const fresh = mapper.newInstance();
    target = fresh.object;
    objects.add(target);
  }
  const targetState = stateOf(target);
  for (const [k, v] of state.values) {
    if (targetState.values.has(k) && targetState.values.get(k) === v) continue;
    writeColumn(targetState, targetState.mapper.columnIndex.get(k) as number, v);
  }
  return target as E;
}
