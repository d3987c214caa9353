/**
 * Loader options: which relationships a query loads, and how (SQLAlchemy `strategy_options`).
 *
 *   select(User).options(selectinload("posts"))                      // user.posts
 *   select(Post).options(joinedload("author"))                        // post.author, in the same SELECT
 *   select(Team).options(selectinload("members").selectinload("posts"))  // team.members, then each member's posts
 *   select(Post).options(joinedload("author").selectinload("team"))   // post.author joined, then the authors' teams
 *
 * `.selectinload(key)` chains a path, as SQLAlchemy's `selectinload(A.b).selectinload(B.c)`:
 * each key is a relationship of the entity the previous key leads to, loaded with one more
 * SELECT ... WHERE key IN (...) over every object the level above reached (those already in
 * the session included). Several branches under one relationship are several options with the
 * same start; a level already loaded sends nothing the second time:
 *
 *   select(Team).options(selectinload("members").selectinload("posts"), selectinload("members").selectinload("team"))
 *
 * The root key is typed against the selected entity; nested keys are plain strings (TypeScript
 * cannot infer the root's entity through a method chain), checked against the mappers when
 * options() is called, so a misspelt one fails before any SQL is sent.
 */
import type { Mapper } from "./mapper.js";
import type { Relationship } from "./relationships.js";

export type LoaderStrategy = "selectin" | "joined";

/** How a relationship (and optionally relationships below it) is loaded by a query. */
export interface LoaderOption<E extends object = object> {
  /** How the root relationship is loaded; the levels of `path` always load with selectin. */
  readonly strategy: LoaderStrategy;
  /** The root relationship, of the selected entity. */
  readonly key: string;
  /** Relationships below `key`: path[0] of the objects `key` reached, path[1] of those path[0] reached, ... */
  readonly path: readonly string[];
  /** This option with one more level, loaded by a SELECT ... IN over the objects the last level reached. */
  selectinload(key: string): LoaderOption<E>;
  /** Phantom: the entity the option applies to. */
  readonly __entity?: (entity: E) => void;
}

/** The relationship names of an entity type (its properties that are not plain column values). */
export type RelationshipKey<E> = { [K in keyof E & string]: E[K] extends object | null ? (E[K] extends Date ? never : K) : never }[keyof E & string];

class Loader<E extends object> implements LoaderOption<E> {
  declare readonly __entity?: (entity: E) => void;

  constructor(
    readonly strategy: LoaderStrategy,
    readonly key: string,
    readonly path: readonly string[] = [],
  ) {}

  selectinload(key: string): LoaderOption<E> {
    return new Loader<E>(this.strategy, this.key, [...this.path, key]);
  }
}

/** Load the relationship with a second SELECT ... WHERE key IN (...) per query (SQLAlchemy selectinload). */
export function selectinload<E extends object>(key: RelationshipKey<E> | (string & {})): LoaderOption<E> {
  return new Loader<E>("selectin", key);
}

/** Load the relationship in the same SELECT through a LEFT OUTER JOIN (SQLAlchemy joinedload). */
export function joinedload<E extends object>(key: RelationshipKey<E> | (string & {})): LoaderOption<E> {
  return new Loader<E>("joined", key);
}

/**
 * The relationships an option names, root first, each resolved on the mapper the previous one
 * targets. An unknown key throws mapper.relationship()'s ArgumentError, which names the entity
 * and the relationships it does have.
 */
export function resolveLoaderPath<E extends object>(mapper: Mapper, loader: LoaderOption<E>): Relationship[] {
  const chain = [mapper.relationship(loader.key)];
  for (const key of loader.path) chain.push((chain[chain.length - 1] as Relationship).target.relationship(key));
  return chain;
}
