import process from "node:process";
import { inspect } from "node:util";
import { threadId } from "node:worker_threads";

export type RecordState = "idle" | "reserved" | "checkedOut" | "detached" | "closed";

let nextRecordId = 1;

/**
 * The long-lived record behind a pooled driver connection (SQLAlchemy `_ConnectionRecord`).
 * It outlives every checkout of its connection. When the connection is replaced at checkout
 * (recycle, pool-wide invalidation, a failed pre-ping) the record takes the new one and
 * starts a fresh `info`; a record left without a connection on return is dropped.
 */
export class ConnectionRecord<C> {
  /** Shown in logs and status() instead of the driver object, which may hold a password. */
  readonly id = nextRecordId++;
  dbapiConnection: C | null = null;
  /** Per driver connection; shared by the checkout proxy and the engine's Connection. */
  info: Record<string, unknown> = {};
  state: RecordState = "reserved";
  /** Date.now() when the current driver connection was opened. */
  connectedAt = 0;
  /** The pool's invalidation epoch when the connection was opened; older means stale. */
  epoch = 0;
  softInvalidated = false;
  /** Who opened the connection: a connection must never cross processes (SPEC P21). */
  ownerPid = 0;
  ownerThreadId = 0;

  // Per-checkout bookkeeping.
  checkedOutAt = 0;
  checkoutStack: string | undefined = undefined;
  /** Bumped at each checkout, so a late garbage-collection callback can tell it is stale. */
  checkoutSerial = 0;
  leakWarned = false;
  /**
   * The current checkout's proxy, held strongly until the leak sweep hands it to the
   * FinalizationRegistry. Registering every checkout would cost ~200 ns; most checkouts
   * end before the next sweep and never need it.
   */
  proxy: object | null = null;
  /** Unregister token while the proxy is watched by the FinalizationRegistry. */
  gcToken: object | null = null;
  /** How many proxies share this connection (StaticPool, SingletonPool). */
  holders = 0;

  /** Adopt a freshly opened driver connection. */
  attach(dbapiConnection: C, epoch: number): void {
    this.dbapiConnection = dbapiConnection;
    this.connectedAt = Date.now();
    this.epoch = epoch;
    this.softInvalidated = false;
    this.ownerPid = process.pid;
    this.ownerThreadId = threadId;
    this.info = {};
  }

  /** Forget the driver connection (the caller closes it). */
  release(): C | null {
    const conn = this.dbapiConnection;
    this.dbapiConnection = null;
    return conn;
  }

  /**
   * Opened by this process? JS objects cannot cross threads, so a pid mismatch is the case
   * to catch (e.g. a restored snapshot). `process` is imported: the global is a getter.
   */
  ownedHere(): boolean {
    return this.ownerPid === process.pid;
  }

  toString(): string {
    return `connection #${this.id}`;
  }

  /** Never the driver connection: it may hold the password. */
  [inspect.custom](): string {
    return `ConnectionRecord(#${this.id}, ${this.state})`;
  }
}
