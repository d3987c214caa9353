/**
 * `(a, b, ...)`, a row value (SQLAlchemy `tuple_()`): for composite keys,
 * `tuple_(t.c.k1, t.c.k2).in([tuple_(1, "x"), tuple_(2, "y")])`. Row values are supported by
 * PostgreSQL, MySQL/MariaDB and SQLite >= 3.15. Plain values are bound with their own type;
 * give expressions (a BindValue of the column's type) to bind through a column's type.
 */
import { ArgumentError } from "../../errors.js";
import type { CacheKey } from "../compiler/cache-key.js";
import type { CompileContext } from "../compiler/context.js";
import { coerce, Expression } from "./elements.js";
import { Precedence, type SqlNode } from "./node.js";

export class Tuple extends Expression<unknown[]> {
  readonly precedence = Precedence.atom;
  readonly type = undefined;
  constructor(readonly items: readonly Expression[]) {
    super();
  }
  keyInto(key: CacheKey): void {
    key.add(`(tuple ${this.items.length}`);
    for (const item of this.items) item.keyInto(key);
    key.add(")");
  }
  compile(ctx: CompileContext): string {
    return `(${this.items.map((item) => item.compile(ctx)).join(", ")})`;
  }
  children(): readonly SqlNode[] {
    return this.items;
  }
}

export function tuple_(...items: readonly unknown[]): Tuple {
  if (items.length === 0) throw new ArgumentError("tuple_() needs at least one element.");
  return new Tuple(items.map((item) => coerce(item, undefined)));
}
