// Bad database URLs, generated (fast-check): whatever the input, createEngine either builds
// an engine that has opened nothing (P1), or throws an ArgumentError (E1, E9); never another
// error type, never a connection attempt, and never the password in the message. URLs
// point at a spy listener that counts TCP connections, so "nothing was sent" is measured.
import assert from "node:assert/strict";
import { existsSync } from "node:fs";
import { after, before, describe, test } from "node:test";
import { inspect } from "node:util";
import fc from "fast-check";
import { ArgumentError, createEngine, type Engine } from "../../src/index.js";
import { fcOptions } from "./support/runs.js";
import { startSpyServer, type SpyServer } from "./support/spy-server.js";

let spy: SpyServer;
before(async () => {
  spy = await startSpyServer();
});
after(async () => {
  assert.equal(spy.connections, 0, "a bad URL led to a connection attempt");
  await spy.close();
});

/** createEngine, and when it accepts the URL, a checkout; returns what was thrown. */
async function attempt(url: unknown, connect: boolean): Promise<unknown> {
  let engine: Engine;
  try {
    engine = createEngine(url as string, { poolTimeoutMs: 2_000, connectTimeoutMs: 1_000 });
  } catch (error) {
    return error;
  }
  try {
    assert.equal(engine.pool.records.size, 0, "createEngine opened a connection (P1: pools are lazy)");
    if (!connect) return undefined;
    const conn = await engine.connect();
    await conn.close();
    return undefined;
  } catch (error) {
    return error;
  } finally {
    await engine.dispose();
  }
}

function describeError(error: unknown): string {
  return error instanceof Error ? `${error.constructor.name}: ${error.message}` : String(error);
}

/** Inputs that hit the known query-key bug (see notPrototypeKey below) are left to known-bugs/. */
function hasPrototypeQueryKey(url: string): boolean {
  const query = url.indexOf("?");
  if (query < 0) return false;
  return [...new URLSearchParams(url.slice(query + 1)).keys()].some((key) => key in Object.prototype);
}

describe("any input as a URL", () => {
  const schemes = ["", "postgresql://", "postgres://", "postgresql+pg://", "mysql://", "mariadb://", "sqlite://", "sqlite:///", "pglite://", "x://"];
  const anyString = fc.oneof(
    fc.string({ unit: "binary", maxLength: 80 }),
    fc.string({ maxLength: 80 }),
    fc.tuple(fc.constantFrom(...schemes), fc.string({ unit: "binary", maxLength: 60 })).map(([a, b]) => a + b),
    fc.webUrl(),
  );

  test("a string is accepted (opening nothing) or refused with an ArgumentError", async () => {
    await fc.assert(
      fc.asyncProperty(anyString.filter((url) => !hasPrototypeQueryKey(url)), async (url) => {
        const error = await attempt(url, false);
        assert.ok(error === undefined || error instanceof ArgumentError, `${JSON.stringify(url)} -> ${describeError(error)}`);
      }),
      fcOptions(),
    );
  });

  test("anything that is not a string or URL object is an ArgumentError", async () => {
    const notAUrl = fc.anything().filter((v) => typeof v !== "string");
    await fc.assert(
      fc.asyncProperty(notAUrl, async (value) => {
        const error = await attempt(value, false);
        assert.ok(error instanceof ArgumentError, `${inspect(value)} -> ${describeError(error)}`);
      }),
      fcOptions(),
    );
  });
});

// ---- structured URLs with exactly one defect ------------------------------------------------

interface BadUrl {
  readonly url: string;
  readonly defect: string;
  readonly password: string;
}

