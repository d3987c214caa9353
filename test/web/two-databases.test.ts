/**
 * One request, two databases: a middleware (or plugin) per database, each with its own scoped
 * session. They share the request's scope, so the handler's session on each database is the
 * one its middleware ends: committed when the response succeeds, rolled back when the handler
 * throws, and when one commit fails the other database's work is rolled back (the one that
 * commits first failing: the order is the framework's, see each middleware's documentation).
 * Before, the second middleware started a scope nested in the first one's, and the first
 * database's session, made in that inner scope, was never closed.
 */
import assert from "node:assert/strict";
import { once } from "node:events";
import { createServer, type Server } from "node:http";
import { after, describe, test } from "node:test";
import { createAdaptorServer, type HttpBindings } from "@hono/node-server";
import express from "express";
import Fastify from "fastify";
import { Hono } from "hono";
import { text, type ScopedSession } from "../../src/index.js";
import { athanorExpress } from "../../src/web/express.js";
import { openGates } from "../../src/web/express-gate.js";
import { athanorFastify } from "../../src/web/fastify.js";
import { athanorHono } from "../../src/web/hono.js";
import { disposeAll } from "../support/engines.js";
import { commitFailureSchema, violateOnCommit, type CommitFailureSchema } from "./support/deferred.js";
import { portOf, post, settledPool } from "./support/load.js";
import { committedIds, createTable, dropTable, HandlerError } from "./support/scenario.js";
import { idleInTransaction } from "./support/server-state.js";
import { webTargets, type WebDatabase, type WebTarget } from "./support/targets.js";

const targets = await webTargets();
after(disposeAll);

/** The handler's work for POST /:route/:id; it answers 201 when this returns. */
type Work = (route: string, id: number) => Promise<void>;

interface Served {
  readonly port: number;
  close(): Promise<void>;
}

interface Framework {
  readonly name: string;
  /** Hono's middlewares end their sessions on the way out: the last registered commits first. */
  readonly lastRegisteredCommitsFirst: boolean;
  serve(dbs: readonly ScopedSession[], work: Work): Promise<Served>;
}

