import assert from "node:assert/strict";
import { once } from "node:events";
import { after, describe, test } from "node:test";
import { setTimeout as sleep } from "node:timers/promises";
import Fastify, { type FastifyInstance } from "fastify";
import { text, type ScopedSession, type Session } from "../../src/index.js";
import { athanorFastify } from "../../src/web/fastify.js";
import { disposeAll } from "../support/engines.js";
import { commitFailureSchema, violateOnCommit } from "./support/deferred.js";
import { assertOutcome, portOf, post, postJson, runLoad, settledPool } from "./support/load.js";
import { createTable, dropTable, HandlerError, kindOf, work } from "./support/scenario.js";
import { webTargets } from "./support/targets.js";
import { insertId, rollbackIsNotHeld } from "./support/rollback-not-held.js";

const targets = await webTargets();
after(disposeAll);

async function listen(app: FastifyInstance): Promise<number> {
  await app.listen({ port: 0, host: "127.0.0.1" });
  return portOf(app.server.address());
}

async function loadApp(db: ScopedSession, table: string): Promise<FastifyInstance> {
  const app = Fastify({ logger: false });
  await app.register(athanorFastify, { db, commit: "on-success" });
  app.post<{ Params: { id: string } }>("/insert/:id", async (request, reply) => {
    const id = Number(request.params.id);
    const kind = kindOf(id);
    await work(db, table, id, kind);
    reply.code(201).send({ id });
    if (kind === "throw-after") throw new HandlerError(id, "right after sending its answer");
    return reply;
  });
  return app;
}

describe("athanorFastify under load: 1 000 requests, 200 at a time", () => {
  for (const target of targets) {
    test(target.name, { skip: target.skip }, async () => {
      const { engine, db, server } = target.open();
      const table = target.table("web_fastify");
      await createTable(db, table);
      const app = await loadApp(db, table);
      try {
        const seen = await runLoad(await listen(app));
        // The reply was sent before the throw: it goes out, committed (Fastify logs the late error).
        const report = await assertOutcome(engine, db, table, seen, server, "answered");
        console.log(`fastify/${target.name}: ${JSON.stringify(report)}`);
      } finally {
        await app.close();
        await dropTable(db, table);
      }
    });
  }
});

describe("athanorFastify: one request at a time", () => {
  const sqlite = targets.find((t) => t.name === "sqlite");
  assert.ok(sqlite !== undefined);

  test("a request that never touches the database opens no connection", async () => {
    const { engine, db } = sqlite.open();
    let connects = 0;
    engine.pool.events.on("connect", () => void connects++);
    const app = Fastify({ logger: false });
    await app.register(athanorFastify, { db, commit: "on-success" });
    app.post("/plain", async () => ({ hello: "world" }));
    try {
      const port = await listen(app);
      for (let i = 0; i < 20; i++) assert.equal((await post(port, "/plain", false)).status, 200);
      assert.equal(connects, 0);
    } finally {
      await app.close();
    }
  });

  test("db() after the response finished raises SCOPE_ENDED and leaks nothing", async () => {
    const { engine, db } = sqlite.open();
    const table = sqlite.table("web_fastify_late");
    await createTable(db, table);
    let late: Promise<unknown> = Promise.resolve();
    const app = Fastify({ logger: false });
    await app.register(athanorFastify, { db, commit: "on-success" });
    app.post("/late", async (_request, reply) => {
      await db.execute(text(`INSERT INTO ${table} (id) VALUES (1)`));
      reply.send({ ok: true });
      late = once(reply.raw, "finish").then(async () => db.execute(text(`INSERT INTO ${table} (id) VALUES (2)`))).then(
        () => "no error",
        (err: unknown) => (err as { code?: string }).code,
      );
      return reply;
    });
    try {
      assert.equal((await post(await listen(app), "/late", false)).status, 200);
      assert.equal(await late, "SCOPE_ENDED");
      assert.equal(await settledPool(engine), 0);
      const rows = await db.scope(async () => (await db.execute(text(`SELECT id FROM ${table}`))).scalars().all());
      assert.deepEqual(rows.map(Number), [1]);
    } finally {
      await app.close();
    }
  });

  test("a request with a parsed JSON body keeps its own scope (and session) through the handler", async () => {
    const { db } = sqlite.open();
    const sessions = new Set<Session>();
    const app = Fastify({ logger: false });
    await app.register(athanorFastify, { db });
    app.post<{ Body: { n: number } }>("/echo", async (request) => {
      assert.equal(db.has(), false, "a fresh scope per request");
      const session = db();
      await sleep(5);
      assert.equal(db(), session, "the same session after an await");
      sessions.add(session);
      return { n: request.body.n };
    });
    try {
      const port = await listen(app);
      const answers = await Promise.all(Array.from({ length: 20 }, (_, n) => postJson(port, "/echo", { n })));
      assert.deepEqual(answers, Array.from({ length: 20 }, (_, n) => ({ status: 200, body: JSON.stringify({ n }) })));
      assert.equal(sessions.size, 20);
    } finally {
      await app.close();
    }
  });
});

describe("athanorFastify: a commit that fails answers 500, never 200", () => {
  for (const target of targets.filter((t) => t.name !== "mysql")) {
    test(`${target.name}: deferred constraint violated at COMMIT`, { skip: target.skip }, async () => {
      const { engine, db, logged } = target.open();
      const schema = await commitFailureSchema(target, db);
      const app = Fastify({ logger: false });
      await app.register(athanorFastify, { db, commit: "on-success" });
      app.post<{ Params: { id: string } }>("/orphan/:id", async (request, reply) => {
        await violateOnCommit(db, schema, Number(request.params.id));
        return reply.code(201).send({ created: true });
      });
      try {
        const answer = await post(await listen(app), "/orphan/1", false);
        assert.equal(answer.status, 500);
        assert.doesNotMatch(answer.body, /created/);
        assert.equal(await settledPool(engine), 0);
        assert.ok(logged.some((l) => l.level === "error" && /commit/i.test(l.message)));
      } finally {
        await app.close();
        await schema.drop();
      }
    });
  }
});

describe("athanorFastify: a response that is to roll back is not held for the rollback", () => {
  for (const target of targets) {
    test(target.name, { skip: target.skip }, () =>
      rollbackIsNotHeld(target, async (db, table) => {
        const app = Fastify({ logger: false });
        await app.register(athanorFastify, { db }); // the default, commit: "never"
        app.post<{ Params: { id: string } }>("/insert/:id", async (request, reply) => {
          await insertId(db, table, Number(request.params.id));
          return reply.code(201).send({ ok: true });
        });
        return { port: await listen(app), close: () => app.close() };
      }),
    );
  }
});
