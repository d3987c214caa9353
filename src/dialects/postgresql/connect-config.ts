/**
 * A postgresql:// URL turned into `pg.Client` settings. The query options follow libpq's
 * connection parameters (PostgreSQL manual, libpq "Parameter Key Words"), which is what
 * SQLAlchemy's psycopg2 users put in their URLs; anything else is rejected by name before
 * a connection is attempted.
 */
import { ArgumentError } from "../../errors.js";
import type { ConnectOptions } from "../../engine/interfaces.js";
import type { DatabaseUrl } from "../../url.js";
import {
  choiceQueryOption,
  nonNegativeIntegerQueryOption,
  rejectUnknownQueryOptions,
  singleQueryOption,
} from "../shared/query-options.js";
import { readTlsFile } from "../shared/tls-files.js";
import { DEFAULT_PREPARE_THRESHOLD } from "./prepared-statements.js";

export const PG_URL_QUERY_OPTIONS: readonly string[] = Object.freeze([
  "sslmode",
  "sslrootcert",
  "sslcert",
  "sslkey",
  "application_name",
  "options",
  "connect_timeout",
  "statement_timeout",
  "host",
  // Not libpq's: psycopg 3's connection setting of that name (prepared-statements.ts).
  "prepare_threshold",
]);

/**
 * libpq's sslmode values that pg can honour. `allow` and `prefer` (libpq's default) retry
 * without TLS, or with it, after a failed attempt; pg has no such fallback, so they are
 * refused rather than silently meaning something else.
 */
export const PG_SSL_MODES = ["disable", "require", "verify-ca", "verify-full"] as const;
export type PgSslMode = (typeof PG_SSL_MODES)[number];

/** Node `tls.connect` options as pg passes them on (pg lib/connection.js upgradeToSSL). */
export interface PgTlsOptions {
  rejectUnauthorized: boolean;
  ca?: Buffer;
  cert?: Buffer;
  key?: Buffer;
  /** Replaces Node's host-name check: verify-ca checks the chain only (libpq semantics). */
  checkServerIdentity?: () => undefined;
}

/** The `pg.Client` settings we produce; connectArgs may add any other pg option. */
export interface PgClientConfig {
  host?: string;
  port?: number;
  user?: string;
  password?: string;
  database?: string;
  ssl?: false | PgTlsOptions;
  application_name?: string;
  options?: string;
  statement_timeout?: number;
  /** pg lib/client.js: 0 = no limit. */
  connectionTimeoutMillis?: number;
  [option: string]: unknown;
}

/** Checked URL settings; `build()` reads the certificate files and returns the pg config. */
export interface PgConnectPlan {
  readonly sslmode: PgSslMode | undefined;
  /** Runs of a statement on a connection before it is prepared; null: never (prepare_threshold=none). */
  readonly prepareThreshold: number | null;
  build(): Promise<PgClientConfig>;
}

/** "postgres" too: the dialect registry (src/dialects/registry.ts) routes postgres:// here. */
const SERVED_BACKENDS: readonly string[] = ["postgresql", "postgres"];
const SERVED_DRIVERS: readonly (string | undefined)[] = [undefined, "pg"];

