/**
 * text(): literal SQL with named `:params` (SQLAlchemy `sql/elements.py` TextClause).
 *
 * The SQL is scanned once (see tokenize.ts) and compiled to a driver's placeholder style on
 * first use; values are always bound by position, never spliced into the SQL. A clause is
 * immutable: bindParams() returns a new one that shares the scan and the compiled forms.
 */
import { ArgumentError } from "../errors.js";
import { tokenizeSql, type TokenizedSql } from "./tokenize.js";

/** "numeric_dollar": $1, $2 (pg, PGlite). "qmark": ? (mysql2, better-sqlite3). */
export type ParamStyle = "numeric_dollar" | "qmark";

export interface CompileOptions {
  /**
   * Read a backslash inside '…' and "…" as escaping the next character, so that
   * 'it\'s :x' is one string with no parameter. MySQL/MariaDB dialects pass true (their
   * default mode; false under NO_BACKSLASH_ESCAPES). Default false: standard SQL, as in
   * PostgreSQL (standard_conforming_strings) and SQLite, where 'C:\' is a whole string.
   * PostgreSQL E'…' strings always use backslash escapes, whatever this says.
   */
  readonly backslashEscapes?: boolean;
}

export interface CompiledSql {
  /** SQL with the driver's placeholders. */
  readonly sql: string;
  /**
   * For each placeholder position, the parameter name whose value goes there. For
   * numeric_dollar a name used twice gets ONE number ($1 reused); for qmark it appears twice.
   */
  readonly positions: readonly string[];
}

const PARAM_STYLES: readonly ParamStyle[] = ["numeric_dollar", "qmark"];

/** The scans and compiled forms of one SQL string, shared by every clause derived from it. */
class ParsedText {
  /** The standard reading (no backslash escapes outside E'…'). */
  readonly standard: TokenizedSql;
  private withBackslashEscapes: TokenizedSql | undefined;
  /** [style][reading]: a fixed slot per combination, no key string built per call (hot path). */
  private readonly compiled: (CompiledSql | undefined)[] = [undefined, undefined, undefined, undefined];

  /** Distinct `:names` of the standard reading, in order of first appearance. */
  readonly paramNames: readonly string[];

  constructor(readonly text: string) {
    this.standard = tokenizeSql(text, { backslashEscapes: false });
    this.paramNames = distinct(this.standard.params);
  }

  /** The scan for a backslash rule; one scan serves both when no literal holds a backslash. */
  scan(backslashEscapes: boolean): TokenizedSql {
    if (!backslashEscapes || !this.standard.backslashInLiteral) return this.standard;
    this.withBackslashEscapes ??= tokenizeSql(this.text, { backslashEscapes: true });
    return this.withBackslashEscapes;
  }

  compile(style: ParamStyle, backslashEscapes: boolean): CompiledSql {
    const scanned = this.scan(backslashEscapes);
    const slot = (style === "qmark" ? 2 : 0) + (scanned === this.standard ? 0 : 1);
    let compiled = this.compiled[slot];
    if (compiled === undefined) {
      compiled = style === "qmark" ? compileQmark(scanned, this.text) : compileNumericDollar(scanned, this.text);
      this.compiled[slot] = compiled;
    }
    return compiled;
  }
}

function compileQmark(scanned: TokenizedSql, source: string): CompiledSql {
  const first = scanned.questionMarks[0];
  if (first !== undefined) {
    throw new ArgumentError(
      `text() SQL contains a literal '?' ${near(source, first)}. With this driver '?' is the ` +
        `placeholder, so one written in the SQL would be taken as a parameter: use a :name ` +
        `parameter for a value (text("... WHERE x = :x")), or put a literal '?' inside a quoted string.`,
    );
  }
  return Object.freeze({ sql: scanned.literals.join("?"), positions: Object.freeze([...scanned.params]) });
}

