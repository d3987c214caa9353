/**
 * The column builders: one function per type, returning a ColumnBuilder whose type
 * parameters give the row types. `textColumn()` is TEXT (the name `text` is taken by the
 * raw-SQL text() construct, as in SQLAlchemy where `Text` and `text()` differ by case).
 */
import { ColumnBuilder, type InitialFlags } from "./column.js";
import { DateOnlyType, DateTimeType } from "./temporal-types.js";
import {
  BigIntegerType,
  BooleanType,
  FloatType,
  IntegerType,
  JsonType,
  NumericType,
  SmallIntegerType,
  StringType,
  TextType,
  UuidType,
  type BigIntegerMode,
  type NumericMode,
  type SqlType,
} from "./types.js";

/** Any type: `column(new NumericType(12, 4, "number"))`. Integer types may autoincrement. */
export function column<T>(type: SqlType<T>): ColumnBuilder<T, InitialFlags<T extends number | bigint ? "auto" : false>> {
  return ColumnBuilder.of(type, (type.isInteger ? "auto" : false) as T extends number | bigint ? "auto" : false);
}

export function integer(): ColumnBuilder<number, InitialFlags<"auto">> {
  return ColumnBuilder.of(new IntegerType(), "auto");
}

export function smallInteger(): ColumnBuilder<number, InitialFlags<"auto">> {
  return ColumnBuilder.of(new SmallIntegerType(), "auto");
}

/** BIGINT read as a number (exactness checked) or, with `{ mode: "bigint" }`, as a bigint. */
export function bigInteger<const M extends BigIntegerMode = "number">(options?: {
  mode?: M;
}): ColumnBuilder<M extends "bigint" ? bigint : number, InitialFlags<"auto">> {
  const type = new BigIntegerType<M>((options?.mode ?? "number") as M);
  return ColumnBuilder.of(type, "auto");
}

/** Double precision floating point. */
export function float(): ColumnBuilder<number, InitialFlags<false>> {
  return ColumnBuilder.of(new FloatType(), false);
}

/** NUMERIC(precision, scale), read as a string ("12.30") or, with `{ mode: "number" }`, a number. */
export function numeric<const M extends NumericMode = "string">(
  precision?: number,
  scale?: number,
  options?: { mode?: M },
): ColumnBuilder<M extends "number" ? number : string, InitialFlags<false>> {
  return ColumnBuilder.of(new NumericType<M>(precision, scale, (options?.mode ?? "string") as M), false);
}

/** VARCHAR(length); MySQL requires the length. */
export function string(length?: number): ColumnBuilder<string, InitialFlags<false>> {
  return ColumnBuilder.of(new StringType(length), false);
}

/** Unbounded text: TEXT (LONGTEXT on MySQL). */
export function textColumn(): ColumnBuilder<string, InitialFlags<false>> {
  return ColumnBuilder.of(new TextType(), false);
}

export function boolean(): ColumnBuilder<boolean, InitialFlags<false>> {
  return ColumnBuilder.of(new BooleanType(), false);
}

/** An instant, as a Date (TIMESTAMPTZ / DATETIME(6) / ISO-8601 text). */
export function dateTime(): ColumnBuilder<Date, InitialFlags<false>> {
  return ColumnBuilder.of(new DateTimeType(), false);
}

/** A calendar date as "YYYY-MM-DD". */
export function date(): ColumnBuilder<string, InitialFlags<false>> {
  return ColumnBuilder.of(new DateOnlyType(), false);
}

/** JSON documents; `json<{ tags: string[] }>()` types the value. */
export function json<T = unknown>(): ColumnBuilder<T, InitialFlags<false>> {
  return ColumnBuilder.of(new JsonType<T>(), false);
}

export function uuid(): ColumnBuilder<string, InitialFlags<false>> {
  return ColumnBuilder.of(new UuidType(), false);
}
