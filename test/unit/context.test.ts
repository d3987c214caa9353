import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { AsyncScope, currentScope, ROOT_SCOPE, runInScope } from "../../src/context.js";

describe("AsyncScope slots", () => {
  test("each owner keeps its own value, past the two kept in fields", () => {
    const scope = new AsyncScope();
    const owners = [{}, {}, {}, {}];
    owners.forEach((owner, i) => scope.setSlot(owner, i));
    assert.deepEqual(owners.map((o) => scope.slot(o)), [0, 1, 2, 3]);
    scope.setSlot(owners[2]!, "two");
    scope.setSlot(owners[0]!, "zero");
    assert.deepEqual(owners.map((o) => scope.slot(o)), ["zero", 1, "two", 3]);
    assert.equal(scope.slot({}), undefined);
  });

  test("a deleted slot reads undefined, and a field freed by a delete is reused without reviving an old value", () => {
    const scope = new AsyncScope();
    const [a, b, c] = [{}, {}, {}];
    scope.setSlot(a, "a");
    scope.setSlot(b, "b");
    scope.setSlot(c, "c"); // beyond the fields
    scope.deleteSlot(a);
    assert.equal(scope.slot(a), undefined);
    scope.setSlot(c, "c2"); // c lives beyond the fields: updated there, not copied into a's freed field
    assert.equal(scope.slot(c), "c2");
    scope.deleteSlot(c);
    assert.equal(scope.slot(c), undefined);
    scope.setSlot(a, "a2");
    assert.deepEqual([scope.slot(a), scope.slot(b), scope.slot(c)], ["a2", "b", undefined]);
  });
});

describe("runInScope", () => {
  test("gives the new scope to its function, and it is the current scope there and after an await", async () => {
    assert.equal(currentScope(), ROOT_SCOPE);
    await runInScope(async (scope) => {
      assert.notEqual(scope, ROOT_SCOPE);
      assert.equal(currentScope(), scope);
      await new Promise((resolve) => setTimeout(resolve, 1));
      assert.equal(currentScope(), scope);
    });
    assert.equal(currentScope(), ROOT_SCOPE);
  });
});
