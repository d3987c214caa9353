import type { ConnectionRecord } from "./connection-record.js";
import type { BasePoolOptions, Creator } from "./options.js";
import { Pool, type PoolCounts } from "./pool.js";

/**
 * Exactly one connection, handed to every checkout at once (SQLAlchemy StaticPool, SPEC P4).
 * Holders share it: it is reset only when the last of them returns it, and it is replaced
 * only when it is dead or stale and nobody holds it.
 */
export class StaticPool<C = unknown> extends Pool<C> {
  protected override readonly sharesConnections = true;
  private record: ConnectionRecord<C> | undefined = undefined;

  constructor(creator: Creator<C>, options?: BasePoolOptions<C>);
  constructor(options: BasePoolOptions<C> & { creator: Creator<C> });
  constructor(creatorOrOptions: Creator<C> | BasePoolOptions<C>, options?: BasePoolOptions<C>) {
    super("StaticPool", creatorOrOptions, options, []);
  }

  protected acquire(): ConnectionRecord<C> {
    this.record ??= this.createRecord();
    return this.record;
  }

  protected releaseRecord(record: ConnectionRecord<C>): void {
    record.state = "idle";
  }

  protected override forgetDetached(record: ConnectionRecord<C>): void {
    if (this.record === record) this.record = undefined;
  }

  protected takeAllIdle(): ConnectionRecord<C>[] {
    const record = this.record;
    if (record === undefined || record.holders > 0) return [];
    this.record = undefined;
    return [record];
  }

  protected counts(): PoolCounts {
    const holders = this.record?.holders ?? 0;
    const idle = this.record !== undefined && holders === 0 && this.record.dbapiConnection !== null;
    return { size: 1, checkedIn: idle ? 1 : 0, checkedOut: holders, overflow: 0, waiting: 0 };
  }
}
