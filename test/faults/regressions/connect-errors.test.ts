// Regression test for a bug the proving ground found (fixed; part of `npm test`).
// SPEC E9: driver errors are wrapped in DBAPIError subclasses. Errors raised while OPENING a
// connection are not: engine.connect() rejects with the driver's own error (pg / mysql2
// `Error: connect ECONNREFUSED`, pg's DatabaseError 53300 "too many clients", mysql2's
// ER_CON_COUNT_ERROR), because Pool.openConnection rethrows what the creator threw and
// Engine.connect (src/engine/engine.ts) passes it on. SQLAlchemy wraps them in
// OperationalError (Connection._handle_dbapi_exception_noconnection), so callers can catch
// one type. Seen in every fault scenario's figures as "driver Error(...)".
import assert from "node:assert/strict";
import { after, test } from "node:test";
import { createEngine, OperationalError, type Engine } from "../../../src/index.js";
import { freeLoopbackPort } from "../../support/server-process.js";

const engines: Engine[] = [];
after(async () => {
  for (const engine of engines) await engine.dispose();
});

for (const scheme of ["postgresql", "mysql"] as const) {
  test(`${scheme}: a refused connect reaches the caller as an OperationalError with the driver error as orig`, async () => {
    const port = await freeLoopbackPort(); // free, so nothing listens there
    const engine = createEngine(`${scheme}://user@127.0.0.1:${port}/test`, { poolTimeoutMs: 2_000 });
    engines.push(engine);
    const error = await engine.connect().then(
      () => undefined,
      (e: unknown) => e,
    );
    assert.ok(error instanceof OperationalError, `got ${error instanceof Error ? error.constructor.name : typeof error}: ${String(error)}`);
    assert.equal((error.orig as { code?: unknown }).code, "ECONNREFUSED");
  });
}
