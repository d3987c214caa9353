// Regression tests for bugs the proving ground found (all fixed; part of `npm test`).
// Values no database column can hold must be an ArgumentError before anything is sent, as
// the SQLite and MySQL dialects already do for functions and symbols (sqlite/bind-values.ts,
// mysql/bind-values.ts). Found by probing the dialects with test/properties' value kinds:
// - PostgreSQL (pg) and PGlite bind what they are given: a function is sent as its source
//   text ("() => 1"), a Symbol as "Symbol(x)", an invalid Date as "0NaN-NaN-NaNTNaN..."
//   (pg also prints a DeprecationWarning). The pg dialect's execute() passes values straight
//   to client.query (src/dialects/postgresql/dialect.ts); PGlite's the same.
// - SQLite binds NaN as NULL (better-sqlite3 does), silently; MySQL refuses NaN.
// - MySQL/MariaDB binds an invalid Date as NULL (mysql2 does), silently; SQLite refuses it.
// - SQLite and MySQL convert values inside dialect.execute(), after BEGIN and beforeExecute.
// - SQLite reads an INTEGER beyond 2^53 back as an imprecise number (better-sqlite3 without
//   safeIntegers): 9007199254740993n comes back as 9007199254740992.
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { inspect } from "node:util";
import { ArgumentError, createEngine, text, type Engine } from "../../../src/index.js";
import { startThrowawayMariadb, type ThrowawayMariadb } from "../../support/throwaway-mariadb.js";
import { startThrowawayPostgres, type ThrowawayPostgres } from "../../support/throwaway-postgres.js";

let pgServer: ThrowawayPostgres;
let mariadb: ThrowawayMariadb;
const engines: Engine[] = [];
before(async () => {
  [pgServer, mariadb] = await Promise.all([startThrowawayPostgres(), startThrowawayMariadb()]);
});
after(async () => {
  for (const engine of engines) await engine.dispose();
  await Promise.all([pgServer?.stop(), mariadb?.stop()]);
});

function engineFor(url: string): Engine {
  const engine = createEngine(url);
  engines.push(engine);
  return engine;
}

async function bindError(engine: Engine, value: unknown): Promise<unknown> {
  const conn = await engine.connect();
  try {
    const result = await conn.execute(text("SELECT :v AS v"), { v: value });
    return `accepted, read back as ${inspect(result.scalar())}`;
  } catch (error) {
    return error;
  } finally {
    await conn.close();
  }
}

const unstorable: [string, unknown][] = [
  ["a function", () => 1],
  ["a symbol", Symbol("x")],
  ["an invalid Date", new Date(Number.NaN)],
];

for (const [name, url] of [["postgresql", () => pgServer.url], ["pglite", () => "pglite://"]] as const) {
  describe(`${name} refuses values no column can hold`, () => {
    for (const [what, value] of unstorable) {
      test(`${what} is an ArgumentError`, async () => {
        const error = await bindError(engineFor(url()), value);
        assert.ok(error instanceof ArgumentError, `${what}: ${inspect(error)}`);
      });
    }
  });
}

test("sqlite: NaN is an ArgumentError, not NULL", async () => {
  const error = await bindError(engineFor("sqlite://:memory:"), Number.NaN);
  assert.ok(error instanceof ArgumentError, inspect(error));
});

test("mariadb: an invalid Date is an ArgumentError, not NULL", async () => {
  const error = await bindError(engineFor(mariadb.url), new Date(Number.NaN));
  assert.ok(error instanceof ArgumentError, inspect(error));
});

test("sqlite: an INTEGER beyond 2^53 reads back exactly", async () => {
  const engine = engineFor("sqlite://:memory:");
  await using conn = await engine.connect();
  const value = 2n ** 53n + 1n;
  const got = (await conn.execute(text("SELECT :v AS v"), { v: value })).scalar();
  assert.ok(got === value || got === String(value), `sent ${value}n, got ${inspect(got)}`);
});

test("sqlite: a value the dialect refuses is refused before BEGIN and before beforeExecute/echo", async () => {
  // Connection.execute autobegins (BEGIN goes out) and fires beforeExecute (and echo logs
  // the statement) before dialect.execute converts the values (sqlite/bind-values.ts,
  // mysql/bind-values.ts): the ArgumentError comes after a BEGIN was sent (on MySQL, to the
  // server) and after listeners saw a statement that never ran.
  const engine = engineFor("sqlite://:memory:");
  let seen = 0;
  engine.events.on("beforeExecute", () => void seen++);
  await using conn = await engine.connect();
  await assert.rejects(conn.execute(text("SELECT :v AS v"), { v: () => 1 }), ArgumentError);
  assert.equal(seen, 0, "beforeExecute saw a statement that was never run");
  assert.equal(conn.inTransaction, false, "a transaction was begun for a statement that was refused");
});
