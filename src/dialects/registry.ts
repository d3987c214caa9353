import type { Dialect } from "../engine/interfaces.js";
import { ArgumentError } from "../errors.js";
import type { DatabaseUrl } from "../url.js";
import { createMysqlDialect } from "./mysql/dialect.js";
import { PgliteDialect } from "./pglite/dialect.js";
import { createPostgresqlDialect } from "./postgresql/dialect.js";
import { SqliteDialect } from "./sqlite/dialect.js";

/** Makes the dialect for one engine (a fresh object: some learn about their server on connect). */
type DialectFactory = (url: DatabaseUrl) => Dialect<unknown>;

interface Backend {
  /** The driver used when the URL names none. */
  defaultDriver: string;
  drivers: Readonly<Record<string, DialectFactory>>;
}

// Dialect modules never import their driver: importing them all here loads no driver.
const postgresql: Backend = { defaultDriver: "pg", drivers: { pg: () => createPostgresqlDialect() as Dialect<unknown> } };
const mysql: Backend = { defaultDriver: "mysql2", drivers: { mysql2: () => createMysqlDialect() as Dialect<unknown> } };

const BACKENDS: Readonly<Record<string, Backend>> = {
  postgresql,
  postgres: postgresql,
  mysql,
  mariadb: mysql,
  sqlite: { defaultDriver: "better-sqlite3", drivers: { "better-sqlite3": () => new SqliteDialect() as Dialect<unknown> } },
  pglite: { defaultDriver: "pglite", drivers: { pglite: () => new PgliteDialect() as Dialect<unknown> } },
};

/** URL → dialect (SQLAlchemy's entry-point lookup), with an error naming what is supported. */
export function resolveDialect(url: DatabaseUrl): Dialect<unknown> {
  const backend = BACKENDS[url.backend];
  if (backend === undefined) {
    throw new ArgumentError(
      `No dialect for '${url.backend}://' URLs. Supported: ${Object.keys(BACKENDS).map((b) => `${b}://`).join(", ")}.`,
    );
  }
  const driverName = url.driver ?? backend.defaultDriver;
  const factory = backend.drivers[driverName];
  if (factory === undefined) {
    throw new ArgumentError(
      `Unknown driver '${driverName}' for ${url.backend}:// URLs; supported: ${Object.keys(backend.drivers).join(", ")} ` +
        `(e.g. ${url.backend}+${backend.defaultDriver}://).`,
    );
  }
  return factory(url);
}
