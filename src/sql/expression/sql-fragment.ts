/**
 * `sql` tagged template: a raw SQL fragment whose `${...}` parts are bound as parameters
 * (or, when they are expressions such as columns, compiled in place). The literal text is
 * the programmer's; values never enter it.
 *
 *   sql<number>`${users.c.score} * 2`        sql`CURRENT_TIMESTAMP`
 */
import { ArgumentError } from "../../errors.js";
import type { CacheKey } from "../compiler/cache-key.js";
import type { CompileContext } from "../compiler/context.js";
import type { SqlType } from "../schema/types.js";
import { coerce, Expression } from "./elements.js";
import { Precedence, type SqlNode } from "./node.js";

export class SqlFragment<T = unknown> extends Expression<T> {
  /**
   * Raw text may hold any operators, so as an operand it is always parenthesised: safe in
   * `x * (a + b)`, and harmless elsewhere.
   */
  readonly precedence = Precedence.select;

  constructor(
    readonly strings: readonly string[],
    readonly parts: readonly Expression[],
    readonly type: SqlType | undefined = undefined,
  ) {
    super();
  }

  /** The same SQL with a type, so its values are bound and its results read as that type. */
  withType<U>(type: SqlType<U>): SqlFragment<U> {
    return new SqlFragment<U>(this.strings, this.parts, type);
  }

  keyInto(key: CacheKey): void {
    key.add("sql", this.type?.key ?? "");
    this.strings.forEach((text, i) => {
      key.name(text);
      const part = this.parts[i];
      if (part !== undefined) part.keyInto(key);
    });
  }

  compile(ctx: CompileContext): string {
    let out = "";
    this.strings.forEach((text, i) => {
      out += text;
      const part = this.parts[i];
      if (part !== undefined) out += part.compile(ctx);
    });
    return out;
  }

  children(): readonly SqlNode[] {
    return this.parts;
  }
}

/** A raw SQL fragment with bound values: sql`lower(${users.c.name}) = ${name}`. */
export function sql<T = unknown>(strings: TemplateStringsArray, ...values: readonly unknown[]): SqlFragment<T> {
  if (!Array.isArray(strings) || !("raw" in strings)) {
    throw new ArgumentError("sql is a tagged template: write sql`...`, not sql(\"...\"), so values are bound, never spliced.");
  }
  return new SqlFragment<T>([...strings], values.map((value) => coerce(value, undefined)));
}
