/**
 * Column types (SQLAlchemy `sql/sqltypes.py`): each knows its DDL per database, how to bind a
 * JavaScript value (bind processor) and how to read the driver's value back (result
 * processor). Processors are built per database when a statement is compiled and cached with
 * it, so per-row work is one function call and only for columns that need one.
 *
 * The JavaScript type is carried as a phantom type parameter: `SqlType<number>`.
 * src/sql/README.md has the mapping per database in one table.
 */
import { ArgumentError } from "../../errors.js";
import type { SqlDialect } from "../compiler/dialect.js";
import { CompileError, ResultTypeError } from "../errors.js";

/** Converts one non-null value; processors never see null (NULL passes through untouched). */
export type Processor = (value: unknown) => unknown;

export abstract class SqlType<T = unknown> {
  /** Phantom: the JavaScript type of a non-null value. Never set at runtime. */
  declare readonly __js?: T;
  /** Identifies the type's behaviour in statement cache keys ("integer", "varchar(50)"). */
  abstract readonly key: string;
  /** Integer types can be autoincrement columns. */
  readonly isInteger: boolean = false;

  /** The column type in CREATE TABLE. */
  abstract ddl(dialect: SqlDialect): string;

  /**
   * The type to cast a bound value to ($1::type) where the server cannot infer it. Without a
   * length: an explicit cast to VARCHAR(n) truncates silently, where storing the value in the
   * column raises "value too long" (PostgreSQL manual, "Character Types").
   */
  castType(dialect: SqlDialect): string {
    return this.ddl(dialect);
  }

  bindProcessor(_dialect: SqlDialect): Processor | undefined {
    return undefined;
  }

  resultProcessor(_dialect: SqlDialect): Processor | undefined {
    return undefined;
  }
}

/** A type with no conversions and no DDL: raw fragments and values of unknown type. */
export class NullType extends SqlType<unknown> {
  readonly key = "null";
  ddl(): string {
    throw new CompileError("A column needs a type for CREATE TABLE; this expression has none.");
  }
}

/** An integer read from any driver: numbers pass, strings (pg COUNT, MySQL SUM) and bigints become numbers. */
function readSafeInteger(what: string, fix: string): Processor {
  return (value) => {
    const n = typeof value === "number" ? value : Number(value as string | bigint);
    if (Number.isSafeInteger(n)) return n;
    if (Number.isNaN(n) || !Number.isFinite(n)) throw new ResultTypeError(`${what}: the database returned ${String(value)}, which is not a number.`);
    if (!Number.isInteger(n)) return n; // SUM()/MAX() over a NUMERIC can be fractional; keep it.
    throw new ResultTypeError(
      `${what}: the database returned ${String(value)}, beyond Number.MAX_SAFE_INTEGER, so a JavaScript number cannot hold it exactly. ${fix}`,
    );
  };
}

function readNumber(value: unknown): unknown {
  return typeof value === "number" ? value : Number(value as string | bigint);
}

export class IntegerType extends SqlType<number> {
  readonly key: string = "integer";
  override readonly isInteger = true;
  ddl(): string {
    return "INTEGER";
  }
  override resultProcessor(): Processor {
    return readSafeInteger("INTEGER", "Use bigInteger({ mode: \"bigint\" }) for 64-bit values.");
  }
}

export class SmallIntegerType extends IntegerType {
  override readonly key = "smallint";
  override ddl(): string {
    return "SMALLINT";
  }
}

export type BigIntegerMode = "number" | "bigint";

/**
 * BIGINT. Mode "number" (default) reads numbers and refuses (ResultTypeError) a value a
 * number cannot hold exactly, instead of silently rounding; mode "bigint" reads bigints.
 * pg returns int8 as a string and PGlite as a bigint, so both are exact; mysql2 and
 * better-sqlite3 return numbers by default, so beyond 2^53 they need the driver options
 * `supportBigNumbers`+`bigNumberStrings` (mysql2) or `safeIntegers` (better-sqlite3).
 */
export class BigIntegerType<M extends BigIntegerMode = "number"> extends SqlType<M extends "bigint" ? bigint : number> {
  override readonly isInteger = true;
  readonly key: string;
  constructor(readonly mode: M) {
    super();
    this.key = `bigint:${mode}`;
  }
  ddl(): string {
    return "BIGINT";
  }
  override bindProcessor(dialect: SqlDialect): Processor | undefined {
    // pg sends parameters as text; a bigint's decimal string is exact in any version of pg.
    if (dialect.family === "postgresql") return (value) => (typeof value === "bigint" ? value.toString() : value);
    return undefined;
  }
  override resultProcessor(): Processor {
    if (this.mode === "number") return readSafeInteger("BIGINT", 'Declare the column bigInteger({ mode: "bigint" }) to read bigints.');
    return (value) => {
      if (typeof value === "bigint") return value;
      if (typeof value === "number" && !Number.isSafeInteger(value)) {
        throw new ResultTypeError(
          `BIGINT: the driver returned the inexact number ${value}. Configure it to return exact values: ` +
            "connectArgs { supportBigNumbers: true, bigNumberStrings: true } for mysql2, safeIntegers for better-sqlite3.",
        );
      }
      return BigInt(value as number | string);
    };
  }
}

export class FloatType extends SqlType<number> {
  readonly key = "float";
  ddl(dialect: SqlDialect): string {
    return { postgresql: "DOUBLE PRECISION", mysql: "DOUBLE", sqlite: "REAL" }[dialect.family];
  }
  override resultProcessor(): Processor {
    return readNumber;
  }
}

export type NumericMode = "string" | "number";