const ident = fc.stringMatching(/^[a-z][a-z0-9_]{0,11}$/);
const KNOWN_BACKENDS = new Set(["postgresql", "postgres", "mysql", "mariadb", "sqlite", "pglite"]);
const PG_OPTIONS = ["sslmode", "sslrootcert", "sslcert", "sslkey", "application_name", "options", "connect_timeout", "statement_timeout", "host"];
const MYSQL_OPTIONS = ["charset", "connect_timeout", "ssl_mode", "ssl_ca", "ssl_cert", "ssl_key", "unix_socket"];
const PG_SSLMODES = ["disable", "require", "verify-ca", "verify-full"];
const MYSQL_SSLMODES = ["disabled", "required", "verify_ca", "verify_identity"];

/** A password unlikely to appear in any message by chance. */
const password = fc.stringMatching(/^[A-Za-z0-9]{12,20}$/).map((s) => `Pw${s}`);
/** Text for a query value, percent-encoded as a URL carries it. */
const queryText = fc.string({ unit: "binary", minLength: 1, maxLength: 20 });
const notAWholeNumber = queryText.filter((v) => !/^\d+$/.test(v));
/**
 * '%' not followed by two hex digits. Without the URL delimiters # / ? @ : — a username
 * holding one of those is a different defect, one that currently leaks the password
 * (known-bugs/url-parsing.known-bug.ts).
 */
