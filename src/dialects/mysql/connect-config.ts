/**
 * A mysql:// or mariadb:// URL turned into mysql2 connection settings. The query options
 * are the ones SQLAlchemy's MySQL dialects read from a URL (mysqldb/pymysql: `ssl_ca`,
 * `ssl_cert`, `ssl_key`, `ssl_mode`, `charset`, `connect_timeout`, `unix_socket`), with
 * MySQL's --ssl-mode values; anything else is rejected by name before a connection is tried.
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
import type { MysqlFlavour } from "./error-codes.js";

export const MYSQL_URL_QUERY_OPTIONS: readonly string[] = Object.freeze([
  "charset",
  "connect_timeout",
  "ssl_mode",
  "ssl_ca",
  "ssl_cert",
  "ssl_key",
  "unix_socket",
]);

/**
 * MySQL client --ssl-mode values (MySQL manual, "Command Options for Encrypted
 * Connections") that mysql2 can honour. PREFERRED (the mysql client's default) falls back to
 * plain text when TLS fails; mysql2 has no fallback, so it is refused rather than faked.
 */
export const MYSQL_SSL_MODES = ["DISABLED", "REQUIRED", "VERIFY_CA", "VERIFY_IDENTITY"] as const;
export type MysqlSslMode = (typeof MYSQL_SSL_MODES)[number];

/** mysql2's `ssl` option (lib/connection_config.js, lib/base/connection.js startTLS). */
export interface Mysql2TlsOptions {
  rejectUnauthorized: boolean;
  /** Check the certificate's host name too (mysql2 startTLS). */
  verifyIdentity?: boolean;
  ca?: Buffer;
  cert?: Buffer;
  key?: Buffer;
}

/** The mysql2 settings we produce; connectArgs may add any other mysql2 option. */
export interface Mysql2ConnectionConfig {
  host?: string;
  port?: number;
  user?: string;
  password?: string;
  database?: string;
  socketPath?: string;
  charset?: string;
  /** Milliseconds; mysql2 arms no timer for 0 (lib/base/connection.js). */
  connectTimeout?: number;
  ssl?: Mysql2TlsOptions;
  [option: string]: unknown;
}

export interface MysqlConnectPlan {
  /** What the URL's scheme says the server is ("mariadb://"); confirmed at connect. */
  readonly expectedFlavour: MysqlFlavour | undefined;
  build(): Promise<Mysql2ConnectionConfig>;
}

const SERVED_BACKENDS: readonly string[] = ["mysql", "mariadb"];
const SERVED_DRIVERS: readonly (string | undefined)[] = [undefined, "mysql2"];

/** Check the URL (throws ArgumentError) and plan the connection settings; sends nothing. */
export function planMysqlConnect(url: DatabaseUrl, options: ConnectOptions): MysqlConnectPlan {
  if (!SERVED_BACKENDS.includes(url.backend) || !SERVED_DRIVERS.includes(url.driver)) {
    throw new ArgumentError(
      `The MySQL/MariaDB (mysql2) dialect serves mysql://, mysql+mysql2:// and mariadb:// URLs, not ${url.drivername}://.`,
    );
  }
  rejectUnknownQueryOptions(url, MYSQL_URL_QUERY_OPTIONS, "MySQL/MariaDB");

  const base: Mysql2ConnectionConfig = {};
  const socketPath = singleQueryOption(url, "unix_socket");
  if (socketPath !== undefined && url.host !== undefined) {
    throw new ArgumentError(`The URL names a host (${url.host}) and a unix_socket (${socketPath}); give one of them.`);
  }
  assign(base, "host", url.host);
  assign(base, "socketPath", socketPath);
  assign(base, "port", url.port);
  assign(base, "user", url.username);
  assign(base, "password", url.password);
  assign(base, "database", url.database);
  const charset = singleQueryOption(url, "charset");
  if (charset !== undefined && !/^\w+$/.test(charset)) {
    throw new ArgumentError(`URL query option 'charset' must be a character set or collation name such as utf8mb4; got '${charset}'.`);
  }
  // Absent: mysql2's default, utf8mb4 (UTF8MB4_UNICODE_CI, lib/connection_config.js).
  assign(base, "charset", charset);
  // BIGINTs beyond 2^53 come back as exact strings, never as silently rounded numbers
  // (mysql2: supportBigNumbers without bigNumberStrings; smaller ones stay numbers).
  base.supportBigNumbers = true;
  base.connectTimeout = connectTimeoutMs(nonNegativeIntegerQueryOption(url, "connect_timeout", "seconds"), options.connectTimeoutMs);

  const sslMode = choiceQueryOption(url, "ssl_mode", MYSQL_SSL_MODES);
  const files = {
    ssl_ca: singleQueryOption(url, "ssl_ca"),
    ssl_cert: singleQueryOption(url, "ssl_cert"),
    ssl_key: singleQueryOption(url, "ssl_key"),
  };
  checkTlsFiles(sslMode, files);

  return {
    expectedFlavour: url.backend === "mariadb" ? "mariadb" : undefined,
    async build(): Promise<Mysql2ConnectionConfig> {
      const config: Mysql2ConnectionConfig = { ...base };
      if (sslMode !== undefined && sslMode !== "DISABLED") config.ssl = await tlsOptions(sslMode, files);
      // createEngine({ connectArgs }) wins over the URL (ConnectOptions contract).
      return { ...config, ...options.connectArgs };
    },
  };
}