/**
 * NUMERIC(p, s): exact decimals, read as strings by default ("12.30", what pg and mysql2
 * return), or as numbers with mode "number" (SQLAlchemy `asdecimal=False`).
 */
export class NumericType<M extends NumericMode = "string"> extends SqlType<M extends "number" ? number : string> {
  readonly key: string;
  constructor(
    readonly precision: number | undefined,
    readonly scale: number | undefined,
    readonly mode: M,
  ) {
    super();
    if (precision !== undefined && (!Number.isInteger(precision) || precision < 1)) throw new ArgumentError(`numeric() precision must be a positive integer; got ${precision}.`);
    if (scale !== undefined && (!Number.isInteger(scale) || scale < 0)) throw new ArgumentError(`numeric() scale must be a non-negative integer; got ${scale}.`);
    if (scale !== undefined && precision === undefined) throw new ArgumentError("numeric() needs a precision when a scale is given: numeric(10, 2).");
    this.key = `numeric(${precision ?? ""},${scale ?? ""}):${mode}`;
  }
  ddl(): string {
    if (this.precision === undefined) return "NUMERIC";
    return this.scale === undefined ? `NUMERIC(${this.precision})` : `NUMERIC(${this.precision}, ${this.scale})`;
  }
  override resultProcessor(): Processor {
    if (this.mode === "number") return readNumber;
    const scale = this.scale;
    // SQLite stores NUMERIC as a number: write it with the declared scale, as pg and mysql2 do.
    return (value) => (typeof value === "string" ? value : scale !== undefined && typeof value === "number" ? value.toFixed(scale) : String(value));
  }
}

export class StringType extends SqlType<string> {
  readonly key: string;
  constructor(readonly length: number | undefined) {
    super();
    if (length !== undefined && (!Number.isInteger(length) || length < 1)) throw new ArgumentError(`string() length must be a positive integer; got ${length}.`);
    this.key = `varchar(${length ?? ""})`;
  }
  ddl(dialect: SqlDialect): string {
    if (this.length !== undefined) return `VARCHAR(${this.length})`;
    if (dialect.family === "mysql") {
      throw new CompileError(`VARCHAR requires a length on the '${dialect.name}' dialect: declare string(255), or use textColumn() for unbounded text.`);
    }
    return "VARCHAR";
  }
  override castType(dialect: SqlDialect): string {
    return dialect.family === "mysql" ? this.ddl(dialect) : "VARCHAR";
  }
}

/** Unbounded text. MySQL's TEXT stops at 64 KiB, so there it is LONGTEXT. */
export class TextType extends SqlType<string> {
  readonly key = "text";
  ddl(dialect: SqlDialect): string {
    return dialect.family === "mysql" ? "LONGTEXT" : "TEXT";
  }
}

/**
 * BOOLEAN on PostgreSQL; BOOL (= TINYINT(1)) on MySQL, read back as 0/1; INTEGER 0/1 on
 * SQLite, which has no boolean type (SQLAlchemy stores 1/0 there too).
 */
export class BooleanType extends SqlType<boolean> {
  readonly key = "boolean";
  ddl(dialect: SqlDialect): string {
    return { postgresql: "BOOLEAN", mysql: "BOOL", sqlite: "INTEGER" }[dialect.family];
  }
  override bindProcessor(dialect: SqlDialect): Processor | undefined {
    if (dialect.family !== "sqlite") return undefined;
    return (value) => (typeof value === "boolean" ? (value ? 1 : 0) : value);
  }
  override resultProcessor(dialect: SqlDialect): Processor | undefined {
    if (dialect.family === "postgresql") return undefined;
    return (value) => (typeof value === "boolean" ? value : typeof value === "string" ? value !== "0" && value !== "" : Number(value) !== 0);
  }
}

const UUID_PATTERN = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/**
 * UUID on PostgreSQL; CHAR(36) on MySQL, TEXT on SQLite, holding the canonical lower-case
 * form, so that equality and uniqueness work as they do with PostgreSQL's type.
 */
export class UuidType extends SqlType<string> {
  readonly key = "uuid";
  ddl(dialect: SqlDialect): string {
    return { postgresql: "UUID", mysql: "CHAR(36)", sqlite: "TEXT" }[dialect.family];
  }
  override bindProcessor(dialect: SqlDialect): Processor | undefined {
    if (dialect.family === "postgresql") return undefined; // the server checks and canonicalises
    return (value) => {
      if (typeof value !== "string" || !UUID_PATTERN.test(value)) {
        throw new ArgumentError(`A UUID column takes a string like "a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11"; got ${JSON.stringify(value)}.`);
      }
      return value.toLowerCase();
    };
  }
}

/**
 * JSONB on PostgreSQL, JSON on MySQL/MariaDB, TEXT on SQLite. Values are sent as JSON text
 * (pg would turn a JS array into a PostgreSQL array literal otherwise). pg, PGlite and mysql2
 * parse JSON columns themselves (mysql2 also MariaDB's, from its extended metadata), so only
 * SQLite's text is parsed here. JavaScript null is SQL NULL.
 */
export class JsonType<T = unknown> extends SqlType<T> {
  readonly key = "json";
  ddl(dialect: SqlDialect): string {
    return { postgresql: "JSONB", mysql: "JSON", sqlite: "TEXT" }[dialect.family];
  }
  override bindProcessor(): Processor {
    return (value) => JSON.stringify(value);
  }
  override resultProcessor(dialect: SqlDialect): Processor | undefined {
    if (dialect.family !== "sqlite") return undefined;
    return (value) => (typeof value === "string" ? JSON.parse(value) : value);
  }
}
