// TLS options reach the driver, proven on a throwaway PostgreSQL with a self-signed
// certificate (CN and subjectAltName 127.0.0.1): the server itself reports whether the
// session is encrypted (pg_stat_ssl), and verification fails, clearly and promptly, against
// the wrong CA.
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import { createEngine, text, type Engine, type EngineOptions } from "../../src/index.js";
import { startThrowawayPostgres, type ThrowawayPostgres } from "../support/throwaway-postgres.js";

let server: ThrowawayPostgres;
let certFile: string;
let otherDir: string;
let otherCa: string;
const engines: Engine[] = [];

before(async () => {
  server = await startThrowawayPostgres({ ssl: true });
  assert.ok(server.sslCertFile !== undefined);
  certFile = server.sslCertFile;
  // A CA that did not sign the server's certificate (same subject, different key).
  otherDir = mkdtempSync(join(tmpdir(), "athanor-tls-"));
  otherCa = join(otherDir, "other-ca.crt");
  execFileSync("openssl", [
    "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes", "-days", "1",
    "-subj", "/CN=127.0.0.1", "-addext", "subjectAltName=IP:127.0.0.1",
    "-keyout", join(otherDir, "other-ca.key"), "-out", otherCa,
  ], { stdio: "pipe" });
});

after(async () => {
  for (const engine of engines) await engine.dispose();
  await server?.stop();
  if (otherDir !== undefined) rmSync(otherDir, { recursive: true, force: true });
});

function engine(query: string, options: EngineOptions = {}, host = "127.0.0.1"): Engine {
  const made = createEngine(`postgresql://postgres@${host}:${server.port}/test${query}`, { poolTimeoutMs: 5_000, connectTimeoutMs: 3_000, ...options });
  engines.push(made);
  return made;
}

/** What the server says about this session's transport. */
async function sessionSsl(e: Engine): Promise<boolean> {
  await using conn = await e.connect();
  const ssl = (await conn.execute(text("SELECT ssl FROM pg_stat_ssl WHERE pid = pg_backend_pid()"))).scalar();
  return ssl === true;
}

async function connectError(e: Engine): Promise<{ error: unknown; ms: number }> {
  const started = performance.now();
  const error = await e.connect().then(
    async (conn) => {
      await conn.close();
      return undefined;
    },
    (err: unknown) => err,
  );
  return { error, ms: performance.now() - started };
}

describe("sslmode in the URL", () => {
  test("sslmode=require encrypts (pg_stat_ssl says so) without checking the certificate", async () => {
    assert.equal(await sessionSsl(engine("?sslmode=require")), true);
  });

  test("sslmode=disable does not", async () => {
    assert.equal(await sessionSsl(engine("?sslmode=disable")), false);
  });

  test("verify-ca and verify-full with the right CA encrypt", async () => {
    const ca = encodeURIComponent(certFile);
    assert.equal(await sessionSsl(engine(`?sslmode=verify-ca&sslrootcert=${ca}`)), true);
    assert.equal(await sessionSsl(engine(`?sslmode=verify-full&sslrootcert=${ca}`)), true);
  });

  test("verify-full checks the host name, verify-ca does not (libpq semantics)", async () => {
    // The certificate names 127.0.0.1 only; "localhost" reaches the same server.
    const ca = encodeURIComponent(certFile);
    const { error } = await connectError(engine(`?sslmode=verify-full&sslrootcert=${ca}`, {}, "localhost"));
    assert.ok(error instanceof Error && /Hostname\/IP does not match/.test(error.message), String(error));
    assert.equal(await sessionSsl(engine(`?sslmode=verify-ca&sslrootcert=${ca}`, {}, "localhost")), true);
  });

  for (const mode of ["verify-full", "verify-ca", "require"] as const) {
    test(`${mode} with the wrong CA fails promptly with an error that names the certificate problem`, async () => {
      // libpq: with a root certificate given, require behaves as verify-ca.
      const e = engine(`?sslmode=${mode}&sslrootcert=${encodeURIComponent(otherCa)}`);
      const { error, ms } = await connectError(e);
      assert.ok(error instanceof Error, "the connect must fail");
      assert.match(error.message, /certificate|self[- ]signed/i, error.message);
      assert.ok(ms < 3_000, `the failure took ${Math.round(ms)} ms`);
      assert.equal(e.pool.status().checkedOut, 0);
    });
  }
});

describe("TLS settings through connectArgs", () => {
  test("ssl with the right CA reaches pg and encrypts; with the wrong CA it fails", async () => {
    const right = engine("", { connectArgs: { ssl: { ca: readFileSync(certFile), rejectUnauthorized: true } } });
    assert.equal(await sessionSsl(right), true);
    const wrong = engine("", { connectArgs: { ssl: { ca: readFileSync(otherCa), rejectUnauthorized: true } } });
    const { error } = await connectError(wrong);
    assert.ok(error instanceof Error && /certificate|self[- ]signed/i.test(error.message), String(error));
  });

  test("connectArgs win over the URL (ssl: false with sslmode=require)", async () => {
    assert.equal(await sessionSsl(engine("?sslmode=require", { connectArgs: { ssl: false } })), false);
  });
});
