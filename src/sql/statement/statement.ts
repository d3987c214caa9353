/**
 * The base of select(), insert(), update() and delete(): an Executable that compiles itself
 * through the statement cache. `R` is the row type its results have.
 */
import { compileStatement, type CompiledQuery, type StatementRoot } from "../compiler/compile.js";
import { EXECUTABLE, type CompileTarget, type Executable } from "../executable.js";

export abstract class Statement<R extends object = Record<string, unknown>> implements Executable {
  readonly [EXECUTABLE] = true as const;
  /** Phantom: the row type of the statement's results. Never set at runtime. */
  declare readonly __row?: R;

  /**
   * SQL and parameters for a database (conn.execute() calls this with the engine's dialect);
   * `params` fill the statement's bindparam()s. The SQL comes from the target's statement
   * cache when a statement of the same shape was compiled before.
   */
  compileFor(target: CompileTarget, params?: Readonly<Record<string, unknown>>): CompiledQuery {
    return compileStatement(this.prepare(), target, params);
  }

  /** The tree to compile; INSERT and UPDATE fill in client-side defaults here, once per execution. */
  protected abstract prepare(): StatementRoot;
}

/** The row type of a statement: `RowOf<typeof stmt>`. */
export type StatementRow<S> = S extends { readonly __row?: infer R } ? NonNullable<R> : never;
