// Fault (d): the server ends sessions that sit idle (PostgreSQL idle_session_timeout,
// MariaDB wait_timeout), so the pool's idle connections die between two bursts of 50
// workers. With poolPrePing the second burst sees no error (P13); without it each expired
// connection costs at most one error, marked connectionInvalidated (P14), then service is
// normal. Throwaway servers only.
import { after, before, describe, test } from "node:test";
import { setTimeout as sleep } from "node:timers/promises";
import { printAftermath } from "./support/aftermath.js";
import { scenario } from "./support/scenario.js";
import { staleConnectionBursts } from "./support/stale-bursts.js";
import { SERVER_KINDS, startTarget, type FaultTarget, type ServerKind } from "./support/targets.js";

/** The shortest each server allows: MariaDB's wait_timeout is in whole seconds. */
const IDLE_TIMEOUT_S = 1;
const SETTINGS: Record<ServerKind, Record<string, string | number>> = {
  postgresql: { idle_session_timeout: `${IDLE_TIMEOUT_S}s` },
  mariadb: { wait_timeout: IDLE_TIMEOUT_S },
};

for (const kind of SERVER_KINDS) {
  describe(`idle sessions expire on ${kind}`, () => {
    let target: FaultTarget;
    before(async () => {
      target = await startTarget(kind, { settings: SETTINGS[kind] });
    });
    after(() => target?.stop());

    for (const prePing of [true, false]) {
      test(`between two bursts, poolPrePing ${prePing}`, async (t) => {
        const s = scenario(t);
        // Idle past the timeout, plus time for the server to act on it.
        const result = await staleConnectionBursts(s, target, prePing, () => sleep(IDLE_TIMEOUT_S * 1_000 + 700));
        printAftermath(`${kind} idle timeout between bursts, prePing ${prePing}`, result.aftermath, {
          staleConnections: result.staleConnections,
          errorsAfterFault: result.errorsAfterFault,
        });
      });
    }
  });
}
