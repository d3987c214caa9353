/**
 * The `pg` (node-postgres) driver: loaded on first use with a dynamic import (SPEC E12), and
 * described by our own minimal types (ARCHITECTURE habit 8): only what the dialect calls.
 */
import { loadDriver } from "../shared/load-driver.js";
import type { PgClientConfig } from "./connect-config.js";
import { attachPgErrorGuard, type PgClientLike } from "./pg-pool-dialect.js";
import { PgStatement, type PgPrepareValue, type PgStatementResult } from "./pg-statement.js";

/** The part of `pg.Client` the dialect uses. */
export interface PgClient extends PgClientLike {
  connect(): Promise<void>;
  query(sql: string): Promise<unknown>;
  /** A Submittable (pg-statement.ts): pg calls its submit() and handlers, and returns it. */
  query(submittable: PgStatement): unknown;
  getTypeParser(oid: number, format: "text" | "binary"): (raw: string) => unknown;
}

type PgClientConstructor = new (config: PgClientConfig) => PgClient;

/** pg ships an ESM wrapper with a named `Client`; a CommonJS-only build has it on `default`. */
interface PgModule {
  Client?: PgClientConstructor;
  default?: { Client?: PgClientConstructor; utils?: { prepareValue?: PgPrepareValue } };
}

interface PgDriver {
  Client: PgClientConstructor;
  prepareValue: PgPrepareValue;
}

/** Set once the driver has loaded. */
let loaded: PgDriver | undefined;

async function loadPg(): Promise<PgDriver> {
  if (loaded !== undefined) return loaded;
  const pg = await loadDriver<PgModule>("pg", "postgresql");
  const Client = pg.Client ?? pg.default?.Client;
  const prepareValue = pg.default?.utils?.prepareValue;
  if (Client === undefined || prepareValue === undefined) {
    throw new Error('The "pg" package loaded but lacks Client or utils.prepareValue; athanor needs node-postgres >= 8.');
  }
  loaded = { Client, prepareValue };
  return loaded;
}

/**
 * Open one connected client. The error guard goes on before connect(): a client whose
 * server ends the session later must never emit an 'error' nobody listens to (that kills
 * the process; pg-pool-dialect.ts).
 */
export async function openPgClient(config: PgClientConfig): Promise<PgClient> {
  const { Client } = await loadPg();
  const client = new Client(config);
  attachPgErrorGuard(client);
  await client.connect();
  return client;
}

/**
 * Run one statement (after `prefix`, in the same round trip, when given) and resolve with the
 * last statement's rows as arrays (pg-statement.ts says why not a query config).
 */
export function runPgStatement(client: PgClient, sql: string, params: readonly unknown[], prefix?: string): Promise<PgStatementResult> {
  // A client from the engine's `creator` can come before the engine ever loaded pg itself.
  if (loaded === undefined) return loadPg().then(() => runPgStatement(client, sql, params, prefix));
  const statement = new PgStatement(sql, params, prefix, client, loaded.prepareValue);
  return new Promise((resolve, reject) => {
    statement.callback = (err, result) => (err == null ? resolve(result!) : reject(err));
    client.query(statement);
  });
}
