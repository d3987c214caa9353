/**
 * Row types inferred from a table definition: what a SELECT returns, and what an INSERT
 * needs (columns with a default, nullable columns and autoincrement keys are optional).
 */
import type { Expression } from "../expression/elements.js";
import type { Column, ColumnBuilder, ColumnFlags, ColumnValue } from "./column.js";

/** Column builders by key, as table() takes them. */
export type ColumnBuilders = Record<string, ColumnBuilder<unknown, ColumnFlags>>;

export type Simplify<T> = { [K in keyof T]: T[K] } & {};

type FlagsOf<B> = B extends ColumnBuilder<unknown, infer F> ? F : never;

/** The value type of one builder, with null unless NOT NULL. */
export type BuilderValue<B> = B extends ColumnBuilder<infer T, infer F> ? ColumnValue<T, F> : never;

/** `table.c`: each builder turned into a Column with its key. */
export type TableColumns<C extends ColumnBuilders> = {
  readonly [K in keyof C & string]: C[K] extends ColumnBuilder<infer T, infer F> ? Column<K, T, F> : never;
};

/** A row of the table, as SELECT returns it. */
export type RowOf<C extends ColumnBuilders> = Simplify<{ [K in keyof C & string]: BuilderValue<C[K]> }>;

type PrimaryKeyKeys<C extends ColumnBuilders> = {
  [K in keyof C & string]: FlagsOf<C[K]>["primaryKey"] extends true ? K : never;
}[keyof C & string];

/** True when K is the only primary key column. */
type IsSolePrimaryKey<C extends ColumnBuilders, K> = [Exclude<PrimaryKeyKeys<C>, K>] extends [never] ? true : false;

/** SQLAlchemy's "auto" autoincrement: the table's only primary key column, when it is an integer. */
type IsOptionalOnInsert<C extends ColumnBuilders, K extends keyof C & string> =
  FlagsOf<C[K]>["hasDefault"] extends true
    ? true
    : FlagsOf<C[K]>["notNull"] extends false
      ? true
      : FlagsOf<C[K]>["autoincrement"] extends true
        ? true
        : FlagsOf<C[K]>["autoincrement"] extends "auto"
          ? FlagsOf<C[K]>["primaryKey"] extends true
            ? IsSolePrimaryKey<C, K>
            : false
          : false;

type OptionalKeys<C extends ColumnBuilders> = { [K in keyof C & string]: IsOptionalOnInsert<C, K> extends true ? K : never }[keyof C & string];
type RequiredKeys<C extends ColumnBuilders> = Exclude<keyof C & string, OptionalKeys<C>>;

/** A value, or SQL producing one (`sql<Date>\`now()\``). */
export type ValueOrSql<V> = V | Expression<V> | Expression<NonNullable<V>>;

/** The plain values of a row to insert. */
export type InsertRowOf<C extends ColumnBuilders> = Simplify<
  { [K in RequiredKeys<C>]: BuilderValue<C[K]> } & { [K in OptionalKeys<C>]?: BuilderValue<C[K]> }
>;

/** What insert().values() takes for one row: values or SQL expressions. */
export type InsertValuesOf<C extends ColumnBuilders> = Simplify<
  { [K in RequiredKeys<C>]: ValueOrSql<BuilderValue<C[K]>> } & { [K in OptionalKeys<C>]?: ValueOrSql<BuilderValue<C[K]>> }
>;

/** What update().set() takes: any subset of the columns. */
export type UpdateValuesOf<C extends ColumnBuilders> = Simplify<{ [K in keyof C & string]?: ValueOrSql<BuilderValue<C[K]>> }>;
