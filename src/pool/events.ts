import { ArgumentError } from "../errors.js";
import type { Logger } from "../log.js";
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

const EVENT_NAMES: ReadonlySet<string> = new Set<PoolEventName>([
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

type AnyListener = (...args: never[]) => unknown;

/**
 * The pool's listeners. Emitting with no listeners costs one property read, so the pool's
 * hot path pays nothing for events nobody listens to.
 */
export class PoolEvents<C> {
  /** Arrays are replaced, never mutated, so an emit in progress is not disturbed. */
  private readonly listeners: { [K in PoolEventName]?: PoolEventMap<C>[K][] } = {};
  /** Called whenever listeners are added or removed (the pool recomputes its fast path). */
  onChange: () => void = () => undefined;

  on<K extends PoolEventName>(name: K, listener: PoolEventMap<C>[K]): () => void {
    if (!EVENT_NAMES.has(name)) {
      throw new ArgumentError(`Unknown pool event '${String(name)}'. Pool events: ${[...EVENT_NAMES].join(", ")}.`);
    }
    if (typeof listener !== "function") throw new ArgumentError(`The '${name}' listener must be a function.`);
    const current = (this.listeners[name] ?? []) as PoolEventMap<C>[K][];
    this.listeners[name] = [...current, listener] as (typeof this.listeners)[K];
    this.onChange();
    return () => this.off(name, listener);
  }

  once<K extends PoolEventName>(name: K, listener: PoolEventMap<C>[K]): () => void {
    const wrapper = ((...args: Parameters<PoolEventMap<C>[K]>) => {
      this.off(name, wrapper);
      return (listener as (...a: Parameters<PoolEventMap<C>[K]>) => unknown)(...args);
    }) as PoolEventMap<C>[K];
    return this.on(name, wrapper);
  }

  off<K extends PoolEventName>(name: K, listener: PoolEventMap<C>[K]): void {
    const current = this.listeners[name] as PoolEventMap<C>[K][] | undefined;
    if (current === undefined) return;
    const next = current.filter((l) => l !== listener);
    this.listeners[name] = (next.length === 0 ? undefined : next) as (typeof this.listeners)[K];
    this.onChange();
  }

  /** Add every listener of this pool to another (Pool.recreate keeps the listeners). */
  copyTo(other: PoolEvents<C>): void {
    for (const name of Object.keys(this.listeners) as PoolEventName[]) {
      for (const listener of this.listeners[name] ?? []) other.on(name, listener as PoolEventMap<C>[typeof name]);
    }
  }

  has(name: PoolEventName): boolean {
    return this.listeners[name] !== undefined;
  }

  /** Run listeners in order, awaiting each; the first error propagates to the caller. */
  async emitAwaited<K extends PoolEventName>(name: K, ...args: Parameters<PoolEventMap<C>[K]>): Promise<void> {
    const list = this.listeners[name] as AnyListener[] | undefined;
    if (list === undefined) return;
    for (const listener of list) await (listener as (...a: unknown[]) => unknown)(...args);
  }

  /**
   * Run listeners for an event the caller cannot fail on (checkin, invalidate, close...):
   * each one is awaited, and what one throws is logged and does not stop the pool.
   */
  async emitReported<K extends PoolEventName>(
    logger: Logger,
    name: K,
    ...args: Parameters<PoolEventMap<C>[K]>
  ): Promise<void> {
    const list = this.listeners[name] as AnyListener[] | undefined;
    if (list === undefined) return;
    for (const listener of list) {
      try {
        await (listener as (...a: unknown[]) => unknown)(...args);
      } catch (err) {
        logger.error(`athanor pool: a '${name}' listener threw; the pool carries on. ${errorText(err)}`);
      }
    }
  }
}

export function errorText(err: unknown): string {
  if (err instanceof Error) return err.stack ?? `${err.name}: ${err.message}`;
  return String(err);
}
