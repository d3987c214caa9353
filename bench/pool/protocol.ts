import type { PoolCounts } from "./contenders.js";
import type { VerifyResult } from "./loops.js";

/** Requests the pool benchmark's coordinator sends to a contender's worker. */
export type PoolOps = {
  /** Uncontended loop on the worker's pool. */
  uncontended: [{ cycles: number }, { elapsedNs: number }];
  /** Contended run on the worker's pool; with `timed`, also acquire-wait percentiles (µs). */
  contended: [
    { loops: number; cycles: number; timed: boolean },
    { elapsedNs: number; waitUs: { p50: number; p99: number; p999: number; max: number } | null },
  ];
  verify: [{ loops: number; cycles: number }, VerifyResult & { after: PoolCounts }];
  /** Heap growth of a fresh pool between `first` and `total` cycles (GC before each reading). */
  heap: [
    { mode: "uncontended" | "contended"; loops: number; first: number; total: number },
    { heapAtFirst: number; heapAtTotal: number },
  ];
  close: [Record<string, never>, null];
};

export interface PoolWorkerData {
  contender: string;
}
