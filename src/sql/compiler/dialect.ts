/**
 * The per-database rules of the one SQL compiler (SQLAlchemy keeps them in a compiler
 * subclass per dialect; here they are a small table of hooks, so the rendering code stays in
 * one place and each difference is visible side by side).
 *
 * The engine's dialect objects (CompileTarget) name their database; the three SQL families
 * below cover the four databases: PGlite is PostgreSQL compiled to WebAssembly and speaks its
 * SQL exactly, and MariaDB is served by the "mysql" dialect.
 */
import { ArgumentError } from "../../errors.js";
import type { CompileTarget } from "../executable.js";
import { CompileError } from "../errors.js";

export type SqlFamily = "postgresql" | "mysql" | "sqlite";

export type ReturningKind = "INSERT" | "UPDATE" | "DELETE";

/** What the compiler and the column types ask about the database they compile for. */
export interface SqlDialect {
  /** The engine dialect's name: "postgresql", "pglite", "mysql", "sqlite". */
  readonly name: string;
  readonly family: SqlFamily;
  readonly target: CompileTarget;
  quote(identifier: string): string;
  /** The placeholder for the n-th parameter (1-based). */
  placeholder(n: number): string;
  /** " LIMIT ... OFFSET ..." for already-rendered placeholders, or "" when neither is given. */
  limitOffset(limit: string | undefined, offset: string | undefined): string;
  /** A case-insensitive LIKE: ILIKE where it exists, lower() on both sides elsewhere. */
  ilike(left: string, right: string, negated: boolean): string;
  /** SQL for a constant true/false. */
  booleanLiteral(value: boolean): string;
  /** INSERT of a row that takes every column's default. */
  defaultValuesInsert(table: string): string;
  /** Throws a CompileError naming the database when `kind ... RETURNING` is not available. */
  checkReturning(kind: ReturningKind): void;
  /** A string literal for DDL (server defaults), escaped by this database's rules. */
  stringLiteral(value: string): string;
}

/**
 * MySQL allows OFFSET only after LIMIT; its manual's idiom for "no limit" is the largest
 * BIGINT UNSIGNED (MySQL manual, SELECT: "LIMIT 95,18446744073709551615").
 */
const MYSQL_NO_LIMIT = "18446744073709551615";

function standardLimitOffset(noLimit: string | undefined) {
  return (limit: string | undefined, offset: string | undefined): string => {
    if (limit === undefined && offset === undefined) return "";
    if (offset === undefined) return ` LIMIT ${limit}`;
    if (limit === undefined) return noLimit === undefined ? ` OFFSET ${offset}` : ` LIMIT ${noLimit} OFFSET ${offset}`;
    return ` LIMIT ${limit} OFFSET ${offset}`;
  };
}

function lowerLike(left: string, right: string, negated: boolean): string {
  return `lower(${left}) ${negated ? "NOT LIKE" : "LIKE"} lower(${right})`;
}

function familyOf(name: string): SqlFamily {
  switch (name) {
    case "postgresql":
    case "pglite":
      return "postgresql";
    case "mysql":
    case "mariadb":
      return "mysql";
    case "sqlite":
      return "sqlite";
    default:
      throw new ArgumentError(
        `athanor's SQL compiler has no rules for the dialect '${name}'; it knows postgresql, pglite, mysql (MariaDB) and sqlite.`,
      );
  }
}

function build(target: CompileTarget): SqlDialect {
  const family = familyOf(target.name);
  const placeholder = target.paramStyle === "numeric_dollar" ? (n: number) => `$${n}` : () => "?";
  const quote = (identifier: string) => target.quoteIdentifier(identifier);
  const common = {
    name: target.name,
    family,
    target,
    quote,
    placeholder,
  };
  switch (family) {
    case "postgresql":
      return {
        ...common,
        limitOffset: standardLimitOffset(undefined),
        ilike: (left, right, negated) => `${left} ${negated ? "NOT ILIKE" : "ILIKE"} ${right}`,
        booleanLiteral: (value) => (value ? "true" : "false"),
        defaultValuesInsert: (table) => `INSERT INTO ${table} DEFAULT VALUES`,
        checkReturning: () => undefined,
        stringLiteral: (value) => `'${value.replaceAll("'", "''")}'`,
      };
    case "mysql":
      return {
        ...common,
        limitOffset: standardLimitOffset(MYSQL_NO_LIMIT),
        ilike: lowerLike,
        booleanLiteral: (value) => (value ? "true" : "false"),
        defaultValuesInsert: (table) => `INSERT INTO ${table} () VALUES ()`,
        checkReturning: (kind) => checkMysqlReturning(target, kind),
        stringLiteral: (value) => {
          const escaped = value.replaceAll("'", "''");
          return `'${target.backslashEscapes ? escaped.replaceAll("\\", "\\\\") : escaped}'`;
        },
      };
    case "sqlite":
      return {
        ...common,
        // SQLite needs a LIMIT before OFFSET; a negative limit means none (sqlite.org/lang_select.html).
        limitOffset: standardLimitOffset("-1"),
        ilike: lowerLike,
        // TRUE/FALSE keywords exist only since SQLite 3.23; 1/0 is what it stores for booleans.
        booleanLiteral: (value) => (value ? "1" : "0"),
        defaultValuesInsert: (table) => `INSERT INTO ${table} DEFAULT VALUES`,
        checkReturning: () => undefined,
        stringLiteral: (value) => `'${value.replaceAll("'", "''")}'`,
      };
  }
}

/**
 * MariaDB has INSERT ... RETURNING (10.5+) and DELETE ... RETURNING, never UPDATE ... RETURNING
 * (MDEV-5092); MySQL has none. The engine's dialect reports what the connected server
 * supports through `capabilities.returning` (false until it has connected once).
 */
function checkMysqlReturning(target: CompileTarget, kind: ReturningKind): void {
  if (kind !== "UPDATE" && target.capabilities.returning) return;
  const why =
    kind === "UPDATE"
      ? "MariaDB has RETURNING only for INSERT and DELETE, and MySQL has no RETURNING at all"
      : "MySQL has no RETURNING clause (MariaDB has it from 10.5, detected when the engine first connects)";
  throw new CompileError(
    `${kind} ... RETURNING is not supported by the '${target.name}' dialect: ${why}. ` +
      "Drop .returning() and read the rows with a SELECT afterwards (for an INSERT, result.lastInsertId gives the new AUTO_INCREMENT id).",
  );
}

const dialects = new WeakMap<CompileTarget, SqlDialect>();

/** The compiler rules for a target, built once per target object. */
export function sqlDialectFor(target: CompileTarget): SqlDialect {
  let dialect = dialects.get(target);
  if (dialect === undefined) {
    dialect = build(target);
    dialects.set(target, dialect);
  }
  return dialect;
}
