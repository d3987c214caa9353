import type { InsertData } from "./db.js";
import type { Measured, Scenario } from "./scenarios.js";

/** Requests the ORM benchmark's coordinator sends to a contender's worker. */
export type OrmOps = {
  /** Set up the tables, prepare, run the timed part (optionally counting pg statements), check, clean up. */
  run: [{ scenario: Scenario; data: InsertData; countQueries: boolean }, Measured];
  /** athanor only: stream every book of a seeded table, sampling the heap after a full GC. */
  stream: [{ rows: number; yieldPer: number; sampleEvery: number; warmRows: number }, StreamResult];
  close: [Record<string, never>, null];
};

export interface HeapSample {
  /** Entities consumed when the sample was taken. */
  entities: number;
  /** V8 used heap of the worker's isolate after a full GC, bytes. */
  usedHeap: number;
  /** Entries in the streaming session's identity map (entries of collected objects are swept as it grows). */
  identityMapEntries: number;
}

export interface StreamResult {
  rows: number;
  yieldPer: number;
  /** Streaming time, excluding the pauses for heap samples. */
  elapsedNs: number;
  cpuUs: number;
  /** Pg statements sent while streaming (one keyset page per statement, plus BEGIN and ROLLBACK). */
  queries: number;
  /** After a warm-up stream, before the measured one starts. */
  baseline: HeapSample;
  /** Every `sampleEvery` entities, inside the stream (its session open). */
  samples: HeapSample[];
  /** After the iteration ended and closed the session. */
  after: HeapSample;
  /**
   * Without forcing a GC: the highest used heap and identity map size read once per batch
   * (what the process really holds while streaming; weakly held objects go at the next major GC).
   */
  unforced: { peakUsedHeap: number; peakIdentityMapEntries: number };
  /** Sum of pages over the streamed entities (checked against the seeded data). */
  pages: number;
}

export interface OrmWorkerData {
  contender: string;
}
