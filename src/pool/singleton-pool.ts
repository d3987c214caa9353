import { currentScope, type AsyncScope } from "../context.js";
import type { ConnectionRecord } from "./connection-record.js";
import { checkInteger, type Creator, type SingletonPoolOptions } from "./options.js";
import { Pool, type PoolCounts } from "./pool.js";

/**
 * One connection per async scope (SQLAlchemy SingletonThreadPool, SPEC P5): every checkout
 * in the same scope (see runInScope) shares it. At most `poolSize` scopes keep one; the
 * least recently used idle ones are closed beyond that. Meant for tests.
 */
export class SingletonPool<C = unknown> extends Pool<C> {
  protected override readonly sharesConnections = true;
  readonly poolSize: number;
  /** Insertion order = least recently used first. */
  private readonly byScope = new Map<AsyncScope, ConnectionRecord<C>>();

  constructor(creator: Creator<C>, options?: SingletonPoolOptions<C>);
  constructor(options: SingletonPoolOptions<C> & { creator: Creator<C> });
  constructor(creatorOrOptions: Creator<C> | SingletonPoolOptions<C>, options?: SingletonPoolOptions<C>) {
    super("SingletonPool", creatorOrOptions, options, ["poolSize"]);
    const opts = (typeof creatorOrOptions === "function" ? options : creatorOrOptions) ?? {};
    this.poolSize = checkInteger("poolSize", opts.poolSize ?? 5, 1, "scopes that keep a connection");
  }

  protected acquire(): ConnectionRecord<C> {
    const scope = currentScope();
    let record = this.byScope.get(scope);
    if (record !== undefined) {
      this.byScope.delete(scope);
      this.byScope.set(scope, record);
      return record;
    }
    record = this.createRecord();
    this.byScope.set(scope, record);
    this.trim();
    return record;
  }

  protected releaseRecord(record: ConnectionRecord<C>): void {
    record.state = "idle";
  }

  protected override forgetDetached(record: ConnectionRecord<C>): void {
    for (const [scope, r] of this.byScope) if (r === record) this.byScope.delete(scope);
  }

  protected takeAllIdle(): ConnectionRecord<C>[] {
    const idle: ConnectionRecord<C>[] = [];
    for (const [scope, record] of this.byScope) {
      if (record.holders > 0) continue;
      this.byScope.delete(scope);
      idle.push(record);
    }
    return idle;
  }

  protected counts(): PoolCounts {
    let checkedIn = 0;
    let checkedOut = 0;
    for (const record of this.byScope.values()) {
      checkedOut += record.holders;
      if (record.holders === 0 && record.dbapiConnection !== null) checkedIn++;
    }
    return { size: this.poolSize, checkedIn, checkedOut, overflow: 0, waiting: 0 };
  }

  /** Close the least recently used idle connections beyond poolSize scopes. */
  private trim(): void {
    for (const [scope, record] of this.byScope) {
      if (this.byScope.size <= this.poolSize) return;
      if (record.holders > 0 || record.state === "reserved") continue;
      this.byScope.delete(scope);
      void this.discardRecord(record);
    }
  }
}
