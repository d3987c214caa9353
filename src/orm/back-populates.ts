/**
 * The two sides of one foreign key kept in step in memory (SQLAlchemy `back_populates`):
 *
 *   relate(User, { posts: oneToMany(() => Post, { backPopulates: "author" }) });
 *   relate(Post, { author: manyToOne(() => User, { backPopulates: "posts" }) });
 *
 *   post.author = user;     // post joins user.posts, and leaves its previous author's posts
 *   user.posts = [a, b];    // a.author = b.author = user; items taken out whose author was user: null
 *
 * Never any I/O, as SQLAlchemy without lazy loading: a collection that is not loaded is left
 * alone (it will be loaded from the database, where the flush puts the foreign key); a new
 * object's collection starts empty, so it is kept. A reference that is not loaded is found in
 * the session's identity map by the foreign key when it points to the target's primary key,
 * so moving a post that came in through `selectinload("posts")` takes it out of the old list.
 *
 * Only assignments are seen: `user.posts.push(post)` changes a plain array, so `post.author`
 * stays as it was in memory. The flush still sets the foreign key from the collection, as it
 * does without backPopulates.
 *
 * Relationships without backPopulates never reach this module (one check of the resolved
 * relationship per assignment, in attributes.ts).
 */
import { ArgumentError } from "../errors.js";
import { STATE, type InstanceState } from "./instance-state.js";
import type { Mapper } from "./mapper.js";
import { declaredRelationships, sameForeignKey, sides, type Relationship } from "./relationships.js";

/**
 * Every backPopulates of `mapper` names a relationship of its target that names it back, with
 * the other kind and the same foreign key. Run when the mapper's relationships are resolved
 * (first use); configures the targets' relationships, which run the same check on their side.
 */
export function checkBackPopulates(mapper: Mapper): void {
  for (const rel of mapper.relationships.values()) {
    // A target may name this mapper's relationship without being named back: configure the
    // targets that declare any backPopulates, so their side is checked now too, whichever
    // entity is used first (SQLAlchemy configures all mappers at once). Others stay lazy.
    if (rel.target !== mapper && declaresBackPopulates(rel.target)) void rel.target.relationships;
    if (rel.backPopulates === undefined) continue;
    const here = `${mapper.name}.${rel.key}`;
    const target = rel.target;
    const opposite = rel.kind === "oneToMany" ? "manyToOne" : "oneToMany";
    const declaration = `relate(${target.name}, { ${rel.backPopulates}: ${opposite}(() => ${mapper.name}, { backPopulates: "${rel.key}" }) })`;
    const other = target.relationships.get(rel.backPopulates);
    if (other === undefined) {
      const known = [...target.relationshipKeys].join(", ") || "none";
      throw new ArgumentError(
        `${here} has backPopulates: "${rel.backPopulates}", but ${target.name} has no relationship '${rel.backPopulates}' (relationships: ${known}). ` +
          `Declare the other side, ${declaration}, or correct the name.`,
      );
    }
    const there = `${target.name}.${other.key}`;
    if (other.backPopulates !== rel.key) {
      const has = other.backPopulates === undefined ? "has no backPopulates" : `has backPopulates: "${other.backPopulates}"`;
      throw new ArgumentError(`${here} has backPopulates: "${other.key}", but ${there} ${has}: the two sides must name each other. Give ${there} { backPopulates: "${rel.key}" }.`);
    }
    if (other.target !== mapper) {
      throw new ArgumentError(`${here} and ${there} name each other in backPopulates, but ${there} targets ${other.target.name}, not ${mapper.name}: declare it as ${declaration}.`);
    }
    if (other.kind === rel.kind) {
      throw new ArgumentError(
        `${here} and ${there} name each other in backPopulates, but both are ${rel.kind}: the two sides of a foreign key are a manyToOne ` +
          `(on the entity holding the foreign key) and a oneToMany (on the entity it references). Declare it as ${declaration}.`,
      );
    }
    if (!sameForeignKey(rel, other)) {
      throw new ArgumentError(
        `${here} joins on ${describeColumns(rel.foreignKey)} but ${there} on ${describeColumns(other.foreignKey)}: the two sides of backPopulates must be ` +
          `one foreign key. Give both the same { foreignKey: ${columnsOption(rel)} }.`,
      );
    }
  }
}

