// Regression tests for bugs the proving ground found (all fixed; part of `npm test`).
// Found by test/properties/urls.test.ts; both in src/url.ts.
import assert from "node:assert/strict";
import { test } from "node:test";
import fc from "fast-check";
import { ArgumentError, createEngine } from "../../../src/index.js";
import { fcOptions } from "../../properties/support/runs.js";

function thrown(url: string): unknown {
  try {
    createEngine(url);
    return undefined;
  } catch (error) {
    return error;
  }
}

test("a query key naming an Object.prototype member is an ArgumentError, not a TypeError (parseQuery)", () => {
  // parseQuery collects into a plain object: `query[key]` finds Object.prototype.constructor
  // (or toString, __proto__...), takes it for an earlier value and spreads it:
  // "TypeError: (intermediate value) is not iterable". E.g. sqlite:///x.db?constructor=1.
  for (const key of ["constructor", "__proto__", "toString", "hasOwnProperty", "valueOf"]) {
    for (const url of [`sqlite:///tmp/x.db?${key}=1`, `postgresql://app@127.0.0.1/test?${key}=1`]) {
      const error = thrown(url);
      assert.ok(error instanceof ArgumentError, `${url} -> ${String(error)}`);
    }
  }
});

test("a username holding a URL delimiter never puts the password in the error (DatabaseUrl.parse, maskInRawUrl)", () => {
  // postgresql://ap#p:Secret@127.0.0.1:5432/test -> ArgumentError "Invalid port
  // 'Secret@127.0.0.1:5432' in database URL 'postgresql://ap#p:Secret@...'": the pattern
  // reads "ap#p" as the host and the password as the port, and maskInRawUrl's pattern
  // (user = [^:/?#@]*) does not match either, so the raw URL is shown unmasked.
  const user = fc.tuple(fc.stringMatching(/^[a-z]{0,4}$/), fc.constantFrom("#", "/", "?"), fc.stringMatching(/^[a-z]{0,4}$/)).map((p) => p.join(""));
  const password = fc.stringMatching(/^[A-Za-z0-9]{12,20}$/).map((s) => `Pw${s}`);
  fc.assert(
    fc.property(user, password, (u, pw) => {
      const error = thrown(`postgresql://${u}:${pw}@127.0.0.1:5432/test`);
      if (error === undefined) return;
      assert.ok(error instanceof Error);
      assert.ok(!error.message.includes(pw), error.message);
    }),
    fcOptions(),
  );
});
