import { performance } from "node:perf_hooks";
import type { Contender, FakeResource } from "./contenders.js";

/**
 * The measured loops. Each worker runs them against a single contender, so every call site
 * here stays monomorphic. Times are process.hrtime.bigint() nanoseconds.
 */

const RESOLVED: Promise<void> = Promise.resolve();

/** One async loop: acquire, touch the resource, release; `cycles` times. Returns elapsed ns. */
export async function uncontended<H>(pool: Contender<H>, cycles: number): Promise<number> {
  const start = process.hrtime.bigint();
  for (let i = 0; i < cycles; i++) {
    const handle = await pool.acquire();
    pool.resource(handle).uses++;
    pool.release(handle);
  }
  return Number(process.hrtime.bigint() - start);
}

/**
 * `loops` concurrent async loops sharing `cycles` cycles: acquire, touch the resource, await
 * one resolved promise (the "work"), release. Returns elapsed ns.
 */
export async function contended<H>(pool: Contender<H>, loops: number, cycles: number): Promise<number> {
  let next = 0;
  const loop = async (): Promise<void> => {
    while (next < cycles) {
      next++;
      const handle = await pool.acquire();
      pool.resource(handle).uses++;
      await RESOLVED;
      pool.release(handle);
    }
  };
  const start = process.hrtime.bigint();
  await Promise.all(Array.from({ length: loops }, loop));
  return Number(process.hrtime.bigint() - start);
}

/** As contended(), also writing each acquire's wait (ms, performance.now()) into `waits`. */
export async function contendedTimed<H>(
  pool: Contender<H>,
  loops: number,
  waits: Float64Array,
): Promise<number> {
  const cycles = waits.length;
  let next = 0;
  const loop = async (): Promise<void> => {
    while (next < cycles) {
      const i = next++;
      const t0 = performance.now();
      const handle = await pool.acquire();
      waits[i] = performance.now() - t0;
      pool.resource(handle).uses++;
      await RESOLVED;
      pool.release(handle);
    }
  };
  const start = process.hrtime.bigint();
  await Promise.all(Array.from({ length: loops }, loop));
  return Number(process.hrtime.bigint() - start);
}

export interface VerifyResult {
  /** Most resources held by the loops at one time. */
  maxHeld: number;
  /** Distinct resources seen. */
  distinct: number;
  /** A resource handed to two holders at once (must be 0). */
  doubleHandouts: number;
}

/** An untimed contended run that checks the pool: never more than its max out, never one twice. */
export async function verify<H>(pool: Contender<H>, loops: number, cycles: number): Promise<VerifyResult> {
  const held = new Set<FakeResource>();
  const seen = new Set<FakeResource>();
  let maxHeld = 0;
  let doubleHandouts = 0;
  let next = 0;
  const loop = async (): Promise<void> => {
    while (next < cycles) {
      next++;
      const handle = await pool.acquire();
      const r = pool.resource(handle);
      if (held.has(r)) doubleHandouts++;
      held.add(r);
      seen.add(r);
      maxHeld = Math.max(maxHeld, held.size);
      await RESOLVED;
      held.delete(r);
      pool.release(handle);
    }
  };
  await Promise.all(Array.from({ length: loops }, loop));
  return { maxHeld, distinct: seen.size, doubleHandouts };
}
