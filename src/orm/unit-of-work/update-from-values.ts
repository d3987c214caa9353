/**
 * A batch of UPDATEs by primary key as one statement joined to its rows, for PostgreSQL (and
 * PGlite):
 *
 *   UPDATE "t" SET "a" = "athanor_rows"."a", "b" = "athanor_rows"."b"
 *   FROM (VALUES ($1::INTEGER, $2::TEXT, $3::INTEGER), ($4, $5, $6), ...) AS "athanor_rows"("id", "a", "b")
 *   WHERE "t"."id" = "athanor_rows"."id"
 *
 * The server hash-joins the rows: linear in the batch, where a CASE WHEN per column compares
 * each row with every branch (quadratic: a 1 000-row batch made 1 000 000 comparisons per
 * column). The first row's casts give the VALUES columns their types; the other rows' bare
 * parameters take them (PostgreSQL manual, "UNION, CASE, and Related Constructs": VALUES
 * columns resolve like UNION). Built as SQL text: a statement this size, different per batch
 * size, gains nothing from the expression tree or the statement cache.
 */
import { processBindValue } from "../../sql/compiler/compile.js";
import { EXECUTABLE, type CompiledStatement, type CompileTarget, type Executable } from "../../sql/executable.js";
import { sqlDialectFor } from "../../sql/compiler/dialect.js";
import type { AnyColumn } from "../../sql/schema/column.js";
import type { AnyTable } from "../../sql/schema/table.js";

/** One row of the batch: its primary key values, then the new values, in `columns` order. */
/** The rows' alias: not a name a mapped table is likely to have. */
const ROWS = '"athanor_rows"';

export interface KeyedRow {
  readonly key: readonly unknown[];
  readonly values: readonly unknown[];
}

/** Can this target run updateFromValues? */
export function updatesFromValues(target: CompileTarget): boolean {
  return sqlDialectFor(target).family === "postgresql";
}

export function updateFromValues(table: AnyTable, columns: readonly AnyColumn[], rows: readonly KeyedRow[]): Executable {
  return {
    [EXECUTABLE]: true,
    compileFor(target: CompileTarget): CompiledStatement {
      const dialect = sqlDialectFor(target);
      const q = (name: string): string => dialect.quote(name);
      const keys = table.primaryKey;
      const all = [...keys, ...columns];
      const processes = all.map((column) => column.type.bindProcessor(dialect));
      const params: unknown[] = [];
      const tuples: string[] = [];
      for (const row of rows) {
        const placeholders: string[] = [];
        const values = [...row.key, ...row.values];
        for (let i = 0; i < all.length; i++) {
          params.push(processBindValue(values[i], processes[i], (all[i] as AnyColumn).describe()));
          const placeholder = dialect.placeholder(params.length);
          placeholders.push(tuples.length === 0 ? `${placeholder}::${(all[i] as AnyColumn).type.ddl(dialect)}` : placeholder);
        }
        tuples.push(`(${placeholders.join(", ")})`);
      }
      const updated = q(table.name);
      const set = columns.map((c) => `${q(c.name)} = ${ROWS}.${q(c.name)}`).join(", ");
      const names = all.map((c) => q(c.name)).join(", ");
      const join = keys.map((c) => `${updated}.${q(c.name)} = ${ROWS}.${q(c.name)}`).join(" AND ");
      return { sql: `UPDATE ${qualified(table, q)} SET ${set} FROM (VALUES ${tuples.join(", ")}) AS ${ROWS}(${names}) WHERE ${join}`, params };
    },
  };
}


function qualified(table: AnyTable, q: (name: string) => string): string {
  return table.schema === undefined ? q(table.name) : `${q(table.schema)}.${q(table.name)}`;
}
