/**
 * Column expressions (SQLAlchemy `sql/elements.py`): the Expression base with its operator
 * methods, and the nodes those methods build. They share one module because the base class
 * creates its subclasses: split, the modules would import each other and one class would be
 * used before it is defined.
 *
 * Literal values always become bound parameters (BindValue), never SQL text.
 */
import { ArgumentError } from "../../errors.js";
import type { CacheKey } from "../compiler/cache-key.js";
import type { CompileContext } from "../compiler/context.js";
import { BOOLEAN_RESULT, typeOfValue } from "../schema/value-types.js";
import type { SqlType } from "../schema/types.js";
import { Precedence, type FromElement, type SqlNode } from "./node.js";
import { OrderByItem } from "./order-by.js";

export { OrderByItem } from "./order-by.js";

/** A value or an expression of the same JavaScript type. */
export type Operand<T> = T | Expression<T> | Expression<T | null>;

/** A boolean condition, as where() and and() take. */
export type Predicate = Expression<boolean> | Expression<boolean | null>;

/** A SELECT usable inside an expression: `x.in(select(...))`, `exists(select(...))`. */
export interface SubquerySource {
  /** The statement as a parenthesised, correlated subquery node. */
  asExpressionSubquery(): SqlNode;
}

function isSubquerySource(value: unknown): value is SubquerySource {
  return typeof value === "object" && value !== null && typeof (value as Partial<SubquerySource>).asExpressionSubquery === "function";
}

export abstract class Expression<T = unknown> implements SqlNode {
  /** Phantom: the JavaScript type of the expression's value. Never set at runtime. */
  declare readonly __type?: T;
  /** The SQL type, for binding values compared with it and for reading results. */
  abstract readonly type: SqlType | undefined;
  /** How strongly the expression binds (see Precedence). */
  abstract readonly precedence: number;
  declare readonly fromElement?: FromElement;
  declare readonly isSubquery?: boolean;

  abstract keyInto(key: CacheKey): void;
  abstract compile(ctx: CompileContext): string;
  abstract children(): readonly SqlNode[];

  /** `= other`; eq(null) is `IS NULL` (SQLAlchemy's `== None`). */
  eq(other: Operand<NonNullable<T>> | null): Expression<boolean> {
    return other === null ? new Unary("IS NULL", this, "postfix", Precedence.is) : this.#compare("=", other);
  }

  /** `<> other`; ne(null) is `IS NOT NULL`. */
  ne(other: Operand<NonNullable<T>> | null): Expression<boolean> {
    return other === null ? new Unary("IS NOT NULL", this, "postfix", Precedence.is) : this.#compare("<>", other);
  }

  lt(other: Operand<NonNullable<T>>): Expression<boolean> {
    return this.#compare("<", other);
  }

  le(other: Operand<NonNullable<T>>): Expression<boolean> {
    return this.#compare("<=", other);
  }

  gt(other: Operand<NonNullable<T>>): Expression<boolean> {
    return this.#compare(">", other);
  }

  ge(other: Operand<NonNullable<T>>): Expression<boolean> {
    return this.#compare(">=", other);
  }

