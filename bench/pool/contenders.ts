import genericPool from "generic-pool";
import PgPool from "pg-pool";
import tarn from "tarn";
import { QueuePool, type PooledConnection } from "../../src/index.js";

/**
 * The pools under test, behind one small interface. Every pool is fed the same fake
 * resource (a plain object) and sized to 10; each benchmark cycle touches it (`uses++`).
 */

export interface FakeResource {
  readonly id: number;
  uses: number;
}

let nextResourceId = 0;

/** What every pool creates: a plain object, no methods (so nothing to roll back or close). */
export function fakeResource(): FakeResource {
  return { id: ++nextResourceId, uses: 0 };
}

export const POOL_MAX = 10;

export interface PoolCounts {
  /** Resources the pool holds (idle or handed out). */
  total: number;
  inUse: number;
  waiting: number;
}

export interface Contender<H> {
  /** Resolves with a handle once a resource is ours. */
  acquire(): Promise<H>;
  /** Gives it back. Not awaited by the loops (a release that completes later is the pool's cost to hide). */
  release(handle: H): void;
  resource(handle: H): FakeResource;
  counts(): PoolCounts;
  close(): Promise<void>;
}

export const CONTENDERS = ["athanor", "athanor-default", "pg-pool", "generic-pool", "tarn", "floor"] as const;
export type ContenderName = (typeof CONTENDERS)[number];

export const PEERS: readonly ContenderName[] = ["pg-pool", "generic-pool", "tarn"];

export const DESCRIPTIONS: Record<ContenderName, string> = {
  athanor: 'athanor QueuePool, resetOnReturn "none" (same work as the peers)',
  "athanor-default": 'athanor QueuePool, default resetOnReturn "rollback" (resource has no rollback())',
  "pg-pool": "pg-pool 3, idleTimeoutMillis 0, fake Client",
  "generic-pool": "generic-pool 3, defaults",
  tarn: "tarn 3, defaults (acquireTimeoutMillis 30 000)",
  floor: "an async fn that awaits a resolved promise and moves an item between arrays",
};

export function makeContender(name: ContenderName): Contender<unknown> {
  switch (name) {
    case "athanor":
      return athanor(true);
    case "athanor-default":
      return athanor(false);
    case "pg-pool":
      return pgPool();
    case "generic-pool":
      return genericPoolContender();
    case "tarn":
      return tarnContender();
    case "floor":
      return floor();
  }
}

// ---- athanor ------------------------------------------------------------------------------

function athanor(fair: boolean): Contender<PooledConnection<FakeResource>> {
  const pool = new QueuePool<FakeResource>(() => fakeResource(), {
    poolSize: POOL_MAX,
    maxOverflow: 0,
    timeoutMs: 30_000,
    ...(fair ? { resetOnReturn: "none" as const } : {}),
  });
  return {
    acquire: () => pool.connect(),
    release: (c) => void c.close(),
    resource: (c) => c.dbapiConnection,
    counts: () => {
      const s = pool.status();
      return { total: s.checkedIn + s.checkedOut, inUse: s.checkedOut, waiting: s.waiting };
    },
    close: () => pool.dispose(),
  };
}

// ---- pg-pool --------------------------------------------------------------------------------

/**
 * What pg-pool calls on a Client (node_modules/pg-pool/index.js): the constructor, connect(cb),
 * end(cb), on/once/removeListener('error'), and it reads _queryable, _ending and writes
 * release and _poolUseCount. Listener methods are no-ops (cheaper than pg's EventEmitter:
 * the comparison errs in pg-pool's favour).
 */
class FakePgClient {
  readonly resource = fakeResource();
  readonly _queryable = true;
  readonly _ending = false;
  _poolUseCount = 0;

  connect(callback: (err?: Error) => void): void {
    process.nextTick(callback);
  }

  end(callback?: () => void): Promise<void> {
    if (callback !== undefined) process.nextTick(callback);
    return Promise.resolve();
  }

  on(): this {
    return this;
  }

  once(): this {
    return this;
  }

