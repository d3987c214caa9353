/**
 * The contract every piece of a statement implements: it writes its part of the cache key
 * (structure only, values handed over separately) and its SQL. Statements are trees of
 * immutable nodes; builder methods return new trees that share the unchanged parts.
 */
import type { CacheKey } from "../compiler/cache-key.js";
import type { CompileContext } from "../compiler/context.js";

export interface SqlNode {
  /** Writes this node's structure (and hands over its literal values) to the key. */
  keyInto(key: CacheKey): void;
  /** The SQL for this node; values become placeholders through the context. */
  compile(ctx: CompileContext): string;
  /** Nested nodes, for the walks that look for columns and their tables. */
  children(): readonly SqlNode[];
  /** Set on columns: the table, alias or subquery the column belongs to. */
  readonly fromElement?: FromElement;
  /** Set on subqueries in expressions: the walk for a statement's FROM list stops there. */
  readonly isSubquery?: boolean;
}

/** A foreign key link between two columns, for inferring a join's ON clause. */
export interface ForeignKeyLink {
  /** The column holding the reference (on the referencing side). */
  readonly from: SqlNode;
  /** The referenced column. */
  readonly to: SqlNode;
  /** Both columns' table-level constraint, to group composite keys. */
  readonly constraint: object;
}

/** Something that can stand in a FROM clause: a table, an alias, a subquery, a join. */
export interface FromElement extends SqlNode {
  /** The text in a FROM clause: `"users"`, `"users" AS "u"`, `(SELECT ...) AS "s"`, `a JOIN b ON ...`. */
  compileFrom(ctx: CompileContext): string;
  /** The named elements inside (itself, or a join's tables), for de-duplication and correlation. */
  leaves(): readonly FromElement[];
  /** A readable name for error messages. */
  describe(): string;
  /**
   * The foreign keys whose referencing column is in this element, with each column as it is
   * seen from this element (an alias's columns, not its table's).
   */
  foreignKeyLinks(): readonly ForeignKeyLink[];
  /** The element's own column standing for `column` of the underlying table, if it has one. */
  correspondingColumn(column: SqlNode): SqlNode | undefined;
}

/**
 * Binding strength, weakest first: a child binding more weakly than its parent is wrapped
 * in parentheses (SQLAlchemy `operators._PRECEDENCE`).
 */
export const Precedence = {
  select: 0,
  or: 1,
  and: 2,
  not: 3,
  comparison: 5,
  is: 5,
  additive: 7,
  multiplicative: 8,
  unary: 9,
  atom: 10,
} as const;

/** Columns of a FROM element, with the walk stopping at subqueries. */
export function collectFroms(nodes: readonly SqlNode[], out: FromElement[]): void {
  const stack = [...nodes].reverse();
  while (stack.length > 0) {
    const node = stack.pop() as SqlNode;
    if (node.fromElement !== undefined) {
      if (!out.includes(node.fromElement)) out.push(node.fromElement);
      continue;
    }
    if (node.isSubquery === true) continue;
    const children = node.children();
    for (let i = children.length - 1; i >= 0; i--) stack.push(children[i] as SqlNode);
  }
}