  /** `IN (...)` over values (each bound) or a subquery; an empty list is false. */
  in(values: readonly NonNullable<T>[] | SubquerySource): Expression<boolean> {
    return new InList(this, this.#inOperand(values, "in"), false);
  }

  notIn(values: readonly NonNullable<T>[] | SubquerySource): Expression<boolean> {
    return new InList(this, this.#inOperand(values, "notIn"), true);
  }

  like(this: Expression<string> | Expression<string | null>, pattern: Operand<string>): Expression<boolean> {
    return this.#compare("LIKE", pattern);
  }

  notLike(this: Expression<string> | Expression<string | null>, pattern: Operand<string>): Expression<boolean> {
    return this.#compare("NOT LIKE", pattern);
  }

  /** Case-insensitive LIKE: ILIKE on PostgreSQL, `lower(x) LIKE lower(y)` elsewhere. */
  ilike(this: Expression<string> | Expression<string | null>, pattern: Operand<string>): Expression<boolean> {
    return this.#compare("ILIKE", pattern);
  }

  notIlike(this: Expression<string> | Expression<string | null>, pattern: Operand<string>): Expression<boolean> {
    return this.#compare("NOT ILIKE", pattern);
  }

  isNull(): Expression<boolean> {
    return new Unary("IS NULL", this, "postfix", Precedence.is);
  }

  isNotNull(): Expression<boolean> {
    return new Unary("IS NOT NULL", this, "postfix", Precedence.is);
  }

  between(low: Operand<NonNullable<T>>, high: Operand<NonNullable<T>>): Expression<boolean> {
    return new Between(this, coerce(low, this.type, this), coerce(high, this.type, this), false);
  }

  notBetween(low: Operand<NonNullable<T>>, high: Operand<NonNullable<T>>): Expression<boolean> {
    return new Between(this, coerce(low, this.type, this), coerce(high, this.type, this), true);
  }

  add(this: Expression<number> | Expression<number | null>, other: Operand<number>): Expression<T> {
    return new Binary(this, "+", coerce(other, this.type, this), this.type, Precedence.additive) as Expression<T>;
  }

  sub(this: Expression<number> | Expression<number | null>, other: Operand<number>): Expression<T> {
    return new Binary(this, "-", coerce(other, this.type, this), this.type, Precedence.additive) as Expression<T>;
  }

  mul(this: Expression<number> | Expression<number | null>, other: Operand<number>): Expression<T> {
    return new Binary(this, "*", coerce(other, this.type, this), this.type, Precedence.multiplicative) as Expression<T>;
  }

  div(this: Expression<number> | Expression<number | null>, other: Operand<number>): Expression<T> {
    return new Binary(this, "/", coerce(other, this.type, this), this.type, Precedence.multiplicative) as Expression<T>;
  }

  /** Name the expression in a SELECT list: `expr AS "name"`, and the row key `name`. */
  as<N extends string>(name: N): Label<N, T> {
    return new Label(name, this);
  }

  asc(): OrderByItem {
    return new OrderByItem(this, "ASC");
  }

  desc(): OrderByItem {
    return new OrderByItem(this, "DESC");
  }

  #compare(operator: string, other: unknown): Expression<boolean> {
    return new Binary(this, operator, coerce(other, this.type, this), BOOLEAN_RESULT, Precedence.comparison);
  }

  #inOperand(values: unknown, method: string): SqlNode | Expression[] {
    if (isSubquerySource(values)) return values.asExpressionSubquery();
    if (!Array.isArray(values)) throw new ArgumentError(`${method}() takes an array of values or a select(); got ${typeof values}.`);
    return values.map((value: unknown) => coerce(value, this.type, this));
  }
}

/** What a literal in an expression is compared with names it in error messages. */
function labelOf(context: Expression | undefined): string {
  const named = context as { describe?: () => string } | undefined;
  return typeof named?.describe === "function" ? named.describe() : "a value";
}

/**
 * Turn an operand into an expression: expressions pass (a bindparam() without a type takes
 * the other side's), anything else is bound as a parameter of `type`.
 */
export function coerce(value: unknown, type: SqlType | undefined, context?: Expression): Expression {
  if (value instanceof BindParam) return value.type === undefined && type !== undefined ? value.withType(type) : value;
  if (value instanceof Expression) return value;
  if (value === undefined) {
    throw new ArgumentError(`undefined was given for ${labelOf(context)}; use null for SQL NULL (undefined usually means a missing or misspelt value).`);
  }
  return new BindValue(value, type ?? typeOfValue(value), labelOf(context));
}

/** Wrap a child's SQL in parentheses when it binds more weakly than its parent. */
export function wrap(ctx: CompileContext, child: Expression, parent: number, rightSide = false): string {
  const sql = child.compile(ctx);
  return child.precedence < parent || (rightSide && child.precedence === parent && parent !== Precedence.atom) ? `(${sql})` : sql;
}

