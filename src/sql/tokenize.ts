/**
 * Finds the `:name` bind parameters of a text() SQL string in one left-to-right scan.
 *
 * A colon is a parameter only in plain SQL. The scanner steps over everything where a colon
 * means something else, copying it unchanged:
 *   '…'  strings ('' doubling; backslash escapes when asked for, and always in E'…')
 *   "…"  quoted identifiers ("" doubling; MySQL treats them as strings, so backslash escapes
 *        apply to them too when asked for)
 *   `…`  MySQL identifiers (`` doubling, never backslash escapes)
 *   $$…$$, $tag$…$tag$   PostgreSQL dollar-quoted strings
 *   -- … end of line, and /* … *\/ comments (nested, as PostgreSQL nests them)
 *   ::   PostgreSQL casts; `:a::int` is the parameter `a` followed by a cast
 *   \:   an escaped colon: the backslash is dropped and the colon stays literal
 * A colon right after a word or number (`arr[lo:hi]`, `12:30` outside quotes), or followed by
 * anything but an ASCII name (`:=`, `:1`, `:ñ`), is literal too, as in SQLAlchemy.
 *
 * Deliberately not handled (each is rarer than the SQL it would break elsewhere):
 *   `#` comments (MySQL only; `#` is an operator in PostgreSQL), `[…]` identifiers (SQLite
 *   only; `arr[1:2]` is a PostgreSQL slice), MySQL's non-nesting `/* /* *\/` and its
 *   `--` requiring a following space. SQL the scanner misreads still reaches the database,
 *   which reports it; no value is ever spliced into the text.
 *
 * Unterminated strings, identifiers and comments run to the end of the text rather than
 * raising: the database gives the precise syntax error, and a MySQL string such as 'it\'s'
 * must not fail to parse merely because it is read with the other backslash rule.
 */

const QUOTE = 0x27; // '
const DOUBLE_QUOTE = 0x22; // "
const BACKTICK = 0x60; // `
const BACKSLASH = 0x5c; // \
const COLON = 0x3a; // :
const DOLLAR = 0x24; // $
const DASH = 0x2d; // -
const SLASH = 0x2f; // /
const STAR = 0x2a; // *
const QUESTION_MARK = 0x3f; // ?
const LINE_FEED = 0x0a;
const CARRIAGE_RETURN = 0x0d;
const UPPER_E = 0x45;
const LOWER_E = 0x65;
const UNDERSCORE = 0x5f;

export interface TokenizeOptions {
  /** A backslash inside '…' and "…" escapes the next character (MySQL's default mode). */
  readonly backslashEscapes: boolean;
}

export interface TokenizedSql {
  /** Literal SQL around the parameters, escapes resolved: `literals.length === params.length + 1`. */
  readonly literals: readonly string[];
  /** The parameter name of each occurrence, in order (a name used twice appears twice). */
  readonly params: readonly string[];
  /** Offsets in the input of each `?` found in plain SQL (a placeholder for qmark drivers). */
  readonly questionMarks: readonly number[];
  /** Offsets in the input of each `$<digits>` found in plain SQL (a PostgreSQL placeholder). */
  readonly dollarNumbers: readonly number[];
  /**
   * A backslash was seen inside a '…' or "…" literal (not E'…'). Only then can the other
   * `backslashEscapes` setting read the text differently: the two scans agree up to that point.
   */
  readonly backslashInLiteral: boolean;
}

export function tokenizeSql(sql: string, options: TokenizeOptions): TokenizedSql {
  return new SqlScanner(sql, options.backslashEscapes).scan();
}

function isAsciiLetter(c: number): boolean {
  return (c >= 0x41 && c <= 0x5a) || (c >= 0x61 && c <= 0x7a);
}

function isDigit(c: number): boolean {
  return c >= 0x30 && c <= 0x39;
}

/** Parameter names are ASCII only: [A-Za-z_][A-Za-z0-9_]*. */
function isNameStart(c: number): boolean {
  return isAsciiLetter(c) || c === UNDERSCORE;
}