function compileNumericDollar(scanned: TokenizedSql, source: string): CompiledSql {
  const first = scanned.dollarNumbers[0];
  if (first !== undefined) {
    let end = first + 1;
    while (end < source.length && source.charCodeAt(end) >= 0x30 && source.charCodeAt(end) <= 0x39) end++;
    throw new ArgumentError(
      `text() SQL contains the positional placeholder '${source.slice(first, end)}' ${near(source, first)}. ` +
        `athanor numbers the placeholders itself: write a :name parameter instead and pass its value by name.`,
    );
  }
  // A name used twice reuses its number: PostgreSQL allows $1 to appear more than once.
  const numbers = new Map<string, number>();
  const positions: string[] = [];
  const parts: string[] = [scanned.literals[0] ?? ""];
  scanned.params.forEach((name, k) => {
    let n = numbers.get(name);
    if (n === undefined) {
      positions.push(name);
      n = positions.length;
      numbers.set(name, n);
    }
    parts.push(`$${n}`, scanned.literals[k + 1] ?? "");
  });
  return Object.freeze({ sql: parts.join(""), positions: Object.freeze(positions) });
}

/** Where in the SQL a problem is, with a little context either side. */
function near(source: string, offset: number): string {
  const start = Math.max(0, offset - 20);
  const end = Math.min(source.length, offset + 20);
  const snippet = source.slice(start, end).replace(/\s+/g, " ");
  return `at offset ${offset}: "${start > 0 ? "…" : ""}${snippet}${end < source.length ? "…" : ""}"`;
}

/**
 * Scans by SQL string, so that `text("...")` written inline in a handler (made again on every
 * request) scans and compiles once, as SQLAlchemy's compiled cache keys a text() by its string.
 * Bounded; the oldest entry goes first. Very long texts (generated SQL) are not kept.
 */
const PARSED_CACHE_SIZE = 500;
const PARSED_CACHE_MAX_LENGTH = 10_000;
const parsedCache = new Map<string, ParsedText>();

function parsedText(sql: string): ParsedText {
  let parsed = parsedCache.get(sql);
  if (parsed !== undefined) return parsed;
  parsed = new ParsedText(sql);
  if (sql.length > PARSED_CACHE_MAX_LENGTH) return parsed;
  if (parsedCache.size >= PARSED_CACHE_SIZE) parsedCache.delete(parsedCache.keys().next().value as string);
  parsedCache.set(sql, parsed);
  return parsed;
}

const NO_VALUES: Readonly<Record<string, unknown>> = Object.freeze(Object.create(null) as Record<string, unknown>);

/** Builds clauses from inside the class, whose constructor is private to keep text() the way in. */
let makeClause: (parsed: ParsedText, boundValues: Readonly<Record<string, unknown>>) => TextClause;

export class TextClause {
  /** The original SQL. */
  readonly text: string;
  /** Distinct `:names`, in order of first appearance (standard reading, see CompileOptions). */
  readonly paramNames: readonly string[];
  /** Values given with bindParams(); a null-prototype object, so any name is safe as a key. */
  readonly boundValues: Readonly<Record<string, unknown>>;
  readonly #parsed: ParsedText;

  static {
    makeClause = (parsed, boundValues) => new TextClause(parsed, boundValues);
  }

  private constructor(parsed: ParsedText, boundValues: Readonly<Record<string, unknown>>) {
    this.#parsed = parsed;
    this.text = parsed.text;
    this.paramNames = parsed.paramNames;
    this.boundValues = boundValues;
  }

