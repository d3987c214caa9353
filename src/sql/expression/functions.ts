/**
 * SQL functions (SQLAlchemy `func`): `func.count()`, `func.max(users.c.age)`, and any other
 * name through the same object, `func.jsonb_array_length(x)`. A function call's key in a
 * result row is its name (`count`), unless labelled with `.as("n")`; in a SELECT list it is
 * always written with that label, since each database names an unlabelled column differently.
 */
import { ArgumentError } from "../../errors.js";
import type { CacheKey } from "../compiler/cache-key.js";
import type { CompileContext } from "../compiler/context.js";
import type { SqlDialect } from "../compiler/dialect.js";
import { DateTimeType } from "../schema/temporal-types.js";
import { FloatType, IntegerType, StringType, type SqlType } from "../schema/types.js";
import { coerce, Expression, type Operand } from "./elements.js";
import { Precedence, type SqlNode } from "./node.js";

/** `name(args)`, or a dialect-specific rendering for the few functions whose SQL differs. */
export class FunctionCall<N extends string = string, T = unknown> extends Expression<T> {
  readonly precedence = Precedence.atom;

  constructor(
    readonly name: N,
    readonly args: readonly SqlNode[],
    readonly type: SqlType | undefined,
    private readonly render?: (dialect: SqlDialect, args: readonly string[]) => string,
  ) {
    super();
  }

  get selectKey(): N {
    return this.name;
  }

  keyInto(key: CacheKey): void {
    key.add("fn", this.type?.key ?? "");
    key.name(this.name);
    key.add(`(${this.args.length}`);
    for (const arg of this.args) arg.keyInto(key);
    key.add(")");
  }

  compile(ctx: CompileContext): string {
    const args = this.args.map((arg) => arg.compile(ctx));
    return this.render !== undefined ? this.render(ctx.dialect, args) : `${this.name}(${args.join(", ")})`;
  }

  children(): readonly SqlNode[] {
    return this.args;
  }
}

/** `*` in count(*). */
class Star implements SqlNode {
  keyInto(key: CacheKey): void {
    key.add("*");
  }
  compile(): string {
    return "*";
  }
  children(): readonly SqlNode[] {
    return [];
  }
}

const INTEGER = new IntegerType();
const FLOAT = new FloatType();
const STRING = new StringType(undefined);
const DATETIME = new DateTimeType();

/** Functions whose SQL is an identifier: no quoting is needed, and nothing else may be spliced. */
const FUNCTION_NAME = /^[A-Za-z_][A-Za-z0-9_]*(\.[A-Za-z_][A-Za-z0-9_]*)?$/;

/**
 * The current instant, in each database's form that matches DateTime's storage: MySQL's
 * DATETIME(6) default must be CURRENT_TIMESTAMP(6) (matching precision), and SQLite's
 * CURRENT_TIMESTAMP has no milliseconds or zone, so there it is ISO-8601 text.
 */
function renderNow(dialect: SqlDialect): string {
  switch (dialect.family) {
    case "postgresql":
      return "CURRENT_TIMESTAMP";
    case "mysql":
      return "CURRENT_TIMESTAMP(6)";
    case "sqlite":
      return "strftime('%Y-%m-%dT%H:%M:%fZ', 'now')";
  }
}

function call<N extends string, T>(name: N, args: readonly unknown[], type: SqlType | undefined, argType?: SqlType): FunctionCall<N, T> {
  return new FunctionCall<N, T>(name, args.map((arg) => coerce(arg, argType)), type);
}

