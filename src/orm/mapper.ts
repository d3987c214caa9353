/**
 * The mapping of one entity class to its table (SQLAlchemy `Mapper`): the columns, the
 * primary key and identity keys, and the relationships, resolved on first use so entity
 * classes can refer to each other in any order.
 */
import { ArgumentError } from "../errors.js";
import { identityKeyFor, identityKeyForOne, type IdentityKey } from "./identity-key.js";
import type { AnyColumn } from "../sql/schema/column.js";
import type { AnyTable } from "../sql/schema/table.js";
import { readRelationship, writeRelationship } from "./attributes.js";
import { checkBackPopulates } from "./back-populates.js";
import { isEntityClass, type EntityClass } from "./entity-class.js";
import { UnmappedEntityError } from "./errors.js";
import { InstanceState, STATE } from "./instance-state.js";
import { declaredRelationships, resolveRelationship, usedEntities, type Relationship } from "./relationships.js";

export class Mapper {
  readonly table: AnyTable;
  readonly name: string;
  readonly columns: readonly AnyColumn[];
  readonly primaryKey: readonly AnyColumn[];
  /** Where each primary key column is in `columns`. */
  readonly primaryKeyPositions: readonly number[];
  /** True at the primary key columns' positions (what expiry keeps). */
  readonly primaryKeyMask: readonly boolean[];
  /** Some column has an `.onUpdate(...)` value (UPDATEs then set it too). */
  readonly hasOnUpdate: boolean;
  readonly columnKeys: ReadonlySet<string>;
  /** The column keys in column order, and each one's position (ColumnValues' layout). */
  readonly columnKeyList: readonly string[];
  readonly columnIndex: ReadonlyMap<string, number>;
  readonly relationshipKeys: ReadonlySet<string>;
  #relationships: ReadonlyMap<string, Relationship> | undefined;
  #deleteCascades: readonly Relationship[] | undefined;

  constructor(readonly entity: EntityClass) {
    this.table = entity.table;
    this.name = entity.name || entity.table.name;
    this.columns = entity.table.columns;
    this.primaryKey = entity.table.primaryKey;
    if (this.primaryKey.length === 0) {
      throw new ArgumentError(`Entity ${this.name}: table '${this.table.name}' has no primary key; the ORM identifies rows by it. Mark a column primaryKey().`);
    }
    this.primaryKeyPositions = this.primaryKey.map((c) => this.columns.indexOf(c));
    this.primaryKeyMask = this.columns.map((c) => this.primaryKey.includes(c));
    this.hasOnUpdate = this.columns.some((c) => c.spec.onUpdate !== undefined);
    this.columnKeys = new Set(this.columns.map((c) => c.key));
    this.columnKeyList = this.columns.map((c) => c.key);
    this.columnIndex = new Map(this.columnKeyList.map((key, i) => [key, i]));
    const specs = declaredRelationships(entity);
    for (const key of Object.keys(specs)) {
      if (this.columnKeys.has(key)) throw new ArgumentError(`Entity ${this.name}: relationship '${key}' has the name of a column.`);
    }
    this.relationshipKeys = new Set(Object.keys(specs));
  }

  /** The relationships, resolved against the foreign keys on first use. */
  get relationships(): ReadonlyMap<string, Relationship> {
    if (this.#relationships === undefined) {
      const specs = declaredRelationships(this.entity);
      const resolved = new Map<string, Relationship>();
      for (const [key, spec] of Object.entries(specs)) resolved.set(key, resolveRelationship(key, spec, this, mapperOf(spec.target())));
      // Set before the check: checking a pair configures the other side, which reads these back.
      this.#relationships = resolved;
      try {
        checkBackPopulates(this);
      } catch (err) {
        this.#relationships = undefined; // a misconfiguration fails every use, not just the first
        throw err;
      }
    }
    return this.#relationships;
  }

