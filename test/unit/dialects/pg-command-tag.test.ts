import assert from "node:assert/strict";
import { test } from "node:test";
import { rowCountOf } from "../../../src/dialects/postgresql/pg-statement.js";

test("rowCountOf reads a PostgreSQL command tag's row count as pg does (its last number), -1 without one", () => {
  const cases: [string, number][] = [
    ["INSERT 0 5", 5],
    ["UPDATE 3", 3],
    ["DELETE 0", 0],
    ["SELECT 1", 1],
    ["SELECT 120000", 120000],
    ["MERGE 2", 2],
    ["FETCH 10", 10],
    ["MOVE 4", 4],
    ["COPY 7", 7],
    ["BEGIN", -1],
    ["ROLLBACK", -1],
    ["CREATE TABLE", -1],
    ["DROP TABLE", -1],
    ["DISCARD ALL", -1],
    ["", -1],
  ];
  for (const [tag, count] of cases) assert.equal(rowCountOf(tag), count, tag);
});
