import type { ParamStyle, TextClause } from "../sql/text.js";
import { tokenizeSql } from "../sql/tokenize.js";

/**
 * "insertmanyvalues" (SQLAlchemy 2.0): an executemany of `INSERT ... VALUES (:a, :b)` sent as
 * a few multi-row statements, `VALUES (...), (...), ...`, each within the driver's bind
 * parameter limit, instead of one round trip per row. RETURNING rows come back batch by
 * batch in input order.
 */

/** SQLAlchemy's insertmanyvalues_page_size default: rows per statement, at most. */
export const MAX_ROWS_PER_BATCH = 1000;

/** An INSERT split around its one VALUES row group; only the group holds parameters. */
export interface InsertTemplate {
  readonly prefix: string;
  /** Literal SQL around the row's parameters: `rowLiterals.length === rowParams.length + 1`. */
  readonly rowLiterals: readonly string[];
  /** The row's parameter names, one per occurrence. */
  readonly rowParams: readonly string[];
  readonly suffix: string;
}

export interface InsertBatch {
  readonly sql: string;
  readonly values: unknown[];
}

const MARK = "\u0000";

/**
 * The template of a text() INSERT that can be batched, or undefined when it cannot (not an
 * INSERT, INSERT ... SELECT, already several rows, parameters outside the row group as in
 * `ON DUPLICATE KEY UPDATE x = :x`): those run once per parameter set instead.
 */
export function insertTemplate(clause: TextClause, backslashEscapes: boolean): InsertTemplate | undefined {
  const { literals, params } = tokenizeSql(clause.text, { backslashEscapes });
  const skeleton = literals.join(MARK);
  if (!/^\s*insert\b/i.test(skeleton)) return undefined;
  const open = findValuesGroup(skeleton, backslashEscapes);
  if (open === undefined) return undefined;
  const close = matchingParen(skeleton, open, backslashEscapes);
  if (close === undefined) return undefined;
  if (/^\s*,/.test(skeleton.slice(close + 1))) return undefined;
  const prefix = skeleton.slice(0, open);
  const group = skeleton.slice(open, close + 1);
  const suffix = skeleton.slice(close + 1);
  if (prefix.includes(MARK) || suffix.includes(MARK)) return undefined;
  const rowLiterals = group.split(MARK);
  if (rowLiterals.length !== params.length + 1) return undefined;
  return { prefix, rowLiterals, rowParams: params, suffix };
}

/** Rows per statement for this template within the parameter limit. */
export function rowsPerBatch(template: InsertTemplate, maxBindParameters: number): number {
  const perRow = template.rowParams.length;
  if (perRow === 0) return MAX_ROWS_PER_BATCH;
  return Math.max(1, Math.min(MAX_ROWS_PER_BATCH, Math.floor(maxBindParameters / perRow)));
}

/**
 * The SQL for `rows` rows (cached by the caller per row count: every full batch shares one)
 * with placeholders numbered across rows for "$n" drivers.
 */
export function batchSql(template: InsertTemplate, rows: number, style: ParamStyle): string {
  let sql = template.prefix;
  let n = 0;
  for (let r = 0; r < rows; r++) {
    if (r > 0) sql += ", ";
    const lits = template.rowLiterals;
    sql += lits[0];
    for (let i = 1; i < lits.length; i++) {
      n++;
      sql += (style === "numeric_dollar" ? `$${n}` : "?") + lits[i];
    }
  }
  return sql + template.suffix;
}

/** Index of the '(' that opens the top-level VALUES row group, skipping quotes and comments. */
function findValuesGroup(sql: string, backslashEscapes: boolean): number | undefined {
  let depth = 0;
  for (let i = 0; i < sql.length; i++) {
    const c = sql[i];
    const skipped = skipQuotedOrComment(sql, i, backslashEscapes);
    if (skipped !== i) {
      i = skipped - 1;
      continue;
    }
    if (c === "(") depth++;
    else if (c === ")") depth--;
    else if (depth === 0 && (c === "v" || c === "V") && /^values\b/i.test(sql.slice(i, i + 7)) && !/\w/.test(sql[i - 1] ?? " ")) {
      let j = i + 6;
      while (j < sql.length && /\s/.test(sql[j] as string)) j++;
      return sql[j] === "(" ? j : undefined;
    }
  }
  return undefined;
}

function matchingParen(sql: string, open: number, backslashEscapes: boolean): number | undefined {
  let depth = 0;
  for (let i = open; i < sql.length; i++) {
    const skipped = skipQuotedOrComment(sql, i, backslashEscapes);
    if (skipped !== i) {
      i = skipped - 1;
      continue;
    }
    if (sql[i] === "(") depth++;
    else if (sql[i] === ")" && --depth === 0) return i;
  }
  return undefined;
}

/** If a quoted string, identifier or comment starts at i, the index just past it; else i. */
function skipQuotedOrComment(sql: string, i: number, backslashEscapes: boolean): number {
  const c = sql[i];
  if (c === "'" || c === '"' || c === "`") {
    let j = i + 1;
    while (j < sql.length) {
      if (backslashEscapes && c !== "`" && sql[j] === "\\") j += 2;
      else if (sql[j] === c) {
        if (sql[j + 1] === c) j += 2;
        else return j + 1;
      } else j++;
    }
    return sql.length;
  }
  if (c === "-" && sql[i + 1] === "-") {
    const end = sql.indexOf("\n", i);
    return end < 0 ? sql.length : end + 1;
  }
  if (c === "/" && sql[i + 1] === "*") {
    const end = sql.indexOf("*/", i + 2);
    return end < 0 ? sql.length : end + 2;
  }
  return i;
}