  /** The oneToMany relationships with cascade "delete", found once (the flush asks per deleted object). */
  get deleteCascades(): readonly Relationship[] {
    return (this.#deleteCascades ??= [...this.relationships.values()].filter((rel) => rel.cascadeDelete));
  }

  relationship(key: string): Relationship {
    const rel = this.relationships.get(key);
    if (rel === undefined) {
      const known = [...this.relationshipKeys].join(", ") || "none";
      throw new ArgumentError(`${this.name} has no relationship '${key}' (relationships: ${known}).`);
    }
    return rel;
  }

  /** The identity for primary key values (in primaryKey order); undefined while any is missing. */
  identityKey(pk: readonly unknown[]): IdentityKey | undefined {
    return identityKeyFor(this.table.ownerKey, pk);
  }

  /** The identity of a result row: its primary key read at `indexes` (columnIndexes) of `values`. */
  identityKeyAt(values: readonly unknown[], indexes: readonly number[]): IdentityKey | undefined {
    const positions = this.primaryKeyPositions;
    if (positions.length === 1) return identityKeyForOne(this.table.ownerKey, values[indexes[positions[0] as number] as number]);
    return this.identityKey(positions.map((position) => values[indexes[position] as number]));
  }

  /** The identity key of a state from its current primary key values. */
  identityKeyOf(state: InstanceState): IdentityKey | undefined {
    return this.identityKey(this.primaryKey.map((c) => state.values.get(c.key)));
  }

  /**
   * A fresh instance for a row, made without running the class's constructor (as SQLAlchemy
   * does); `slots`: its column values in column order, as loaded (the array is kept, not copied).
   */
  newInstance(slots?: unknown[]): { object: object; state: InstanceState } {
    const object = Object.create(this.entity.prototype as object) as object;
    const state = new InstanceState(this, slots);
    Object.defineProperty(object, STATE, { value: state, enumerable: false });
    return { object, state };
  }
}

const mappers = new WeakMap<object, Mapper>();

/** The mapper of an entity class (made on first use). */
export function mapperOf(entity: unknown): Mapper {
  if (!isEntityClass(entity)) {
    throw new UnmappedEntityError(`${describe(entity)} is not a mapped entity; define one as: class User extends Entity(usersTable) {}.`);
  }
  let mapper = mappers.get(entity);
  if (mapper === undefined) {
    mapper = new Mapper(entity);
    mappers.set(entity, mapper);
    usedEntities.add(entity);
    defineRelationshipAccessors(entity, mapper);
  }
  return mapper;
}

/** The state of an entity instance. */
export function stateOf(object: unknown): InstanceState {
  const state = typeof object === "object" && object !== null ? (object as { [STATE]?: InstanceState })[STATE] : undefined;
  if (state === undefined) throw new UnmappedEntityError(`${describe(object)} is not an entity instance; make one with new User({...}) where User extends Entity(table).`);
  return state;
}

export function isEntityInstance(object: unknown): boolean {
  return typeof object === "object" && object !== null && (object as { [STATE]?: InstanceState })[STATE] !== undefined;
}

function describe(value: unknown): string {
  if (typeof value === "function") return `The class ${value.name || "(anonymous)"}`;
  if (typeof value === "object" && value !== null) return `An instance of ${value.constructor?.name ?? "Object"}`;
  return `The ${typeof value} ${String(value)}`;
}

// Relationship properties read and write the state; reading one that is not loaded is a typed
// error (RelationshipNotLoadedError), never a query.
function defineRelationshipAccessors(entity: EntityClass, mapper: Mapper): void {
  const proto = entity.prototype as object;
  for (const key of mapper.relationshipKeys) {
    if (Object.hasOwn(proto, key)) continue;
    Object.defineProperty(proto, key, {
      get(this: object) {
        return readRelationship(stateOf(this), key);
      },
      set(this: object, value: unknown) {
        writeRelationship(stateOf(this), key, value, this);
      },
      enumerable: false,
      configurable: true,
    });
  }
}
