import { PoolAssertionError } from "../errors.js";
import type { ConnectionRecord } from "./connection-record.js";
import type { AssertionPoolOptions, Creator } from "./options.js";
import { Pool, type PoolCounts } from "./pool.js";

/**
 * At most one connection checked out at a time (SQLAlchemy AssertionPool, SPEC P6): a
 * second checkout throws, naming where the first one was checked out. For tests that
 * must prove code never holds two connections.
 */
export class AssertionPool<C = unknown> extends Pool<C> {
  private record: ConnectionRecord<C> | undefined = undefined;
  private busy = false;

  constructor(creator: Creator<C>, options?: AssertionPoolOptions<C>);
  constructor(options: AssertionPoolOptions<C> & { creator: Creator<C> });
  constructor(creatorOrOptions: Creator<C> | AssertionPoolOptions<C>, options?: AssertionPoolOptions<C>) {
    const opts = (typeof creatorOrOptions === "function" ? options : creatorOrOptions) ?? {};
    const creator = typeof creatorOrOptions === "function" ? creatorOrOptions : undefined;
    // The stack of the first checkout is what makes the error useful; record it by default.
    super("AssertionPool", creator, { ...opts, checkoutStacks: opts.checkoutStacks ?? opts.storeTraceback ?? true }, [
      "storeTraceback",
    ]);
  }

  protected acquire(): ConnectionRecord<C> {
    if (this.busy) {
      const where = this.record?.checkoutStack;
      throw new PoolAssertionError(
        "AssertionPool: a connection is already checked out; close it before checking out another." +
          (where === undefined ? "" : ` It was checked out at:\n${where}`),
      );
    }
    this.busy = true;
    this.record ??= this.createRecord();
    this.record.state = "reserved";
    return this.record;
  }

  protected releaseRecord(record: ConnectionRecord<C>): void {
    this.busy = false;
    if (record.dbapiConnection === null) {
      this.record = undefined;
      this.dropEmptyRecord(record);
      return;
    }
    record.state = "idle";
  }

  protected override forgetDetached(record: ConnectionRecord<C>): void {
    if (this.record === record) this.record = undefined;
    this.busy = false;
  }

  protected takeAllIdle(): ConnectionRecord<C>[] {
    const record = this.record;
    if (record === undefined || this.busy) return [];
    this.record = undefined;
    return [record];
  }

  protected counts(): PoolCounts {
    const idle = !this.busy && this.record?.dbapiConnection != null;
    return { size: 1, checkedIn: idle ? 1 : 0, checkedOut: this.busy ? 1 : 0, overflow: 0, waiting: 0 };
  }
}
