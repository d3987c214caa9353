import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { ArgumentError, AssertionPool, NullPool, QueuePool, SingletonPool, StaticPool } from "../../../src/index.js";

const creator = () => ({});

function rejects(make: () => unknown, pattern: RegExp): void {
  assert.throws(make, (err: unknown) => {
    assert.ok(err instanceof ArgumentError, `expected ArgumentError, got ${String(err)}`);
    assert.equal(err.code, "ARGUMENT_ERROR");
    assert.match(err.message, pattern);
    return true;
  });
}

describe("pool options are checked before anything connects", () => {
  it("an unknown option is named, with the accepted ones", () => {
    rejects(() => new QueuePool(creator, { poolsize: 5 } as never), /Unknown option 'poolsize' for QueuePool\. It accepts: .*poolSize/);
    rejects(() => new NullPool(creator, { poolSize: 5 } as never), /Unknown option 'poolSize' for NullPool/);
    rejects(() => new StaticPool(creator, { maxOverflow: 1 } as never), /Unknown option 'maxOverflow' for StaticPool/);
    rejects(() => new SingletonPool(creator, { timeoutMs: 1 } as never), /Unknown option 'timeoutMs' for SingletonPool/);
    rejects(() => new QueuePool(creator, { a: 1, b: 2 } as never), /Unknown options 'a', 'b'/);
  });

  it("invalid values are named with what is allowed", () => {
    rejects(() => new QueuePool(creator, { poolSize: -1 }), /poolSize must be an integer >= 0 \(0 means no limit\); got -1/);
    rejects(() => new QueuePool(creator, { poolSize: 2.5 }), /poolSize must be an integer/);
    rejects(() => new QueuePool(creator, { maxOverflow: -2 }), /maxOverflow must be an integer >= -1/);
    rejects(() => new QueuePool(creator, { timeoutMs: Number.NaN }), /timeoutMs must be a number of milliseconds >= 0 \(or Infinity\).*got NaN/);
    rejects(() => new QueuePool(creator, { timeoutMs: -5 }), /timeoutMs/);
    rejects(() => new QueuePool(creator, { recycleMs: Infinity }), /recycleMs must be a number of milliseconds >= 0 \(0 turns recycling off\)/);
    rejects(() => new QueuePool(creator, { connectTimeoutMs: 0 }), /connectTimeoutMs must be > 0/);
    rejects(() => new QueuePool(creator, { leakDetectionMs: "5" as never }), /leakDetectionMs.*got "5"/);
    rejects(() => new QueuePool(creator, { prePing: "yes" as never }), /prePing must be true or false; got "yes"/);
    rejects(() => new QueuePool(creator, { resetOnReturn: "rollbak" as never }), /resetOnReturn must be "rollback", "commit" or "none"; got "rollbak"/);
    rejects(() => new QueuePool(creator, { echo: "verbose" as never }), /echo must be true, false or "debug"/);
    rejects(() => new QueuePool(creator, { logger: {} as never }), /logger must be an object with warn\(\) and error\(\)/);
    rejects(() => new QueuePool(creator, { dialect: { rollback() {} } as never }), /dialect\.commit must be a function/);
    rejects(() => new SingletonPool(creator, { poolSize: 0 }), /poolSize must be an integer >= 1/);
  });

  it("a creator is required, once", () => {
    rejects(() => new QueuePool(undefined as never), /QueuePool needs a creator/);
    rejects(() => new QueuePool(creator, { creator }), /got a creator twice/);
    const pool = new QueuePool({ creator, poolSize: 1 });
    assert.equal(pool.poolSize, 1);
  });

  it("a bad per-checkout timeout is rejected before waiting", async () => {
    const pool = new QueuePool(creator);
    await assert.rejects(pool.connect({ timeoutMs: Number.NaN }), ArgumentError);
    await assert.rejects(pool.connect({ signal: {} as never }), /signal must be an AbortSignal/);
    assert.equal(pool.status().checkedOut, 0);
  });

  it("defaults follow SQLAlchemy: size 5, overflow 10, timeout 30 s, FIFO", () => {
    const pool = new QueuePool(creator);
    assert.deepEqual([pool.poolSize, pool.maxOverflow, pool.timeoutMs, pool.useLifo], [5, 10, 30_000, false]);
    assert.equal(pool.prePing, false);
    assert.equal(pool.recycleMs, 0);
    assert.ok(new AssertionPool(creator));
  });
});