function declaresBackPopulates(mapper: Mapper): boolean {
  return Object.values(declaredRelationships(mapper.entity)).some((spec) => spec.options.backPopulates !== undefined);
}

/** `child.<manyToOne> = parent` (before the value is stored): move the child between the parents' loaded collections. */
export function populateReference(state: InstanceState, child: object, rel: Relationship, parent: object | null): void {
  const previous = currentParent(state, rel);
  if (previous === parent) return;
  const collection = rel.backPopulates as string;
  if (previous !== undefined && previous !== null) removeItem(stateOfEntity(previous), collection, child);
  if (parent !== null) appendItem(stateOfEntity(parent), collection, child);
}

/**
 * `parent.<oneToMany> = items` (before the value is stored): items coming in get `parent` as
 * their reference (and leave a previous parent's loaded collection); items of the previous,
 * loaded collection left out lose their reference when it was `parent`.
 */
export function populateCollection(state: InstanceState, parent: object, rel: Relationship, items: readonly object[]): void {
  const reference = rel.target.relationship(rel.backPopulates as string);
  const previous = state.related.get(rel.key) as readonly object[] | undefined;
  if (previous !== undefined && previous !== items) {
    const kept = new Set(items);
    for (const item of previous) {
      if (kept.has(item)) continue;
      const itemState = stateOfEntity(item);
      if (currentParent(itemState, reference) === parent) setReference(itemState, reference.key, null);
    }
  }
  for (const item of items) {
    const itemState = stateOfEntity(item);
    const before = currentParent(itemState, reference);
    if (before === parent) continue;
    if (before !== undefined && before !== null) removeItem(stateOfEntity(before), rel.key, item);
    setReference(itemState, reference.key, parent);
  }
}

/** The object a manyToOne points to: null for none, undefined when that is not known without a query. */
function currentParent(state: InstanceState, rel: Relationship): object | null | undefined {
  if (state.related.has(rel.key)) return state.related.get(rel.key) as object | null;
  if (state.status === "transient" || state.status === "pending") return null; // as reading it gives
  const values = rel.foreignKey.map((c) => state.values.get(c.key));
  if (values.some((v) => v === undefined)) return undefined; // expired
  if (values.some((v) => v === null)) return null;
  const target = rel.target;
  const byPrimaryKey = rel.referenced.length === target.primaryKey.length && rel.referenced.every((c, i) => c === target.primaryKey[i]);
  if (!byPrimaryKey) return undefined;
  const key = target.identityKey(values);
  // Not in the session: then no collection of it is loaded here either.
  return key === undefined ? undefined : state.owner?.identityMap.get(key);
}

function setReference(state: InstanceState, key: string, value: object | null): void {
  state.setRelated(key, value);
  state.touch();
}

function appendItem(state: InstanceState, key: string, item: object): void {
  const collection = state.related.get(key) as object[] | undefined;
  if (collection !== undefined) {
    // A push the ORM could not see may have put it there already.
    if (!collection.includes(item)) {
      collection.push(item);
      state.touch();
    }
    return;
  }
  // A new object's collection starts empty (as reading it makes it); a persistent object's
  // that is not loaded stays unloaded (the database has it, once flushed).
  if (state.status === "transient" || state.status === "pending") state.setRelated(key, [item]);
}

function removeItem(state: InstanceState, key: string, item: object): void {
  const collection = state.related.get(key) as object[] | undefined;
  const at = collection === undefined ? -1 : collection.indexOf(item);
  if (at < 0) return;
  (collection as object[]).splice(at, 1);
  state.touch();
}

/** Entities here were checked by the caller (attributes.ts) or came from the ORM itself. */
function stateOfEntity(object: object): InstanceState {
  return (object as { [STATE]: InstanceState })[STATE];
}

function describeColumns(columns: Relationship["foreignKey"]): string {
  return columns.map((c) => c.describe()).join(" + ");
}

/** The foreignKey option naming `rel`'s columns, as the user writes it: Post.c.userId. */
function columnsOption(rel: Relationship): string {
  const { child } = sides(rel);
  const names = rel.foreignKey.map((c) => `${child.name}.c.${c.key}`);
  return names.length === 1 ? (names[0] as string) : `[${names.join(", ")}]`;
}
