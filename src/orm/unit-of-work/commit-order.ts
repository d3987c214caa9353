/**
 * Step two of a flush: the order of the statements (SQLAlchemy `unitofwork.py` +
 * `topological.py`). Tables are ordered by their foreign keys, parents first (Tarjan's
 * strongly connected components, which come out dependencies-first). A table that refers
 * to itself, or tables in a cycle, are ordered row by row from the rows' own references;
 * rows that refer to each other in a circle are reported, since no order of INSERTs (or
 * DELETEs) can satisfy them.
 */
import type { AnyTable } from "../../sql/schema/table.js";
import { CircularDependencyError } from "../errors.js";
import type { InstanceState } from "../instance-state.js";

/** Statements run in steps; each step is rows of one table that can go in one batch. */
export interface Step {
  readonly table: AnyTable;
  readonly states: readonly InstanceState[];
}

/** row → the rows it refers to (which must be inserted before it, deleted after it). */
export type RowDependencies = ReadonlyMap<InstanceState, ReadonlySet<InstanceState>>;

/** Tables ordered parents first, grouped into strongly connected components. */
export function sortTables(tables: readonly AnyTable[]): { tables: AnyTable[]; cyclic: boolean }[] {
  const involved = new Set(tables);
  const parentsOf = (t: AnyTable): AnyTable[] =>
    t.foreignKeys.map((fk) => fk.referencedTable as unknown as AnyTable).filter((p) => involved.has(p));
  // Tarjan: a component is emitted after every component it depends on.
  const index = new Map<AnyTable, number>();
  const low = new Map<AnyTable, number>();
  const stack: AnyTable[] = [];
  const onStack = new Set<AnyTable>();
  const out: { tables: AnyTable[]; cyclic: boolean }[] = [];
  let counter = 0;
  const visit = (t: AnyTable): void => {
    index.set(t, counter);
    low.set(t, counter++);
    stack.push(t);
    onStack.add(t);
    for (const p of parentsOf(t)) {
      if (!index.has(p)) {
        visit(p);
        low.set(t, Math.min(low.get(t) as number, low.get(p) as number));
      } else if (onStack.has(p)) {
        low.set(t, Math.min(low.get(t) as number, index.get(p) as number));
      }
    }
    if (low.get(t) === index.get(t)) {
      const component: AnyTable[] = [];
      let member: AnyTable;
      do {
        member = stack.pop() as AnyTable;
        onStack.delete(member);
        component.unshift(member);
      } while (member !== t);
      const selfReferencing = component.length === 1 && parentsOf(t).includes(t);
      out.push({ tables: component, cyclic: component.length > 1 || selfReferencing });
    }
  };
  for (const t of tables) if (!index.has(t)) visit(t);
  return out;
}

/**
 * The steps for `states` (in the order they were added, which each batch keeps), parents
 * before children. For deletes, run the steps reversed with each step's rows reversed.
 */
export function orderRows(states: readonly InstanceState[], dependencies: () => RowDependencies, describe: (s: InstanceState) => string): Step[] {
  const byTable = new Map<AnyTable, InstanceState[]>();
  for (const state of states) {
    const table = state.mapper.table;
    // Push, not copy: copying the list per row made ordering quadratic in the rows of a table.
    const list = byTable.get(table);
    if (list === undefined) byTable.set(table, [state]);
    else list.push(state);
  }
  const steps: Step[] = [];
  /** Only tables in a cycle need row-by-row order: asked for then. */
  let rowDependencies: RowDependencies | undefined;
  for (const component of sortTables([...byTable.keys()])) {
    if (!component.cyclic) {
      const table = component.tables[0] as AnyTable;
      steps.push({ table, states: byTable.get(table) as InstanceState[] });
      continue;
    }
    const members = component.tables.flatMap((t) => byTable.get(t) ?? []);
    for (const level of rowLevels(members, (rowDependencies ??= dependencies()), describe)) {
      for (const table of component.tables) {
        const rows = level.filter((s) => s.mapper.table === table);
        if (rows.length > 0) steps.push({ table, states: rows });
      }
    }
  }
  return steps;
}

/** Kahn's algorithm in levels: each level depends only on earlier ones, so each can be one batch per table. */
function rowLevels(members: readonly InstanceState[], dependencies: RowDependencies, describe: (s: InstanceState) => string): InstanceState[][] {
  const inSet = new Set(members);
  const remaining = new Set(members);
  const levels: InstanceState[][] = [];
  while (remaining.size > 0) {
    const level = [...remaining].filter((s) => [...(dependencies.get(s) ?? [])].every((d) => d === s || !inSet.has(d) || !remaining.has(d)));
    if (level.length === 0) {
      const cycle = findCycle([...remaining], dependencies, remaining);
      throw new CircularDependencyError(
        `These rows refer to each other in a circle, so no INSERT or DELETE order satisfies their foreign keys: ${cycle.map(describe).join(" -> ")}. ` +
          "Break the circle: flush() one side first and set the reference afterwards (the column must be nullable), or remove one reference.",
        cycle.map(describe),
      );
    }
    for (const s of level) remaining.delete(s);
    levels.push(level);
  }
  return levels;
}

function findCycle(start: readonly InstanceState[], dependencies: RowDependencies, within: ReadonlySet<InstanceState>): InstanceState[] {
  const path: InstanceState[] = [];
  let current = start[0] as InstanceState;
  while (!path.includes(current)) {
    path.push(current);
    const next = [...(dependencies.get(current) ?? [])].find((d) => d !== current && within.has(d));
    if (next === undefined) return path;
    current = next;
  }
  return [...path.slice(path.indexOf(current)), current];
}
