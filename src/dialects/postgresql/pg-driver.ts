/**
 * The `pg` (node-postgres) driver: loaded on first use with a dynamic import (SPEC E12), and
 * described by our own minimal types (ARCHITECTURE habit 8): only what the dialect calls.
 */
import { loadDriver } from "../shared/load-driver.js";
import type { PgClientConfig } from "./connect-config.js";
import { attachPgErrorGuard, type PgClientLike } from "./pg-pool-dialect.js";

/** One column of a result (pg lib/result.js `fields`, from the RowDescription message). */
export interface PgField {
  name: string;
}

/** pg's Result for `rowMode: "array"` (pg lib/result.js). */
export interface PgArrayResult {
  /** The command tag's verb: "SELECT", "INSERT", "DECLARE", ... */
  command: string;
  /** From the command tag; null for commands whose tag has no count (CREATE, DECLARE, SET). */
  rowCount: number | null;
  fields: PgField[];
  rows: unknown[][];
}

export interface PgArrayQuery {
  text: string;
  /** With values pg uses the extended protocol (Parse/Bind): values never enter the SQL text. */
  values?: unknown[];
  rowMode: "array";
}

/** The part of `pg.Client` the dialect uses. */
export interface PgClient extends PgClientLike {
  connect(): Promise<void>;
  query(sql: string): Promise<unknown>;
  /** An array when the text held several statements (simple protocol, no values). */
  query(config: PgArrayQuery): Promise<PgArrayResult | PgArrayResult[]>;
}

type PgClientConstructor = new (config: PgClientConfig) => PgClient;

/** pg ships an ESM wrapper with a named `Client`; a CommonJS-only build has it on `default`. */
interface PgModule {
  Client?: PgClientConstructor;
  default?: { Client?: PgClientConstructor };
}

async function loadClientConstructor(): Promise<PgClientConstructor> {
  const pg = await loadDriver<PgModule>("pg", "postgresql");
  const Client = pg.Client ?? pg.default?.Client;
  if (Client === undefined) throw new Error('The "pg" package loaded but exports no Client class; is it node-postgres >= 8?');
  return Client;
}

/**
 * Open one connected client. The error guard goes on before connect(): a client whose
 * server ends the session later must never emit an 'error' nobody listens to (that kills
 * the process; pg-pool-dialect.ts).
 */
export async function openPgClient(config: PgClientConfig): Promise<PgClient> {
  const Client = await loadClientConstructor();
  const client = new Client(config);
  attachPgErrorGuard(client);
  await client.connect();
  return client;
}