type TlsFiles = { ssl_ca: string | undefined; ssl_cert: string | undefined; ssl_key: string | undefined };

function checkTlsFiles(sslMode: MysqlSslMode | undefined, files: TlsFiles): void {
  const named = Object.entries(files).filter(([, path]) => path !== undefined).map(([name]) => name);
  if (named.length > 0 && (sslMode === undefined || sslMode === "DISABLED")) {
    throw new ArgumentError(`URL query option(s) ${named.join(", ")} need TLS: add ssl_mode=REQUIRED, VERIFY_CA or VERIFY_IDENTITY.`);
  }
  // REQUIRED encrypts without verifying the server (MySQL manual, --ssl-mode); a CA file
  // there would suggest a check that does not happen.
  if (sslMode === "REQUIRED" && files.ssl_ca !== undefined) {
    throw new ArgumentError("ssl_ca is used only to verify the server: use ssl_mode=VERIFY_CA or VERIFY_IDENTITY with it.");
  }
  if ((files.ssl_cert === undefined) !== (files.ssl_key === undefined)) {
    throw new ArgumentError("A client certificate needs both ssl_cert and ssl_key in the URL.");
  }
}

async function tlsOptions(sslMode: Exclude<MysqlSslMode, "DISABLED">, files: TlsFiles): Promise<Mysql2TlsOptions> {
  // A fresh object per connect: mysql2 writes rejectUnauthorized into the object it is given.
  const tls: Mysql2TlsOptions = {
    rejectUnauthorized: sslMode !== "REQUIRED",
    verifyIdentity: sslMode === "VERIFY_IDENTITY",
  };
  if (files.ssl_ca !== undefined) tls.ca = await readTlsFile("ssl_ca", files.ssl_ca);
  if (files.ssl_cert !== undefined) tls.cert = await readTlsFile("ssl_cert", files.ssl_cert);
  if (files.ssl_key !== undefined) tls.key = await readTlsFile("ssl_key", files.ssl_key);
  return tls;
}

/**
 * connect_timeout is in seconds (mysqlclient's connect_timeout); the engine's connectTimeoutMs
 * (Infinity = no limit) bounds the connect too, and the smaller wins. 0 tells mysql2 "no
 * timer": it must never get Infinity, which Node's setTimeout turns into 1 ms
 * (TimeoutOverflowWarning), failing every connect at once.
 */
function connectTimeoutMs(urlSeconds: number | undefined, engineMs: number): number {
  const limits = [engineMs];
  if (urlSeconds !== undefined && urlSeconds > 0) limits.push(urlSeconds * 1000);
  const finite = limits.filter((ms) => Number.isFinite(ms) && ms > 0);
  return finite.length === 0 ? 0 : Math.ceil(Math.min(...finite));
}

function assign<K extends keyof Mysql2ConnectionConfig>(
  config: Mysql2ConnectionConfig,
  key: K,
  value: Mysql2ConnectionConfig[K] | undefined,
): void {
  if (value !== undefined) config[key] = value;
}
