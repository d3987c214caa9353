import assert from "node:assert/strict";
import { once } from "node:events";
import type { Server } from "node:http";
import { Agent } from "node:http";
import { after, describe, test } from "node:test";
import { setTimeout as sleep } from "node:timers/promises";
import express, { type Express } from "express";
import { text, type ScopedSession, type Session } from "../../src/index.js";
import { athanorExpress } from "../../src/web/express.js";
import { openGates } from "../../src/web/express-gate.js";
import { disposeAll } from "../support/engines.js";
import { assertOutcome, portOf, post, postJson, runLoad, settledPool } from "./support/load.js";
import { createTable, dropTable, HandlerError, kindOf, work } from "./support/scenario.js";
import { commitFailureSchema, violateOnCommit } from "./support/deferred.js";
import { webTargets } from "./support/targets.js";
import { insertId, rollbackIsNotHeld } from "./support/rollback-not-held.js";

const targets = await webTargets();
after(disposeAll);

async function listen(app: Express): Promise<{ server: Server; port: number }> {
  const server = app.listen(0, "127.0.0.1");
  await once(server, "listening");
  return { server, port: portOf(server.address()) };
}

async function close(server: Server): Promise<void> {
  server.closeAllConnections();
  await new Promise<void>((resolve) => server.close(() => resolve()));
}

function loadApp(db: ScopedSession, table: string): Express {
  const app = express();
  app.set("env", "test"); // keeps finalhandler from printing the deliberate errors
  app.use(athanorExpress(db, { commit: "on-success" }));
  app.post("/insert/:id", async (req, res) => {
    const id = Number(req.params.id);
    const kind = kindOf(id);
    await work(db, table, id, kind);
    res.status(201).json({ id });
    if (kind === "throw-after") throw new HandlerError(id, "right after sending its answer");
  });
  return app;
}

describe("athanorExpress under load: 1 000 requests, 200 at a time", () => {
  for (const target of targets) {
    test(target.name, { skip: target.skip }, async () => {
      const { engine, db, server: serverConnections } = target.open();
      const table = target.table("web_express");
      await createTable(db, table);
      const { server, port } = await listen(loadApp(db, table));
      try {
        const seen = await runLoad(port);
        // As in plain Express: the answer was sent before the throw, so the client gets it (and
        // the transaction behind it is committed); Express then closes the connection.
        const report = await assertOutcome(engine, db, table, seen, serverConnections, "answered");
        assert.equal(openGates(), 0, "every response's gate is gone once the response closed");
        console.log(`express/${target.name}: ${JSON.stringify(report)}`);
      } finally {
        await close(server);
        await dropTable(db, table);
      }
    });
  }
});

