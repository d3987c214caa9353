/**
 * Rows to objects through the identity map (SQLAlchemy `loading.py`): a row for an identity
 * already in the session gives the same object; its unloaded (expired) attributes are filled
 * in, its loaded ones left alone (unless `overwrite`, as refresh() asks).
 */
import type { Select } from "../sql/statement/select.js";
import type { EntitySelect } from "./entity-select.js";
import type { InstanceState } from "./instance-state.js";
import { stateOf, type Mapper } from "./mapper.js";
import type { OrmContext } from "./orm-context.js";
import { loadJoinedRow, loadSelectin, startJoined } from "./eager-loading.js";

export type RowValues = Readonly<Record<string, unknown>>;

/** The object for one row; `keys` maps each column key to its key in the row (joined loads use labels). */
export function absorbRow(ctx: OrmContext, mapper: Mapper, row: RowValues, keys?: readonly string[], overwrite = false): object | undefined {
  const values = new Map<string, unknown>();
  mapper.columns.forEach((column, i) => values.set(column.key, row[keys === undefined ? column.key : (keys[i] as string)]));
  const identity = mapper.identityKey(mapper.primaryKey.map((c) => values.get(c.key)));
  if (identity === undefined) return undefined; // an outer join that matched nothing
  const existing = ctx.identityMap.get(identity);
  if (existing !== undefined) {
    const state = stateOf(existing);
    if (overwrite) {
      state.expire(mapper.columns.map((c) => c.key));
      state.modified = false;
    }
    state.loadColumns(values, true);
    return existing;
  }
  const { object, state } = mapper.newInstance();
  becomePersistent(ctx, state, identity);
  state.loadColumns(values, false);
  ctx.identityMap.add(identity, object);
  return object;
}

export function becomePersistent(ctx: OrmContext, state: InstanceState, identity: string): void {
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
  const rows = result.all().map((r) => r._mapping);
  const objects: object[] = [];
  const joinState = startJoined(joined);
  for (const row of rows) {
    const object = absorbRow(ctx, stmt.mapper, row, undefined, overwrite) as object;
    loadJoinedRow(ctx, joinState, object, row);
    objects.push(object);
  }
  const unique = joined.length > 0 ? [...new Set(objects)] : objects; // joined collections repeat the parent per child
  joinState.finish();
  for (const loader of stmt.loaders) {
    if (loader.strategy === "selectin") await loadSelectin(ctx, stmt.mapper.relationship(loader.key), unique);
  }
  return unique as E[];
}
