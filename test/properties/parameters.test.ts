// Parameter names and values, generated (fast-check), through SQLite (in-process) and a
// throwaway PostgreSQL (never the shared server: the values include SQL injections).
// - Round trip (E4): any :name and any value of a supported kind, SQL injections, quotes,
//   NUL (where the server stores it), any Unicode, huge strings, come back exactly; values
//   are bound, never spliced, so nothing in them changes the statement.
// - Bad input: a missing or undefined value, a parameters argument that is not a plain
//   object, a statement that is not text(), an empty executemany: an ArgumentError before
//   anything is sent (counted on the driver connection itself), and the connection works on.
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { inspect } from "node:util";
import fc from "fast-check";
import pg from "pg";
import { attachPgErrorGuard } from "../../src/dialects/postgresql/pg-pool-dialect.js";
import { ArgumentError, createEngine, text, type Connection, type Engine } from "../../src/index.js";
import { startThrowawayPostgres, type ThrowawayPostgres } from "../support/throwaway-postgres.js";
import { fcOptions } from "./support/runs.js";

// ---- values -------------------------------------------------------------------------------

/** A value, the SQL type to read it back as on PostgreSQL, and what must come back. */
interface Sample {
  readonly value: unknown;
  readonly pgCast: string;
  /** What the driver returns for `value` (often `value` itself). */
  readonly pgExpected: unknown;
  readonly sqliteExpected: unknown;
}

const INJECTIONS = [
  "'; DROP TABLE users; --",
  "' OR '1'='1",
  "\\'; SELECT pg_sleep(10); --",
  "$1",
  ":name",
  "?",
  "$$; DROP TABLE x; $$",
  "*/ SELECT 1 /*",
  "\\",
  "''",
  "\"",
  "`",
  "%s%s%s",
];
/** Units that stress quoting, escaping and placeholders more than random text does. */
const tricky = fc.constantFrom("'", '"', "\\", ";", "--", "/*", "*/", "$$", "$1", ":a", "::", "?", "%", "_", "\n", "\r", "\t", " ", "é", "ß", "😀", "\u202e", "\ufeff");
const text1 = fc.oneof(
  fc.string({ unit: "binary", maxLength: 40 }),
  fc.string({ unit: tricky, maxLength: 20 }),
  fc.constantFrom(...INJECTIONS),
  fc.tuple(fc.constantFrom(...INJECTIONS), fc.string({ unit: "grapheme", maxLength: 10 })).map(([a, b]) => a + b),
);
/** Occasionally huge: a chunk repeated up to 20 000 times (cheap to generate, up to ~800 KB). */
const huge = fc.tuple(fc.string({ unit: "binary", minLength: 1, maxLength: 10 }), fc.integer({ min: 1_000, max: 20_000 })).map(([s, n]) => s.repeat(n));
const anyText = fc.oneof({ arbitrary: text1, weight: 30 }, { arbitrary: huge, weight: 1 });

/** PostgreSQL cannot store NUL in text (22021); that case is its own test below. */
const noNul = (s: string): string => s.replaceAll("\u0000", "");

const sample: fc.Arbitrary<Sample> = fc.oneof(
  anyText.map((s) => ({ value: noNul(s), pgCast: "text", pgExpected: noNul(s), sqliteExpected: noNul(s) })),
  fc.tuple(text1, text1).map(([a, b]) => `${a}\u0000${b}`).map((s) => ({ value: s, pgCast: "text", pgExpected: undefined, sqliteExpected: s })),
  fc.integer().map((n) => ({ value: n, pgCast: "integer", pgExpected: n, sqliteExpected: n })),
  // pg writes numbers with toString(), which drops the sign of -0: PostgreSQL gets "0".
  fc.double({ noNaN: true, noDefaultInfinity: true }).map((d) => ({ value: d, pgCast: "float8", pgExpected: Object.is(d, -0) ? 0 : d, sqliteExpected: d })),
  // ±(2^53 - 1): the integers a JS number holds exactly; SQLite returns those as numbers (beyond: exact bigints).
  fc.bigInt({ min: -(2n ** 53n - 1n), max: 2n ** 53n - 1n }).map((b) => ({ value: b, pgCast: "int8", pgExpected: String(b), sqliteExpected: Number(b) })),
  fc.uint8Array({ maxLength: 64 }).map((a) => {
    const buffer = Buffer.from(a);
    return { value: buffer, pgCast: "bytea", pgExpected: buffer, sqliteExpected: buffer };
  }),
  fc.constant({ value: null, pgCast: "text", pgExpected: null, sqliteExpected: null }),
);

