/** SPEC B1: a stream's cursor whose every round trip runs under its own guard. */
import { CallGuard, type CallLimits } from "./call-guard.js";
import type { DriverCursor } from "./interfaces.js";

export interface GuardedCursorHost {
  /** Send one round trip under `guard` (the connection's cancellable send). */
  send<T>(guard: CallGuard, work: () => Promise<T>): Promise<T>;
  /** The driver connection is still the connection's own and alive. */
  connectionValid(): boolean;
}

/**
 * `limits.timeoutMs` bounds each batch (a fresh guard per fetch); the signal covers the
 * whole stream, since every guard listens to it.
 */
export function guardedCursor(cursor: DriverCursor, limits: CallLimits, host: GuardedCursorHost): DriverCursor {
  return {
    get columns() {
      return cursor.columns;
    },
    async fetch(size) {
      const guard = new CallGuard(limits);
      try {
        return await host.send(guard, () => cursor.fetch(size));
      } finally {
        guard.dispose();
      }
    },
    async close() {
      // An invalidated connection has nothing left to release, and a MySQL stream on a
      // destroyed socket would wait for an end that never comes.
      if (host.connectionValid()) await cursor.close();
    },
  };
}
