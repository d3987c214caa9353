import type { DBAPIError } from "../errors.js";
import { Events } from "../events.js";
import type { Connection } from "./connection.js";
import type { Result } from "./result.js";

/** What handleError listeners see and may change (SQLAlchemy `ExceptionContext`). */
export interface ErrorContext {
  /** The driver's error. */
  readonly originalError: unknown;
  /** The wrapped error that will be thrown, unless a listener returns another. */
  readonly error: DBAPIError;
  readonly statement: string | undefined;
  readonly parameters: unknown;
  readonly connection: Connection | undefined;
  /** The dialect's verdict; a listener may overturn it. */
  isDisconnect: boolean;
  /** On a disconnect, also mark every other pooled connection stale (default true). */
  invalidatePoolOnDisconnect: boolean;
}

/** Listener signatures per engine event (SQLAlchemy ConnectionEvents, camelCase). */
export interface EngineEventMap {
  /** A Connection was created by engine.connect(). Awaited. */
  engineConnect: (conn: Connection) => unknown;
  /** Before a statement is sent. Awaited; may throw to stop it. */
  beforeExecute: (conn: Connection, statement: string, parameters: readonly unknown[]) => unknown;
  /** After a statement succeeded. Awaited. */
  afterExecute: (conn: Connection, statement: string, parameters: readonly unknown[], result: Result) => unknown;
  /** A driver error is being wrapped; change `isDisconnect`, or throw to raise another error. Awaited. */
  handleError: (context: ErrorContext) => unknown;
  begin: (conn: Connection) => unknown;
  commit: (conn: Connection) => unknown;
  rollback: (conn: Connection) => unknown;
  savepoint: (conn: Connection, name: string) => unknown;
  releaseSavepoint: (conn: Connection, name: string) => unknown;
  rollbackSavepoint: (conn: Connection, name: string) => unknown;
}

export type EngineEventName = keyof EngineEventMap;

const ENGINE_EVENT_NAMES: ReadonlySet<EngineEventName> = new Set<EngineEventName>([
  "engineConnect",
  "beforeExecute",
  "afterExecute",
  "handleError",
  "begin",
  "commit",
  "rollback",
  "savepoint",
  "releaseSavepoint",
  "rollbackSavepoint",
]);

/** The engine's listeners (SPEC E10); the pool's are on engine.pool.events. */
export class EngineEvents extends Events<EngineEventMap> {
  constructor() {
    super("engine", ENGINE_EVENT_NAMES);
  }
}
