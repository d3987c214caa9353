/**
 * The `pg` (node-postgres) driver: loaded on first use with a dynamic import (SPEC E12), and
 * described by our own minimal types (ARCHITECTURE habit 8): only what the dialect calls.
 */
import { loadDriver } from "../shared/load-driver.js";
import { installDeferredRollback } from "./deferred-rollback.js";
import type { PgClientConfig } from "./connect-config.js";
import { attachPgErrorGuard, type PgClientLike } from "./pg-pool-dialect.js";
import { PgStatement, type PgPrepareValue, type PgStatementResult } from "./pg-statement.js";
import { DEFAULT_PREPARE_THRESHOLD, PreparedStatements } from "./prepared-statements.js";

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
export async function openPgClient(config: PgClientConfig, prepareThreshold: number | null): Promise<PgClient> {
  const { Client } = await loadPg();
  const client = new Client(config);
  preparedByClient.set(client, new PreparedStatements(prepareThreshold));
  attachPgErrorGuard(client);
  installDeferredRollback(client, sendUnawaited);
  await client.connect();
  return client;
}

/** Each client's prepared statements (a client from the engine's `creator` gets the default threshold). */
const preparedByClient = new WeakMap<PgClient, PreparedStatements>();

function preparedOf(client: PgClient): PreparedStatements {
  let prepared = preparedByClient.get(client);
  if (prepared === undefined) {
    prepared = new PreparedStatements(DEFAULT_PREPARE_THRESHOLD);
    preparedByClient.set(client, prepared);
  }
  return prepared;
}

/**
 * Run one statement (after `prefix`, in the same round trip, when given) and resolve with the
 * last statement's rows as arrays (pg-statement.ts says why not a query config). A statement
 * with parameters run often on this client goes as a prepared statement (prepared-statements.ts).
 */
export function runPgStatement(client: PgClient, sql: string, params: readonly unknown[], prefix?: string): Promise<PgStatementResult> {
  return new Promise((resolve, reject) => sendPgStatement(client, sql, params, prefix, resolve, reject));
}

/** runPgStatement() reporting to callbacks: exactly one runs, from the client's I/O. */
export function sendPgStatement(
  client: PgClient,
  sql: string,
  params: readonly unknown[],
  prefix: string | undefined,
  onResult: (result: PgStatementResult) => void,
  onError: (err: unknown) => void,
): void {
  // A client from the engine's `creator` can come before the engine ever loaded pg itself.
  if (loaded === undefined) {
    loadPg().then(() => sendPgStatement(client, sql, params, prefix, onResult, onError), onError);
    return;
  }
  const cache = params.length > 0 ? preparedOf(client) : undefined;
  const use = cache?.use(sql);
  const statement = new PgStatement(sql, params, prefix, client, loaded.prepareValue, use, cache === undefined ? undefined : () => cache.takeClosing());
  statement.callback = (err, result) => {
    // What the caller dropped with DEALLOCATE / DISCARD is prepared again when next due (psycopg 3 does the same).
    if (statement.droppedPrepared) preparedOf(client).forgetAll();
    if (err == null) {
      if (use?.parse === true) cache?.parsed(sql, use.name);
      onResult(result!);
      return;
    }
    if (use !== undefined) cache?.failed(sql, use.name, use.parse, sqlstateOf(err));
    onError(err);
  };
  client.query(statement);
}

function sqlstateOf(err: unknown): string | undefined {
  const code = (err as { code?: unknown } | null)?.code;
  return typeof code === "string" ? code : undefined;
}

/**
 * A statement nobody waits for (a deferred ROLLBACK sent on its own). Its failure means the
 * connection died, which the next statement on it reports; nothing is left to tell here.
 */
function sendUnawaited(client: PgClient, sql: string): void {
  if (loaded === undefined) {
    runPgStatement(client, sql, []).catch(() => undefined);
    return;
  }
  // No promise: inside a request's AsyncLocalStorage scope each one pays its hooks.
  const statement = new PgStatement(sql, [], undefined, client, loaded.prepareValue);
  statement.callback = ignoreOutcome;
  client.query(statement);
}

function ignoreOutcome(): void {}