describe("athanorExpress: one request at a time", () => {
  const sqlite = targets.find((t) => t.name === "sqlite");
  assert.ok(sqlite !== undefined);

  test("a request that never touches the database opens no connection", async () => {
    const { engine, db } = sqlite.open();
    let connects = 0;
    engine.pool.events.on("connect", () => void connects++);
    const app = express();
    app.use(athanorExpress(db, { commit: "on-success" }));
    app.post("/plain", (_req, res) => void res.json({ hello: "world" }));
    const { server, port } = await listen(app);
    try {
      const agent = new Agent({ keepAlive: true });
      for (let i = 0; i < 20; i++) assert.equal((await post(port, "/plain", agent)).status, 200);
      agent.destroy();
      assert.equal(connects, 0);
      assert.equal(engine.pool.status().checkedIn + engine.pool.status().checkedOut, 0);
    } finally {
      await close(server);
    }
  });

  test("db() after the response finished raises SCOPE_ENDED and leaks nothing", async () => {
    const { engine, db } = sqlite.open();
    const table = sqlite.table("web_express_late");
    await createTable(db, table);
    let late: Promise<unknown> = Promise.resolve();
    const app = express();
    app.use(athanorExpress(db, { commit: "on-success" }));
    app.post("/late", async (_req, res) => {
      await db.execute(text(`INSERT INTO ${table} (id) VALUES (1)`));
      res.json({ ok: true });
      await once(res, "finish");
      late = (async () => db.execute(text(`INSERT INTO ${table} (id) VALUES (2)`)))().then(
        () => "no error",
        (err: unknown) => (err as { code?: string }).code,
      );
    });
    const { server, port } = await listen(app);
    try {
      assert.equal((await post(port, "/late", new Agent())).status, 200);
      await new Promise((resolve) => setTimeout(resolve, 50));
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
    const app = express();
    app.use(athanorExpress(db));
    app.use(express.json()); // after the middleware: the body is read from socket events, outside the request's flow
    app.post("/echo", async (req, res) => {
      assert.equal(db.has(), false, "a fresh scope per request");
      const session = db();
      await sleep(5);
      assert.equal(db(), session, "the same session after an await");
      sessions.add(session);
      res.json({ n: (req.body as { n: number }).n });
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

  test('commit: "never" rolls back what the handler did not commit', async () => {
    const { engine, db } = sqlite.open();
    const table = sqlite.table("web_express_never");
    await createTable(db, table);
    const app = express();
    app.use(athanorExpress(db)); // default: "never"
    app.post("/insert/:id", async (req, res) => {
      await db.execute(text(`INSERT INTO ${table} (id) VALUES (:id)`), { id: Number(req.params.id) });
      if (req.params.id === "1") await db.commit();
      res.json({ ok: true });
    });
    const { server, port } = await listen(app);
    try {
      const agent = new Agent();
      assert.equal((await post(port, "/insert/1", agent)).status, 200);
      assert.equal((await post(port, "/insert/2", agent)).status, 200);
      assert.equal(await settledPool(engine), 0);
      const rows = await db.scope(async () => (await db.execute(text(`SELECT id FROM ${table}`))).scalars().all());
      assert.deepEqual(rows.map(Number), [1]);
    } finally {
      await close(server);
    }
  });
});

describe("athanorExpress: a commit that fails answers 500, never 200", () => {
  for (const target of targets.filter((t) => t.name !== "mysql")) {
    test(`${target.name}: deferred constraint violated at COMMIT`, { skip: target.skip }, async () => {
      const { engine, db, logged } = target.open();
      const schema = await commitFailureSchema(target, db);
      const app = express();
      app.use(athanorExpress(db, { commit: "on-success" }));
      app.post("/orphan/:id", async (req, res) => {
        await violateOnCommit(db, schema, Number(req.params.id));
        res.status(201).json({ created: true });
      });
      const { server, port } = await listen(app);
      try {
        const answer = await post(port, "/orphan/1", new Agent());
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

describe("athanorExpress with an AUTOCOMMIT engine: answered without waiting, unless something could still fail", () => {
  for (const target of targets) {
    test(target.name, { skip: target.skip }, async () => {
      const { engine, db, logged } = target.open({ isolationLevel: "AUTOCOMMIT" });
      const table = target.table("web_express_autocommit");
      await createTable(db, table);
      const app = express();
      app.set("env", "test");
      app.use(athanorExpress(db, { commit: "on-success" }));
      app.post("/insert/:id", async (req, res) => {
        await db.execute(text(`INSERT INTO ${table} (id) VALUES (:id)`), { id: Number(req.params.id) });
        res.status(req.params.id === "2" ? 400 : 201).json({ ok: true });
      });
      app.post("/swallow/:id", async (req, res) => {
        // A failed statement leaves the session refusing to commit until rollback: the answer must not be a success.
        await db.execute(text(`INSERT INTO ${table} (id) VALUES (:id)`), { id: Number(req.params.id) }).catch(() => undefined);
        res.status(201).json({ ok: true });
      });
      const { server, port } = await listen(app);
      try {
        const agent = new Agent({ keepAlive: true });
        assert.equal((await post(port, "/insert/1", agent)).status, 201);
        assert.equal((await post(port, "/insert/2", agent)).status, 400, "in AUTOCOMMIT the statement committed itself: a 400 cannot undo it");
        const swallowed = await post(port, "/swallow/1", agent); // duplicate key
        assert.equal(swallowed.status, 500);
        assert.doesNotMatch(swallowed.body, /ok/);
        agent.destroy();
        assert.equal(await settledPool(engine), 0);
        assert.ok(logged.some((l) => l.level === "error" && /commit/i.test(l.message)));
        const rows = await db.scope(async () => (await db.execute(text(`SELECT id FROM ${table} ORDER BY id`))).scalars().all());
        assert.deepEqual(rows.map(Number), [1, 2]);
      } finally {
        await close(server);
        await dropTable(db, table);
      }
    });
  }
});

describe("athanorExpress: a response that is to roll back is not held for the rollback", () => {
  for (const target of targets) {
    test(target.name, { skip: target.skip }, () =>
      rollbackIsNotHeld(target, async (db, table) => {
        const app = express();
        app.set("env", "test");
        app.use(athanorExpress(db)); // the default, commit: "never": what the handler left open rolls back
        app.post("/insert/:id", async (req, res) => {
          await insertId(db, table, Number(req.params.id));
          res.status(201).json({ ok: true });
        });
        const { server, port } = await listen(app);
        return { port, close: () => close(server) };
      }),
    );
  }
});
