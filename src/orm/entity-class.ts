/** What every mapped entity class has (the types only, so any module may import them cheaply). */
import type { AnyTable } from "../sql/schema/table.js";
import type { RelationshipSpec } from "./relationships.js";


/** A mapped entity class whose instances are `E`: `class User extends Entity(users) {}`. */
export interface EntityClass<E extends object = object> {
  new (...args: never[]): E;
  /** Marks classes made by Entity(table) (a plain name: a symbol key can't be named in exported declarations). */
  readonly isAthanorEntity: true;
  readonly table: AnyTable;
  readonly name: string;
  readonly relationships?: Readonly<Record<string, RelationshipSpec>>;
}

export function isEntityClass(value: unknown): value is EntityClass {
  return typeof value === "function" && (value as { isAthanorEntity?: unknown }).isAthanorEntity === true;
}