const paramName = fc.oneof(
  fc.stringMatching(/^[A-Za-z_][A-Za-z0-9_]{0,40}$/),
  fc.constantFrom("__proto__", "constructor", "toString", "hasOwnProperty", "valueOf", "_", "a1", "select", "from"),
);

/** A parameters object with own keys, even "__proto__" (a literal would set the prototype). */
function params(entries: readonly (readonly [string, unknown])[]): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [key, value] of entries) Object.defineProperty(out, key, { value, enumerable: true, writable: true, configurable: true });
  return out;
}

function same(got: unknown, expected: unknown): boolean {
  if (Buffer.isBuffer(expected)) return Buffer.isBuffer(got) && expected.equals(got);
  return Object.is(got, expected);
}

// ---- the databases ---------------------------------------------------------------------------

interface Target {
  readonly name: "sqlite" | "postgresql";
  readonly engine: Engine;
  /** Driver calls so far (statements that reached the driver connection). */
  readonly sent: () => number;
  /** `:name` as the statement reads it, and what must come back for the sample. */
  read(name: string, s: Sample): { sql: string; expected: unknown } | undefined;
}

let server: ThrowawayPostgres | undefined;
const targets: Target[] = [];

before(async () => {
  // SQLite: count what reaches the driver through the beforeExecute event, which fires
  // right before the dialect's execute (there is no socket to watch in-process).
  const sqlite = createEngine("sqlite://:memory:");
  let sqliteSent = 0;
  sqlite.events.on("beforeExecute", () => void sqliteSent++);
  targets.push({
    name: "sqlite",
    engine: sqlite,
    sent: () => sqliteSent,
    read: (name, s) => ({ sql: `:${name}`, expected: s.sqliteExpected }),
  });

  // PostgreSQL: a creator that counts every query() on the real pg client.
  server = await startThrowawayPostgres();
  const config = server.pgConfig;
  let pgSent = 0;
  const creator = async (): Promise<pg.Client> => {
    const client = new pg.Client(config);
    attachPgErrorGuard(client);
    await client.connect();
    const query = client.query.bind(client) as (...args: unknown[]) => unknown;
    (client as unknown as { query: (...args: unknown[]) => unknown }).query = (...args: unknown[]) => {
      pgSent++;
      return query(...args);
    };
    return client;
  };
  const postgres = createEngine<unknown>(server.url, { creator });
  targets.push({
    name: "postgresql",
    engine: postgres,
    sent: () => pgSent,
    read: (name, s) => (s.pgExpected === undefined ? undefined : { sql: `:${name}::${s.pgCast}`, expected: s.pgExpected }),
  });
});

after(async () => {
  for (const target of targets) await target.engine.dispose();
  await server?.stop();
});

/** One connection per target for a whole property: 10 000 cases, one checkout. */
async function withConnection(target: Target, work: (conn: Connection) => Promise<void>): Promise<void> {
  const conn = await target.engine.connect();
  try {
    await work(conn);
  } finally {
    await conn.close();
  }
}

