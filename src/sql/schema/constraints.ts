/**
 * Table-level constructs: foreign keys (column-level ones become single-column constraints
 * here), unique constraints and indexes. Foreign key targets resolve lazily, on first use,
 * so a table may refer to one defined after it, or to itself.
 */
import { ArgumentError } from "../../errors.js";
import type { AnyColumn, ReferentialAction } from "./column.js";

/** How the tables a string reference ("teams.id") names are found: the table's MetaData. */
export interface TableLookup {
  findTable(name: string): { readonly c: Readonly<Record<string, AnyColumn>>; describe(): string; readonly columns: readonly AnyColumn[] } | undefined;
}

export type ReferenceTarget = (() => AnyColumn | readonly AnyColumn[]) | string | readonly string[];

export class ForeignKeyConstraint {
  #resolved: readonly AnyColumn[] | undefined;

  constructor(
    /** The referencing columns, in order. */
    readonly columns: readonly AnyColumn[],
    private readonly target: ReferenceTarget,
    private readonly lookup: () => TableLookup | undefined,
    readonly onDelete: ReferentialAction | undefined,
    readonly onUpdate: ReferentialAction | undefined,
    readonly name: string | undefined,
  ) {}

  /** The referenced columns, in the order of `columns`. */
  get referencedColumns(): readonly AnyColumn[] {
    this.#resolved ??= this.#resolve();
    return this.#resolved;
  }

  /** The table the key points to. */
  get referencedTable(): AnyColumn["fromElement"] {
    return (this.referencedColumns[0] as AnyColumn).fromElement;
  }

  #resolve(): readonly AnyColumn[] {
    const from = this.columns.map((c) => c.describe()).join(", ");
    const target = this.target;
    let resolved: readonly AnyColumn[];
    if (typeof target === "function") {
      const result = target();
      resolved = Array.isArray(result) ? (result as readonly AnyColumn[]) : [result as AnyColumn];
    } else {
      const names = typeof target === "string" ? [target] : (target as readonly string[]);
      resolved = names.map((name) => this.#byName(name, from));
    }
    if (resolved.length !== this.columns.length || resolved.some((c) => c === undefined)) {
      throw new ArgumentError(`The foreign key on ${from} names ${resolved.length} referenced column(s) for ${this.columns.length} column(s).`);
    }
    return resolved.map((c) => c.tableColumn);
  }

  #byName(reference: string, from: string): AnyColumn {
    const dot = reference.lastIndexOf(".");
    const tableName = reference.slice(0, dot);
    const columnName = reference.slice(dot + 1);
    const lookup = this.lookup();
    if (lookup === undefined) {
      throw new ArgumentError(
        `The foreign key on ${from} refers to "${reference}" by name, but its table is in no MetaData to look it up in. ` +
          "Create the tables with metadata.table(...) (or pass { metadata }), or reference the column directly: references(() => other.c.id).",
      );
    }
    const table = lookup.findTable(tableName);
    if (table === undefined) throw new ArgumentError(`The foreign key on ${from} refers to "${reference}", but the MetaData has no table '${tableName}'.`);
    const column = Object.hasOwn(table.c, columnName) ? table.c[columnName] : table.columns.find((c) => c.name === columnName);
    if (column === undefined) throw new ArgumentError(`The foreign key on ${from} refers to "${reference}", but ${table.describe()} has no column '${columnName}'.`);
    return column;
  }
}

export class UniqueConstraint {
  constructor(
    readonly columns: readonly AnyColumn[],
    readonly name: string | undefined,
  ) {}
}

export class Index {
  constructor(
    readonly name: string,
    readonly columns: readonly AnyColumn[],
    readonly unique: boolean,
  ) {}
}