const badEscape = fc.stringMatching(/^%([^0-9A-Fa-f#/?@:]|[0-9A-Fa-f][^0-9A-Fa-f#/?@:]|)$/);

function serverUrl(scheme: string, pw: string, port: number | string, query: string, user = "app", db = "test"): string {
  return `${scheme}://${user}:${pw}@127.0.0.1:${port}/${db}${query === "" ? "" : `?${query}`}`;
}

const q = (key: string, value: string): string => `${encodeURIComponent(key)}=${encodeURIComponent(value)}`;

/**
 * A key that names an Object.prototype member (constructor, __proto__, toString...) makes
 * the URL parser throw a TypeError today: known-bugs/url-parsing.known-bug.ts. Generated
 * unknown keys here avoid them so this property keeps guarding everything else.
 */
const notPrototypeKey = (key: string): boolean => !(key in Object.prototype);

function badServerUrls(port: number): fc.Arbitrary<BadUrl> {
  const scheme = fc.constantFrom("postgresql", "mysql", "mariadb");
  const defects: fc.Arbitrary<BadUrl>[] = [
    fc.tuple(ident.filter((s) => !KNOWN_BACKENDS.has(s)), password).map(([s, pw]) => ({
      url: serverUrl(s, pw, port, ""), defect: "unknown scheme", password: pw,
    })),
    fc.tuple(scheme, ident.filter((d) => d !== "pg" && d !== "mysql2"), password).map(([s, d, pw]) => ({
      url: serverUrl(`${s}+${d}`, pw, port, ""), defect: "unknown driver", password: pw,
    })),
    fc.tuple(scheme, fc.oneof(fc.integer({ min: 65_536, max: 9_999_999 }).map(String), fc.constant("0"), fc.stringMatching(/^[0-9]*[a-z.-][0-9a-z]*$/)), password)
      .map(([s, p, pw]) => ({ url: serverUrl(s, pw, p, ""), defect: `bad port ${p}`, password: pw })),
    fc.tuple(scheme, fc.string({ unit: "binary", minLength: 1, maxLength: 15 }), queryText, password)
      .filter(([s, key]) => notPrototypeKey(key) && !(s === "postgresql" ? PG_OPTIONS : MYSQL_OPTIONS).includes(key))
      .map(([s, key, value, pw]) => ({ url: serverUrl(s, pw, port, q(key, value)), defect: `unknown option ${key}`, password: pw })),
    fc.tuple(scheme, queryText, password)
      .filter(([s, v]) => !(s === "postgresql" ? PG_SSLMODES : MYSQL_SSLMODES).includes(v.toLowerCase()))
      .map(([s, v, pw]) => ({
        url: serverUrl(s, pw, port, q(s === "postgresql" ? "sslmode" : "ssl_mode", v)), defect: `bad ssl mode ${v}`, password: pw,
      })),
    fc.tuple(fc.constantFrom("postgresql:connect_timeout", "postgresql:statement_timeout", "mysql:connect_timeout"), notAWholeNumber, password)
      .map(([which, v, pw]) => {
        const [s, key] = which.split(":") as [string, string];
        return { url: serverUrl(s, pw, port, q(key, v)), defect: `bad ${key} ${v}`, password: pw };
      }),
    fc.tuple(scheme, password).map(([s, pw]) => ({
      url: serverUrl(s, pw, port, "connect_timeout=1&connect_timeout=2"), defect: "repeated option", password: pw,
    })),
    fc.tuple(scheme, fc.constantFrom("user", "password", "database"), badEscape, password)
      .map(([s, where, bad, pw]) => ({
        url: where === "user" ? serverUrl(s, pw, port, "", `ap${bad}p`) : where === "database" ? serverUrl(s, pw, port, "", "app", `te${bad}st`) : serverUrl(s, `${pw}${bad}`, port, ""),
        defect: `malformed %-escape in the ${where}`,
        password: pw,
      })),
    fc.tuple(fc.constantFrom("sslrootcert", "sslcert", "sslkey"), password).map(([key, pw]) => ({
      url: serverUrl("postgresql", pw, port, q(key, "/nonexistent/cert.pem")), defect: `${key} without sslmode`, password: pw,
    })),
    fc.tuple(fc.constantFrom("require", "verify-ca", "verify-full"), fc.stringMatching(/^[a-z0-9]{1,12}$/), password).map(([mode, name, pw]) => ({
      url: serverUrl("postgresql", pw, port, `sslmode=${mode}&sslrootcert=${encodeURIComponent(`/nonexistent/${name}.pem`)}`),
      defect: "a certificate file that does not exist",
      password: pw,
    })),
  ];
  return fc.oneof(...defects);
}

const badEmbeddedUrls: fc.Arbitrary<BadUrl> = fc.oneof(
  fc.tuple(fc.constantFrom("sqlite", "pglite"), fc.string({ unit: "binary", minLength: 1, maxLength: 15 }), queryText)
    .filter(([s, key]) => notPrototypeKey(key) && !(s === "sqlite" ? ["mode", "timeout"] : ["relaxedDurability"]).includes(key))
    .map(([s, key, value]) => ({ url: `${s}:///tmp/athanor-never-created.db?${q(key, value)}`, defect: `unknown option ${key}`, password: "" })),
  fc.tuple(fc.constantFrom("sqlite", "pglite"), ident.filter((d) => d !== "better-sqlite3" && d !== "pglite"))
    .map(([s, d]) => ({ url: `${s}+${d}:///tmp/x.db`, defect: "unknown driver", password: "" })),
  notAWholeNumber.map((v) => ({ url: `sqlite:///tmp/x.db?${q("timeout", v)}`, defect: `bad timeout ${v}`, password: "" })),
);

describe("structured URLs with one defect", () => {
  test("a server URL: ArgumentError before any connection attempt, password never shown", async () => {
    await fc.assert(
      fc.asyncProperty(badServerUrls(spy.port), async (bad) => {
        const error = await attempt(bad.url, true);
        assert.ok(error instanceof ArgumentError, `${bad.defect}: ${bad.url} -> ${describeError(error)}`);
        assert.ok(!error.message.includes(bad.password), `the password is in the message: ${error.message}`);
        assert.equal(spy.connections, 0, `${bad.defect}: ${bad.url} reached the network`);
      }),
      fcOptions(),
    );
  });

  test("an embedded-database URL (SQLite, PGlite): ArgumentError, and no file is created", async () => {
    await fc.assert(
      fc.asyncProperty(badEmbeddedUrls, async (bad) => {
        const error = await attempt(bad.url, false);
        assert.ok(error instanceof ArgumentError, `${bad.defect}: ${bad.url} -> ${describeError(error)}`);
      }),
      fcOptions(),
    );
    assert.equal(existsSync("/tmp/athanor-never-created.db"), false);
  });
});
