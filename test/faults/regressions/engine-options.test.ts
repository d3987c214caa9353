// Regression test for a bug the proving ground found (fixed; part of `npm test`).
// createEngine (src/engine/create-engine.ts) takes `options.pool` as it is: `pool: 5` or
// `pool: {}` builds an engine whose first connect() fails with a TypeError
// ("this.#pool.connect is not a function"), far from the mistake. `connectArgs: []` is
// accepted too (an array is not "an object of driver options"). Every other option is
// checked up front (test/properties/options.test.ts).
import assert from "node:assert/strict";
import { test } from "node:test";
import { ArgumentError, createEngine, type EngineOptions } from "../../../src/index.js";

const cases: [string, EngineOptions][] = [
  ["pool", { pool: 5 as never }],
  ["pool", { pool: {} as never }],
  ["connectArgs", { connectArgs: [] as never }],
];

for (const [name, options] of cases) {
  test(`createEngine rejects ${name}: ${JSON.stringify(Object.values(options)[0])} with an ArgumentError naming it`, () => {
    assert.throws(() => createEngine("postgresql://app@127.0.0.1:1/test", options), (error: unknown) => {
      assert.ok(error instanceof ArgumentError, String(error));
      assert.match(error.message, new RegExp(name));
      return true;
    });
  });
}