  /**
   * A new clause with these values bound (merged over earlier ones; later wins). A name the
   * SQL does not use is an error naming the ones it does. `undefined` counts as no value.
   */
  bindParams(values: Record<string, unknown>): TextClause {
    requirePlainObject(values, "bindParams() values");
    const known = this.#knownNames();
    const unknown = Object.keys(values).filter((name) => !known.has(name));
    if (unknown.length > 0) {
      const usable = known.size > 0 ? `Its parameters are: ${quoteAll([...known])}.` : "It has no :name parameters.";
      throw new ArgumentError(
        `This text() construct doesn't define a bound parameter named ${quoteAll(unknown)}. ${usable}`,
      );
    }
    const merged: Record<string, unknown> = Object.create(null) as Record<string, unknown>;
    Object.assign(merged, this.boundValues, values);
    return makeClause(this.#parsed, Object.freeze(merged));
  }

  /** The SQL for a placeholder style, compiled once per style and backslash rule. */
  compile(style: ParamStyle, options?: CompileOptions): CompiledSql {
    return this.#parsed.compile(checkStyle(style), backslashEscapesOf(options));
  }

  /**
   * The values for one parameter set, in `positions` order: `params` over `boundValues`.
   * A value that is missing or `undefined` is an error (use null for SQL NULL); keys the
   * SQL does not use are ignored, as SQLAlchemy ignores them.
   */
  values(style: ParamStyle, params?: Record<string, unknown>, options?: CompileOptions): unknown[] {
    return this.#valuesFor(this.compile(style, options).positions, params);
  }

  /** compile() and values() in one step: the SQL and this parameter set's values. */
  compileWithValues(
    style: ParamStyle,
    params?: Record<string, unknown>,
    options?: CompileOptions,
  ): { sql: string; values: unknown[]; positions: readonly string[] } {
    const compiled = this.compile(style, options);
    return { sql: compiled.sql, values: this.#valuesFor(compiled.positions, params), positions: compiled.positions };
  }

  #valuesFor(positions: readonly string[], params: Record<string, unknown> | undefined): unknown[] {
    if (params !== undefined) requirePlainObject(params, "Parameters");
    const given = params ?? {};
    const out: unknown[] = new Array<unknown>(positions.length);
    for (let k = 0; k < positions.length; k++) {
      const name = positions[k] as string;
      const value = Object.hasOwn(given, name) && given[name] !== undefined ? given[name] : this.boundValues[name];
      if (value === undefined) throw this.#missingValue(name, given);
      out[k] = value;
    }
    return out;
  }

  toString(): string {
    return this.text;
  }

  /** Names bindParams() accepts: those of either backslash reading, as the dialect picks later. */
  #knownNames(): Set<string> {
    const names = new Set(this.paramNames);
    if (this.#parsed.standard.backslashInLiteral) {
      for (const name of this.#parsed.scan(true).params) names.add(name);
    }
    return names;
  }

  #missingValue(name: string, params: Record<string, unknown>): ArgumentError {
    const given = new Set<string>();
    for (const source of [this.boundValues, params]) {
      for (const [key, value] of Object.entries(source)) if (value !== undefined) given.add(key);
    }
    const listed = given.size > 0 ? `given: ${quoteAll([...given])}` : "no values were given";
    return new ArgumentError(
      `A value is required for bind parameter '${name}' (${listed}). ` +
        `Pass it in the parameters or with bindParams(); use null for SQL NULL (undefined counts as missing).`,
    );
  }
}

/** Wraps literal SQL with `:name` parameters (SQLAlchemy `text()`). */
export function text(sql: string): TextClause {
  if (typeof sql !== "string") {
    throw new ArgumentError(`text() takes the SQL as a string; got ${describe(sql)}.`);
  }
  return makeClause(parsedText(sql), NO_VALUES);
}

export function isTextClause(x: unknown): x is TextClause {
  return x instanceof TextClause;
}

function checkStyle(style: ParamStyle): ParamStyle {
  if (!PARAM_STYLES.includes(style)) {
    throw new ArgumentError(`Unknown parameter style ${describe(style)}; expected "numeric_dollar" or "qmark".`);
  }
  return style;
}

function backslashEscapesOf(options: CompileOptions | undefined): boolean {
  if (options === undefined) return false;
  if (typeof options !== "object" || options === null) {
    throw new ArgumentError(`Compile options must be an object like { backslashEscapes: true }; got ${describe(options)}.`);
  }
  const value = options.backslashEscapes;
  if (value !== undefined && typeof value !== "boolean") {
    throw new ArgumentError(`backslashEscapes must be true or false; got ${describe(value)}.`);
  }
  return value === true;
}

/** Only plain objects: an array, Map or Date would silently bind nothing by name. */
function requirePlainObject(value: unknown, what: string): asserts value is Record<string, unknown> {
  const proto: unknown = typeof value === "object" && value !== null ? Object.getPrototypeOf(value) : undefined;
  if (proto !== Object.prototype && proto !== null) {
    throw new ArgumentError(`${what} must be a plain object of name -> value, like { y: 6 }; got ${describe(value)}.`);
  }
}

function distinct(names: readonly string[]): readonly string[] {
  return Object.freeze([...new Set(names)]);
}

function quoteAll(names: readonly string[]): string {
  return names.map((name) => `'${name}'`).join(", ");
}

function describe(value: unknown): string {
  if (value === null || value === undefined) return String(value);
  if (Array.isArray(value)) return "an array";
  if (typeof value === "object") return `an instance of ${value.constructor?.name ?? "Object"}`;
  if (typeof value === "string") return JSON.stringify(value);
  return `${typeof value} ${String(value)}`;
}
