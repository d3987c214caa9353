import type { ConnectionRecord } from "./connection-record.js";
import { Deque } from "./deque.js";
import { checkBoolean, checkDuration, checkInteger, type Creator, type QueuePoolOptions } from "./options.js";
import { Pool, type CheckoutRequest, type PoolCounts, type WaitingCheckout } from "./pool.js";
import type { PooledConnection } from "./pooled-connection.js";
import { WaitQueue } from "./wait-queue.js";

const QUEUE_POOL_OPTIONS = ["poolSize", "maxOverflow", "timeoutMs", "useLifo"] as const;

/**
 * The default pool for server databases (SQLAlchemy QueuePool, SPEC P1, P2). Keeps up to
 * `poolSize` idle connections, opens up to `maxOverflow` more under load and closes those
 * when they come back; checkouts beyond that wait in FIFO order for up to `timeoutMs`.
 */
export class QueuePool<C = unknown> extends Pool<C> {
  readonly poolSize: number;
  readonly maxOverflow: number;
  readonly timeoutMs: number;
  readonly useLifo: boolean;
  private readonly idle = new Deque<ConnectionRecord<C>>();
  private readonly waiters: WaitQueue<ConnectionRecord<C>, PooledConnection<C>, WaitingCheckout>;

  constructor(creator: Creator<C>, options?: QueuePoolOptions<C>);
  constructor(options: QueuePoolOptions<C> & { creator: Creator<C> });
  constructor(creatorOrOptions: Creator<C> | QueuePoolOptions<C>, options?: QueuePoolOptions<C>) {
    super("QueuePool", creatorOrOptions, options, QUEUE_POOL_OPTIONS);
    const opts = (typeof creatorOrOptions === "function" ? options : creatorOrOptions) ?? {};
    this.poolSize = checkInteger("poolSize", opts.poolSize ?? 5, 0, "0 means no limit");
    this.maxOverflow = checkInteger("maxOverflow", opts.maxOverflow ?? 10, -1, "-1 means no limit");
    this.timeoutMs = checkDuration("timeoutMs", opts.timeoutMs ?? 30_000, true, "Infinity waits forever");
    this.useLifo = checkBoolean("useLifo", opts.useLifo ?? false);
    this.waiters = new WaitQueue<ConnectionRecord<C>, PooledConnection<C>, WaitingCheckout>(
      (waitedMs, timeoutMs) => this.timeoutError(waitedMs, timeoutMs),
      (record, waiting, startedAt) => this.deliverToWaiter(record, waiting, startedAt),
    );
  }

  protected acquire(): ConnectionRecord<C> | undefined {
    if (this.waiters.length > 0) return undefined; // first come, first served
    const record = this.takeIdle();
    if (record !== undefined) {
      record.state = "reserved";
      return record;
    }
    return this.canGrow() ? this.createRecord() : undefined;
  }

  protected override enqueue(
    request: CheckoutRequest | undefined,
    stack: string | undefined,
    resolve: (proxy: PooledConnection<C> | PromiseLike<PooledConnection<C>>) => void,
    reject: (reason: unknown) => void,
  ): void {
    const remainingMs = request === undefined ? this.timeoutMs : Math.max(0, request.deadline - Date.now());
    this.waiters.enqueue(remainingMs, request?.signal, { request, stack }, resolve, reject);
  }

  protected releaseRecord(record: ConnectionRecord<C>): Promise<void> | void {
    if (record.dbapiConnection === null) {
      // Invalidated or never opened: its slot is free for someone else.
      this.dropEmptyRecord(record);
      return;
    }
    record.state = "reserved";
    if (this.waiters.serve(record)) return;
    if (this.poolSize === 0 || this.idle.length < this.poolSize) {
      record.state = "idle";
      this.idle.push(record);
      return;
    }
    // The pool is full: this one was overflow, so it is closed.
    return this.discardRecord(record);
  }

  /** Serve waiters from idle records or with new ones while there is room. */
  protected override slotFreed(): void {
    while (this.waiters.length > 0) {
      const record = this.takeIdle() ?? (this.canGrow() ? this.createRecord() : undefined);
      if (record === undefined) return;
      record.state = "reserved";
      this.waiters.serve(record);
    }
  }

  private takeIdle(): ConnectionRecord<C> | undefined {
    return this.useLifo ? this.idle.pop() : this.idle.shift();
  }

  override wouldWait(): boolean {
    return this.waiters.length > 0 || (this.idle.length === 0 && !this.canGrow());
  }

  protected takeAllIdle(): ConnectionRecord<C>[] {
    return this.idle.drain();
  }

  protected override defaultTimeoutMs(): number {
    return this.timeoutMs;
  }

  protected counts(): PoolCounts {
    const total = this.records.size;
    return {
      size: this.poolSize,
      checkedIn: this.idle.length,
      checkedOut: total - this.idle.length,
      overflow: this.poolSize === 0 ? 0 : total - this.poolSize,
      waiting: this.waiters.length,
    };
  }

  protected override describeLimits(): string {
    const overflow = this.maxOverflow === -1 ? "unlimited" : String(this.maxOverflow);
    return `QueuePool limit of size ${this.poolSize === 0 ? "unlimited" : this.poolSize} overflow ${overflow}`;
  }

  private canGrow(): boolean {
    return this.maxOverflow === -1 || this.records.size < this.poolSize + this.maxOverflow;
  }
}