function isNameChar(c: number): boolean {
  return isNameStart(c) || isDigit(c);
}

/**
 * What PostgreSQL and MySQL allow in an unquoted identifier: letters, digits, `_`, `$`, and
 * any non-ASCII character. Reading whole words keeps `a$1` and `a$b$` identifiers, not a
 * placeholder or a dollar quote, and lets `:año` be recognised as not an ASCII name.
 */
function isWordChar(c: number): boolean {
  return isNameChar(c) || c === DOLLAR || c >= 0x80;
}

/** A dollar-quote tag is an identifier without `$` (PostgreSQL lexer `dolq_start`). */
function isTagStart(c: number): boolean {
  return isNameStart(c) || c >= 0x80;
}

function isTagChar(c: number): boolean {
  return isNameChar(c) || c >= 0x80;
}

/** What ended just before the current position; a colon after a word or a colon is literal. */
type Previous = "word" | "colon" | "other";

class SqlScanner {
  private readonly literals: string[] = [];
  private readonly params: string[] = [];
  private readonly questionMarks: number[] = [];
  private readonly dollarNumbers: number[] = [];
  private backslashInLiteral = false;
  /** The current literal, in pieces: it is split only where an escape's backslash was dropped. */
  private pieces: string[] = [];
  /** Start of the input not yet copied into `pieces`; copying is by slices, so the scan stays linear. */
  private copyFrom = 0;
  private previous: Previous = "other";

  constructor(
    private readonly sql: string,
    private readonly backslashEscapes: boolean,
  ) {}

  scan(): TokenizedSql {
    let i = 0;
    while (i < this.sql.length) i = this.step(i);
    this.pieces.push(this.sql.slice(this.copyFrom));
    this.literals.push(this.pieces.join(""));
    return {
      literals: this.literals,
      params: this.params,
      questionMarks: this.questionMarks,
      dollarNumbers: this.dollarNumbers,
      backslashInLiteral: this.backslashInLiteral,
    };
  }

  /** Reads one token starting at `i` and returns where the next one starts. */
  private step(i: number): number {
    const c = this.sql.charCodeAt(i);
    const next = this.sql.charCodeAt(i + 1); // NaN past the end, which matches nothing
    switch (c) {
      case QUOTE:
        return this.after(this.skipQuoted(i, QUOTE, this.backslashEscapes, true), "other");
      case DOUBLE_QUOTE:
        return this.after(this.skipQuoted(i, DOUBLE_QUOTE, this.backslashEscapes, true), "other");
      case BACKTICK:
        return this.after(this.skipQuoted(i, BACKTICK, false, false), "other");
      case DASH:
        if (next === DASH) return this.after(this.skipLineComment(i), "other");
        break;
      case SLASH:
        if (next === STAR) return this.after(this.skipBlockComment(i), "other");
        break;
      case DOLLAR:
        return this.dollar(i);
      case COLON:
        return this.colon(i);
      case BACKSLASH:
        if (next === COLON) return this.escapedColon(i);
        break;
      case QUESTION_MARK:
        this.questionMarks.push(i);
        break;
      default:
        if (isWordChar(c)) return this.word(i);
    }
    return this.after(i + 1, "other");
  }

  private after(end: number, previous: Previous): number {
    this.previous = previous;
    return end;
  }

  /** An identifier, keyword or number; `E'…'` opens a PostgreSQL escape string. */
  private word(i: number): number {
    const sql = this.sql;
    let j = i + 1;
    while (j < sql.length && isWordChar(sql.charCodeAt(j))) j++;
    const c = sql.charCodeAt(i);
    if (j === i + 1 && (c === UPPER_E || c === LOWER_E) && sql.charCodeAt(j) === QUOTE) {
      return this.after(this.skipQuoted(j, QUOTE, true, false), "other");
    }
    return this.after(j, "word");
  }

