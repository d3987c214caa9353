import type { ConnectionRecord } from "./connection-record.js";
import type { BasePoolOptions, Creator } from "./options.js";
import { Pool, type PoolCounts } from "./pool.js";

/**
 * Opens a driver connection for every checkout and closes it on return (SQLAlchemy
 * NullPool, SPEC P3): for serverless functions, or when something else (PgBouncer) pools.
 */
export class NullPool<C = unknown> extends Pool<C> {
  constructor(creator: Creator<C>, options?: BasePoolOptions<C>);
  constructor(options: BasePoolOptions<C> & { creator: Creator<C> });
  constructor(creatorOrOptions: Creator<C> | BasePoolOptions<C>, options?: BasePoolOptions<C>) {
    super("NullPool", creatorOrOptions, options, []);
  }

  protected acquire(): ConnectionRecord<C> {
    return this.createRecord();
  }

  protected releaseRecord(record: ConnectionRecord<C>): Promise<void> {
    return this.discardRecord(record);
  }

  protected takeAllIdle(): ConnectionRecord<C>[] {
    return [];
  }

  protected counts(): PoolCounts {
    return { size: 0, checkedIn: 0, checkedOut: this.records.size, overflow: 0, waiting: 0 };
  }
}