async function listening(server: Server): Promise<Served> {
  server.listen(0, "127.0.0.1");
  await once(server, "listening");
  return {
    port: portOf(server.address()),
    close: async () => {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

const FRAMEWORKS: Framework[] = [
  {
    name: "express",
    lastRegisteredCommitsFirst: false,
    serve(dbs, work) {
      const app = express();
      app.set("env", "test"); // keeps finalhandler from printing the deliberate errors
      for (const db of dbs) app.use(athanorExpress(db, { commit: "on-success" }));
      app.post("/:route/:id", async (req, res) => {
        await work(req.params.route, Number(req.params.id));
        res.status(201).json({ done: true });
      });
      return listening(createServer(app));
    },
  },
  {
    name: "fastify",
    lastRegisteredCommitsFirst: false,
    async serve(dbs, work) {
      const app = Fastify({ logger: false });
      for (const db of dbs) await app.register(athanorFastify, { db, commit: "on-success" });
      app.post<{ Params: { route: string; id: string } }>("/:route/:id", async (request, reply) => {
        await work(request.params.route, Number(request.params.id));
        return reply.code(201).send({ done: true });
      });
      await app.listen({ port: 0, host: "127.0.0.1" });
      return { port: portOf(app.server.address()), close: () => app.close() };
    },
  },
  {
    name: "hono",
    lastRegisteredCommitsFirst: true,
    serve(dbs, work) {
      const app = new Hono<{ Bindings: HttpBindings }>();
      for (const db of dbs) app.use(athanorHono(db, { commit: "on-success" }));
      app.onError((_err, c) => c.text("failed", 500));
      app.post("/:route/:id", async (c) => {
        await work(c.req.param("route"), Number(c.req.param("id")));
        return c.json({ done: true }, 201);
      });
      return listening(createAdaptorServer({ fetch: app.fetch, hostname: "127.0.0.1" }) as Server);
    },
  },
];

/** `failing` has a foreign key checked at COMMIT (PostgreSQL, SQLite); `other` is any database. */
const PAIRS: { failing: WebTarget["name"]; other: WebTarget["name"] }[] = [
  { failing: "postgresql", other: "mysql" },
  { failing: "sqlite", other: "postgresql" },
];

interface Side extends WebDatabase {
  readonly table: string;
}

async function open(target: WebTarget, table: string): Promise<Side> {
  const side = { ...target.open(), table: target.table(table) };
  await createTable(side.db, side.table);
  return side;
}

async function insert(side: Side, id: number): Promise<void> {
  await side.db.execute(text(`INSERT INTO ${side.table} (id) VALUES (:id)`), { id });
}

async function settled(...sides: Side[]): Promise<void> {
  for (const side of sides) {
    assert.equal(await settledPool(side.engine), 0, "no connection checked out once the response is out");
    assert.deepEqual(await idleInTransaction(side.engine, side.server), [], "none of ours idle in transaction on the server");
  }
  assert.equal(openGates(), 0, "no response gate left");
}

for (const framework of FRAMEWORKS) {
  for (const pair of PAIRS) {
    const failingTarget = targets.find((t) => t.name === pair.failing);
    const otherTarget = targets.find((t) => t.name === pair.other);
    assert.ok(failingTarget !== undefined && otherTarget !== undefined);
    const skip = failingTarget.skip || otherTarget.skip;

    describe(`${framework.name}: a middleware per database, ${pair.failing} and ${pair.other}`, { skip }, () => {
      let failing: Side;
      let other: Side;
      let schema: CommitFailureSchema;
      let served: Served;

      const work: Work = async (route, id) => {
        if (route === "orphan") await violateOnCommit(failing.db, schema, id);
        else await insert(failing, id);
        await insert(other, id);
        if (route === "throw") throw new HandlerError(id, "after writing to both databases");
      };

      test("set up", async () => {
        failing = await open(failingTarget, `web_two_${framework.name}`);
        other = await open(otherTarget, `web_two_${framework.name}`);
        schema = await commitFailureSchema(failingTarget, failing.db);
        // The database whose commit fails must be the one that commits first.
        const order = framework.lastRegisteredCommitsFirst ? [other.db, failing.db] : [failing.db, other.db];
        served = await framework.serve(order, work);
      });

      test("a successful response commits the work on both databases", async () => {
        const answers = await Promise.all(Array.from({ length: 40 }, (_, i) => post(served.port, `/both/${i + 1}`, false)));
        assert.deepEqual(
          answers.map((a) => a.status),
          answers.map(() => 201),
        );
        const expected = new Set(Array.from({ length: 40 }, (_, i) => i + 1));
        assert.deepEqual(await committedIds(failing.db, failing.table), expected);
        assert.deepEqual(await committedIds(other.db, other.table), expected);
        await settled(failing, other);
      });

      test("a handler that throws leaves neither database changed", async () => {
        const answer = await post(served.port, "/throw/101", false);
        assert.equal(answer.status, 500);
        assert.ok(!(await committedIds(failing.db, failing.table)).has(101));
        assert.ok(!(await committedIds(other.db, other.table)).has(101));
        await settled(failing, other);
      });

      test("a commit that fails rolls back the other database's work and answers 500", async () => {
        const answer = await post(served.port, "/orphan/102", false);
        assert.equal(answer.status, 500);
        assert.doesNotMatch(answer.body, /done/);
        assert.ok(!(await committedIds(other.db, other.table)).has(102), "the other database's row was rolled back");
        assert.ok(failing.logged.some((l) => l.level === "error" && /commit/i.test(l.message)));
        await settled(failing, other);
      });

      test("tear down", async () => {
        await served.close();
        await schema.drop();
        await dropTable(failing.db, failing.table);
        await dropTable(other.db, other.table);
      });
    });
  }
}
