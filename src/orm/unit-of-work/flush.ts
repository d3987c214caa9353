/**
 * A flush in SQLAlchemy's three steps (habit 11): compute change sets → order them by
 * foreign-key dependencies → emit SQL. Saves go parents first, deletes children first. If a
 * statement fails, the values the flush wrote into objects (generated keys, synced foreign
 * keys) are put back, so the objects are as they were before it.
 *
 * Delete cascades come first (cascades.ts): they may load collections, which the plan, being
 * synchronous, cannot. Orphans (children taken out of a deleteOrphan collection) are found by
 * the plan itself; when there are any, they join the deletes (with their own cascades) and the
 * flush is planned again. New objects a delete cascade reaches are left out of the plan (never
 * INSERTed), and the pending ones are expunged once the flush went through. A deleted parent's
 * children without a cascade get a NULL foreign key; a collection of theirs that is not loaded
 * is loaded first (SQLAlchemy's default). Without deletes none of this costs anything.
 */
import type { InstanceState } from "../instance-state.js";
import { stateOf } from "../mapper.js";
import type { OrmContext } from "../orm-context.js";
import { cascadeDeletes, deletesCascade, deletesNullChildren, loadChildrenToNull } from "./cascades.js";
import { computeChangeSets, type ChangeInput, type FlushPlan } from "./change-sets.js";
import { orderRows } from "./commit-order.js";
import { deleteStep, saveStep } from "./persistence.js";

export async function runFlush(ctx: OrmContext, input: ChangeInput): Promise<FlushPlan | undefined> {
  // No await (no promise) unless something deleted cascades: most flushes, a web request's included.
  let toDelete = input.toDelete;
  /** New objects the delete cascades reached: left out of the plan (cascades.ts). */
  let dropped: readonly object[] = [];
  if (deletesCascade(toDelete)) ({ deletes: toDelete, dropped } = await cascadeDeletes(ctx, toDelete));
  if (deletesNullChildren(toDelete)) await loadChildrenToNull(ctx, toDelete);
  let plan = computeChangeSets(toDelete === input.toDelete ? input : { ...input, toDelete }, dropped);
  // Each round deletes more rows than the last, so this ends (the second plan finds no new orphans).
  while (plan.orphans !== undefined) {
    toDelete = [...toDelete, ...plan.orphans];
    if (deletesCascade(plan.orphans)) ({ deletes: toDelete, dropped } = await cascadeDeletes(ctx, toDelete));
    if (deletesNullChildren(toDelete)) await loadChildrenToNull(ctx, toDelete);
    plan = computeChangeSets({ ...input, toDelete }, dropped);
  }
  if (plan.inserts.length === 0 && plan.updates.length === 0 && plan.deletes.length === 0) return undefined;
  // What a failed flush must put back: only what it can write into (new rows' keys, defaults
  // and fetched values, the foreign keys it syncs, onUpdate values). A plain UPDATE of loaded
  // rows writes nothing into them, and copying 10 000 rows' values was a tenth of that flush.
  const saved: (readonly [InstanceState, ReadonlyMap<string, unknown>])[] = [];
  for (const s of plan.objects.keys()) if (s.status !== "persistent" || plan.syncs.has(s) || s.mapper.hasOnUpdate) saved.push([s, s.snapshotValues()]);
  // Both orders before any SQL: the delete order reads committed values the saves may change.
  const saveSteps = orderRows([...plan.inserts, ...plan.updates], plan.saveDependencies, describeRow);
  const deleteSteps = orderRows(plan.deletes, plan.deleteDependencies, describeRow).reverse();
  try {
    for (const step of saveSteps) await saveStep(ctx, plan, step);
    for (const step of deleteSteps) await deleteStep(ctx, { table: step.table, states: [...step.states].reverse() });
  } catch (err) {
    for (const [state, values] of saved) state.restoreValues(values);
    throw err;
  }
  // Only once the flush went through: a failed one leaves them pending, as they were.
  for (const object of dropped) if (stateOf(object).status === "pending") input.expunge(object);
  return plan;
}

export function describeRow(state: InstanceState): string {
  const pk = state.mapper.primaryKey.map((c) => state.values.get(c.key) ?? state.committed.get(c.key));
  return pk.some((v) => v === undefined || v === null) ? `${state.mapper.name}(new)` : `${state.mapper.name}(${pk.map(String).join(", ")})`;
}
