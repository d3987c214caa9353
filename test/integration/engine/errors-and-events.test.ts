import assert from "node:assert/strict";
import { inspect } from "node:util";
import { after, describe, it } from "node:test";
import { DBAPIError, IntegrityError, ProgrammingError, OperationalError, text } from "../../../src/index.js";
import { disposeAll, engineTargets } from "../../support/engines.js";
import { MemoryLogger } from "../../support/fake-driver.js";

after(disposeAll);

for (const target of await engineTargets()) {
  describe(`the error funnel and events on ${target.name} (SPEC E9, E10, E11)`, { skip: target.skip }, () => {
    it("driver errors are wrapped by kind, keeping orig, statement and parameters", async () => {
      const engine = target.engine();
      const t = target.table("uniq");
      await using conn = await engine.connect();
      await conn.execute(text(`CREATE TABLE ${t} (id INTEGER PRIMARY KEY)`));
      await conn.execute(text(`INSERT INTO ${t} (id) VALUES (:id)`), { id: 1 });
      const dup = await conn.execute(text(`INSERT INTO ${t} (id) VALUES (:id)`), { id: 1 }).then(() => undefined, (e: unknown) => e);
      assert.ok(dup instanceof IntegrityError, `got ${String(dup)}`);
      assert.ok(dup instanceof DBAPIError);
      assert.equal(dup.code, "INTEGRITY_ERROR");
      assert.ok(dup.orig instanceof Error);
      assert.equal(dup.cause, dup.orig);
      assert.match(dup.statement ?? "", new RegExp(`INSERT INTO ${t}`));
      assert.deepEqual(dup.parameters, [1]);
      assert.equal(dup.connectionInvalidated, false);
      assert.match(dup.message, /\[SQL: INSERT INTO/);
      assert.match(dup.message, /\[parameters: \[1\]\]/);
      assert.notEqual(dup.driverCode, undefined);
      await conn.rollback();
      const bad = await conn.execute(text("SELEC nonsense")).then(() => undefined, (e: unknown) => e);
      assert.ok(bad instanceof ProgrammingError || bad instanceof OperationalError, `syntax error kind: ${String(bad)}`);
      await conn.rollback();
    });

    it("hideParameters keeps parameters out of errors and echo", async () => {
      const logger = new MemoryLogger();
      const engine = target.engine({ hideParameters: true, echo: true, logger });
      await using conn = await engine.connect();
      const err = await conn.execute(text("SELECT * FROM no_such_table_here WHERE secret = :s"), { s: "hunter2" }).then(() => undefined, (e: unknown) => e);
      assert.ok(err instanceof DBAPIError);
      assert.equal(err.parameters, undefined);
      assert.ok(!err.message.includes("hunter2"));
      assert.match(err.message, /parameters hidden/);
      assert.ok(!logger.messages().join("\n").includes("hunter2"));
    });

    it("fires begin, commit, rollback, savepoint events and before/afterExecute", async () => {
      const engine = target.engine();
      const seen: string[] = [];
      for (const name of ["begin", "commit", "rollback", "savepoint", "releaseSavepoint", "rollbackSavepoint", "engineConnect"] as const) {
        engine.events.on(name, () => void seen.push(name));
      }
      engine.events.on("beforeExecute", (_c, sql) => void seen.push(`before:${sql}`));
      engine.events.on("afterExecute", (_c, _sql, _p, result) => void seen.push(`after:${result.rowCount}`));
      await using conn = await engine.connect();
      await conn.execute(text("SELECT 1 AS one"));
      const sp = await conn.beginNested();
      await sp.commit();
      const sp2 = await conn.beginNested();
      await sp2.rollback();
      await conn.commit();
      await conn.execute(text("SELECT 2 AS two"));
      await conn.rollback();
      assert.deepEqual(seen, [
        "engineConnect", "begin", "before:SELECT 1 AS one", "after:1",
        "savepoint", "releaseSavepoint", "savepoint", "rollbackSavepoint", "commit",
        "begin", "before:SELECT 2 AS two", "after:1", "rollback",
      ]);
    });

    it("handleError sees the error and may replace it", async () => {
      const engine = target.engine();
      class MyError extends Error {}
      engine.events.on("handleError", (ctx) => {
        assert.equal(ctx.isDisconnect, false);
        if (/no_such_thing/.test(ctx.statement ?? "")) throw new MyError(`translated: ${ctx.error.name}`);
      });
      await using conn = await engine.connect();
      await assert.rejects(conn.execute(text("SELECT * FROM no_such_thing")), (err: unknown) => err instanceof MyError && /translated/.test(err.message));
    });

    it("handleError may overturn the disconnect verdict: the connection is then invalidated", async () => {
      const engine = target.engine();
      engine.events.on("handleError", (ctx) => {
        if (/athanor_pretend_disconnect/.test(ctx.statement ?? "")) ctx.isDisconnect = true;
      });
      await using conn = await engine.connect();
      const before = conn.info;
      const err = await conn.execute(text("SELECT * FROM athanor_pretend_disconnect")).then(() => undefined, (e: unknown) => e);
      assert.ok(err instanceof DBAPIError);
      assert.equal(err.connectionInvalidated, true);
      assert.equal(conn.invalidated, true);
      await conn.rollback();
      await conn.execute(text("SELECT 1"));
      assert.notEqual(conn.info, before, "a new driver connection (a fresh info record)");
    });

    it("overlapping calls on one connection are refused instead of interleaving", async () => {
      const engine = target.engine();
      await using conn = await engine.connect();
      const first = conn.execute(text("SELECT 1"));
      await assert.rejects(conn.execute(text("SELECT 2")), /busy with execute\(\)/);
      await first;
    });

    it("the engine, its URL and its pool never print a password", async () => {
      const engine = target.engine();
      const text1 = `${inspect(engine)} ${String(engine)} ${String(engine.url)} ${JSON.stringify({ url: engine.url })} ${inspect(engine.pool.status())}`;
      const password = engine.url.password;
      if (password !== undefined && password !== "") assert.ok(!text1.includes(password));
      assert.ok(!/password/i.test(inspect(engine)));
    });
  });
}
