/**
 * The array literal the ORM's column-array batches send through node-postgres is the text pg's
 * own arrayString makes of the same values (pg/lib/utils.js, through prepareValue), for every
 * kind of value a batch may hold.
 */
import assert from "node:assert/strict";
import { test } from "node:test";
import fc from "fast-check";
import pg from "pg";
import { arrayLiteral } from "../../../src/orm/unit-of-work/column-arrays.js";

const pgArray = (values: readonly unknown[]): unknown => (pg as unknown as { utils: { prepareValue(v: unknown): unknown } }).utils.prepareValue(values);

test("tricky values: the same text as pg's arrayString", () => {
  const values = ['say "hi"', "back\\slash", "{a,b}", "NULL", "", "ünïcødé ✓", null, "it's", " padded ", "\\\"", 0, -1.5, 1e21, Number.NaN, true, false, 12345678901234567890n, Buffer.from([0, 1, 255])];
  assert.equal(arrayLiteral(values), pgArray(values));
});

test("any array of strings, numbers, booleans, bigints, nulls and bytes: the same text as pg's arrayString", () => {
  const element = fc.oneof(fc.string({ unit: "binary" }), fc.double(), fc.integer(), fc.boolean(), fc.bigInt(), fc.constant(null), fc.uint8Array().map((a) => Buffer.from(a)));
  fc.assert(
    fc.property(fc.array(element), (values) => {
      assert.equal(arrayLiteral(values), pgArray(values));
    }),
    { numRuns: process.env.CI === "true" ? 10_000 : 1_000 },
  );
});
