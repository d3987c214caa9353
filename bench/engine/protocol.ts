/** Requests the engine benchmark's coordinator sends to a contender's worker. */
export type EngineOps = {
  /**
   * `concurrency` async loops run the contender's op back to back until `durationMs` has
   * passed (each loop finishes the op it started). With `countQueries`, pg's
   * Client.prototype.query is wrapped for the run to count what each op sends.
   */
  throughput: [
    { concurrency: number; durationMs: number; countQueries: boolean },
    {
      ops: number;
      elapsedNs: number;
      /** process.cpuUsage() over the run, user + system µs: the whole process, but only this worker is busy. */
      cpuUs: number;
      queries: number | null;
    },
  ];
  /** A fresh table, `rows` rows inserted (timed), checked (count and sum), dropped. */
  insert: [{ rows: number }, InsertOutcome];
  close: [Record<string, never>, null];
};

export type InsertOutcome =
  | { ok: true; elapsedNs: number; cpuUs: number }
  | { ok: false; error: string };

export interface EngineWorkerData {
  contender: string;
}