  removeListener(): this {
    return this;
  }
}

interface PgPooledClient extends FakePgClient {
  release(err?: Error | boolean): void;
}

interface PgPoolLike {
  connect(): Promise<PgPooledClient>;
  end(): Promise<void>;
  readonly totalCount: number;
  readonly idleCount: number;
  readonly waitingCount: number;
}

/** @types/pg-pool insists on a real pg.Client; this is what the benchmark actually uses. */
type PgPoolConstructor = new (
  options: { max: number; idleTimeoutMillis: number },
  Client: new (options?: unknown) => FakePgClient,
) => PgPoolLike;

function pgPool(): Contender<PgPooledClient> {
  const pool = new (PgPool as unknown as PgPoolConstructor)({ max: POOL_MAX, idleTimeoutMillis: 0 }, FakePgClient);
  return {
    acquire: () => pool.connect(),
    release: (client) => client.release(),
    resource: (client) => client.resource,
    counts: () => ({ total: pool.totalCount, inUse: pool.totalCount - pool.idleCount, waiting: pool.waitingCount }),
    close: () => pool.end(),
  };
}

// ---- generic-pool ---------------------------------------------------------------------------

function genericPoolContender(): Contender<FakeResource> {
  const pool = genericPool.createPool<FakeResource>(
    { create: () => Promise.resolve(fakeResource()), destroy: () => Promise.resolve() },
    { max: POOL_MAX, min: 0 },
  );
  return {
    acquire: () => pool.acquire(),
    release: (r) => void pool.release(r),
    resource: (r) => r,
    counts: () => ({ total: pool.size, inUse: pool.borrowed, waiting: pool.pending }),
    close: async () => {
      await pool.drain();
      await pool.clear();
    },
  };
}

// ---- tarn -----------------------------------------------------------------------------------

function tarnContender(): Contender<FakeResource> {
  const pool = new tarn.Pool<FakeResource>({
    create: () => Promise.resolve(fakeResource()),
    destroy: () => undefined,
    min: 0,
    max: POOL_MAX,
  });
  return {
    acquire: () => pool.acquire().promise,
    release: (r) => void pool.release(r),
    resource: (r) => r,
    counts: () => ({ total: pool.numUsed() + pool.numFree(), inUse: pool.numUsed(), waiting: pool.numPendingAcquires() }),
    close: async () => {
      await pool.destroy();
    },
  };
}

// ---- the floor ------------------------------------------------------------------------------

const RESOLVED: Promise<void> = Promise.resolve();

/**
 * The least a promise-based pool can do: acquire is an async function that awaits a
 * resolved promise and moves an item from `free` to `used`; release moves it back. Under
 * contention it parks callers in an array and hands a released item straight to the first.
 */
class FloorPool {
  private readonly free: FakeResource[] = [];
  private readonly used: FakeResource[] = [];
  private readonly waiters: ((r: FakeResource) => void)[] = [];

  constructor(size: number) {
    for (let i = 0; i < size; i++) this.free.push(fakeResource());
  }

  async acquire(): Promise<FakeResource> {
    await RESOLVED;
    const r = this.free.pop();
    if (r !== undefined) {
      this.used.push(r);
      return r;
    }
    return new Promise<FakeResource>((resolve) => this.waiters.push(resolve));
  }

  release(r: FakeResource): void {
    const waiter = this.waiters.shift();
    if (waiter !== undefined) {
      waiter(r);
      return;
    }
    const i = this.used.indexOf(r);
    this.used[i] = this.used[this.used.length - 1] as FakeResource;
    this.used.pop();
    this.free.push(r);
  }

  counts(): PoolCounts {
    return { total: this.free.length + this.used.length, inUse: this.used.length, waiting: this.waiters.length };
  }
}

function floor(): Contender<FakeResource> {
  const pool = new FloorPool(POOL_MAX);
  return {
    acquire: () => pool.acquire(),
    release: (r) => pool.release(r),
    resource: (r) => r,
    counts: () => pool.counts(),
    close: () => Promise.resolve(),
  };
}