  /**
   * From the opening quote at `i` to just past the closing one (doubling the quote escapes
   * it); the end of the text if it never closes. `backslashMatters` marks the literals whose
   * reading depends on the `backslashEscapes` setting.
   */
  private skipQuoted(i: number, quote: number, backslashEscapes: boolean, backslashMatters: boolean): number {
    const sql = this.sql;
    let j = i + 1;
    while (j < sql.length) {
      const c = sql.charCodeAt(j);
      if (c === quote) {
        if (sql.charCodeAt(j + 1) !== quote) return j + 1;
        j += 2;
      } else if (c === BACKSLASH) {
        if (backslashMatters) this.backslashInLiteral = true;
        j += backslashEscapes ? 2 : 1;
      } else {
        j++;
      }
    }
    return sql.length;
  }

  /** `--` up to (not including) the end of the line; PostgreSQL ends it at \n or \r. */
  private skipLineComment(i: number): number {
    const sql = this.sql;
    let j = i + 2;
    while (j < sql.length) {
      const c = sql.charCodeAt(j);
      if (c === LINE_FEED || c === CARRIAGE_RETURN) return j;
      j++;
    }
    return sql.length;
  }

  /** `/* … *\/`, counting nested openers as PostgreSQL does. */
  private skipBlockComment(i: number): number {
    const sql = this.sql;
    let depth = 1;
    let j = i + 2;
    while (j < sql.length) {
      const c = sql.charCodeAt(j);
      const next = sql.charCodeAt(j + 1);
      if (c === SLASH && next === STAR) {
        depth++;
        j += 2;
      } else if (c === STAR && next === SLASH) {
        depth--;
        j += 2;
        if (depth === 0) return j;
      } else {
        j++;
      }
    }
    return sql.length;
  }

  /**
   * A `$` not inside a word: `$1` (a placeholder the user wrote, recorded so numeric_dollar
   * compilation can refuse it), `$tag$…$tag$` / `$$…$$`, or a lone `$`.
   */
  private dollar(i: number): number {
    const sql = this.sql;
    let j = i + 1;
    if (isDigit(sql.charCodeAt(j))) {
      while (isDigit(sql.charCodeAt(j))) j++;
      this.dollarNumbers.push(i);
      return this.after(j, "word");
    }
    if (isTagStart(sql.charCodeAt(j))) {
      j++;
      while (isTagChar(sql.charCodeAt(j))) j++;
    }
    if (sql.charCodeAt(j) !== DOLLAR) {
      // `$abc` without a closing `$`: an identifier (MySQL allows `$` first), not a quote.
      return this.after(j, j === i + 1 ? "other" : "word");
    }
    const delimiter = sql.slice(i, j + 1);
    const close = sql.indexOf(delimiter, j + 1);
    return this.after(close < 0 ? sql.length : close + delimiter.length, "other");
  }

  private colon(i: number): number {
    const sql = this.sql;
    const next = sql.charCodeAt(i + 1);
    if (next === COLON) {
      let j = i + 2;
      while (sql.charCodeAt(j) === COLON) j++;
      return this.after(j, "colon");
    }
    if (this.previous !== "other" || !isNameStart(next)) return this.after(i + 1, "colon");
    let end = i + 2;
    while (isNameChar(sql.charCodeAt(end))) end++;
    // `:año` or `:a$b`: the word goes on past the ASCII name, so it is not a parameter (only
    // ASCII names are; taking `:a` from it would send `$1ño`).
    if (end < sql.length && isWordChar(sql.charCodeAt(end))) return this.after(i + 1, "colon");
    this.pieces.push(sql.slice(this.copyFrom, i));
    this.literals.push(this.pieces.join(""));
    this.pieces = [];
    this.params.push(sql.slice(i + 1, end));
    this.copyFrom = end;
    return this.after(end, "word");
  }

  /** `\:` sends a literal colon: copy up to the backslash and resume at the colon. */
  private escapedColon(i: number): number {
    this.pieces.push(this.sql.slice(this.copyFrom, i));
    this.copyFrom = i + 1;
    return this.after(i + 2, "colon");
  }
}
