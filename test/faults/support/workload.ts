// The fault scenarios' workload: many concurrent workers, each running small transactions
// that insert one row with a unique id and recording what the engine said about the COMMIT.
//
// Outcomes, from the caller's point of view (what an application could know):
// - ok:        commit() resolved: the row must be in the table.
// - failed:    an error before COMMIT was sent (checkout, BEGIN, INSERT): the transaction never
//              committed, so the row must NOT be in the table.
// - ambiguous: commit() itself threw. The server may have committed before the connection
//              died; nobody can know without looking. Reported separately, never as success.
import { setTimeout as sleep } from "node:timers/promises";
import { AthanorError, OperationalError, PendingRollbackError, text, type Connection, type Engine } from "../../../src/index.js";

export type Operation = "connect" | "execute" | "commit" | "rollback" | "close";
export type OutcomeKind = "ok" | "failed" | "ambiguous";

export interface TxOutcome {
  readonly id: number;
  readonly kind: OutcomeKind;
  /** Where a failed or ambiguous transaction broke. */
  readonly phase: Operation | undefined;
  readonly error: unknown;
}

export interface CallRecord {
  readonly op: Operation;
  /** Milliseconds since the workload started. */
  readonly startedAt: number;
  readonly ms: number;
  readonly error: unknown;
}

export interface WorkloadReport {
  readonly outcomes: readonly TxOutcome[];
  readonly calls: readonly CallRecord[];
  readonly ok: readonly number[];
  readonly failed: readonly number[];
  readonly ambiguous: readonly number[];
  /** Every error a call threw, in order. */
  readonly errors: readonly unknown[];
  readonly durationMs: number;
  /** Transactions whose connection died under them, each probed for E8. */
  readonly lostTransactions: number;
  /** Probes where the next statement was not refused with PendingRollbackError. */
  readonly pendingRollbackViolations: readonly string[];
}

/** Ids unique across every burst of one scenario (the table's primary key). */
export class IdSource {
  #next: number;
  constructor(first = 1) {
    this.#next = first;
  }
  next(): number {
    return this.#next++;
  }
}

export interface WorkloadOptions {
  readonly engine: Engine;
  readonly table: string;
  readonly ids: IdSource;
  /** Concurrent workers (default 50). */
  readonly workers?: number;
  /** Each worker runs this many transactions... */
  readonly transactionsPerWorker?: number;
  /** ...or keeps going until this aborts (one of the two is required). */
  readonly until?: AbortSignal;
  /**
   * Pause after an error before the next transaction. Without it 50 workers would spin on
   * an instantly refused connect while the server is down, which tests nothing more.
   */
  readonly pauseAfterErrorMs?: number;
}

