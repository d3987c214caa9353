/**
 * Entity(table): the base class of a mapped entity. No decorators, no code generation: the
 * instance type is the table's row type, inferred from the column builders.
 *
 *   const users = metadata.table("users", { id: integer().primaryKey(), name: string(50).notNull() });
 *   class User extends Entity(users) {
 *     declare posts: Post[];                                  // `declare`: the ORM owns the property
 *     get greeting() { return `hi ${this.name}`; }
 *   }
 *   relate(User, { posts: oneToMany(() => Post) });
 *   const ed = new User({ name: "ed" });                      // ed.id: number, ed.name: string
 *
 * Columns are accessors on the prototype over the instance's state, which is how changes are
 * tracked without proxies; `toJSON()` gives the loaded values (for JSON.stringify).
 */
import { inspect } from "node:util";
import { ArgumentError } from "../errors.js";
import type { InsertRowOf, RowOf, TableColumns, ColumnBuilders } from "../sql/schema/row-types.js";
import type { Table } from "../sql/schema/table.js";
import { readColumn, writeColumn } from "./attributes.js";
import { InstanceState, STATE } from "./instance-state.js";
import { mapperOf, stateOf } from "./mapper.js";

/** Methods every entity instance has. */
export interface EntityMethods {
  /** The loaded column values (and loaded relationships), for JSON.stringify. */
  toJSON(): Record<string, unknown>;
}

/** What Entity(table) returns: extend it. */
export interface EntityBase<Name extends string, C extends ColumnBuilders> {
  new (values?: InsertRowOf<C>): RowOf<C> & EntityMethods;
  readonly isAthanorEntity: true;
  readonly table: Table<Name, C>;
  /** The table's columns, for conditions: `User.c.name.eq("ed")`. */
  readonly c: TableColumns<C>;
}

export function Entity<Name extends string, C extends ColumnBuilders>(table: Table<Name, C>): EntityBase<Name, C> {
  if (table === null || typeof table !== "object" || !Array.isArray((table as { columns?: unknown }).columns)) {
    throw new ArgumentError("Entity() takes a table: class User extends Entity(metadata.table(\"users\", {...})) {}.");
  }
  class MappedBase {
    static readonly isAthanorEntity = true as const;
    static readonly table = table;
    static readonly c = table.c;

    constructor(values?: Readonly<Record<string, unknown>>) {
      const mapper = mapperOf(new.target);
      Object.defineProperty(this, STATE, { value: new InstanceState(mapper), enumerable: false });
      if (values === undefined) return;
      for (const [key, value] of Object.entries(values)) {
        if (!mapper.columnKeys.has(key) && !mapper.relationshipKeys.has(key)) {
          throw new ArgumentError(`${mapper.name} has no column or relationship '${key}' (columns: ${[...mapper.columnKeys].join(", ")}).`);
        }
        (this as Record<string, unknown>)[key] = value;
      }
    }

    toJSON(): Record<string, unknown> {
      const state = stateOf(this);
      const out: Record<string, unknown> = {};
      for (const key of state.mapper.columnKeys) if (state.values.has(key)) out[key] = state.values.get(key);
      for (const [key, value] of state.related) out[key] = value;
      return out;
    }

    [inspect.custom](): string {
      const state = stateOf(this);
      const shown = [...state.values].map(([k, v]) => `${k}: ${inspect(v)}`).join(", ");
      return `${state.mapper.name} { ${shown} } (${state.status})`;
    }
  }
  // The mapper's columns are the table's, in this order: each accessor keeps its position.
  table.columns.forEach((column, index) => {
    Object.defineProperty(MappedBase.prototype, column.key, {
      get(this: object) {
        return readColumn(stateOf(this), index);
      },
      set(this: object, value: unknown) {
        writeColumn(stateOf(this), index, value);
      },
      enumerable: true,
      configurable: true,
    });
  });
  return MappedBase as unknown as EntityBase<Name, C>;
}
