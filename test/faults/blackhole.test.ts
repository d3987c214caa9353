// Fault (c): a 5 s network partition between the engine and the server during 50 workers'
// transactions (support/blackhole-scenario.ts), without pre-ping. The same with
// poolPrePing is in known-bugs/blackhole-preping.test.ts: it shows checkouts outliving
// poolTimeoutMs. Throwaway servers only.
import { after, before, describe, test } from "node:test";
import { printAftermath } from "./support/aftermath.js";
import { BLACKHOLE_MS, blackholeScenario } from "./support/blackhole-scenario.js";
import { SERVER_KINDS, startTarget, type FaultTarget } from "./support/targets.js";

for (const kind of SERVER_KINDS) {
  describe(`network black hole on ${kind}`, () => {
    let target: FaultTarget;
    before(async () => {
      target = await startTarget(kind, { proxy: true });
    });
    after(() => target?.stop());

    test(`${BLACKHOLE_MS} ms during 50 workers' transactions: waiters time out on time, in-flight work completes`, async (t) => {
      printAftermath(`${kind} blackhole ${BLACKHOLE_MS} ms, prePing false`, await blackholeScenario(t, target, false));
    });
  });
}
