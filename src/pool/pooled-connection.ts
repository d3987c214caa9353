import { inspect } from "node:util";
import { ResourceClosedError } from "../errors.js";
import type { ConnectionRecord } from "./connection-record.js";

/** What a proxy needs from its pool; implemented by Pool. */
export interface ProxyHost<C> {
  returnRecord(record: ConnectionRecord<C>, transactionWasReset?: boolean): Promise<void>;
  invalidateRecord(record: ConnectionRecord<C>, error: unknown, soft: boolean): Promise<void>;
  detachRecord(record: ConnectionRecord<C>): Promise<void>;
  closeDetached(record: ConnectionRecord<C>): Promise<void>;
}

/**
 * One checkout of a pooled connection (SQLAlchemy's "connection fairy"). `close()` gives
 * the connection back to the pool, reset first; it never closes the driver connection
 * unless the pool decides to. Every checkout gets a new proxy, so a stale handle that is
 * closed twice cannot return someone else's connection.
 */
export class PooledConnection<C> {
  private isClosed = false;
  private isDetached = false;

  constructor(
    private readonly host: ProxyHost<C>,
    /** The long-lived record behind this checkout. */
    readonly record: ConnectionRecord<C>,
  ) {}

  /** The driver's own connection object. */
  get dbapiConnection(): C {
    const conn = this.isClosed ? null : this.record.dbapiConnection;
    if (conn === null) {
      throw new ResourceClosedError(
        this.isClosed
          ? "This pooled connection was closed (returned to the pool); check out a new one with pool.connect()."
          : "This pooled connection was invalidated; close it and check out a new one with pool.connect().",
      );
    }
    return conn;
  }

  /** A plain object that lives as long as the driver connection, across checkouts. */
  get info(): Record<string, unknown> {
    return this.record.info;
  }

  get closed(): boolean {
    return this.isClosed;
  }

  /** Still checked out and holding a live driver connection. */
  get isValid(): boolean {
    return !this.isClosed && this.record.dbapiConnection !== null;
  }

  get detached(): boolean {
    return this.isDetached;
  }

  /**
   * Return the connection to the pool (a detached one is really closed). Safe to call twice.
   * `transactionWasReset`: the caller has just committed or rolled back and nothing is open,
   * so the pool may skip its own reset round trip (SQLAlchemy's `transaction_was_reset`).
   */
  close(options?: { transactionWasReset?: boolean }): Promise<void> {
    if (this.isClosed) return Promise.resolve();
    this.isClosed = true;
    if (this.isDetached) return this.host.closeDetached(this.record);
    return this.host.returnRecord(this.record, options?.transactionWasReset === true);
  }

  /**
   * Discard the driver connection. Hard (default): it is closed now and this checkout ends.
   * Soft: it stays usable until returned, then is replaced at its next checkout.
   */
  async invalidate(error?: unknown, options?: { soft?: boolean }): Promise<void> {
    if (this.isClosed) return;
    const soft = options?.soft === true;
    await this.host.invalidateRecord(this.record, error, soft);
    if (!soft) await this.close();
  }

  /**
   * Take the connection out of the pool for good: the pool may open another in its place,
   * and close() on this proxy really closes the driver connection.
   */
  async detach(): Promise<void> {
    if (this.isClosed || this.isDetached) return;
    this.isDetached = true;
    await this.host.detachRecord(this.record);
  }

  /**
   * @internal End this proxy without returning its record (a checkout listener refused
   * the connection; the pool retries with the same record).
   */
  revoke(): void {
    this.isClosed = true;
  }

  [Symbol.asyncDispose](): Promise<void> {
    return this.close();
  }

  [inspect.custom](): string {
    return this.toString();
  }

  toString(): string {
    return `PooledConnection(${this.record.toString()}${this.isClosed ? ", closed" : ""})`;
  }
}
