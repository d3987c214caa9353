/**
 * Compile targets for unit tests: the real dialect objects (their quoting and placeholder
 * style), without a database. MySQL's RETURNING depends on the server it connects to, so
 * `mariadb` is the mysql dialect as it is after connecting to MariaDB 10.5+.
 */
import { createMysqlDialect } from "../../../src/dialects/mysql/dialect.js";
import { PgliteDialect } from "../../../src/dialects/pglite/dialect.js";
import { createPostgresqlDialect } from "../../../src/dialects/postgresql/dialect.js";
import { SqliteDialect } from "../../../src/dialects/sqlite/dialect.js";
import type { CompileTarget } from "../../../src/sql/executable.js";
import type { Executable } from "../../../src/sql/executable.js";

const mysqlDialect = createMysqlDialect();

export const targets = {
  postgresql: createPostgresqlDialect() as CompileTarget,
  pglite: new PgliteDialect() as CompileTarget,
  mysql: mysqlDialect as CompileTarget,
  sqlite: new SqliteDialect() as CompileTarget,
  mariadb: {
    name: "mysql",
    paramStyle: mysqlDialect.paramStyle,
    backslashEscapes: true,
    capabilities: { ...mysqlDialect.capabilities, returning: true },
    quoteIdentifier: (name: string) => mysqlDialect.quoteIdentifier(name),
  } satisfies CompileTarget,
};

export type TargetName = keyof typeof targets;

/** [sql, params] of a statement for one target. */
export function compiled(statement: Executable, target: TargetName, params?: Record<string, unknown>): [string, unknown[]] {
  const { sql, params: values } = statement.compileFor(targets[target], params);
  return [sql, [...values]];
}

/** The SQL only. */
export function sqlOf(statement: Executable, target: TargetName, params?: Record<string, unknown>): string {
  return compiled(statement, target, params)[0];
}