/** A literal value, bound as a parameter (SQLAlchemy `literal()` / BindParameter with a value). */
export class BindValue<T = unknown> extends Expression<T> {
  readonly precedence = Precedence.atom;
  constructor(
    readonly value: unknown,
    readonly type: SqlType | undefined,
    /** What the value is for, in error messages ("users.name"). */
    readonly label = "a value",
  ) {
    super();
  }
  keyInto(key: CacheKey): void {
    key.value(this, this.value, this.type?.key ?? "");
  }
  compile(ctx: CompileContext): string {
    return ctx.bindValue(this, this.type, this.label);
  }
  children(): readonly SqlNode[] {
    return [];
  }
}

/** A named parameter whose value comes from execute(stmt, { name: value }) (SQLAlchemy `bindparam()`). */
export class BindParam<T = unknown> extends Expression<T> {
  readonly precedence = Precedence.atom;
  constructor(
    readonly name: string,
    readonly type: SqlType | undefined,
  ) {
    super();
    if (typeof name !== "string" || name === "") throw new ArgumentError("bindparam() needs a non-empty name.");
  }
  withType(type: SqlType): BindParam<T> {
    return new BindParam<T>(this.name, type);
  }
  keyInto(key: CacheKey): void {
    key.add(":param", this.type?.key ?? "");
    key.name(this.name);
  }
  compile(ctx: CompileContext): string {
    return ctx.bindParam(this.name, this.type, `parameter '${this.name}'`);
  }
  children(): readonly SqlNode[] {
    return [];
  }
}

/** `left op right`: comparisons, LIKE, arithmetic. */
export class Binary<T = unknown> extends Expression<T> {
  constructor(
    readonly left: Expression,
    readonly operator: string,
    readonly right: Expression,
    readonly type: SqlType | undefined,
    readonly precedence: number,
  ) {
    super();
  }
  keyInto(key: CacheKey): void {
    key.add("(", this.operator);
    this.left.keyInto(key);
    this.right.keyInto(key);
    key.add(")");
  }
  compile(ctx: CompileContext): string {
    const left = wrap(ctx, this.left, this.precedence);
    const right = wrap(ctx, this.right, this.precedence, true);
    if (this.operator === "ILIKE" || this.operator === "NOT ILIKE") return ctx.dialect.ilike(left, right, this.operator === "NOT ILIKE");
    return `${left} ${this.operator} ${right}`;
  }
  children(): readonly SqlNode[] {
    return [this.left, this.right];
  }
}

/** `NOT x`, `x IS NULL`, `EXISTS (...)`, `-x`. */
export class Unary<T = boolean> extends Expression<T> {
  constructor(
    readonly operator: string,
    readonly operand: SqlNode,
    readonly position: "prefix" | "postfix",
    readonly precedence: number,
    readonly type: SqlType | undefined = BOOLEAN_RESULT,
    /** Operands binding more weakly than this are parenthesised; NOT uses it to write `NOT (a = b)` for clarity. */
    private readonly operandPrecedence = precedence,
  ) {
    super();
  }
  keyInto(key: CacheKey): void {
    key.add("(", this.position, this.operator);
    this.operand.keyInto(key);
    key.add(")");
  }
  compile(ctx: CompileContext): string {
    const operand = this.operand instanceof Expression ? wrap(ctx, this.operand, this.operandPrecedence) : this.operand.compile(ctx);
    return this.position === "prefix" ? `${this.operator} ${operand}` : `${operand} ${this.operator}`;
  }
  children(): readonly SqlNode[] {
    return [this.operand];
  }
}

