export * from "./errors.js";
export * from "./pool/index.js";
export { runInScope, runInExistingScope, currentScope, AsyncScope } from "./context.js";
export type { Logger } from "./log.js";
export { DatabaseUrl, DatabaseUrl as URL, type UrlParts, type QueryValue } from "./url.js";
export { text, TextClause, isTextClause, type ParamStyle, type CompiledSql } from "./sql/text.js";
export { createEngine, type EngineOptions, type PoolClass } from "./engine/create-engine.js";
export { Engine } from "./engine/engine.js";
export { Connection, type ExecuteOptions, type Params, type StreamOptions } from "./engine/connection.js";
export { Transaction, NestedTransaction, type TransactionState } from "./engine/transaction.js";
export { Result, ScalarResult, MappingResult } from "./engine/result.js";
export { AsyncResult } from "./engine/async-result.js";
export { RowBase, type Row } from "./engine/row.js";
export { EngineEvents, type EngineEventMap, type EngineEventName, type ErrorContext } from "./engine/engine-events.js";
export type { Dialect, DialectCapabilities, DriverCursor, DriverResult, IsolationLevel } from "./engine/interfaces.js";
export { DriverNotInstalledError } from "./dialects/shared/load-driver.js";
export { Session, type SessionOptions } from "./orm/session.js";
export { SessionTransaction, type SessionTransactionState } from "./orm/session-transaction.js";
export { sessionmaker, type SessionFactory } from "./orm/sessionmaker.js";
export { scopedSession, type ScopedSession, type ScopedSessionOptions } from "./orm/scoped-session.js";
export type { WrongHandleGuard } from "./engine/engine.js";
export { EXECUTABLE, isExecutable, type Executable, type TypedExecutable, type CompileTarget, type CompiledStatement } from "./sql/executable.js";
export * from "./sql/index.js";
// The ORM (SPEC S7, S8). This select() handles select(Entity) and passes anything else to the
// Core select(), so it replaces the one exported above.
export { select } from "./orm/entity-select.js";
export { Entity, type EntityBase, type EntityMethods } from "./orm/entity.js";
export { type EntityClass, isEntityClass } from "./orm/entity-class.js";
export { EntitySelect } from "./orm/entity-select.js";
export { selectinload, joinedload, type LoaderOption, type RelationshipKey } from "./orm/loader-options.js";
export { manyToOne, oneToMany, relate, type Cascade, type ManyToOneOptions, type OneToManyOptions, type RelationshipSpec, type RelationshipOptions } from "./orm/relationships.js";
export { Query } from "./orm/query.js";
export { IdentityMap } from "./orm/identity-map.js";
export type { ObjectStatus } from "./orm/instance-state.js";
export type { PrimaryKey } from "./orm/orm-operations.js";
export type { Page, PageOptions, KeysetPage, KeysetOptions, StreamEntitiesOptions } from "./orm/pagination.js";
export { inspectObject } from "./orm/inspect.js";
export {
  UnmappedEntityError, RelationshipNotLoadedError, ExpiredAttributeError, ObjectStateError, ObjectDeletedError,
  StaleDataError, CircularDependencyError, FlushError,
} from "./orm/errors.js";
