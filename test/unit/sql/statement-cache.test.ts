import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { ArgumentError } from "../../../src/errors.js";
import type { CompileTarget } from "../../../src/sql/executable.js";
import { and, bindparam, insert, select, StatementCache, statementCacheFor, DEFAULT_STATEMENT_CACHE_SIZE } from "../../../src/sql/index.js";
import { teams, users } from "./fixtures.js";
import { targets } from "./support.js";

/** A fresh target (so a fresh cache) that compiles like PostgreSQL. */
function freshTarget(): CompileTarget {
  const pg = targets.postgresql;
  return { name: pg.name, paramStyle: pg.paramStyle, backslashEscapes: false, capabilities: pg.capabilities, quoteIdentifier: (n) => pg.quoteIdentifier(n) };
}

describe("StatementCache: a bounded LRU", () => {
  it("counts hits and misses, evicts the least recently used, and can be resized or turned off", () => {
    const cache = new StatementCache<string>(2);
    cache.set("a", "A");
    cache.set("b", "B");
    assert.equal(cache.get("a"), "A", "a is now the most recently used");
    cache.set("c", "C");
    assert.equal(cache.get("b"), undefined, "b was the oldest");
    assert.deepEqual(cache.stats(), { hits: 1, misses: 1, evictions: 1, size: 2, capacity: 2 });
    cache.resize(1);
    assert.deepEqual([cache.size, cache.get("c"), cache.get("a")], [1, "C", undefined]);
    cache.resize(0);
    cache.set("d", "D");
    assert.equal(cache.size, 0);
    assert.throws(() => cache.resize(-1), ArgumentError);
    assert.equal(new StatementCache().capacity, DEFAULT_STATEMENT_CACHE_SIZE);
  });
});

describe("compiled statement cache: keyed by structure, values bound per execution", () => {
  it("the same shape with other values is a hit, and binds the new values", () => {
    const target = freshTarget();
    const cache = statementCacheFor(target);
    const byName = (name: string, limit: number) => select(users.c.id).where(users.c.name.eq(name)).limit(limit);
    const first = byName("ed", 10).compileFor(target);
    const second = byName("wendy", 20).compileFor(target);
    assert.equal(second.sql, first.sql);
    assert.deepEqual([first.params, second.params], [["ed", 10], ["wendy", 20]]);
    assert.deepEqual([cache.hits, cache.misses, cache.size], [1, 1, 1]);
  });

  it("a different shape is a miss: other columns, operators, IN-list lengths, NULL comparisons", () => {
    const target = freshTarget();
    const cache = statementCacheFor(target);
    select(users.c.id).where(users.c.id.in([1, 2])).compileFor(target);
    select(users.c.id).where(users.c.id.in([1, 2, 3])).compileFor(target);
    select(users.c.id).where(users.c.id.eq(1)).compileFor(target);
    select(users.c.id).where(users.c.id.eq(null)).compileFor(target);
    select(users.c.name).where(users.c.id.eq(1)).compileFor(target);
    assert.deepEqual([cache.hits, cache.misses], [0, 5]);
  });

  it("one condition used twice and two equal-looking conditions compile to separate entries, each binding correctly", () => {
    const target = freshTarget();
    const shared = users.c.age.gt(1);
    const twice = select(users.c.id).where(shared).having(shared).groupBy(users.c.id);
    const distinct = select(users.c.id).where(users.c.age.gt(5)).having(users.c.age.gt(6)).groupBy(users.c.id);
    assert.deepEqual(twice.compileFor(target).params, [1, 1]);
    assert.deepEqual(distinct.compileFor(target).params, [5, 6]);
    assert.deepEqual(twice.compileFor(target).params, [1, 1]);
    assert.equal(statementCacheFor(target).size, 2);
  });

  it("caches are per target: the same statement for two databases never shares SQL", () => {
    const a = freshTarget();
    const stmt = select(teams.c.name).where(teams.c.id.eq(1));
    stmt.compileFor(a);
    stmt.compileFor(targets.mysql);
    assert.equal(statementCacheFor(a).size, 1);
    assert.match(stmt.compileFor(targets.mysql).sql, /`teams`/);
  });

  it("inserts cache by columns and row count; bindparams by name", () => {
    const target = freshTarget();
    const cache = statementCacheFor(target);
    insert(teams).values({ name: "a" }).compileFor(target);
    insert(teams).values({ name: "b" }).compileFor(target);
    insert(teams).values([{ name: "a" }, { name: "b" }]).compileFor(target);
    const byParam = select(users.c.id).where(and(users.c.id.eq(bindparam("x")), users.c.age.eq(bindparam("y"))));
    assert.deepEqual(byParam.compileFor(target, { x: 1, y: 2 }).params, [1, 2]);
    assert.deepEqual(byParam.compileFor(target, { x: 3, y: 4 }).params, [3, 4]);
    assert.deepEqual([cache.hits, cache.misses], [2, 3]);
  });

  it("the LRU bound holds under many shapes", () => {
    const target = freshTarget();
    const cache = statementCacheFor(target);
    cache.resize(10);
    for (let n = 1; n <= 50; n++) select(users.c.id).where(users.c.id.in(Array.from({ length: n }, (_, i) => i))).compileFor(target);
    assert.deepEqual([cache.size, cache.evictions, cache.misses], [10, 40, 50]);
  });
});
