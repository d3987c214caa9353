import { ArgumentError } from "../errors.js";
import type { BasePoolOptions, Creator, QueuePoolOptions } from "./options.js";
import type { CheckoutOptions, Pool } from "./pool.js";
import type { PooledConnection } from "./pooled-connection.js";
import { QueuePool } from "./queue-pool.js";

/** A driver module, reduced to the one call `manage` needs. */
export interface ConnectableDriver<A, C> {
  connect(args: A): C | Promise<C>;
}

/** Builds the pool for one argument set; default: a QueuePool. */
export type PoolFactory<C> = (creator: Creator<C>, options: object) => Pool<C>;

export type ManageOptions<C> = Omit<QueuePoolOptions<C>, "creator"> & {
  /** Which pool to build per argument set (e.g. NullPool); default QueuePool. */
  poolclass?: new (creator: Creator<C>, options?: BasePoolOptions<C>) => Pool<C>;
};

/**
 * A pooling proxy around a driver (SQLAlchemy `pool.manage`, SPEC P23): `connect(args)`
 * checks out from a pool kept per distinct argument set, so code written against the
 * driver's own connect() gets pooling without other changes.
 */
export class ManagedDriver<A, C> {
  private readonly pools = new Map<string, Pool<C>>();

  constructor(
    private readonly driver: ConnectableDriver<A, C>,
    private readonly options: ManageOptions<C> = {},
  ) {
    if (typeof driver?.connect !== "function") {
      throw new ArgumentError("manage() needs a driver with a connect(args) function.");
    }
  }

  connect(args: A, options?: CheckoutOptions): Promise<PooledConnection<C>> {
    return this.getPool(args).connect(options);
  }

  /** The pool for this argument set (created on first use). */
  getPool(args: A): Pool<C> {
    const key = argumentKey(args);
    let pool = this.pools.get(key);
    if (pool === undefined) {
      const { poolclass, ...poolOptions } = this.options;
      const creator = () => this.driver.connect(args);
      pool = poolclass === undefined ? new QueuePool<C>(creator, poolOptions) : new poolclass(creator, poolOptions);
      this.pools.set(key, pool);
    }
    return pool;
  }

  /** How many argument sets have a pool. */
  get size(): number {
    return this.pools.size;
  }

  /** Dispose and forget the pool of one argument set. */
  async dispose(args: A): Promise<void> {
    const key = argumentKey(args);
    const pool = this.pools.get(key);
    this.pools.delete(key);
    await pool?.dispose();
  }

  /** Dispose and forget every pool (SQLAlchemy `clear_managers`). */
  async disposeAll(): Promise<void> {
    const pools = [...this.pools.values()];
    this.pools.clear();
    await Promise.all(pools.map((pool) => pool.dispose()));
  }
}

export function manage<A, C>(driver: ConnectableDriver<A, C>, options?: ManageOptions<C>): ManagedDriver<A, C> {
  return new ManagedDriver(driver, options);
}

/** The same arguments in any key order give the same pool. */
function argumentKey(args: unknown): string {
  return JSON.stringify(args, (_key, value: unknown) => {
    if (typeof value === "function" || typeof value === "symbol" || typeof value === "bigint") {
      throw new ArgumentError(
        "manage(): connect arguments must be plain data (strings, numbers, booleans, arrays, objects) so they can key a pool.",
      );
    }
    if (value !== null && typeof value === "object" && !Array.isArray(value)) {
      return Object.fromEntries(Object.entries(value).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
    }
    return value;
  }) ?? "undefined";
}
