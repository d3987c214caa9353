/**
 * compileFor() for every statement: walk the statement for its cache key and values, find
 * the compiled SQL in the target's LRU (or compile and store it), then bind this execution's
 * values into the placeholder order.
 */
import { ArgumentError } from "../../errors.js";
import type { CompiledStatement, CompileTarget } from "../executable.js";
import type { Processor, SqlType } from "../schema/types.js";
import { CacheKey } from "./cache-key.js";
import { CompileContext, type Slot } from "./context.js";
import { sqlDialectFor, type SqlDialect } from "./dialect.js";
import { rowsProcessor, type RowsProcessor } from "./result-processing.js";
import { statementCacheFor } from "./statement-cache.js";

/** One column of a statement's result: its key in the row and its type, for processing. */
export interface ResultColumn {
  readonly key: string;
  readonly type: SqlType | undefined;
}

/** What a statement node produces when compiled. */
export interface CompiledParts {
  readonly sql: string;
  /** The columns the statement returns (SELECT list, RETURNING); empty when it returns none. */
  readonly columns: readonly ResultColumn[];
}

/** The root of a statement tree. */
export interface StatementRoot {
  keyInto(key: CacheKey): void;
  compileRoot(ctx: CompileContext): CompiledParts;
}

/** What a statement's compileFor() returns: the SQL, its parameters, and how to read its rows. */
export interface CompiledQuery extends CompiledStatement {
  /** Result column keys, in order. */
  readonly columns: readonly string[];
  /** Converts driver rows to the columns' JavaScript types; undefined when nothing needs converting. */
  readonly processRows: RowsProcessor | undefined;
}

interface CompiledTemplate {
  readonly sql: string;
  readonly slots: readonly Slot[];
  readonly columns: readonly string[];
  readonly processRows: RowsProcessor | undefined;
}

export function compileStatement(
  root: StatementRoot,
  target: CompileTarget,
  params: Readonly<Record<string, unknown>> | undefined,
): CompiledQuery {
  const dialect = sqlDialectFor(target);
  const key = new CacheKey();
  root.keyInto(key);
  const cache = statementCacheFor(target);
  const cacheKey = key.toString();
  let template = cache.get(cacheKey) as CompiledTemplate | undefined;
  if (template === undefined) {
    template = compileTemplate(root, dialect, key);
    cache.set(cacheKey, template);
  }
  return {
    sql: template.sql,
    params: bindValues(template.slots, key.values, params),
    columns: template.columns,
    processRows: template.processRows,
  };
}

function compileTemplate(root: StatementRoot, dialect: SqlDialect, key: CacheKey): CompiledTemplate {
  const ctx = new CompileContext(dialect, key);
  const parts = root.compileRoot(ctx);
  const { sql, slots } = ctx.finish(parts.sql);
  return Object.freeze({
    sql,
    slots: Object.freeze(slots),
    columns: Object.freeze(parts.columns.map((c) => c.key)),
    processRows: rowsProcessor(parts.columns.map((c) => c.type?.resultProcessor(dialect))),
  });
}

/** A value as the driver takes it: null for null/undefined, else through the type's bind processor; `label` names it in errors. */
export function processBindValue(value: unknown, process: Processor | undefined, label: string): unknown {
  if (value === null || value === undefined || process === undefined) return value ?? null;
  try {
    return process(value);
  } catch (err) {
    if (err instanceof ArgumentError) throw new ArgumentError(`${label}: ${err.message}`, { cause: err });
    throw err;
  }
}

function bindValues(slots: readonly Slot[], values: readonly unknown[], params: Readonly<Record<string, unknown>> | undefined): unknown[] {
  const out = new Array<unknown>(slots.length);
  for (let i = 0; i < slots.length; i++) {
    const slot = slots[i] as Slot;
    out[i] = processBindValue(slot.kind === "value" ? values[slot.index] : paramValue(slot.name, params, slots), slot.process, slot.label);
  }
  return out;
}

function paramValue(name: string, params: Readonly<Record<string, unknown>> | undefined, slots: readonly Slot[]): unknown {
  const value = params !== undefined && Object.hasOwn(params, name) ? params[name] : undefined;
  if (value !== undefined) return value;
  const needed = [...new Set(slots.flatMap((s) => (s.kind === "param" ? [`'${s.name}'`] : [])))].join(", ");
  throw new ArgumentError(
    `A value is required for bind parameter '${name}' (the statement's parameters: ${needed}). ` +
      "Pass it to execute(stmt, { ... }); use null for SQL NULL (undefined counts as missing).",
  );
}