/** Check the URL (throws ArgumentError) and plan the client settings; sends nothing. */
export function planPgConnect(url: DatabaseUrl, options: ConnectOptions): PgConnectPlan {
  if (!SERVED_BACKENDS.includes(url.backend) || !SERVED_DRIVERS.includes(url.driver)) {
    throw new ArgumentError(`The PostgreSQL (pg) dialect serves postgresql:// and postgresql+pg:// URLs, not ${url.drivername}://.`);
  }
  rejectUnknownQueryOptions(url, PG_URL_QUERY_OPTIONS, "PostgreSQL");

  const base: PgClientConfig = {};
  const socketDir = singleQueryOption(url, "host");
  if (socketDir !== undefined && url.host !== undefined) {
    throw new ArgumentError(`The URL names a host (${url.host}) and a 'host' query option (${socketDir}); give one of them.`);
  }
  assign(base, "host", url.host ?? socketDir);
  assign(base, "port", url.port);
  assign(base, "user", url.username);
  assign(base, "password", url.password);
  assign(base, "database", url.database);
  assign(base, "application_name", singleQueryOption(url, "application_name"));
  assign(base, "options", singleQueryOption(url, "options"));
  // statement_timeout goes out as a startup parameter (pg connection-parameters.js); a bare
  // number is milliseconds, PostgreSQL's unit for this setting (runtime-config-client.html).
  assign(base, "statement_timeout", nonNegativeIntegerQueryOption(url, "statement_timeout", "milliseconds"));
  const timeoutMs = connectTimeoutMillis(nonNegativeIntegerQueryOption(url, "connect_timeout", "seconds"), options.connectTimeoutMs);
  if (timeoutMs > 0) base.connectionTimeoutMillis = timeoutMs;

  const sslmode = choiceQueryOption(url, "sslmode", PG_SSL_MODES);
  const files = {
    sslrootcert: singleQueryOption(url, "sslrootcert"),
    sslcert: singleQueryOption(url, "sslcert"),
    sslkey: singleQueryOption(url, "sslkey"),
  };
  const namedFiles = Object.entries(files).filter(([, path]) => path !== undefined).map(([name]) => name);
  if (namedFiles.length > 0 && (sslmode === undefined || sslmode === "disable")) {
    throw new ArgumentError(
      `URL query option(s) ${namedFiles.join(", ")} need TLS: add sslmode=require, verify-ca or verify-full.`,
    );
  }
  if ((files.sslcert === undefined) !== (files.sslkey === undefined)) {
    throw new ArgumentError("A client certificate needs both sslcert and sslkey in the URL.");
  }

  return {
    sslmode,
    prepareThreshold: prepareThresholdOption(url),
    async build(): Promise<PgClientConfig> {
      const config: PgClientConfig = { ...base };
      if (sslmode !== undefined) config.ssl = await tlsOptions(sslmode, files);
      // createEngine({ connectArgs }) wins over the URL (ConnectOptions contract).
      return { ...config, ...options.connectArgs };
    },
  };
}

/**
 * libpq's connect_timeout is in seconds and 0 means wait forever; the engine's
 * connectTimeoutMs (Infinity = no limit) bounds the connect too, so the smaller one wins.
 * pg's connectionTimeoutMillis takes 0 for "no limit" (pg lib/client.js).
 */
function connectTimeoutMillis(urlSeconds: number | undefined, engineMs: number): number {
  const limits = [engineMs];
  if (urlSeconds !== undefined && urlSeconds > 0) limits.push(urlSeconds * 1000);
  const finite = limits.filter((ms) => Number.isFinite(ms) && ms > 0);
  return finite.length === 0 ? 0 : Math.ceil(Math.min(...finite));
}

async function tlsOptions(
  sslmode: PgSslMode,
  files: { sslrootcert: string | undefined; sslcert: string | undefined; sslkey: string | undefined },
): Promise<false | PgTlsOptions> {
  if (sslmode === "disable") return false;
  const tls: PgTlsOptions = { rejectUnauthorized: true };
  if (files.sslrootcert !== undefined) tls.ca = await readTlsFile("sslrootcert", files.sslrootcert);
  if (files.sslcert !== undefined) tls.cert = await readTlsFile("sslcert", files.sslcert);
  if (files.sslkey !== undefined) tls.key = await readTlsFile("sslkey", files.sslkey);
  // libpq "SSL Mode Descriptions": require = encrypt, trust any certificate; but "if a root
  // CA file exists, the behavior of sslmode=require will be the same as that of verify-ca".
  if (sslmode === "require" && tls.ca === undefined) tls.rejectUnauthorized = false;
  // verify-ca checks the chain but not the host name; verify-full checks both (Node's
  // default checkServerIdentity against the servername pg sets for non-IP hosts).
  if (sslmode === "verify-ca" || sslmode === "require") tls.checkServerIdentity = () => undefined;
  return tls;
}

function assign<K extends keyof PgClientConfig>(config: PgClientConfig, key: K, value: PgClientConfig[K] | undefined): void {
  if (value !== undefined) config[key] = value;
}

/**
 * `prepare_threshold=N`: a statement with parameters is prepared on a connection after N runs
 * there (psycopg 3's setting and default, 5); `none` never prepares (PgBouncer in transaction
 * pooling mode before 1.21 loses prepared statements between transactions).
 */
function prepareThresholdOption(url: DatabaseUrl): number | null {
  const text = singleQueryOption(url, "prepare_threshold");
  if (text === undefined) return DEFAULT_PREPARE_THRESHOLD;
  if (text === "none") return null;
  if (!/^\d+$/.test(text) || !Number.isSafeInteger(Number(text))) {
    throw new ArgumentError(`URL query option 'prepare_threshold' must be a whole number of runs (0 or more), or 'none' to never prepare; got '${text}'.`);
  }
  return Number(text);
}
