/**
 * How a response's end() and 'close' reach athanorExpress's gate: through a patch on Express's
 * shared response prototype, or, where that cannot see every call, through an end() and emit()
 * of the response's own. In every arrangement below, "on-success" must commit before the 200
 * goes out (a bypassed end() would leave the work to the rollback on 'close') and a client that
 * leaves must get its work rolled back, with no connection left checked out.
 */
import assert from "node:assert/strict";
import { once } from "node:events";
import { Agent, createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import { connect } from "node:net";
import { after, describe, test } from "node:test";
import { setTimeout as sleep } from "node:timers/promises";
import express, { type NextFunction, type Request, type Response } from "express";
import { currentScope, scopedSession, text, type ScopedSession } from "../../src/index.js";
import { athanorExpress } from "../../src/web/express.js";
import { openGates } from "../../src/web/express-gate.js";
import { disposeAll } from "../support/engines.js";
import { portOf, post, settledPool } from "./support/load.js";
import { createTable } from "./support/scenario.js";
import { webTargets } from "./support/targets.js";

const targets = (await webTargets()).filter((t) => t.name !== "mysql");
after(disposeAll);

async function listen(server: Server): Promise<number> {
  server.listen(0, "127.0.0.1");
  await once(server, "listening");
  return portOf(server.address());
}

async function close(server: Server): Promise<void> {
  server.closeAllConnections();
  await new Promise<void>((resolve) => server.close(() => resolve()));
}

/** Insert :id, then answer (or, for /slow, wait long enough for the client to leave first). */
function insertThenAnswer(db: ScopedSession, table: string) {
  return async (req: IncomingMessage & { params?: Record<string, string> }, res: ServerResponse): Promise<void> => {
    const [, kind, id] = /\/(insert|slow)\/(\d+)$/.exec(req.url ?? "") ?? [];
    await db.execute(text(`INSERT INTO ${table} (id) VALUES (:id)`), { id: Number(id) });
    if (kind === "slow") await sleep(150);
    res.statusCode = 200;
    res.setHeader("content-type", "application/json");
    res.end(JSON.stringify({ id: Number(id) }));
  };
}

/** A compression-style middleware: it replaces res.end and calls the one it found. */
function wrapEnd(calls: { n: number }) {
  return (_req: Request, res: Response, next: NextFunction): void => {
    const end = res.end;
    res.end = function wrappedEnd(this: Response, ...args: unknown[]) {
      calls.n++;
      return Reflect.apply(end, this, args) as Response;
    } as Response["end"];
    next();
  };
}

async function committedIds(db: ScopedSession, table: string): Promise<number[]> {
  const rows = await db.scope(async () => (await db.execute(text(`SELECT id FROM ${table} ORDER BY id`))).scalars().all());
  return rows.map(Number);
}

/** /insert/1 and /insert/2 answer 200 with their rows already committed; /slow/3, left by its client, commits nothing. */
async function assertGated(port: number, prefix: string, db: ScopedSession, table: string, engine: Parameters<typeof settledPool>[0]): Promise<void> {
  const agent = new Agent({ keepAlive: true });
  try {
    for (const id of [1, 2]) {
      assert.equal((await post(port, `${prefix}/insert/${id}`, agent)).status, 200);
      // Committed before the response went out: visible at once from another connection.
      assert.ok((await committedIds(db, table)).includes(id), `row ${id} committed before its 200 was sent`);
    }
    assert.equal((await post(port, `${prefix}/slow/3`, false, 30)).status, "aborted");
    await sleep(250);
    assert.equal(await settledPool(engine), 0);
    assert.deepEqual(await committedIds(db, table), [1, 2]);
  } finally {
    agent.destroy();
  }
}

for (const target of targets) {
  describe(`athanorExpress reaches the response's end() and 'close' (${target.name})`, () => {
    type Listener = (req: IncomingMessage, res: ServerResponse) => void;
    const arrangements: { name: string; prefix?: string; app(db: ScopedSession, table: string, calls: { n: number }): Listener }[] = [
      {
        name: "a route in a mounted sub-app (Express moves the response to the sub-app's prototype)",
        prefix: "/sub",
        app: (db, table) => {
          const sub = express();
          sub.post(/\/(insert|slow)\/\d+$/, insertThenAnswer(db, table));
          const app = express();
          app.use(athanorExpress(db, { commit: "on-success" }));
          app.use("/sub", sub);
          return app;
        },
      },
      {
        name: "a middleware before it that replaced res.end",
        app: (db, table, calls) => {
          const app = express();
          app.use(wrapEnd(calls));
          app.use(athanorExpress(db, { commit: "on-success" }));
          app.post(/\/(insert|slow)\/\d+$/, insertThenAnswer(db, table));
          return app;
        },
      },
      {
        name: "a middleware after it that replaces res.end",
        app: (db, table, calls) => {
          const app = express();
          app.use(athanorExpress(db, { commit: "on-success" }));
          app.use(wrapEnd(calls));
          app.post(/\/(insert|slow)\/\d+$/, insertThenAnswer(db, table));
          return app;
        },
      },
      {
        name: "a registry with a scopefunc of its own (the middleware enters the request's scope to end its session)",
        app: (db, table) => {
          const own = scopedSession(db.factory, { scopefunc: () => currentScope() });
          const app = express();
          app.use(athanorExpress(own, { commit: "on-success" }));
          app.post(/\/(insert|slow)\/\d+$/, insertThenAnswer(own, table));
          return app;
        },
      },
      {
        name: "a plain node:http server (no framework prototype to patch)",
        app: (db, table) => {
          const middleware = athanorExpress(db, { commit: "on-success" });
          const handler = insertThenAnswer(db, table);
          return (req, res) => middleware(req, res, () => void handler(req, res));
        },
      },
    ];
    for (const arrangement of arrangements) {
      test(arrangement.name, { skip: target.skip, timeout: 30_000 }, async () => {
        const { engine, db } = target.open();
        const table = target.table("web_express_routing");
        await createTable(db, table);
        const calls = { n: 0 };
        const server = createServer(arrangement.app(db, table, calls));
        const port = await listen(server);
        try {
          await assertGated(port, arrangement.prefix ?? "", db, table, engine);
          assert.equal(openGates(), 0, "every response's gate is gone once the response closed");
          if (arrangement.name.includes("replace")) assert.ok(calls.n >= 2, "the wrapper's end() ran too");
        } finally {
          await close(server);
        }
      });
    }
  });
}

for (const target of targets) {
  test(`pipelined requests on one socket are gated each (the second's gate cannot use the socket's slot) (${target.name})`, { skip: target.skip, timeout: 30_000 }, async () => {
    const { engine, db } = target.open();
    const table = target.table("web_express_pipelined");
    await createTable(db, table);
    const app = express();
    app.use(athanorExpress(db, { commit: "on-success" }));
    app.post(/\/(insert|slow)\/\d+$/, insertThenAnswer(db, table));
    const server = createServer(app);
    const port = await listen(server);
    const socket = connect(port, "127.0.0.1");
    try {
      let received = "";
      socket.setEncoding("utf8");
      socket.on("data", (chunk: string) => void (received += chunk));
      const request = (path: string): string => `POST ${path} HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: 0\r\n\r\n`;
      // One write: the second request's middleware runs while the first (sleeping) is still open.
      socket.write(request("/slow/1") + request("/insert/2"));
      for (let i = 0; i < 200 && (received.match(/HTTP\/1\.1 200/g) ?? []).length < 2; i++) await sleep(10);
      assert.equal((received.match(/HTTP\/1\.1 200/g) ?? []).length, 2, `two answers: ${received}`);
      assert.ok(received.indexOf('{"id":1}') < received.indexOf('{"id":2}'), "in order");
      assert.deepEqual(await committedIds(db, table), [1, 2], "each committed before its answer");
      assert.equal(await settledPool(engine), 0);
      assert.equal(openGates(), 0);
    } finally {
      socket.destroy();
      await close(server);
    }
  });
}

describe("an Express app without athanorExpress, in the same process", () => {
  test("its responses end and close as usual once another app's responses are gated", async () => {
    const sqlite = targets.find((t) => t.name === "sqlite");
    assert.ok(sqlite !== undefined);
    const { db } = sqlite.open();
    const gated = express();
    gated.use(athanorExpress(db));
    gated.get("/x", (_req, res) => void res.json({ gated: true }));
    const plain = express();
    let closes = 0;
    plain.get("/y", (_req, res) => {
      res.on("close", () => void closes++);
      res.json({ plain: true });
    });
    const a = createServer(gated);
    const b = createServer(plain);
    const [pa, pb] = await Promise.all([listen(a), listen(b)]);
    try {
      const get = async (port: number, path: string): Promise<string> => (await fetch(`http://127.0.0.1:${port}${path}`)).text();
      assert.equal(await get(pa, "/x"), JSON.stringify({ gated: true }));
      for (let i = 0; i < 3; i++) assert.equal(await get(pb, "/y"), JSON.stringify({ plain: true }));
      await sleep(20);
      assert.equal(closes, 3);
    } finally {
      await Promise.all([close(a), close(b)]);
    }
  });
});
