// Records every unhandled rejection and uncaught exception while a fault scenario runs.
// A driver 'error' event nobody listens to, or a promise the pool forgot to await, would
// kill a production process; under node:test it might only fail a different test, or
// nothing, so each scenario installs this recorder and asserts it stayed empty.

export interface ProcessFault {
  readonly kind: "unhandledRejection" | "uncaughtException";
  readonly error: unknown;
}

export interface ProcessFaultRecorder {
  readonly faults: readonly ProcessFault[];
  /** Removes the listeners; safe to call more than once. */
  dispose(): void;
}

export function recordProcessFaults(): ProcessFaultRecorder {
  const faults: ProcessFault[] = [];
  const onRejection = (error: unknown): void => void faults.push({ kind: "unhandledRejection", error });
  const onException = (error: unknown): void => void faults.push({ kind: "uncaughtException", error });
  process.on("unhandledRejection", onRejection);
  process.on("uncaughtException", onException);
  let disposed = false;
  return {
    faults,
    dispose() {
      if (disposed) return;
      disposed = true;
      process.off("unhandledRejection", onRejection);
      process.off("uncaughtException", onException);
    },
  };
}

/** The faults, one line each, for an assertion message. */
export function describeFaults(faults: readonly ProcessFault[]): string {
  return faults.map((f) => `${f.kind}: ${f.error instanceof Error ? (f.error.stack ?? f.error.message) : String(f.error)}`).join("\n");
}
