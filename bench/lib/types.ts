/**
 * What a benchmark module gives bench/run.ts. Each module measures one area (the pool,
 * later the engine vs pg, the ORM vs MikroORM), returns tables and target verdicts, and
 * run.ts prints them and saves `json` as bench/results/<name>.json.
 */

export interface BenchContext {
  /** --quick: a fraction of the usual cycles, for smoke-testing the benchmark itself. */
  readonly quick: boolean;
  /** --rounds=N: overrides the module's default number of interleaved rounds. */
  readonly rounds: number | undefined;
  /** Progress lines (stderr), so stdout holds only the results. */
  progress(line: string): void;
}

export type Align = "left" | "right";

export interface Table {
  readonly title: string;
  readonly columns: readonly string[];
  /** Per column; default: first column left, the others right. */
  readonly align?: readonly Align[];
  readonly rows: readonly (readonly string[])[];
  /** Lines printed under the table. */
  readonly notes?: readonly string[];
}

export interface TargetVerdict {
  readonly target: string;
  readonly measured: string;
  readonly met: boolean;
}

export interface BenchReport {
  /** Also the results file name: bench/results/<name>.json. */
  readonly name: string;
  readonly title: string;
  readonly tables: readonly Table[];
  readonly targets: readonly TargetVerdict[];
  /** Everything measured, for the JSON file (must survive JSON.stringify). */
  readonly json: unknown;
}

export interface BenchModule {
  /** What `npm run bench -- <name>` selects. */
  readonly name: string;
  readonly description: string;
  run(ctx: BenchContext): Promise<BenchReport>;
}