/** `a AND b AND c` / `a OR b`; nested lists of the same operator are flattened. */
export class BooleanList extends Expression<boolean> {
  readonly type = BOOLEAN_RESULT;
  readonly precedence: number;
  readonly items: readonly Expression[];
  constructor(
    readonly operator: "AND" | "OR",
    items: readonly Expression[],
  ) {
    super();
    this.precedence = operator === "AND" ? Precedence.and : Precedence.or;
    this.items = items.flatMap((item) => (item instanceof BooleanList && item.operator === operator ? item.items : [item]));
  }
  keyInto(key: CacheKey): void {
    key.add("(", this.operator);
    for (const item of this.items) item.keyInto(key);
    key.add(")");
  }
  compile(ctx: CompileContext): string {
    // An empty AND is true and an empty OR false, as in SQLAlchemy's and_() / or_().
    if (this.items.length === 0) return ctx.dialect.booleanLiteral(this.operator === "AND");
    if (this.items.length === 1) return (this.items[0] as Expression).compile(ctx);
    return this.items.map((item) => wrap(ctx, item, this.precedence)).join(` ${this.operator} `);
  }
  children(): readonly SqlNode[] {
    return this.items;
  }
}

/** `x IN (...)`; an empty list compiles to a false condition (true for NOT IN), as SQLAlchemy does. */
export class InList extends Expression<boolean> {
  readonly type = BOOLEAN_RESULT;
  readonly precedence = Precedence.comparison;
  constructor(
    readonly left: Expression,
    readonly values: readonly Expression[] | SqlNode,
    readonly negated: boolean,
  ) {
    super();
  }
  keyInto(key: CacheKey): void {
    key.add("(", this.negated ? "NOT IN" : "IN");
    this.left.keyInto(key);
    if (Array.isArray(this.values)) {
      key.add(`[${this.values.length}]`);
      for (const value of this.values as readonly Expression[]) value.keyInto(key);
    } else {
      (this.values as SqlNode).keyInto(key);
    }
    key.add(")");
  }
  compile(ctx: CompileContext): string {
    const operator = this.negated ? "NOT IN" : "IN";
    if (!Array.isArray(this.values)) return `${wrap(ctx, this.left, this.precedence)} ${operator} ${(this.values as SqlNode).compile(ctx)}`;
    const values = this.values as readonly Expression[];
    if (values.length === 0) return this.negated ? "1 = 1" : "1 != 1";
    return `${wrap(ctx, this.left, this.precedence)} ${operator} (${values.map((v) => v.compile(ctx)).join(", ")})`;
  }
  children(): readonly SqlNode[] {
    return Array.isArray(this.values) ? [this.left, ...(this.values as readonly Expression[])] : [this.left, this.values as SqlNode];
  }
}

export class Between extends Expression<boolean> {
  readonly type = BOOLEAN_RESULT;
  readonly precedence = Precedence.comparison;
  constructor(
    readonly operand: Expression,
    readonly low: Expression,
    readonly high: Expression,
    readonly negated: boolean,
  ) {
    super();
  }
  keyInto(key: CacheKey): void {
    key.add("(", this.negated ? "NOT BETWEEN" : "BETWEEN");
    this.operand.keyInto(key);
    this.low.keyInto(key);
    this.high.keyInto(key);
    key.add(")");
  }
  compile(ctx: CompileContext): string {
    const p = this.precedence;
    return `${wrap(ctx, this.operand, p)} ${this.negated ? "NOT BETWEEN" : "BETWEEN"} ${wrap(ctx, this.low, p, true)} AND ${wrap(ctx, this.high, p, true)}`;
  }
  children(): readonly SqlNode[] {
    return [this.operand, this.low, this.high];
  }
}

/** `expr AS "name"` in a SELECT list; the expression itself anywhere else. */
export class Label<N extends string = string, T = unknown> extends Expression<T> {
  constructor(
    readonly name: N,
    readonly inner: Expression<T>,
  ) {
    super();
    if (typeof name !== "string" || name === "") throw new ArgumentError("A label needs a non-empty name: expr.as(\"total\").");
  }
  get selectKey(): N {
    return this.name;
  }
  get type(): SqlType | undefined {
    return this.inner.type;
  }
  get precedence(): number {
    return this.inner.precedence;
  }
  keyInto(key: CacheKey): void {
    key.add("label");
    key.name(this.name);
    this.inner.keyInto(key);
  }
  compile(ctx: CompileContext): string {
    return this.inner.compile(ctx);
  }
  children(): readonly SqlNode[] {
    return [this.inner];
  }
}
