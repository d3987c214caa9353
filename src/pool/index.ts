export { Pool, type CheckoutOptions, type PoolStatus, type PoolCounts, type CheckedOutConnection } from "./pool.js";
export { QueuePool } from "./queue-pool.js";
export { NullPool } from "./null-pool.js";
export { StaticPool } from "./static-pool.js";
export { SingletonPool } from "./singleton-pool.js";
export { AssertionPool } from "./assertion-pool.js";
export { manage, ManagedDriver, type ConnectableDriver, type ManageOptions } from "./manage.js";
export { PooledConnection } from "./pooled-connection.js";
export { ConnectionRecord, type RecordState } from "./connection-record.js";
export { PoolEvents, type PoolEventMap, type PoolEventName } from "./events.js";
export { genericPoolDialect, type PoolDialect } from "./pool-dialect.js";
export type {
  BasePoolOptions,
  QueuePoolOptions,
  SingletonPoolOptions,
  AssertionPoolOptions,
  Creator,
  ResetOnReturn,
} from "./options.js";
