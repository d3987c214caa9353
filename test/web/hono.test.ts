import assert from "node:assert/strict";
import { once } from "node:events";
import type { Server } from "node:http";
import { after, describe, test } from "node:test";
import { setTimeout as sleep } from "node:timers/promises";
import { createAdaptorServer, type HttpBindings } from "@hono/node-server";
import { Hono } from "hono";
import { text, type ScopedSession, type Session } from "../../src/index.js";
import { athanorHono } from "../../src/web/hono.js";
import { disposeAll } from "../support/engines.js";
import { commitFailureSchema, violateOnCommit } from "./support/deferred.js";
import { assertOutcome, portOf, post, postJson, runLoad, settledPool } from "./support/load.js";
import { createTable, dropTable, HandlerError, kindOf, work } from "./support/scenario.js";
import { webTargets } from "./support/targets.js";
import { insertId, rollbackIsNotHeld } from "./support/rollback-not-held.js";

const targets = await webTargets();
after(disposeAll);

type App = Hono<{ Bindings: HttpBindings }>;

function newApp(db: ScopedSession, commit: "on-success" | "never" = "on-success"): App {
  const app: App = new Hono<{ Bindings: HttpBindings }>();
  app.use(athanorHono(db, { commit }));
  app.onError((_err, c) => c.text("failed", 500)); // Hono's default handler would print each deliberate error
  return app;
}

async function listen(app: App): Promise<{ server: Server; port: number }> {
  const server = createAdaptorServer({ fetch: app.fetch, hostname: "127.0.0.1" }) as Server;
  server.listen(0, "127.0.0.1");
  await once(server, "listening");
  return { server, port: portOf(server.address()) };
}

async function close(server: Server): Promise<void> {
  server.closeAllConnections();
  await new Promise<void>((resolve) => server.close(() => resolve()));
}

describe("athanorHono under load: 1 000 requests, 200 at a time", () => {
  for (const target of targets) {
    test(target.name, { skip: target.skip }, async () => {
      const { engine, db, server: connections } = target.open();
      const table = target.table("web_hono");
      await createTable(db, table);
      const app = newApp(db);
      app.post("/insert/:id", async (c) => {
        const id = Number(c.req.param("id"));
        const kind = kindOf(id);
        await work(db, table, id, kind);
        const answer = c.json({ id }, 201);
        // Hono sends nothing before the handler returns: a throw discards the answer made.
        if (kind === "throw-after") throw new HandlerError(id, "after making its answer");
        return answer;
      });
      const { server, port } = await listen(app);
      try {
        const seen = await runLoad(port);
        const report = await assertOutcome(engine, db, table, seen, connections, "failed");
        console.log(`hono/${target.name}: ${JSON.stringify(report)}`);
      } finally {
        await close(server);
        await dropTable(db, table);
      }
    });
  }
});

describe("athanorHono: one request at a time", () => {
  const sqlite = targets.find((t) => t.name === "sqlite");
  assert.ok(sqlite !== undefined);

  test("a request that never touches the database opens no connection", async () => {
    const { engine, db } = sqlite.open();
    let connects = 0;
    engine.pool.events.on("connect", () => void connects++);
    const app = newApp(db);
    app.post("/plain", (c) => c.json({ hello: "world" }));
    const { server, port } = await listen(app);
    try {
      for (let i = 0; i < 20; i++) assert.equal((await post(port, "/plain", false)).status, 200);
      assert.equal(connects, 0);
    } finally {
      await close(server);
    }
  });

  test("db() after the response finished raises SCOPE_ENDED and leaks nothing", async () => {
    const { engine, db } = sqlite.open();
    const table = sqlite.table("web_hono_late");
    await createTable(db, table);
    let late: Promise<unknown> = Promise.resolve();
    const app = newApp(db);
    app.post("/late", async (c) => {
      await db.execute(text(`INSERT INTO ${table} (id) VALUES (1)`));
      late = once(c.env.outgoing, "finish").then(async () => db.execute(text(`INSERT INTO ${table} (id) VALUES (2)`))).then(
        () => "no error",
        (err: unknown) => (err as { code?: string }).code,
      );
      return c.json({ ok: true });
    });
    const { server, port } = await listen(app);
    try {
      assert.equal((await post(port, "/late", false)).status, 200);
      assert.equal(await late, "SCOPE_ENDED");
      assert.equal(await settledPool(engine), 0);
      const rows = await db.scope(async () => (await db.execute(text(`SELECT id FROM ${table}`))).scalars().all());
      assert.deepEqual(rows.map(Number), [1]);
    } finally {
      await close(server);
    }
  });

  test("a request with a parsed JSON body keeps its own scope (and session) through the handler", async () => {
    const { db } = sqlite.open();
    const sessions = new Set<Session>();
    const app = newApp(db, "never");
    app.post("/echo", async (c) => {
      const body = await c.req.json<{ n: number }>();
      assert.equal(db.has(), false, "a fresh scope per request");
      const session = db();
      await sleep(5);
      assert.equal(db(), session, "the same session after an await");
      sessions.add(session);
      return c.json({ n: body.n });
    });
    const { server, port } = await listen(app);
    try {
      const answers = await Promise.all(Array.from({ length: 20 }, (_, n) => postJson(port, "/echo", { n })));
      assert.deepEqual(answers, Array.from({ length: 20 }, (_, n) => ({ status: 200, body: JSON.stringify({ n }) })));
      assert.equal(sessions.size, 20);
    } finally {
      await close(server);
    }
  });
});

describe("athanorHono: a commit that fails answers 500, never 200", () => {
  for (const target of targets.filter((t) => t.name !== "mysql")) {
    test(`${target.name}: deferred constraint violated at COMMIT`, { skip: target.skip }, async () => {
      const { engine, db, logged } = target.open();
      const schema = await commitFailureSchema(target, db);
      const app = newApp(db);
      app.post("/orphan/:id", async (c) => {
        await violateOnCommit(db, schema, Number(c.req.param("id")));
        return c.json({ created: true }, 201);
      });
      const { server, port } = await listen(app);
      try {
        const answer = await post(port, "/orphan/1", false);
        assert.equal(answer.status, 500);
        assert.doesNotMatch(answer.body, /created/);
        assert.equal(await settledPool(engine), 0);
        assert.ok(logged.some((l) => l.level === "error" && /commit/i.test(l.message)));
      } finally {
        await close(server);
        await schema.drop();
      }
    });
  }
});

describe("athanorHono: a response that is to roll back is not held for the rollback", () => {
  for (const target of targets) {
    test(target.name, { skip: target.skip }, () =>
      rollbackIsNotHeld(target, async (db, table) => {
        const app = newApp(db, "never");
        app.post("/insert/:id", async (c) => {
          await insertId(db, table, Number(c.req.param("id")));
          return c.json({ ok: true }, 201);
        });
        const { server, port } = await listen(app);
        return { port, close: () => close(server) };
      }),
    );
  }
});
