/**
 * The FROM clause: joins, the ON clause inferred from foreign keys (SQLAlchemy
 * `join_condition`), and the FROM list of a SELECT, made of what was given explicitly plus
 * the tables its columns come from (SQLAlchemy's implicit FROM), minus, in a correlated
 * subquery, the tables of the enclosing statement.
 */
import type { CacheKey } from "../compiler/cache-key.js";
import type { CompileContext } from "../compiler/context.js";
import { CompileError } from "../errors.js";
import { Binary, Expression } from "../expression/elements.js";
import { collectFroms, Precedence, type ForeignKeyLink, type FromElement, type SqlNode } from "../expression/node.js";
import { and } from "../expression/operators.js";
import { BOOLEAN_RESULT } from "../schema/value-types.js";

export type JoinKind = "INNER" | "LEFT";

export class Join implements FromElement {
  constructor(
    readonly left: FromElement,
    readonly right: FromElement,
    readonly on: Expression,
    readonly kind: JoinKind,
  ) {}

  compileFrom(ctx: CompileContext): string {
    const right = this.right instanceof Join ? `(${this.right.compileFrom(ctx)})` : this.right.compileFrom(ctx);
    const keyword = this.kind === "LEFT" ? "LEFT OUTER JOIN" : "JOIN";
    return `${this.left.compileFrom(ctx)} ${keyword} ${right} ON ${this.on.compile(ctx)}`;
  }

  compile(ctx: CompileContext): string {
    return this.compileFrom(ctx);
  }

  keyInto(key: CacheKey): void {
    key.add("join", this.kind);
    this.left.keyInto(key);
    this.right.keyInto(key);
    this.on.keyInto(key);
  }

  children(): readonly SqlNode[] {
    return [];
  }

  leaves(): readonly FromElement[] {
    return [...this.left.leaves(), ...this.right.leaves()];
  }

  describe(): string {
    return `${this.left.describe()} JOIN ${this.right.describe()}`;
  }

  foreignKeyLinks(): readonly ForeignKeyLink[] {
    return [...this.left.foreignKeyLinks(), ...this.right.foreignKeyLinks()];
  }

  correspondingColumn(column: SqlNode): SqlNode | undefined {
    return this.left.correspondingColumn(column) ?? this.right.correspondingColumn(column);
  }
}

/** One foreign key path between two FROM elements: the column pairs to equate. */
interface JoinPath {
  readonly pairs: [SqlNode, SqlNode][];
}

/**
 * Foreign key paths between `left` and `right`, one per constraint and direction (a
 * self-referential key between a table and its alias gives two paths, and needs an ON clause).
 */
function joinPaths(left: FromElement, right: FromElement): JoinPath[] {
  const byConstraint = new Map<object, Map<string, JoinPath>>();
  const add = (links: readonly ForeignKeyLink[], other: FromElement, direction: string) => {
    for (const link of links) {
      const target = other.correspondingColumn(link.to);
      if (target === undefined) continue;
      let byDirection = byConstraint.get(link.constraint);
      if (byDirection === undefined) {
        byDirection = new Map();
        byConstraint.set(link.constraint, byDirection);
      }
      let path = byDirection.get(direction);
      if (path === undefined) {
        path = { pairs: [] };
        byDirection.set(direction, path);
      }
      path.pairs.push([link.from, target]);
    }
  };
  add(right.foreignKeyLinks(), left, "right references left");
  add(left.foreignKeyLinks(), right, "left references right");
  return [...byConstraint.values()].flatMap((byDirection) => [...byDirection.values()]);
}

function describeColumn(node: SqlNode): string {
  const named = node as { describe?: () => string };
  return typeof named.describe === "function" ? named.describe() : "?";
}

/** Whether `left` and `right` are linked by at least one foreign key. */
export function canJoin(left: FromElement, right: FromElement): boolean {
  return joinPaths(left, right).length > 0;
}

/** The ON clause from the one foreign key between `left` and `right`, or a CompileError naming the fix. */
export function inferOnClause(left: FromElement, right: FromElement): Expression<boolean> {
  const paths = joinPaths(left, right);
  const fix = `Give the ON clause: .join(${right.describe()}, <left column>.eq(<right column>)).`;
  if (paths.length === 0) {
    throw new CompileError(`Can't find a foreign key between ${left.describe()} and ${right.describe()} to join on. ${fix}`);
  }
  if (paths.length > 1) {
    const listed = paths.map((p) => p.pairs.map(([a, b]) => `${describeColumn(a)} = ${describeColumn(b)}`).join(" AND ")).join("; ");
    throw new CompileError(`Can't choose how to join ${left.describe()} and ${right.describe()}: there are ${paths.length} foreign key paths (${listed}). ${fix}`);
  }
  const pairs = (paths[0] as JoinPath).pairs;
  const conditions = pairs.map(([a, b]) => new Binary<boolean>(a as Expression, "=", b as Expression, BOOLEAN_RESULT, Precedence.comparison));
  return conditions.length === 1 ? (conditions[0] as Expression<boolean>) : and(...conditions);
}

/** The FROM elements the expressions' columns come from, in order of first appearance. */
export function fromsOf(nodes: readonly SqlNode[]): FromElement[] {
  const out: FromElement[] = [];
  collectFroms(nodes, out);
  return out;
}

/**
 * The FROM list: explicit elements first, then each implicit one not already inside them
 * (a table inside a join is covered by the join).
 */
export function mergeFroms(explicit: readonly FromElement[], implicit: readonly FromElement[]): FromElement[] {
  const covered = new Set<FromElement>(explicit.flatMap((f) => f.leaves()));
  const out = [...explicit];
  for (const element of implicit) {
    if (covered.has(element)) continue;
    covered.add(element);
    out.push(element);
  }
  return out;
}

/**
 * Auto-correlation (SQLAlchemy's default for subqueries in WHERE and the SELECT list): a FROM
 * element that the enclosing statement already has is left out, so the subquery refers to
 * the enclosing row. If that would leave nothing, everything stays, as SQLAlchemy does.
 */
export function correlate(froms: readonly FromElement[], enclosing: readonly FromElement[]): FromElement[] {
  if (enclosing.length === 0) return [...froms];
  const outer = new Set(enclosing);
  const kept = froms.filter((f) => !f.leaves().every((leaf) => outer.has(leaf)));
  return kept.length > 0 ? kept : [...froms];
}
