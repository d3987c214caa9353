/**
 * Relationships between entities: many-to-one (`post.author`) and one-to-many
 * (`user.posts`), declared on the entity class and resolved, on first use, against the
 * tables' foreign keys.
 *
 *   class User extends Entity(users) { declare posts: Post[]; }
 *   class Post extends Entity(posts) { declare author: User | null; }
 *   relate(User, { posts: oneToMany(() => Post) });
 *   relate(Post, { author: manyToOne(() => User) });
 *
 * (A call after the classes rather than a static field: a static initializer naming the
 * other class makes TypeScript's inference of the two classes circular.)
 *
 * They are never loaded by reading the property (no hidden I/O): a query loads them with
 * selectinload()/joinedload(), and session.refresh(obj, ["posts"]) loads one object's.
 *
 * Two opt-in behaviours, as SQLAlchemy's:
 *
 *   relate(User, { posts: oneToMany(() => Post, { backPopulates: "author", cascade: ["delete", "deleteOrphan"] }) });
 *   relate(Post, { author: manyToOne(() => User, { backPopulates: "posts" }) });
 *
 * - backPopulates (`back_populates`): assigning one side updates the other in memory
 *   (back-populates.ts). Both sides name each other; checked when the mappers are configured.
 * - cascade on a oneToMany (`cascade="all, delete-orphan"`, reduced): "delete" deletes the
 *   children with the parent, "deleteOrphan" deletes a child taken out of the collection
 *   instead of setting its foreign key to NULL (unit-of-work/cascades.ts).
 */
import { ArgumentError } from "../errors.js";
import type { AnyColumn } from "../sql/schema/column.js";
import type { EntityClass } from "./entity-class.js";
import type { RelationshipKey } from "./loader-options.js";
import type { Mapper } from "./mapper.js";

export type RelationshipKind = "manyToOne" | "oneToMany";

/** What deleting a parent (or taking a child out of its collection) does to the children of a oneToMany. */
export type Cascade = "delete" | "deleteOrphan";

const CASCADES: readonly Cascade[] = ["delete", "deleteOrphan"];

export interface RelationshipOptions {
  /** The foreign key column(s) to join on, when the tables have several foreign keys between them. */
  foreignKey?: AnyColumn | readonly AnyColumn[];
}

export interface ManyToOneOptions<T extends object = object> extends RelationshipOptions {
  /**
   * The target's relationship that is the other side of this foreign key (SQLAlchemy
   * `back_populates`); it must name this one back. Assigning either side then updates the
   * other in memory (never with a query).
   */
  backPopulates?: RelationshipKey<T>;
}

export interface OneToManyOptions<T extends object = object> extends ManyToOneOptions<T> {
  /**
   * "delete": session.delete(parent) deletes the children too (the flush loads a collection
   * that is not loaded). "deleteOrphan" (needs "delete"): a child taken out of the loaded
   * collection is deleted rather than given a NULL foreign key.
   */
  cascade?: readonly Cascade[];
}

/** The options as declared, of either kind. */
export interface DeclaredOptions extends RelationshipOptions {
  readonly backPopulates?: string;
  readonly cascade?: readonly Cascade[];
}

export interface RelationshipSpec {
  readonly kind: RelationshipKind;
  readonly target: () => EntityClass;
  readonly options: DeclaredOptions;
}

/** `post.author`: the row this one's foreign key points to (or null). */
export function manyToOne<T extends object>(target: () => EntityClass<T>, options: ManyToOneOptions<T> = {}): RelationshipSpec {
  return checkSpec({ kind: "manyToOne", target, options });
}

/** `user.posts`: the rows whose foreign key points to this one. */
export function oneToMany<T extends object>(target: () => EntityClass<T>, options: OneToManyOptions<T> = {}): RelationshipSpec {
  return checkSpec({ kind: "oneToMany", target, options });
}

// What can be told from the declaration alone fails here, where the stack points at it; how
// the two sides of a backPopulates pair match is checked when the mappers are configured.
function checkSpec(spec: RelationshipSpec): RelationshipSpec {
  if (typeof spec.target !== "function") {
    throw new ArgumentError(`${spec.kind}() takes a function returning the target entity, e.g. ${spec.kind}(() => User), so classes may refer to each other.`);
  }
  const { backPopulates, cascade } = spec.options;
  if (backPopulates !== undefined && (typeof backPopulates !== "string" || backPopulates === "")) {
    throw new ArgumentError(`${spec.kind}({ backPopulates }) takes the name of the target's relationship that is the other side, e.g. { backPopulates: "${spec.kind === "manyToOne" ? "posts" : "author"}" }.`);
  }
  if (cascade === undefined) return spec;
  if (spec.kind === "manyToOne") {
    throw new ArgumentError(
      "manyToOne() takes no cascade: deleting a child must not delete the row it points to. Put the cascade on the parent's side, " +
        'e.g. oneToMany(() => Post, { cascade: ["delete"] }).',
    );
  }
  if (!Array.isArray(cascade) || cascade.some((c) => !CASCADES.includes(c))) {
    throw new ArgumentError(`oneToMany({ cascade }) takes an array of ${CASCADES.map((c) => `"${c}"`).join(", ")}; got ${JSON.stringify(cascade)}.`);
  }
  if (cascade.includes("deleteOrphan") && !cascade.includes("delete")) {
    // SQLAlchemy warns the same: a child whose parent is deleted would otherwise survive as an orphan.
    throw new ArgumentError('oneToMany({ cascade: ["deleteOrphan"] }) needs "delete" too (children of a deleted parent are orphans): cascade: ["delete", "deleteOrphan"].');
  }
  return spec;
}

