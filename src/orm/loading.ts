/**
 * Rows to objects through the identity map (SQLAlchemy `loading.py`): a row for an identity
 * already in the session gives the same object; its unloaded (expired) attributes are filled
 * in, its loaded ones left alone (unless `overwrite`, as refresh() asks).
 */
import type { Select } from "../sql/statement/select.js";
import type { EntitySelect } from "./entity-select.js";
import type { IdentityKey } from "./identity-key.js";
import type { InstanceState } from "./instance-state.js";
import { stateOf, type Mapper } from "./mapper.js";
import type { OrmContext } from "./orm-context.js";
import { loadJoinedRow, startJoined } from "./eager-loading.js";
import { loadOptionPaths } from "./loader-paths.js";

/**
 * Where each of a mapper's columns sits in a result's rows (`mapper.columns` order), found by
 * name: the column's key, or the label a joined load gave it. Computed once per result.
 */
export function columnIndexes(mapper: Mapper, resultColumns: readonly string[], labels?: readonly string[]): number[] {
  return mapper.columns.map((column, i) => resultColumns.indexOf(labels === undefined ? column.key : (labels[i] as string)));
}

/**
 * The object for one row (`values`, read at `indexes`). Rows are read as the driver's arrays,
 * never as Row objects or records: on a 100 000-row load each allocation per row shows.
 */
export function absorbRow(ctx: OrmContext, mapper: Mapper, values: readonly unknown[], indexes: readonly number[], overwrite = false, adopt = false): object | undefined {
  const columns = mapper.columns;
  const identity = mapper.identityKeyAt(values, indexes);
  if (identity === undefined) return undefined; // an outer join that matched nothing
  const existing = ctx.identityMap.get(identity);
  if (existing !== undefined) {
    const state = stateOf(existing);
    if (overwrite) {
      state.expire(columns.map((c) => c.key));
      state.modified = false;
    }
    const loaded = new Map<string, unknown>();
    columns.forEach((column, i) => loaded.set(column.key, values[indexes[i] as number]));
    state.loadColumns(loaded, true);
    return existing;
  }
  let slots: unknown[];
  if (adopt) {
    slots = values as unknown[];
  } else {
    slots = new Array<unknown>(columns.length);
    for (let i = 0; i < slots.length; i++) slots[i] = values[indexes[i] as number];
  }
  const { object, state } = mapper.newInstance(slots);
  becomePersistent(ctx, state, identity);
  ctx.identityMap.add(identity, object);
  return object;
}

export function becomePersistent(ctx: OrmContext, state: InstanceState, identity: IdentityKey): void {
  state.status = "persistent";
  state.owner = ctx.owner;
  state.identityKey = identity;
}

/** Run an entity select and return its objects, eager loads done. */
export async function loadEntities<E extends object>(ctx: OrmContext, stmt: EntitySelect<E>, overwrite = false): Promise<E[]> {
  const { statement, joined } = stmt.toCore();
  return loadFromStatement(ctx, stmt, statement, joined, overwrite);
}

export async function loadFromStatement<E extends object>(
  ctx: OrmContext,
  stmt: EntitySelect<E>,
  statement: Select<Record<string, unknown>>,
  joined: ReturnType<EntitySelect<E>["toCore"]>["joined"],
  overwrite = false,
): Promise<E[]> {
  const result = await ctx.run(statement);
  const columns = result.keys();
  const indexes = columnIndexes(stmt.mapper, columns);
  // The rows are exactly the entity's columns in order (select(Entity) without joins): each
  // driver row becomes the object's values as it is, one array fewer per row. The result is the
  // ORM's own (an afterExecute listener that keeps it sees its rows change as the objects do).
  const adopt = joined.length === 0 && columns.length === indexes.length && indexes.every((index, i) => index === i);
  const objects: object[] = [];
  const joinState = startJoined(joined, columns);
  for (const row of result.rowValues()) {
    const object = absorbRow(ctx, stmt.mapper, row, indexes, overwrite, adopt) as object;
    if (joined.length > 0) loadJoinedRow(ctx, joinState, object, row);
    objects.push(object);
  }
  const unique = joined.length > 0 ? [...new Set(objects)] : objects; // joined collections repeat the parent per child
  joinState.finish();
  await loadOptionPaths(ctx, stmt.mapper, stmt.loaders, unique);
  return unique as E[];
}
