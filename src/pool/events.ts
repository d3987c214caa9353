import { Events } from "../events.js";
import type { ConnectionRecord } from "./connection-record.js";
import type { PooledConnection } from "./pooled-connection.js";

/** Listener signatures per pool event (SQLAlchemy PoolEvents, in camelCase). */
export interface PoolEventMap<C> {
  /** A driver connection was opened. Awaited. */
  connect: (dbapiConnection: C, record: ConnectionRecord<C>) => unknown;
  /** The pool's first connection was opened (before `connect`). Awaited. */
  firstConnect: (dbapiConnection: C, record: ConnectionRecord<C>) => unknown;
  /** A connection is being handed out; throw DisconnectionError to refuse it. Awaited. */
  checkout: (dbapiConnection: C, record: ConnectionRecord<C>, proxy: PooledConnection<C>) => unknown;
  /** A connection came back (dbapiConnection is null if it was invalidated). Awaited. */
  checkin: (dbapiConnection: C | null, record: ConnectionRecord<C>) => unknown;
  /** A returned connection is being reset. Awaited. */
  reset: (dbapiConnection: C, record: ConnectionRecord<C>, mode: "rollback" | "commit") => unknown;
  /** A connection was invalidated and closed. */
  invalidate: (dbapiConnection: C, record: ConnectionRecord<C>, error: unknown) => unknown;
  /** A connection was marked to be replaced at its next checkout. */
  softInvalidate: (dbapiConnection: C, record: ConnectionRecord<C>, error: unknown) => unknown;
  /** A pooled driver connection was closed. */
  close: (dbapiConnection: C, record: ConnectionRecord<C>) => unknown;
  /** A connection was detached from the pool. */
  detach: (dbapiConnection: C, record: ConnectionRecord<C>) => unknown;
  /** A detached connection was closed. */
  closeDetached: (dbapiConnection: C) => unknown;
}

export type PoolEventName = keyof PoolEventMap<unknown>;

const POOL_EVENT_NAMES: ReadonlySet<PoolEventName> = new Set<PoolEventName>([
  "connect",
  "firstConnect",
  "checkout",
  "checkin",
  "reset",
  "invalidate",
  "softInvalidate",
  "close",
  "detach",
  "closeDetached",
]);

/** The pool's listeners (SPEC P17). */
export class PoolEvents<C> extends Events<PoolEventMap<C>> {
  constructor() {
    super("pool", POOL_EVENT_NAMES);
  }
}
