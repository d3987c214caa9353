// Regression test for a bug the proving ground found (fixed; part of `npm test`).
// With poolPrePing, a 5 s partition makes checkouts outlive poolTimeoutMs (3 s): seen at
// ~5 000 ms on PostgreSQL and MariaDB. Two causes in
// src/pool/pool.ts, each reproduced alone on the fake driver in pool-deadlines.known-bug.ts:
// a waiter's deadline restarts when it is served (Pool.connect), and a failed pre-ping
// waits for the dead connection's close (Pool.pingOrReplace -> invalidateRecord), which
// for a silent peer lasts until the dialect's closeTimeoutMs (5 s) or the partition heals.
// Move into test/faults/blackhole.test.ts (as a .test.ts) once fixed.
import { after, before, describe, test } from "node:test";
import { printAftermath } from "../support/aftermath.js";
import { BLACKHOLE_MS, blackholeScenario } from "../support/blackhole-scenario.js";
import { SERVER_KINDS, startTarget, type FaultTarget } from "../support/targets.js";

for (const kind of SERVER_KINDS) {
  describe(`network black hole on ${kind}, poolPrePing true`, () => {
    let target: FaultTarget;
    before(async () => {
      target = await startTarget(kind, { proxy: true });
    });
    after(() => target?.stop());

    test(`${BLACKHOLE_MS} ms during 50 workers' transactions: no checkout outlives poolTimeoutMs`, async (t) => {
      printAftermath(`${kind} blackhole ${BLACKHOLE_MS} ms, prePing true`, await blackholeScenario(t, target, true));
    });
  });
}
