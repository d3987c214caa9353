/** ORDER BY entries. Not an expression: `x.desc()` cannot be compared or selected. */
import type { CacheKey } from "../compiler/cache-key.js";
import type { CompileContext } from "../compiler/context.js";
import type { Expression } from "./elements.js";
import type { SqlNode } from "./node.js";

/** An ORDER BY entry: `expr ASC` / `expr DESC`. */
export class OrderByItem implements SqlNode {
  constructor(
    readonly expression: Expression,
    readonly direction: "ASC" | "DESC",
  ) {}
  keyInto(key: CacheKey): void {
    key.add(this.direction);
    this.expression.keyInto(key);
  }
  compile(ctx: CompileContext): string {
    return `${this.expression.compile(ctx)} ${this.direction}`;
  }
  children(): readonly SqlNode[] {
    return [this.expression];
  }
}
