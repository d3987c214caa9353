import assert from "node:assert/strict";
import { inspect } from "node:util";
import { describe, it } from "node:test";
import { ArgumentError, createEngine, NullPool, QueuePool, StaticPool, URL as DbURL, text } from "../../src/index.js";
import { loadDriver } from "../../src/dialects/shared/load-driver.js";

describe("createEngine (SPEC E1)", () => {
  it("reads URL → dialect → pool, with a default pool per dialect", async () => {
    const pg = createEngine("postgresql://app:s3cr3t@127.0.0.1:5432/test", { poolSize: 3 });
    assert.equal(pg.dialect.name, "postgresql");
    assert.equal(pg.dialect.driver, "pg");
    assert.ok(pg.pool instanceof QueuePool);
    assert.equal((pg.pool as QueuePool).poolSize, 3);
    const my = createEngine("mariadb://root@127.0.0.1/test");
    assert.equal(my.dialect.name, "mysql");
    const memory = createEngine("sqlite://");
    assert.ok(memory.pool instanceof QueuePool);
    assert.deepEqual([(memory.pool as QueuePool).poolSize, (memory.pool as QueuePool).maxOverflow], [1, 0], "one connection held exclusively");
    const lite = createEngine("pglite://");
    assert.equal((lite.pool as QueuePool).poolSize, 1);
    assert.ok(createEngine("sqlite:///:memory:", { poolclass: StaticPool }).pool instanceof StaticPool);
    for (const e of [pg, my, memory, lite]) await e.dispose();
  });

  it("the SQLite :memory: database is shared by every connection, one at a time", async () => {
    const engine = createEngine("sqlite://");
    await engine.begin(async (conn) => void (await conn.execute(text("CREATE TABLE t (n INTEGER)"))));
    await engine.begin(async (conn) => void (await conn.execute(text("INSERT INTO t VALUES (1)"))));
    const [a, b] = await Promise.all([
      engine.begin(async (conn) => Number((await conn.execute(text("SELECT COUNT(*) FROM t"))).scalar())),
      engine.begin(async (conn) => Number((await conn.execute(text("SELECT COUNT(*) FROM t"))).scalar())),
    ]);
    assert.deepEqual([a, b], [1, 1]);
    await engine.dispose();
  });

  it("rejects unknown options, bad values and bad URLs by name, before connecting", () => {
    assert.throws(() => createEngine("sqlite://", { poolsize: 5 } as never), /Unknown createEngine option 'poolsize'/);
    assert.throws(() => createEngine("postgresql://h/db", { poolTimeoutMs: -1 }), (e: unknown) => e instanceof ArgumentError && /^poolTimeoutMs must be/.test(e.message));
    assert.throws(() => createEngine("postgresql://h/db", { poolclass: NullPool, poolSize: 2 }), /Unknown option 'poolSize' for NullPool/);
    assert.throws(() => createEngine("sqlite://", { poolSize: 5 }), /poolSize can't be used with sqlite:\/\/: this database lives in one connection/);
    assert.throws(() => createEngine("oracle://h/db"), /No dialect for 'oracle:\/\/' URLs\. Supported: postgresql:\/\//);
    assert.throws(() => createEngine("postgresql+psycopg://h/db"), /Unknown driver 'psycopg' for postgresql:\/\/ URLs; supported: pg/);
    assert.throws(() => createEngine("postgresql://u:pw@h/db?sslmode=sometimes"), /sslmode/);
    assert.throws(() => createEngine("postgresql://u:pw@h/db?frobnicate=1"), (e: unknown) => e instanceof ArgumentError && /frobnicate/.test(e.message) && !e.message.includes("pw@"));
    assert.throws(() => createEngine("sqlite://", { isolationLevel: "READ COMMITTED" }), /not known to sqlite/);
    assert.throws(() => createEngine("nonsense"), /Could not parse a database URL/);
    // A value String() cannot print (fast-check found it): still the ArgumentError, naming its type.
    const unprintable = { toString: 0 } as never;
    assert.throws(() => createEngine("sqlite://", { statementTimeoutMs: unprintable }), (e: unknown) => e instanceof ArgumentError && /statementTimeoutMs .*got object/.test(e.message));
    assert.throws(() => createEngine("postgresql://h/db", { poolTimeoutMs: unprintable }), (e: unknown) => e instanceof ArgumentError && /got object/.test(e.message));
  });

  it("URL.create builds URLs; passwords are percent-decoded and never printed", async () => {
    const url = DbURL.create({ drivername: "postgresql+pg", username: "app", password: "p@ss:w/rd", host: "db", port: 5433, database: "main", query: { sslmode: "require" } });
    assert.equal(String(url), "postgresql+pg://app:***@db:5433/main?sslmode=require");
    assert.equal(url.renderAsString({ hidePassword: false }), "postgresql+pg://app:p%40ss%3Aw%2Frd@db:5433/main?sslmode=require");
    const parsed = DbURL.parse(url.renderAsString({ hidePassword: false }));
    assert.equal(parsed.password, "p@ss:w/rd");
    const engine = createEngine(url);
    assert.equal(inspect(engine), "Engine(postgresql+pg://app:***@db:5433/main?sslmode=require)");
    assert.ok(!JSON.stringify(url).includes("p@ss"));
    assert.ok(!inspect(url).includes("p@ss"));
    assert.ok(!inspect({ ...url }).includes("p@ss"), "spreading the URL does not copy the password");
    await engine.dispose();
  });

  it("a missing driver fails with the package to install", async () => {
    await assert.rejects(loadDriver("athanor-no-such-driver", "testdb"), /npm install athanor-no-such-driver/);
  });
});
