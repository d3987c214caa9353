/**
 * Free-standing constructors of expressions (SQLAlchemy `and_()`, `or_()`, `not_()`,
 * `exists()`, `asc()`, `desc()`, `bindparam()`, `literal()`).
 */
import { ArgumentError } from "../../errors.js";
import type { SqlType } from "../schema/types.js";
import { typeOfValue } from "../schema/value-types.js";
import { BindParam, BindValue, BooleanList, Expression, OrderByItem, Unary, type Predicate, type SubquerySource } from "./elements.js";
import { Precedence } from "./node.js";
import type { SqlFragment } from "./sql-fragment.js";

/** A condition: a boolean expression, or a raw sql`...` fragment. */
export type Condition = Predicate | SqlFragment;

/** `a AND b AND ...`; and() of nothing is true. */
export function and(...conditions: readonly Condition[]): Expression<boolean> {
  return new BooleanList("AND", conditions as readonly Expression[]);
}

/** `a OR b OR ...`; or() of nothing is false. */
export function or(...conditions: readonly Condition[]): Expression<boolean> {
  return new BooleanList("OR", conditions as readonly Expression[]);
}

export function not(condition: Condition): Expression<boolean> {
  return new Unary("NOT", condition, "prefix", Precedence.not, undefined, Precedence.unary);
}

/** `EXISTS (SELECT ...)`, correlated to the enclosing statement. */
export function exists(subquery: SubquerySource): Expression<boolean> {
  return new Unary("EXISTS", subquery.asExpressionSubquery(), "prefix", Precedence.unary);
}

export function asc(expression: Expression): OrderByItem {
  return new OrderByItem(expression, "ASC");
}

export function desc(expression: Expression): OrderByItem {
  return new OrderByItem(expression, "DESC");
}

/**
 * A named parameter filled from execute(stmt, { name: value }). Without a type it takes the
 * type of what it is compared with: `users.c.id.eq(bindparam("id"))`.
 */
export function bindparam<T = unknown>(name: string, type?: SqlType<T>): BindParam<T> {
  return new BindParam<T>(name, type);
}

/** A literal value as an expression, always bound: `literal(1).as("one")`. */
export function literal<T>(value: T, type?: SqlType<T>): BindValue<T> {
  if (value === undefined) throw new ArgumentError("literal(undefined) binds nothing; use literal(null) for SQL NULL.");
  return new BindValue<T>(value, type ?? typeOfValue(value), "literal()");
}
