/**
 * State of one compilation: the database's rules, the parameter slots met so far, and the
 * few settings that depend on where a node stands (inside a correlated subquery, in an
 * UPDATE's SET list).
 *
 * Placeholders are written as markers and numbered at the end in text order, so a node may
 * render its parts in any order (MySQL's LIMIT before OFFSET, for one) and `$n` / `?` still
 * line up with the parameter list.
 */
import type { FromElement } from "../expression/node.js";
import type { Processor, SqlType } from "../schema/types.js";
import type { CacheKey } from "./cache-key.js";
import type { SqlDialect } from "./dialect.js";

/** Where one placeholder's value comes from at execution. */
export type Slot =
  | { readonly kind: "value"; readonly index: number; readonly process: Processor | undefined; readonly label: string }
  | { readonly kind: "param"; readonly name: string; readonly process: Processor | undefined; readonly label: string };

const MARKER = /\u0000(\d+)\u0000/g;

export interface ContextState {
  /** FROM elements of the enclosing statements: a correlated subquery leaves them out. */
  readonly correlated: readonly FromElement[];
  /** false in INSERT/UPDATE column lists and RETURNING, where columns are written bare. */
  readonly qualifyColumns: boolean;
}

export class CompileContext {
  readonly #slots: Slot[] = [];
  #state: ContextState = { correlated: [], qualifyColumns: true };

  constructor(
    readonly dialect: SqlDialect,
    private readonly key: CacheKey,
  ) {}

  get state(): ContextState {
    return this.#state;
  }

  quote(identifier: string): string {
    return this.dialect.quote(identifier);
  }

  /** A placeholder for a literal value the cache-key walk collected from `node`. */
  bindValue(node: object, type: SqlType | undefined, label: string): string {
    const index = this.key.indexOf(node);
    if (index === undefined) {
      throw new Error(`athanor internal error: the value for ${label} was compiled but not part of the cache key.`);
    }
    return this.#slot({ kind: "value", index, process: type?.bindProcessor(this.dialect), label });
  }

  /** A placeholder for a named parameter filled from execute()'s parameters. */
  bindParam(name: string, type: SqlType | undefined, label: string): string {
    return this.#slot({ kind: "param", name, process: type?.bindProcessor(this.dialect), label });
  }

  /** Run `fn` with some state changed, restoring it afterwards. */
  with<T>(changes: Partial<ContextState>, fn: () => T): T {
    const saved = this.#state;
    this.#state = { ...saved, ...changes };
    try {
      return fn();
    } finally {
      this.#state = saved;
    }
  }

  /** The SQL with real placeholders, and the slots in placeholder order. */
  finish(sql: string): { sql: string; slots: Slot[] } {
    const ordered: Slot[] = [];
    const out = sql.replace(MARKER, (_match, index: string) => {
      ordered.push(this.#slots[Number(index)] as Slot);
      return this.dialect.placeholder(ordered.length);
    });
    return { sql: out, slots: ordered };
  }

  #slot(slot: Slot): string {
    this.#slots.push(slot);
    return `\u0000${this.#slots.length - 1}\u0000`;
  }
}
