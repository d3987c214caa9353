/**
 * A response that is to roll back must not wait for its rollback (the middleware's default,
 * commit "never"): a rollback listener that waits for the client to have its answer would
 * otherwise hold both forever. Shared by the framework tests; each brings its own server.
 */
import assert from "node:assert/strict";
import { Agent } from "node:http";
import { setTimeout as sleep } from "node:timers/promises";
import { text, type ScopedSession } from "../../../src/index.js";
import { post, settledPool } from "./load.js";
import { createTable, dropTable } from "./scenario.js";
import type { WebTarget } from "./targets.js";

/** A server whose POST /insert/:id inserts the id through `db` (not committing) and answers 201. */
export type InsertServer = (db: ScopedSession, table: string) => Promise<{ port: number; close(): Promise<void> }>;

/** `INSERT INTO table (id) VALUES (:id)` through the request's session: what each server's handler runs. */
export function insertId(db: ScopedSession, table: string, id: number): Promise<unknown> {
  return db.execute(text(`INSERT INTO ${table} (id) VALUES (:id)`), { id });
}

export async function rollbackIsNotHeld(target: WebTarget, serve: InsertServer): Promise<void> {
  const { engine, db } = target.open();
  const table = target.table("web_not_held");
  await createTable(db, table);
  let answered!: () => void;
  const clientHasAnswer = new Promise<void>((resolve) => (answered = resolve));
  const rollbacks: string[] = [];
  engine.events.on("rollback", async () => {
    await clientHasAnswer;
    rollbacks.push("rolled back");
  });
  const server = await serve(db, table);
  try {
    const agent = new Agent({ keepAlive: true });
    const reply = await Promise.race([
      post(server.port, "/insert/1", agent),
      sleep(5_000).then(() => assert.fail("no answer in 5 s: the response waited for the rollback")),
    ]);
    assert.equal(reply.status, 201);
    assert.deepEqual(rollbacks, [], "the answer came before the rollback finished");
    answered();
    assert.equal(await settledPool(engine), 0);
    assert.deepEqual(rollbacks, ["rolled back"]);
    agent.destroy();
    const rows = await db.scope(async () => (await db.execute(text(`SELECT id FROM ${table}`))).scalars().all());
    assert.deepEqual(rows, [], "not committed: the handler did not commit");
  } finally {
    answered(); // on failure too: the listener must not hold the connection forever
    await server.close();
    await dropTable(db, table);
  }
}
