/**
 * A flush in SQLAlchemy's three steps (habit 11): compute change sets → order them by
 * foreign-key dependencies → emit SQL. Saves go parents first, deletes children first. If a
 * statement fails, the values the flush wrote into objects (generated keys, synced foreign
 * keys) are put back, so the objects are as they were before it.
 *
 * Delete cascades come first (cascades.ts): they may load collections, which the plan, being
 * synchronous, cannot. Orphans (children taken out of a deleteOrphan collection) are found by
 * the plan itself; when there are any, they join the deletes (with their own cascades) and the
 * flush is planned again. A deleted parent's children without a cascade get a NULL foreign key;
 * a collection of theirs that is not loaded is loaded first (SQLAlchemy's default). Without
 * deletes none of this costs anything.
 */
import type { InstanceState } from "../instance-state.js";
import type { OrmContext } from "../orm-context.js";
import { cascadeDeletes, deletesCascade, deletesNullChildren, loadChildrenToNull } from "./cascades.js";
import { computeChangeSets, type ChangeInput, type FlushPlan } from "./change-sets.js";
import { orderRows } from "./commit-order.js";
import { deleteStep, saveStep } from "./persistence.js";

export async function runFlush(ctx: OrmContext, input: ChangeInput): Promise<FlushPlan | undefined> {
  // No await (no promise) unless something deleted cascades: most flushes, a web request's included.
  let toDelete = deletesCascade(input.toDelete) ? await cascadeDeletes(ctx, input.toDelete) : input.toDelete;
  if (deletesNullChildren(toDelete)) await loadChildrenToNull(ctx, toDelete);
  let plan = computeChangeSets(toDelete === input.toDelete ? input : { ...input, toDelete });
  // Each round deletes more rows than the last, so this ends (the second plan finds no new orphans).
  while (plan.orphans !== undefined) {
    toDelete = [...toDelete, ...plan.orphans];
    if (deletesCascade(plan.orphans)) toDelete = await cascadeDeletes(ctx, toDelete);
    if (deletesNullChildren(toDelete)) await loadChildrenToNull(ctx, toDelete);
    plan = computeChangeSets({ ...input, toDelete });
  }
  if (plan.inserts.length === 0 && plan.updates.length === 0 && plan.deletes.length === 0) return undefined;
  const saved = [...plan.objects.keys()].map((s) => [s, s.snapshotValues()] as const);
  try {
    for (const step of orderRows([...plan.inserts, ...plan.updates], plan.saveDependencies, describeRow)) await saveStep(ctx, plan, step);
    const deleteSteps = orderRows(plan.deletes, plan.deleteDependencies, describeRow).reverse();
    for (const step of deleteSteps) await deleteStep(ctx, { table: step.table, states: [...step.states].reverse() });
  } catch (err) {
    for (const [state, values] of saved) state.restoreValues(values);
    throw err;
  }
  return plan;
}

export function describeRow(state: InstanceState): string {
  const pk = state.mapper.primaryKey.map((c) => state.values.get(c.key) ?? state.committed.get(c.key));
  return pk.some((v) => v === undefined || v === null) ? `${state.mapper.name}(new)` : `${state.mapper.name}(${pk.map(String).join(", ")})`;
}
