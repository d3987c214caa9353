/**
 * The SQL expression language (ARCHITECTURE "sql" layer): typed tables, expressions,
 * statements, DDL, the compiler and its statement cache. Everything here is importable from
 * "athanor" once src/index.ts re-exports this module.
 */
export { CompileError, ResultTypeError } from "./errors.js";

// Schema
export {
  SqlType,
  NullType,
  IntegerType,
  SmallIntegerType,
  BigIntegerType,
  FloatType,
  NumericType,
  StringType,
  TextType,
  BooleanType,
  UuidType,
  JsonType,
  type Processor,
  type BigIntegerMode,
  type NumericMode,
} from "./schema/types.js";
export { DateTimeType, DateOnlyType } from "./schema/temporal-types.js";
export { column, integer, smallInteger, bigInteger, float, numeric, string, textColumn, boolean, dateTime, date, json, uuid } from "./schema/column-types.js";
export {
  Column,
  ColumnBuilder,
  type AnyColumn,
  type ColumnFlags,
  type ColumnSpec,
  type ColumnValue,
  type ColumnReference,
  type ClientDefault,
  type ServerDefault,
  type ReferenceOptions,
  type ReferentialAction,
  type AutoincrementFlag,
  type Flags,
} from "./schema/column.js";
export { table, Table, type AnyTable, type TableOptions, type InferRow, type InferInsert } from "./schema/table.js";
export { TableAlias } from "./schema/alias.js";
export { ForeignKeyConstraint, UniqueConstraint, Index } from "./schema/constraints.js";
export { MetaData, type DdlOptions, type StatementExecutor, type TransactionalBind } from "./schema/metadata.js";
export { DdlStatement, createTable, dropTable, createIndex } from "./schema/ddl.js";
export type { ColumnBuilders, RowOf, InsertRowOf, InsertValuesOf, UpdateValuesOf, TableColumns } from "./schema/row-types.js";

// Expressions
export { Expression, BindValue, BindParam, Label, OrderByItem, type Operand, type Predicate } from "./expression/elements.js";
export { and, or, not, exists, asc, desc, bindparam, literal, type Condition } from "./expression/operators.js";
export { func, fn, cast, FunctionCall, type FunctionFactory, type KnownFunctions } from "./expression/functions.js";
export { sql, SqlFragment } from "./expression/sql-fragment.js";
export { caseWhen, Case } from "./expression/case.js";
export { tuple_, Tuple } from "./expression/tuple.js";

// Statements
export { select, Select } from "./statement/select.js";
export { insert, Insert, MAX_ROWS_PER_INSERT } from "./statement/insert.js";
export { update, Update } from "./statement/update.js";
export { delete_, delete_ as deleteFrom, Delete } from "./statement/delete.js";
export { Subquery, SubqueryColumn, ScalarSubquery } from "./statement/subquery.js";
export { Join } from "./statement/from-clause.js";
export { Statement, type StatementRow } from "./statement/statement.js";
export type { RowOfItems, SelectItem, NamedExpression, ColumnSource } from "./statement/select-items.js";
export { executeStatement, executeBatches, type ResultExecutor, type TypedExecutable } from "./statement/execute.js";

// Compiler
export { statementCacheFor, StatementCache, DEFAULT_STATEMENT_CACHE_SIZE } from "./compiler/statement-cache.js";
export type { CompiledQuery } from "./compiler/compile.js";