/** Runs the workload; never throws for a database error (each is recorded instead). */
export async function runWorkload(options: WorkloadOptions): Promise<WorkloadReport> {
  const { engine, ids } = options;
  const workers = options.workers ?? 50;
  const perWorker = options.transactionsPerWorker;
  if (perWorker === undefined && options.until === undefined) throw new Error("runWorkload needs transactionsPerWorker or until");
  const pause = options.pauseAfterErrorMs ?? 25;
  const insert = text(`INSERT INTO ${options.table} (id) VALUES (:id)`);
  const probe = text("SELECT 1");
  const probes = { lostTransactions: 0, violations: [] as string[] };
  const outcomes: TxOutcome[] = [];
  const calls: CallRecord[] = [];
  const started = performance.now();

  /** Times one call and records it; rethrows its error so the worker can classify it. */
  async function timed<T>(op: Operation, work: () => Promise<T>): Promise<T> {
    const at = performance.now();
    try {
      const value = await work();
      calls.push({ op, startedAt: at - started, ms: performance.now() - at, error: undefined });
      return value;
    } catch (error) {
      calls.push({ op, startedAt: at - started, ms: performance.now() - at, error });
      throw error;
    }
  }

  /**
   * SPEC E8: the connection died inside a transaction, so before rollback() the next
   * statement must be refused with PendingRollbackError, never run outside the transaction
   * it belonged to. (An error from BEGIN itself leaves no transaction, hence inTransaction.)
   */
  async function probeLostTransaction(conn: Connection): Promise<void> {
    probes.lostTransactions++;
    const outcome = await conn.execute(probe).then(
      () => "ran",
      (error: unknown) => error,
    );
    if (!(outcome instanceof PendingRollbackError)) probes.violations.push(outcome === "ran" ? "the statement ran" : String(outcome));
  }

  async function oneTransaction(): Promise<TxOutcome> {
    const id = ids.next();
    let conn: Connection;
    try {
      conn = await timed("connect", () => engine.connect());
    } catch (error) {
      return { id, kind: "failed", phase: "connect", error };
    }
    try {
      try {
        await timed("execute", () => conn.execute(insert, { id }));
      } catch (error) {
        if (conn.inTransaction && error instanceof OperationalError && error.connectionInvalidated) await probeLostTransaction(conn);
        // The row was never committed; rolling back also clears a lost transaction (E8).
        await timed("rollback", () => conn.rollback()).catch(() => undefined);
        return { id, kind: "failed", phase: "execute", error };
      }
      try {
        await timed("commit", () => conn.commit());
        return { id, kind: "ok", phase: undefined, error: undefined };
      } catch (error) {
        await timed("rollback", () => conn.rollback()).catch(() => undefined);
        return { id, kind: "ambiguous", phase: "commit", error };
      }
    } finally {
      // close() is specified never to throw for a lost connection; if it did, the call
      // record keeps the error and the scenario's "no unexpected errors" check sees it.
      await timed("close", () => conn.close()).catch(() => undefined);
    }
  }

  async function worker(): Promise<void> {
    for (let done = 0; perWorker === undefined || done < perWorker; done++) {
      if (options.until?.aborted) return;
      const outcome = await oneTransaction();
      outcomes.push(outcome);
      if (outcome.kind !== "ok") await sleep(pause);
    }
  }

  await Promise.all(Array.from({ length: workers }, () => worker()));
  const pick = (kind: OutcomeKind): number[] => outcomes.filter((o) => o.kind === kind).map((o) => o.id);
  return {
    outcomes,
    calls,
    ok: pick("ok"),
    failed: pick("failed"),
    ambiguous: pick("ambiguous"),
    errors: calls.filter((c) => c.error !== undefined).map((c) => c.error),
    durationMs: performance.now() - started,
    lostTransactions: probes.lostTransactions,
    pendingRollbackViolations: probes.violations,
  };
}

/** Several reports as one (a scenario runs bursts before, during and after a fault). */
export function mergeReports(reports: readonly WorkloadReport[]): WorkloadReport {
  return {
    outcomes: reports.flatMap((r) => r.outcomes),
    calls: reports.flatMap((r) => r.calls),
    ok: reports.flatMap((r) => r.ok),
    failed: reports.flatMap((r) => r.failed),
    ambiguous: reports.flatMap((r) => r.ambiguous),
    errors: reports.flatMap((r) => r.errors),
    durationMs: reports.reduce((sum, r) => sum + r.durationMs, 0),
    lostTransactions: reports.reduce((sum, r) => sum + r.lostTransactions, 0),
    pendingRollbackViolations: reports.flatMap((r) => r.pendingRollbackViolations),
  };
}

/**
 * "OperationalError ×12, PoolTimeoutError ×3, driver Error(ECONNREFUSED) ×2": the kinds of
 * errors a run produced. An error that is not one of athanor's is marked "driver", with its code.
 */
export function errorHistogram(errors: readonly unknown[]): string {
  const counts = new Map<string, number>();
  for (const error of errors) {
    let name = error instanceof Error ? error.constructor.name : typeof error;
    if (!(error instanceof AthanorError)) {
      const code = (error as { code?: unknown } | null)?.code;
      name = `driver ${name}${typeof code === "string" || typeof code === "number" ? `(${code})` : ""}`;
    }
    counts.set(name, (counts.get(name) ?? 0) + 1);
  }
  return [...counts].map(([name, n]) => `${name} ×${n}`).join(", ") || "none";
}

/** The longest call of each operation, rounded to ms. */
export function slowestCalls(calls: readonly CallRecord[]): Record<Operation, number> {
  const out: Record<Operation, number> = { connect: 0, execute: 0, commit: 0, rollback: 0, close: 0 };
  for (const call of calls) out[call.op] = Math.max(out[call.op], Math.round(call.ms));
  return out;
}
