// What every fault scenario shares: the engine settings under test, the bounds each call
// must keep, and setup/teardown that cleans up even when an assertion fails.
import type { TestContext } from "node:test";
import { createEngine, type Engine, type EngineOptions } from "../../../src/index.js";
import { SLACK_MS, type CallBounds } from "./aftermath.js";
import { recordProcessFaults, type ProcessFaultRecorder } from "./process-guard.js";
import type { FaultTarget } from "./targets.js";

/**
 * 50 workers share 20 connections, so checkouts queue (P2) and overflow connections come
 * and go. The timeouts are short so that a scenario that hits them finishes in seconds.
 */
export const POOL_TIMEOUT_MS = 3_000;
export const CONNECT_TIMEOUT_MS = 2_000;
export const FAULT_ENGINE_OPTIONS = {
  poolSize: 10,
  maxOverflow: 10,
  poolTimeoutMs: POOL_TIMEOUT_MS,
  connectTimeoutMs: CONNECT_TIMEOUT_MS,
} as const satisfies EngineOptions;

/**
 * The workload gives statements no time limit (statementTimeoutMs unset; B1 with one is
 * statement-timeout.test.ts), so a statement's bound is not a timeout
 * plus lateness but the server's answer time under 50 workers on a 2-CPU machine that also
 * runs the server: at most ~250 ms in the runs behind docs/reliability.md. 1.5 s leaves
 * room for a slow CI neighbour while still failing a statement that waits for a second
 * connection attempt or hangs.
 */
export const STATEMENT_SLACK_MS = 1_500;

/**
 * Bounds for one scenario. A checkout is bounded by poolTimeoutMs (P2, P22: the connect
 * timeout is inside that deadline) plus timer lateness (SLACK_MS). Statements are bounded
 * by how long the fault kept the server from answering, `faultMs` (measured by the
 * scenario), plus STATEMENT_SLACK_MS.
 */
export function boundsFor(faultMs: number): CallBounds {
  const statement = Math.ceil(faultMs) + STATEMENT_SLACK_MS;
  return {
    connect: POOL_TIMEOUT_MS + SLACK_MS,
    execute: statement,
    commit: statement,
    rollback: statement,
    close: statement,
  };
}

export interface Scenario {
  readonly recorder: ProcessFaultRecorder;
  /** Lines the engines logged at error level (warnings are expected under faults). */
  readonly loggedErrors: readonly string[];
  /** An engine on the target, disposed when the test ends. */
  engine(url: string, options?: EngineOptions): Engine;
}

/** Per-test setup: the process-fault recorder and engines, all undone in t.after. */
export function scenario(t: TestContext): Scenario {
  const recorder = recordProcessFaults();
  const engines: Engine[] = [];
  const loggedErrors: string[] = [];
  // Pool warnings ("reset failed, so it was invalidated") are expected under faults and would
  // drown the figures in the test output; error-level lines are kept for the assertions.
  const logger = {
    warn: () => undefined,
    info: () => undefined,
    debug: () => undefined,
    error: (message: string) => void loggedErrors.push(message),
  };
  t.after(async () => {
    for (const engine of engines) await engine.dispose().catch(() => undefined);
    recorder.dispose();
  });
  return {
    recorder,
    loggedErrors,
    engine(url, options = {}) {
      const engine = createEngine(url, { ...FAULT_ENGINE_OPTIONS, logger, ...options });
      engines.push(engine);
      return engine;
    },
  };
}

/** Times an async step. */
export async function measure(step: () => Promise<unknown>): Promise<number> {
  const started = performance.now();
  await step();
  return performance.now() - started;
}

export type { FaultTarget };
