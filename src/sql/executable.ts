import type { DialectCapabilities } from "../engine/interfaces.js";
import type { ParamStyle } from "./text.js";

/** What a statement needs to know about the database to compile itself. */
export interface CompileTarget {
  /** "postgresql", "mysql", "sqlite", "pglite". */
  readonly name: string;
  readonly paramStyle: ParamStyle;
  readonly backslashEscapes: boolean;
  readonly capabilities: DialectCapabilities;
  quoteIdentifier(name: string): string;
}

/** SQL for one database, with its parameters in placeholder order. */
export interface CompiledStatement {
  readonly sql: string;
  readonly params: readonly unknown[];
  /** Converts the driver's rows to the columns' JavaScript types (SQLite 0/1 → boolean...). */
  readonly processRows?: ((rows: unknown[][]) => unknown[][]) | undefined;
}

/** Marks objects conn.execute() accepts besides text(): select(), insert(), update(), delete()... */
export const EXECUTABLE: unique symbol = Symbol.for("athanor.executable");

/**
 * A statement that compiles itself for a database (the expression language implements it).
 * `params` are the values passed to execute() for its bind parameters, if it has any.
 */
export interface Executable {
  readonly [EXECUTABLE]: true;
  compileFor(target: CompileTarget, params?: Readonly<Record<string, unknown>>): CompiledStatement;
}

/** A statement whose rows are typed `R` (select(), insert().returning()...): execute() infers it. */
export type TypedExecutable<R extends object> = Executable & { readonly __row?: R };

export function isExecutable(value: unknown): value is Executable {
  return typeof value === "object" && value !== null && (value as { [EXECUTABLE]?: unknown })[EXECUTABLE] === true;
}