for (const targetName of ["sqlite", "postgresql"] as const) {
  describe(`parameters on ${targetName}`, () => {
    const target = (): Target => {
      const found = targets.find((t) => t.name === targetName);
      assert.ok(found !== undefined);
      return found;
    };

    test("any names and values of a supported kind round-trip exactly (reused names too)", async () => {
      await withConnection(target(), async (conn) => {
        await fc.assert(
          fc.asyncProperty(fc.uniqueArray(paramName, { minLength: 2, maxLength: 2 }), sample, sample, async ([a, b], sa, sb) => {
            const ra = target().read(a as string, sa);
            const rb = target().read(b as string, sb);
            if (ra === undefined || rb === undefined) return; // not storable there: tested below
            const result = await conn.execute(text(`SELECT ${ra.sql} AS v1, ${rb.sql} AS v2, ${ra.sql} AS v3`), params([[a as string, sa.value], [b as string, sb.value]]));
            const row = result.one() as Record<string, unknown>;
            await conn.rollback();
            for (const [key, expected] of [["v1", ra.expected], ["v2", rb.expected], ["v3", ra.expected]] as const) {
              assert.ok(same(row[key], expected), `${key}: sent ${inspect(sa.value).slice(0, 200)} / ${inspect(sb.value).slice(0, 200)}, got ${inspect(row[key]).slice(0, 200)}`);
            }
          }),
          fcOptions(),
        );
      });
    });

    test("bad input is an ArgumentError before anything is sent, and the connection works on", async () => {
      const badCall = fc.oneof(
        paramName.map((name) => ({ what: "a missing value", sql: `SELECT :${name} AS v`, params: params([]) as unknown })),
        paramName.map((name) => ({ what: "an undefined value", sql: `SELECT :${name} AS v`, params: params([[name, undefined]]) as unknown })),
        fc.tuple(paramName, paramName).filter(([a, b]) => a !== b).map(([a, b]) => ({
          what: "a misspelt name", sql: `SELECT :${a} AS v`, params: params([[b, 1]]) as unknown,
        })),
        fc.constantFrom<unknown>([1], new Map([["a", 1]]), new Date(0), new (class Params { a = 1; })(), "a=1", 42, true)
          .map((p) => ({ what: `parameters given as ${inspect(p)}`, sql: "SELECT :a AS v", params: p })),
      );
      await withConnection(target(), async (conn) => {
        await fc.assert(
          fc.asyncProperty(badCall, async (bad) => {
            const before = target().sent();
            const error = await conn.execute(text(bad.sql), bad.params as Record<string, unknown>).then(() => undefined, (e: unknown) => e);
            assert.ok(error instanceof ArgumentError, `${bad.what}: ${inspect(error)}`);
            assert.equal(target().sent(), before, `${bad.what}: something was sent`);
          }),
          fcOptions(),
        );
        // Not text(), or an empty executemany: refused the same way.
        const before = target().sent();
        await assert.rejects(conn.execute("SELECT 1" as never), ArgumentError);
        await assert.rejects(conn.execute(text("SELECT :a AS v"), []), ArgumentError);
        assert.equal(target().sent(), before);
        const one = await conn.execute(text("SELECT 1 AS one"));
        assert.equal(Number(one.scalar()), 1, "the connection works on");
      });
    });
  });
}

describe("values a database cannot store", () => {
  test("PostgreSQL: text with NUL is a typed DataError (the server refuses it), and the connection works on after rollback", async () => {
    const target = targets.find((t) => t.name === "postgresql");
    assert.ok(target !== undefined);
    await withConnection(target, async (conn) => {
      const error = await conn.execute(text("SELECT :v::text AS v"), { v: "a\u0000b" }).then(() => undefined, (e: unknown) => e);
      assert.ok(error instanceof Error && error.constructor.name === "DataError", inspect(error));
      await conn.rollback();
      assert.equal((await conn.execute(text("SELECT :v::text AS v"), { v: "ab" })).scalar(), "ab");
    });
  });

  test("SQLite: one bad set in an executemany inserts nothing", async () => {
    const target = targets.find((t) => t.name === "sqlite");
    assert.ok(target !== undefined);
    await withConnection(target, async (conn) => {
      await conn.execute(text("CREATE TABLE many (v)"));
      const sets = [...Array.from({ length: 50 }, (_, i) => ({ v: i })), { w: 1 }];
      await assert.rejects(conn.execute(text("INSERT INTO many (v) VALUES (:v)"), sets), ArgumentError);
      assert.equal(Number((await conn.execute(text("SELECT count(*) AS n FROM many"))).scalar()), 0);
      await conn.rollback();
    });
  });
});