/** The functions with known result types. */
export interface KnownFunctions {
  /** count(*), or count(expr) for the non-null values of expr. */
  count(expression?: Expression): FunctionCall<"count", number>;
  sum<T>(expression: Expression<T>): FunctionCall<"sum", NonNullable<T> | null>;
  min<T>(expression: Expression<T>): FunctionCall<"min", NonNullable<T> | null>;
  max<T>(expression: Expression<T>): FunctionCall<"max", NonNullable<T> | null>;
  avg(expression: Expression<number> | Expression<number | null>): FunctionCall<"avg", number | null>;
  /** The first non-null argument; typed non-null on the assumption that the last one is. */
  coalesce<T>(first: Expression<T>, ...rest: Operand<NonNullable<T>>[]): FunctionCall<"coalesce", NonNullable<T>>;
  lower<T extends string | null>(expression: Expression<T>): FunctionCall<"lower", T>;
  upper<T extends string | null>(expression: Expression<T>): FunctionCall<"upper", T>;
  /** The current instant (see renderNow): usable in queries and as serverDefault(func.now()). */
  now(): FunctionCall<"now", Date>;
}

/** Any other function: untyped unless labelled and cast. */
export type GenericFunction = (...args: unknown[]) => FunctionCall<string, unknown>;

export type FunctionFactory = KnownFunctions & { readonly [name: string]: GenericFunction };

const known: KnownFunctions = {
  count: (expression) => new FunctionCall("count", [expression ?? new Star()], INTEGER),
  sum: (expression) => call("sum", [expression], expression.type),
  min: (expression) => call("min", [expression], expression.type),
  max: (expression) => call("max", [expression], expression.type),
  avg: (expression) => call("avg", [expression], FLOAT),
  coalesce: (first, ...rest) => new FunctionCall("coalesce", [first, ...rest.map((arg) => coerce(arg, first.type))], first.type),
  lower: (expression) => call("lower", [expression], STRING),
  upper: (expression) => call("upper", [expression], STRING),
  now: () => new FunctionCall("now", [], DATETIME, renderNow),
};

/** `func.count()`, `func.max(col)`, `func.any_name(...args)`. */
export const func: FunctionFactory = new Proxy(known as FunctionFactory, {
  get(target, property) {
    // "then" must stay undefined, or `await func` would treat the object as a promise.
    if (typeof property !== "string" || property === "then") return undefined;
    if (Object.hasOwn(target, property)) return (target as unknown as Record<string, unknown>)[property];
    if (!FUNCTION_NAME.test(property)) throw new ArgumentError(`'${property}' is not a valid SQL function name.`);
    return (...args: unknown[]) => call(property, args, undefined);
  },
});

/**
 * Any SQL function by name, typed: `fn("char_length", [users.c.name], new IntegerType())` is
 * a FunctionCall<"char_length", number> whose results are read as integers. (`func.name(...)`
 * does the same untyped; with `noUncheckedIndexedAccess` its members read as possibly undefined.)
 */
export function fn<const N extends string, T = unknown>(name: N, args: readonly unknown[] = [], type?: SqlType<T>): FunctionCall<N, T> {
  if (typeof name !== "string" || !FUNCTION_NAME.test(name)) throw new ArgumentError(`'${String(name)}' is not a valid SQL function name.`);
  return call(name, args, type);
}

/** `CAST(expr AS type)`, typed as `type`. */
export function cast<T>(expression: Operand<unknown>, type: SqlType<T>): Expression<T> {
  const operand = coerce(expression, undefined);
  return new FunctionCall<"cast", T>("cast", [operand], type, (dialect, [arg]) => `CAST(${arg} AS ${castType(type, dialect)})`);
}

/** MySQL's CAST takes only a few target names (SIGNED, CHAR, DECIMAL, DATETIME, JSON...). */
function castType(type: SqlType, dialect: SqlDialect): string {
  if (dialect.family !== "mysql") return type.ddl(dialect);
  if (type.isInteger) return "SIGNED";
  if (type instanceof StringType) return "CHAR";
  const ddl = type.ddl(dialect);
  return ddl === "DOUBLE" ? "DOUBLE" : ddl === "LONGTEXT" ? "CHAR" : ddl === "BOOL" ? "SIGNED" : ddl;
}
