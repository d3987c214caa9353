import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { ArgumentError, manage, NullPool, QueuePool } from "../../../src/index.js";
import { fakeDialect, FakeConnection, MemoryLogger } from "../../support/fake-driver.js";

describe("manage(driver) (SPEC P23)", () => {
  it("pools per distinct argument set, whatever the key order", async () => {
    const opened: string[] = [];
    const driver = {
      connect: async (args: { host: string; db: string }) => {
        opened.push(`${args.host}/${args.db}`);
        return new FakeConnection(opened.length);
      },
    };
    const proxy = manage(driver, { poolSize: 2, dialect: fakeDialect });
    const a = await proxy.connect({ host: "h1", db: "x" });
    await a.close();
    const b = await proxy.connect({ db: "x", host: "h1" });
    assert.equal(b.dbapiConnection.id, 1, "same arguments, same pool, same connection");
    const c = await proxy.connect({ host: "h2", db: "x" });
    assert.deepEqual(opened, ["h1/x", "h2/x"]);
    assert.equal(proxy.size, 2);
    assert.ok(proxy.getPool({ host: "h1", db: "x" }) instanceof QueuePool);
    await b.close();
    await c.close();
    await proxy.disposeAll();
    assert.equal(proxy.size, 0);
  });

  it("takes another pool class, and refuses arguments that cannot key a pool", async () => {
    const driver = { connect: () => new FakeConnection(1) };
    const proxy = manage(driver, { poolclass: NullPool } as never);
    assert.ok(proxy.getPool({}) instanceof NullPool);
    assert.throws(() => proxy.getPool({ callback: () => 1 } as never), ArgumentError);
    assert.throws(() => manage({} as never), /needs a driver with a connect/);
  });
});

describe("pool logging (SPEC P24)", () => {
  it("echo logs checkouts, checkins, invalidations and sizing, and never the driver object", async () => {
    const logger = new MemoryLogger();
    const secret = "s3cr3t-passw0rd";
    const creator = () => Object.assign(new FakeConnection(1), { config: { user: "app", password: secret } });
    const pool = new QueuePool(creator, { dialect: fakeDialect, echo: "debug", logger, poolSize: 1 });
    const c = await pool.connect();
    await c.close();
    const d = await pool.connect();
    await d.invalidate(new Error(`boom`));
    pool.invalidateAll();
    await pool.dispose();
    const text = logger.messages().join("\n");
    assert.match(text, /connection #\d+ opened/);
    assert.match(text, /connection #\d+ checked out/);
    assert.match(text, /connection #\d+ checked in/);
    assert.match(text, /connection #\d+ invalidated \(Error: boom\)/);
    assert.match(text, /all connections invalidated/);
    assert.match(text, /disposed, closed 0 idle connection/);
    assert.ok(!text.includes(secret), "no password in any log line");
    assert.ok(!text.includes("[object Object]"));
  });

  it("is silent by default", async () => {
    const logger = new MemoryLogger();
    const pool = new QueuePool(() => new FakeConnection(1), { dialect: fakeDialect, logger });
    await (await pool.connect()).close();
    assert.deepEqual(logger.lines, []);
  });
});
