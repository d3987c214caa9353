/**
 * ORM errors. Each has a stable `code` and a message that names the fix (habit 6). They all
 * extend InvalidRequestError: the request was wrong for the object's state, nothing failed
 * in the database.
 */
import { InvalidRequestError } from "../errors.js";

/** A class used where a mapped entity is needed: `class User extends Entity(users) {}`. */
export class UnmappedEntityError extends InvalidRequestError {
  constructor(message: string) {
    super(message, { code: "UNMAPPED_ENTITY" });
  }
}

/**
 * A relationship read before it was loaded. The ORM never loads behind a property read
 * (that would be hidden I/O): the message names the loader option that loads it.
 */
export class RelationshipNotLoadedError extends InvalidRequestError {
  constructor(
    readonly entity: string,
    readonly relationship: string,
  ) {
    super(
      `${entity}.${relationship} is not loaded, and reading it will not query the database. Load it with the query: ` +
        `select(${entity}).options(selectinload("${relationship}")) (or joinedload("${relationship}")); ` +
        `if this ${entity} was itself loaded through a relationship, chain from that one: ` +
        `selectinload("<that relationship>").selectinload("${relationship}"); ` +
        `or for this object: await session.refresh(obj, ["${relationship}"]).`,
      { code: "RELATIONSHIP_NOT_LOADED" },
    );
  }
}

/** A column attribute read after it was expired (commit with expireOnCommit, expire(), rollback). */
export class ExpiredAttributeError extends InvalidRequestError {
  constructor(
    readonly entity: string,
    readonly attribute: string,
    detached: boolean,
  ) {
    super(
      `${entity}.${attribute} is expired (by commit with expireOnCommit, expire() or rollback) and reading it will not ` +
        "query the database. " +
        (detached
          ? "The object is detached from its session: load it again in a session, or use sessionmaker({ expireOnCommit: false })."
          : "Reload it: await session.refresh(obj), or query it again; or use sessionmaker({ expireOnCommit: false })."),
      { code: "ATTRIBUTE_EXPIRED" },
    );
  }
}

/** An operation that needs the object in a session (or in this session) found it elsewhere. */
export class ObjectStateError extends InvalidRequestError {
  constructor(message: string) {
    super(message, { code: "OBJECT_STATE" });
  }
}

/** refresh() of a row that no longer exists. */
export class ObjectDeletedError extends InvalidRequestError {
  constructor(message: string) {
    super(message, { code: "OBJECT_DELETED" });
  }
}

/** An UPDATE matched no row: someone else deleted it (SQLAlchemy StaleDataError). */
export class StaleDataError extends InvalidRequestError {
  constructor(message: string) {
    super(message, { code: "STALE_DATA" });
  }
}

/** Rows that depend on each other in a circle: no INSERT (or DELETE) order satisfies the foreign keys. */
export class CircularDependencyError extends InvalidRequestError {
  constructor(
    message: string,
    readonly cycle: readonly string[],
  ) {
    super(message, { code: "CIRCULAR_DEPENDENCY" });
  }
}

/** The flush could not be planned (e.g. a row without its primary key on a table that does not generate one). */
export class FlushError extends InvalidRequestError {
  constructor(message: string) {
    super(message, { code: "FLUSH_ERROR" });
  }
}
