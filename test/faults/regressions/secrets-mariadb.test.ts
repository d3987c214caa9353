// Regression test for a bug the proving ground found (fixed; part of `npm test`).
// util.inspect(engine.pool) prints the MariaDB password. Pool (src/pool/pool.ts) has no
// [inspect.custom], so inspecting it walks `records` -> ConnectionRecord.dbapiConnection ->
// the mysql2 Connection, whose `config.password` is an ordinary enumerable field (pg keeps
// its password non-enumerable, so PostgreSQL is spared by luck). The engine and URL
// inspect safely; a pool printed in a log or a REPL does not. Found by test/security/secrets.test.ts.
import { after, before, test } from "node:test";
import { exercise, Exposure, PASSWORD } from "../../security/support/exposure.js";
import { startMariadbWithPassword, type PasswordServer } from "../../security/support/servers.js";

let server: PasswordServer;
before(async () => {
  server = await startMariadbWithPassword();
});
after(() => server?.stop());

test("util.inspect(engine.pool) does not show a MariaDB password given in the URL", async () => {
  const exposure = new Exposure();
  await exercise(server, exposure, {}, PASSWORD);
  exposure.assertClean("URL password");
});
