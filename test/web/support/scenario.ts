/**
 * The proof, shared by the three framework tests: 1 000 requests, 200 at a time, each
 * inserting the row with its own id; a tenth throw (half before answering, half right after
 * sending the answer), some are abandoned by the client mid-request. Every framework app
 * exposes POST /insert/:id and routes it by `kindOf(id)`.
 */
import { setTimeout as sleep } from "node:timers/promises";
import { text, type ScopedSession } from "../../../src/index.js";

export type Kind = "ok" | "throw-before" | "throw-after" | "abort-insert-first" | "abort-sleep-first";

export const REQUESTS = 1_000;
export const CONCURRENCY = 200;
/** The client gives up on abort-* requests after this long... */
export const CLIENT_ABORT_MS = 25;
/** ...while their handler sleeps this long. */
export const HANDLER_SLEEP_MS = 80;

/** 10 % throw (5 % + 5 %), 5 % are aborted by the client (half after inserting, half before). */
export function kindOf(id: number): Kind {
  switch (id % 40) {
    case 1:
    case 21:
      return "throw-before";
    case 2:
    case 22:
      return "throw-after";
    case 3:
      return "abort-insert-first";
    case 4:
      return "abort-sleep-first";
    default:
      return "ok";
  }
}

export const isAbort = (kind: Kind): boolean => kind === "abort-insert-first" || kind === "abort-sleep-first";

export class HandlerError extends Error {
  constructor(id: number, when: string) {
    super(`request ${id} fails ${when} (on purpose)`);
  }
}

/** The database work of one request, before its answer: what every framework's handler runs first. */
export async function work(db: ScopedSession, table: string, id: number, kind: Kind): Promise<void> {
  if (kind === "abort-sleep-first") await sleep(HANDLER_SLEEP_MS); // the client is gone by now: db() raises SCOPE_ENDED
  await db.execute(text(`INSERT INTO ${table} (id) VALUES (:id)`), { id });
  if (kind === "abort-insert-first") await sleep(HANDLER_SLEEP_MS);
  if (kind === "throw-before") throw new HandlerError(id, "before answering");
}

export async function createTable(db: ScopedSession, table: string): Promise<void> {
  await db.scope(async () => {
    await db.execute(text(`CREATE TABLE ${table} (id INTEGER PRIMARY KEY)`));
    await db.commit();
  });
}

export async function committedIds(db: ScopedSession, table: string): Promise<Set<number>> {
  return db.scope(async () => {
    const result = await db.execute<{ id: number | string }>(text(`SELECT id FROM ${table}`));
    return new Set([...result].map((row) => Number(row.id)));
  });
}

export async function dropTable(db: ScopedSession, table: string): Promise<void> {
  await db.scope(async () => {
    await db.execute(text(`DROP TABLE ${table}`));
    await db.commit();
  });
}