const declared = new WeakMap<object, Readonly<Record<string, RelationshipSpec>>>();

/** The relationships declared for an entity class (by relate(), or a typed static `relationships`). */
export function declaredRelationships(entity: EntityClass): Readonly<Record<string, RelationshipSpec>> {
  return declared.get(entity) ?? entity.relationships ?? {};
}

/**
 * Declare an entity's relationships, once, before the entity is used. The names must be
 * properties of the class, declared with `declare` so the ORM's accessors are not shadowed.
 */
export function relate<E extends object>(entity: EntityClass<E>, specs: { readonly [K in RelationshipKey<E>]?: RelationshipSpec }): void {
  if (declared.has(entity) || usedEntities.has(entity)) {
    throw new ArgumentError(`relate(${entity.name}, ...) must be called once, before ${entity.name} is used (right after the class definitions).`);
  }
  declared.set(entity, specs as Readonly<Record<string, RelationshipSpec>>);
}

/** Entities whose mapper exists: their relationships are fixed. */
export const usedEntities = new WeakSet<object>();

/** A relationship resolved against the tables. */
export interface Relationship {
  readonly key: string;
  readonly kind: RelationshipKind;
  /** The mapper declaring the relationship. */
  readonly parent: Mapper;
  readonly target: Mapper;
  /** The foreign key columns (on the referencing table) ... */
  readonly foreignKey: readonly AnyColumn[];
  /** ... and the columns they reference, in the same order. */
  readonly referenced: readonly AnyColumn[];
  /** The other side's key on the target (validated: it names this one back), or undefined. */
  readonly backPopulates: string | undefined;
  /** oneToMany with cascade "delete" / "deleteOrphan". */
  readonly cascadeDelete: boolean;
  readonly deleteOrphan: boolean;
}

/** The mapper holding the foreign key of a relationship (the child), and the one it references. */
export function sides(rel: Relationship): { child: Mapper; referenced: Mapper } {
  return rel.kind === "manyToOne" ? { child: rel.parent, referenced: rel.target } : { child: rel.target, referenced: rel.parent };
}

/** Do two relationships join on the same foreign key columns (the two sides of one foreign key)? */
export function sameForeignKey(a: Relationship, b: Relationship): boolean {
  return a.foreignKey.length === b.foreignKey.length && a.foreignKey.every((c) => b.foreignKey.includes(c));
}

export function resolveRelationship(key: string, spec: RelationshipSpec, parent: Mapper, target: Mapper): Relationship {
  const child = spec.kind === "manyToOne" ? parent : target;
  const referenced = spec.kind === "manyToOne" ? target : parent;
  const wanted = spec.options.foreignKey === undefined ? undefined : ([] as AnyColumn[]).concat(spec.options.foreignKey).map((c) => c.tableColumn);
  const candidates = child.table.foreignKeys.filter((fk) => {
    if (fk.referencedTable !== (referenced.table as unknown)) return false;
    return wanted === undefined || (wanted.length === fk.columns.length && wanted.every((c) => fk.columns.includes(c)));
  });
  const where = `${parent.name}.${key}`;
  if (candidates.length !== 1) {
    const paths = child.table.foreignKeys.filter((fk) => fk.referencedTable === (referenced.table as unknown));
    throw new ArgumentError(
      candidates.length === 0
        ? `${where}: ${child.table.describe()} has no foreign key to ${referenced.table.describe()}${wanted ? " on the columns given" : ""}; add one with references(), or give { foreignKey }.`
        : `${where}: ${child.table.describe()} has ${paths.length} foreign keys to ${referenced.table.describe()} ` +
            `(${paths.map((fk) => fk.columns.map((c) => c.key).join("+")).join(", ")}); say which with { foreignKey: ${child.name}.c.<column> }.`,
    );
  }
  const fk = candidates[0] as (typeof candidates)[number];
  const cascade = spec.options.cascade ?? [];
  return {
    key,
    kind: spec.kind,
    parent,
    target,
    foreignKey: fk.columns,
    referenced: fk.referencedColumns,
    backPopulates: spec.options.backPopulates,
    cascadeDelete: cascade.includes("delete"),
    deleteOrphan: cascade.includes("deleteOrphan"),
  };
}
