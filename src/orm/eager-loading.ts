/**
 * Explicit relationship loading (SQLAlchemy `strategies.py`): joinedload reads the related
 * rows from the same SELECT's LEFT OUTER JOIN; selectinload runs one more SELECT per
 * relationship, `WHERE key IN (...)` over the parents just loaded (in chunks of 500, as
 * SQLAlchemy does). A relationship already loaded on an object is left as it is.
 */
import { and, or } from "../sql/expression/operators.js";
import type { Expression } from "../sql/expression/elements.js";
import type { AnyColumn } from "../sql/schema/column.js";
import { select as coreSelect, type Select } from "../sql/statement/select.js";
import type { JoinedLoad } from "./entity-select.js";
import type { IdentityKey } from "./identity-key.js";
import type { InstanceState } from "./instance-state.js";
import { absorbRow, columnIndexes } from "./loading.js";
import { stateOf } from "./mapper.js";
import type { OrmContext } from "./orm-context.js";
import type { Relationship } from "./relationships.js";

const CHUNK = 500;

/** A relationship value as loaded from the database. */
export function setLoaded(state: InstanceState, key: string, value: unknown): void {
  state.setRelated(key, value);
  state.setRelatedCommitted(key, value);
}

interface JoinedProgress {
  readonly load: JoinedLoad;
  /** Where the target's columns sit in the rows (by their labels). */
  readonly indexes: readonly number[];
  /** Per parent: the collection being gathered, or "skip" when it was loaded before this query. */
  readonly collections: Map<object, object[] | "skip">;
}

export interface JoinedState {
  readonly loads: readonly JoinedProgress[];
  finish(): void;
}

export function startJoined(loads: readonly JoinedLoad[], resultColumns: readonly string[]): JoinedState {
  const progress = loads.map((load) => ({
    load,
    indexes: columnIndexes(load.relationship.target, resultColumns, load.keys),
    collections: new Map<object, object[] | "skip">(),
  }));
  return {
    loads: progress,
    finish() {
      for (const { load, collections } of progress) {
        if (load.relationship.kind !== "oneToMany") continue;
        for (const [parent, items] of collections) if (items !== "skip") setLoaded(stateOf(parent), load.relationship.key, items);
      }
    },
  };
}

export function loadJoinedRow(ctx: OrmContext, joined: JoinedState, parent: object, row: readonly unknown[]): void {
  for (const { load, indexes, collections } of joined.loads) {
    const rel = load.relationship;
    let items = collections.get(parent);
    if (items === undefined) {
      items = stateOf(parent).related.has(rel.key) ? "skip" : [];
      collections.set(parent, items);
    }
    if (items === "skip") continue;
    const target = absorbRow(ctx, rel.target, row, indexes);
    if (rel.kind === "manyToOne") setLoaded(stateOf(parent), rel.key, target ?? null);
    else if (target !== undefined && !items.includes(target)) items.push(target);
  }
}

export async function loadSelectin(ctx: OrmContext, rel: Relationship, parents: readonly object[]): Promise<void> {
  const todo = [...new Set(parents)].map(stateOf).filter((s) => !s.related.has(rel.key));
  if (todo.length === 0) return;
  if (rel.kind === "oneToMany") await loadCollections(ctx, rel, todo);
  else await loadReferences(ctx, rel, todo);
}

function tupleKey(values: readonly unknown[]): string | undefined {
  if (values.some((v) => v === null || v === undefined)) return undefined;
  return values.map((v) => (typeof v === "bigint" ? `${v}n` : JSON.stringify(v))).join("|");
}

/** `col IN (...)` for one column, `(a = ? AND b = ?) OR ...` for several. */
function matching(columns: readonly AnyColumn[], tuples: readonly (readonly unknown[])[]): Expression<boolean> {
  if (columns.length === 1) return (columns[0] as AnyColumn).in(tuples.map((t) => t[0] as never));
  return or(...tuples.map((t) => and(...columns.map((c, i) => c.eq(t[i] as never)))));
}

async function fetchRows(ctx: OrmContext, rel: Relationship, columns: readonly AnyColumn[], tuples: readonly (readonly unknown[])[]): Promise<object[]> {
  const out: object[] = [];
  for (let i = 0; i < tuples.length; i += CHUNK) {
    const chunk = tuples.slice(i, i + CHUNK);
    const statement = (coreSelect(rel.target.table) as unknown as Select<Record<string, unknown>>)
      .where(matching(columns, chunk))
      .orderBy(...rel.target.primaryKey);
    const result = await ctx.run(statement);
    const indexes = columnIndexes(rel.target, result.keys());
    for (const row of result.rowValues()) out.push(absorbRow(ctx, rel.target, row, indexes) as object);
  }
  return out;
}

async function loadCollections(ctx: OrmContext, rel: Relationship, parents: readonly InstanceState[]): Promise<void> {
  const byKey = new Map<string, InstanceState[]>();
  for (const state of parents) {
    const key = tupleKey(rel.referenced.map((c) => state.values.get(c.key)));
    if (key === undefined) {
      setLoaded(state, rel.key, []);
      continue;
    }
    byKey.set(key, [...(byKey.get(key) ?? []), state]);
  }
  const tuples = [...byKey.values()].map((states) => rel.referenced.map((c) => (states[0] as InstanceState).values.get(c.key)));
  const children = tuples.length === 0 ? [] : await fetchRows(ctx, rel, rel.foreignKey, tuples);
  const grouped = new Map<string, object[]>();
  for (const child of children) {
    const key = tupleKey(rel.foreignKey.map((c) => stateOf(child).values.get(c.key)));
    if (key !== undefined) grouped.set(key, [...(grouped.get(key) ?? []), child]);
  }
  for (const [key, states] of byKey) for (const state of states) setLoaded(state, rel.key, [...(grouped.get(key) ?? [])]);
}

async function loadReferences(ctx: OrmContext, rel: Relationship, parents: readonly InstanceState[]): Promise<void> {
  const targetIsPk = rel.referenced.length === rel.target.primaryKey.length && rel.referenced.every((c, i) => c === rel.target.primaryKey[i]);
  const wanted = new Map<string, { values: unknown[]; states: InstanceState[] }>();
  for (const state of parents) {
    const values = rel.foreignKey.map((c) => state.values.get(c.key));
    const key = tupleKey(values);
    if (key === undefined) {
      setLoaded(state, rel.key, null);
      continue;
    }
    // Already in the session: no query (the identity map's point).
    const known = targetIsPk ? ctx.identityMap.get(rel.target.identityKey(values) as IdentityKey) : undefined;
    if (known !== undefined) {
      setLoaded(state, rel.key, known);
      continue;
    }
    const entry = wanted.get(key) ?? { values, states: [] };
    entry.states.push(state);
    wanted.set(key, entry);
  }
  if (wanted.size === 0) return;
  const targets = await fetchRows(ctx, rel, rel.referenced, [...wanted.values()].map((w) => w.values));
  const byKey = new Map<string, object>();
  for (const target of targets) {
    const key = tupleKey(rel.referenced.map((c) => stateOf(target).values.get(c.key)));
    if (key !== undefined) byKey.set(key, target);
  }
  for (const [key, { states }] of wanted) for (const state of states) setLoaded(state, rel.key, byKey.get(key) ?? null);
}
