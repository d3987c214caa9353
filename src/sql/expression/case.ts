/**
 * `CASE WHEN c1 THEN v1 WHEN c2 THEN v2 ... [ELSE e] END` (SQLAlchemy `case()`). Plain THEN
 * values are bound with the type of the ELSE expression (or of the value itself), so a
 * column's ELSE binds booleans, JSON and dates as that column does; an ELSE that is a column
 * also gives PostgreSQL the result type when every THEN is a parameter.
 */
import { ArgumentError } from "../../errors.js";
import type { CacheKey } from "../compiler/cache-key.js";
import type { CompileContext } from "../compiler/context.js";
import type { SqlType } from "../schema/types.js";
import { coerce, Expression, type Operand, type Predicate } from "./elements.js";
import { Precedence, type SqlNode } from "./node.js";

export class Case<T = unknown> extends Expression<T> {
  readonly precedence = Precedence.atom;
  readonly type: SqlType | undefined;
  constructor(
    readonly whens: readonly (readonly [Expression, Expression])[],
    readonly otherwise: Expression | undefined,
  ) {
    super();
    this.type = otherwise?.type ?? whens[0]?.[1].type;
  }
  keyInto(key: CacheKey): void {
    key.add("(case", `${this.whens.length}`, this.otherwise === undefined ? "" : "else");
    for (const [condition, value] of this.whens) {
      condition.keyInto(key);
      value.keyInto(key);
    }
    this.otherwise?.keyInto(key);
    key.add(")");
  }
  compile(ctx: CompileContext): string {
    const whens = this.whens.map(([condition, value]) => `WHEN ${condition.compile(ctx)} THEN ${value.compile(ctx)}`).join(" ");
    return `CASE ${whens}${this.otherwise === undefined ? "" : ` ELSE ${this.otherwise.compile(ctx)}`} END`;
  }
  children(): readonly SqlNode[] {
    return [...this.whens.flat(), ...(this.otherwise === undefined ? [] : [this.otherwise])];
  }
}

/** `caseWhen([[users.c.id.eq(1), "a"], [users.c.id.eq(2), "b"]], users.c.name)`; at least one WHEN. */
export function caseWhen<T>(whens: readonly (readonly [Predicate, Operand<T> | null])[], otherwise?: Operand<T> | null): Case<T> {
  if (!Array.isArray(whens) || whens.length === 0) throw new ArgumentError("caseWhen() needs at least one [condition, value] pair.");
  const type = otherwise instanceof Expression ? otherwise.type : undefined;
  const context = otherwise instanceof Expression ? otherwise : undefined;
  const pairs = whens.map(([condition, value]) => [condition as Expression, coerce(value, type, context)] as const);
  return new Case<T>(pairs, otherwise === undefined ? undefined : coerce(otherwise, type ?? pairs[0]?.[1].type, context));
}
