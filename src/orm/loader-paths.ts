/**
 * The loader options' work after a query's rows are read: each selectin root relationship,
 * then each nested level of its path (loader-options.ts) over the objects the level above
 * reached, as SQLAlchemy's selectin loader does per path. A joined root was filled from the
 * rows already; its nested levels are done here the same way.
 */
import { loadSelectin } from "./eager-loading.js";
import { resolveLoaderPath, type LoaderOption } from "./loader-options.js";
import { stateOf, type Mapper } from "./mapper.js";
import type { OrmContext } from "./orm-context.js";
import type { Relationship } from "./relationships.js";

export async function loadOptionPaths(ctx: OrmContext, mapper: Mapper, loaders: readonly LoaderOption[], objects: readonly object[]): Promise<void> {
  for (const loader of loaders) {
    const [root, ...nested] = resolveLoaderPath(mapper, loader) as [Relationship, ...Relationship[]];
    if (loader.strategy === "selectin") await loadSelectin(ctx, root, objects);
    let rel = root;
    let level = objects;
    for (const next of nested) {
      level = reached(rel, level);
      if (level.length === 0) break; // nothing reached: no SELECT, and the other options still run
      await loadSelectin(ctx, next, level);
      rel = next;
    }
  }
}

/**
 * The objects `rel` holds on `parents`, each once: the referenced object of a many-to-one, every
 * item of a collection, whether loaded now or before. Only persistent ones: a pending object has
 * no row for a SELECT to match, and its relationships are what the program assigned (reading
 * an unset one gives null or [] rather than an error).
 */
function reached(rel: Relationship, parents: readonly object[]): object[] {
  const out = new Set<object>();
  for (const parent of parents) {
    const value = stateOf(parent).related.get(rel.key);
    const items = Array.isArray(value) ? (value as readonly unknown[]) : [value];
    for (const item of items) {
      if (typeof item === "object" && item !== null && stateOf(item).status === "persistent") out.add(item);
    }
  }
  return [...out];
}
