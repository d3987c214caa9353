import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { ArgumentError } from "../../../src/errors.js";
import { isTextClause, text, type CompileOptions, type CompiledSql } from "../../../src/sql/text.js";
import { tokenizeSql } from "../../../src/sql/tokenize.js";

/** Asserts both placeholder styles: [sql, positions] for numeric_dollar, then for qmark. */
function compiles(
  sql: string,
  dollar: [string, string[]],
  qmark: [string, string[]],
  options?: CompileOptions,
): void {
  const clause = text(sql);
  const asPlain = (c: CompiledSql) => [c.sql, [...c.positions]];
  assert.deepEqual(asPlain(clause.compile("numeric_dollar", options)), dollar, `numeric_dollar for ${sql}`);
  assert.deepEqual(asPlain(clause.compile("qmark", options)), qmark, `qmark for ${sql}`);
}

/** The same SQL back, no parameters, in both styles. */
function literal(sql: string, options?: CompileOptions): void {
  compiles(sql, [sql, []], [sql, []], options);
}

function rejects(make: () => unknown, pattern: RegExp): void {
  assert.throws(make, (err: unknown) => {
    assert.ok(err instanceof ArgumentError, `expected ArgumentError, got ${String(err)}`);
    assert.equal(err.code, "ARGUMENT_ERROR");
    assert.match(err.message, pattern);
    return true;
  });
}

describe("text(): :name parameters compiled to the driver's placeholders", () => {
  it("compiles the basic case", () => {
    compiles("SELECT x FROM t WHERE y > :y", ["SELECT x FROM t WHERE y > $1", ["y"]], ["SELECT x FROM t WHERE y > ?", ["y"]]);
    compiles(
      "INSERT INTO t (x, y) VALUES (:x,:y)",
      ["INSERT INTO t (x, y) VALUES ($1,$2)", ["x", "y"]],
      ["INSERT INTO t (x, y) VALUES (?,?)", ["x", "y"]],
    );
    compiles(":only", ["$1", ["only"]], ["?", ["only"]]);
    compiles("SELECT :_a1, :B_2", ["SELECT $1, $2", ["_a1", "B_2"]], ["SELECT ?, ?", ["_a1", "B_2"]]);
    literal("SELECT 1");
    literal("");
  });

  it("numbers a repeated name once for numeric_dollar, and repeats it for qmark", () => {
    compiles(
      "SELECT :a, :b, :a, :c, :b",
      ["SELECT $1, $2, $1, $3, $2", ["a", "b", "c"]],
      ["SELECT ?, ?, ?, ?, ?", ["a", "b", "a", "c", "b"]],
    );
    assert.deepEqual(text("SELECT :a, :b, :a").paramNames, ["a", "b"]);
  });

  it("leaves PostgreSQL casts alone and reads :a::int as a parameter then a cast", () => {
    literal("SELECT x::int, '{}'::jsonb, y::text[]");
    compiles("SELECT :a::int", ["SELECT $1::int", ["a"]], ["SELECT ?::int", ["a"]]);
    compiles("SELECT CAST(:a AS int)::text", ["SELECT CAST($1 AS int)::text", ["a"]], ["SELECT CAST(? AS int)::text", ["a"]]);
  });

  it("keeps :name inside single-quoted strings, with '' doubling", () => {
    compiles("SELECT ':x', :y", ["SELECT ':x', $1", ["y"]], ["SELECT ':x', ?", ["y"]]);
    compiles("SELECT 'it''s :x', :y", ["SELECT 'it''s :x', $1", ["y"]], ["SELECT 'it''s :x', ?", ["y"]]);
    compiles("SELECT '''', :y, ''", ["SELECT '''', $1, ''", ["y"]], ["SELECT '''', ?, ''", ["y"]]);
    literal("SELECT '12:30', TIME '23:59:59'");
  });

  it("reads backslash as a plain character in standard strings ('C:\\' is a whole literal)", () => {
    compiles("SELECT 'C:\\', :x", ["SELECT 'C:\\', $1", ["x"]], ["SELECT 'C:\\', ?", ["x"]]);
  });

  it("always reads backslash escapes in PostgreSQL E'…' strings", () => {
    compiles("SELECT E'\\'', :x", ["SELECT E'\\'', $1", ["x"]], ["SELECT E'\\'', ?", ["x"]]);
    compiles("SELECT e'it\\'s :no', :x", ["SELECT e'it\\'s :no', $1", ["x"]], ["SELECT e'it\\'s :no', ?", ["x"]]);
    // A word ending in E is not the E prefix: THE'…' is a word then a standard string.
    compiles("SELECT THE'\\', :x", ["SELECT THE'\\', $1", ["x"]], ["SELECT THE'\\', ?", ["x"]]);
  });

  it("reads MySQL backslash escapes in '…' and \"…\" when backslashEscapes is set", () => {
    const mysql = { backslashEscapes: true };
    compiles("SELECT 'it\\'s :x', :y", ["SELECT 'it\\'s :x', $1", ["y"]], ["SELECT 'it\\'s :x', ?", ["y"]], mysql);
    compiles('SELECT "say \\" :x", :y', ['SELECT "say \\" :x", $1', ["y"]], ['SELECT "say \\" :x", ?', ["y"]], mysql);
    compiles("SELECT 'a\\\\', :y", ["SELECT 'a\\\\', $1", ["y"]], ["SELECT 'a\\\\', ?", ["y"]], mysql);
    // Without the flag the same text is read the standard way: 'it\' ends the string.
    assert.deepEqual(text("SELECT 'it\\'s :x', :y'").compile("qmark").positions, ["x"]);
  });

  it("lets bindParams accept names from either backslash reading, and paramNames use the standard one", () => {
    const clause = text("SELECT 'it\\'s :x', :y");
    assert.deepEqual(clause.paramNames, ["x"]);
    const bound = clause.bindParams({ y: 2 });
    assert.deepEqual(bound.values("qmark", {}, { backslashEscapes: true }), [2]);
  });

  it("skips double-quoted identifiers (\"\" doubling) and MySQL backticks (`` doubling)", () => {
    compiles('SELECT "a:b", "x"":y", :z', ['SELECT "a:b", "x"":y", $1', ["z"]], ['SELECT "a:b", "x"":y", ?', ["z"]]);
    compiles("SELECT `a:b`, `x``:y`, :z", ["SELECT `a:b`, `x``:y`, $1", ["z"]], ["SELECT `a:b`, `x``:y`, ?", ["z"]]);
    // Backslash never escapes inside backticks, even for MySQL.
    compiles("SELECT `a\\`, :z", ["SELECT `a\\`, $1", ["z"]], ["SELECT `a\\`, ?", ["z"]], { backslashEscapes: true });
  });

  it("skips PostgreSQL dollar-quoted strings, with and without tags", () => {
    compiles("SELECT $$ :a ' $$, :b", ["SELECT $$ :a ' $$, $1", ["b"]], ["SELECT $$ :a ' $$, ?", ["b"]]);
    compiles(
      "DO $fn$ BEGIN PERFORM $$ :x $$; -- :y\n END $fn$; SELECT :z",
      ["DO $fn$ BEGIN PERFORM $$ :x $$; -- :y\n END $fn$; SELECT $1", ["z"]],
      ["DO $fn$ BEGIN PERFORM $$ :x $$; -- :y\n END $fn$; SELECT ?", ["z"]],
    );
    // $a$ inside a $b$ body does not close it.
    compiles("SELECT $b$ $a$ :x $a$ $b$, :y", ["SELECT $b$ $a$ :x $a$ $b$, $1", ["y"]], ["SELECT $b$ $a$ :x $a$ $b$, ?", ["y"]]);
    // Identifiers may contain $: a$b$ is one word, not a dollar quote.
    compiles("SELECT a$b$, :y, c$1", ["SELECT a$b$, $1, c$1", ["y"]], ["SELECT a$b$, ?, c$1", ["y"]]);
  });

  it("skips line comments and nested block comments", () => {
    compiles("SELECT :a -- :b ' \n, :c", ["SELECT $1 -- :b ' \n, $2", ["a", "c"]], ["SELECT ? -- :b ' \n, ?", ["a", "c"]]);
    compiles("SELECT 1 -- :b", ["SELECT 1 -- :b", []], ["SELECT 1 -- :b", []]);
    compiles("SELECT /* :a /* :b */ :c */ :d", ["SELECT /* :a /* :b */ :c */ $1", ["d"]], ["SELECT /* :a /* :b */ :c */ ?", ["d"]]);
    compiles("SELECT 1 - :a, 2/:b", ["SELECT 1 - $1, 2/$2", ["a", "b"]], ["SELECT 1 - ?, 2/?", ["a", "b"]]);
    // # is not a comment (it is an operator in PostgreSQL).
    compiles("SELECT 1 # :a", ["SELECT 1 # $1", ["a"]], ["SELECT 1 # ?", ["a"]]);
  });

  it("turns \\: into a literal colon and removes the backslash", () => {
    compiles("SELECT '\\:x', \\:foo, :bar", ["SELECT '\\:x', :foo, $1", ["bar"]], ["SELECT '\\:x', :foo, ?", ["bar"]]);
    compiles("SELECT x\\:\\:int", ["SELECT x::int", []], ["SELECT x::int", []]);
    literal("SELECT a \\ b");
  });

  it("leaves :=, a colon before a non-name, and a colon after a word literal", () => {
    literal("SET @a := 1");
    literal("SELECT arr[1:2], arr[lo:hi], x:y, 1:x");
    literal("SELECT : a, :1, :-");
    compiles("SELECT arr[:n]", ["SELECT arr[$1]", ["n"]], ["SELECT arr[?]", ["n"]]);
  });

  it("takes only ASCII names: :ñ and :año stay literal", () => {
    literal("SELECT :ñ, :año, :a$b");
    compiles("SELECT :a, 'ñ'", ["SELECT $1, 'ñ'", ["a"]], ["SELECT ?, 'ñ'", ["a"]]);
  });

  it("compiles multi-statement SQL as one text", () => {
    compiles(
      "UPDATE t SET x = :x WHERE id = :id; DELETE FROM u WHERE id = :id;",
      ["UPDATE t SET x = $1 WHERE id = $2; DELETE FROM u WHERE id = $2;", ["x", "id"]],
      ["UPDATE t SET x = ? WHERE id = ?; DELETE FROM u WHERE id = ?;", ["x", "id", "id"]],
    );
  });

  it("runs unterminated strings and comments to the end instead of failing", () => {
    literal("SELECT 'abc :x");
    literal("SELECT /* :x");
    literal("SELECT $t$ :x");
    literal('SELECT "a :x');
  });

  it("compiles once per style and shares the compiled form with bindParams clauses", () => {
    const clause = text("SELECT :a");
    assert.equal(clause.compile("qmark"), clause.compile("qmark"));
    assert.equal(clause.bindParams({ a: 1 }).compile("numeric_dollar"), clause.compile("numeric_dollar"));
    assert.ok(Object.isFrozen(clause.compile("qmark")));
    assert.ok(Object.isFrozen(clause.compile("qmark").positions));
  });

  it("keeps the original text in text and toString()", () => {
    const clause = text("SELECT \\:x, :y");
    assert.equal(clause.text, "SELECT \\:x, :y");
    assert.equal(String(clause), "SELECT \\:x, :y");
    assert.ok(isTextClause(clause));
    assert.ok(!isTextClause("SELECT 1"));
    assert.ok(!isTextClause({ text: "SELECT 1" }));
  });
});

describe("text(): placeholders the driver would misread are refused", () => {
  it("refuses a bare ? for qmark drivers, but not inside strings, comments or identifiers", () => {
    rejects(() => text("SELECT * FROM t WHERE a = ? AND b = :b").compile("qmark"), /literal '\?' at offset 26: .*use a :name parameter/);
    literal("SELECT '?', \"?\", `?`, $$?$$ -- ?\n /* ? */");
    // PostgreSQL's jsonb ? operator is fine with $n placeholders.
    assert.equal(text("SELECT data ? :k").compile("numeric_dollar").sql, "SELECT data ? $1");
  });

  it("refuses a written $1 for numeric_dollar drivers, but accepts dollar quotes and identifiers", () => {
    rejects(() => text("SELECT * FROM t WHERE a = $12 AND b = :b").compile("numeric_dollar"), /positional placeholder '\$12' at offset 26.*:name parameter/);
    literal("SELECT $_1$ x $_1$, $é$ :x $é$");
    // A tag cannot start with a digit (PostgreSQL lexer), so $1$ is the placeholder $1.
    rejects(() => text("SELECT $1$ x $1$").compile("numeric_dollar"), /'\$1' at offset 7/);
    assert.equal(text("SELECT a$1, :b").compile("numeric_dollar").sql, "SELECT a$1, $1");
    assert.equal(text("SELECT '$1', :b").compile("numeric_dollar").sql, "SELECT '$1', $1");
  });

  it("refuses an unknown style and bad options", () => {
    rejects(() => text("SELECT 1").compile("pyformat" as never), /Unknown parameter style "pyformat"; expected "numeric_dollar" or "qmark"/);
    rejects(() => text("SELECT 1").compile("qmark", { backslashEscapes: "yes" as never }), /backslashEscapes must be true or false; got "yes"/);
    rejects(() => text("SELECT 1").compile("qmark", 5 as never), /Compile options must be an object/);
  });

  it("refuses non-string SQL", () => {
    rejects(() => text(5 as never), /text\(\) takes the SQL as a string; got number 5/);
    rejects(() => text(undefined as never), /got undefined/);
  });
});

describe("text(): values are bound by name, checked before anything is sent", () => {
  it("orders values by position for each style", () => {
    const clause = text("SELECT :a, :b, :a");
    assert.deepEqual(clause.values("numeric_dollar", { a: 1, b: 2 }), [1, 2]);
    assert.deepEqual(clause.values("qmark", { a: 1, b: 2 }), [1, 2, 1]);
    assert.deepEqual(text("SELECT 1").values("qmark"), []);
  });

  it("names a missing parameter and the names given", () => {
    rejects(() => text("SELECT :x, :y").values("qmark", { x: 1, z: 2 }), /^A value is required for bind parameter 'y' \(given: 'x', 'z'\)/);
    rejects(() => text("SELECT :x").values("numeric_dollar"), /^A value is required for bind parameter 'x' \(no values were given\)/);
  });

  it("treats undefined as missing and null as SQL NULL", () => {
    rejects(() => text("SELECT :x").values("qmark", { x: undefined }), /bind parameter 'x'.*use null for SQL NULL/);
    assert.deepEqual(text("SELECT :x").values("qmark", { x: null }), [null]);
  });

  it("ignores extra keys, and keys inherited from Object.prototype are never values", () => {
    assert.deepEqual(text("SELECT :x").values("qmark", { x: 1, extra: 2 }), [1]);
    rejects(() => text("SELECT :constructor").values("qmark", {}), /bind parameter 'constructor'/);
    rejects(() => text("SELECT :toString").bindParams({}).values("qmark"), /bind parameter 'toString'/);
  });

  it("takes only a plain object of parameters", () => {
    const clause = text("SELECT :x");
    for (const bad of [[1], new Map([["x", 1]]), new Date(), null, 5, "x"]) {
      rejects(() => clause.values("qmark", bad as never), /^Parameters must be a plain object of name -> value/);
    }
    assert.deepEqual(clause.values("qmark", Object.assign(Object.create(null) as Record<string, unknown>, { x: 1 })), [1]);
  });

  it("bindParams merges into a new clause; later values and call-time params win", () => {
    const base = text("SELECT :a, :b");
    const one = base.bindParams({ a: 1 });
    const two = one.bindParams({ b: 2 });
    assert.deepEqual({ ...base.boundValues }, {});
    assert.deepEqual({ ...one.boundValues }, { a: 1 });
    assert.deepEqual(two.values("qmark"), [1, 2]);
    assert.deepEqual(two.bindParams({ a: 10 }).values("qmark"), [10, 2]);
    assert.deepEqual(two.values("numeric_dollar", { b: 20 }), [1, 20]);
    // undefined at call time does not hide a bound value.
    assert.deepEqual(two.values("qmark", { a: undefined }), [1, 2]);
    assert.ok(Object.isFrozen(two.boundValues));
    assert.equal(two.text, base.text);
  });

  it("bindParams refuses names the SQL does not use, naming the ones it does", () => {
    rejects(() => text("SELECT :a, :b").bindParams({ a: 1, c: 3, d: 4 }), /doesn't define a bound parameter named 'c', 'd'\. Its parameters are: 'a', 'b'\./);
    rejects(() => text("SELECT ':a'").bindParams({ a: 1 }), /named 'a'\. It has no :name parameters\./);
    rejects(() => text("SELECT :a").bindParams([1] as never), /bindParams\(\) values must be a plain object/);
  });
});

describe("text(): scanning is linear and self-consistent", () => {
  it("compiles a 1 MB SQL string", () => {
    const unit = "SELECT :a, 'x:y''z', \"q:r\", $$ :s $$ /* :t */ -- :u\n, x::int, :b;\n";
    const sql = unit.repeat(Math.ceil(1_000_000 / unit.length));
    const units = sql.length / unit.length;
    const compiled = text(sql).compile("qmark");
    assert.equal(compiled.positions.length, units * 2);
    assert.equal(compiled.sql.length, sql.length - units * 2);
    assert.deepEqual(text(sql).compile("numeric_dollar").positions, ["a", "b"]);
  });

  it("stays linear on inputs that invite rescanning", () => {
    // Each of these would be quadratic if a failed match restarted from the next character.
    for (const sql of ["$a".repeat(200_000), "$".repeat(400_000), "/*".repeat(200_000), "'".repeat(400_000), ":a".repeat(200_000)]) {
      const compiled = text(sql).compile("numeric_dollar");
      assert.equal(typeof compiled.sql, "string");
    }
  });

  it("compiles random SQL made of safe fragments to the expected SQL and positions", () => {
    // Each fragment: the input, what it becomes with placeholders elided, and its parameter if any.
    type Fragment = { input: string; output: string; param?: string };
    const fixed: Fragment[] = [
      "'str :x ? $1'", "'it''s :y'", "E'\\' :z'", "\"id:y?\"", "`b:t`", "-- c :z ?\n", "/* :w /* ? */ $1 */",
      "$$ :v ? $$", "$q$ :v $$ $q$", "x::int", "@a := 1", "arr[1:2]", "a$1", ":ñ", "12:30", "(", ")", ",",
    ].map((s) => ({ input: s, output: s }));
    fixed.push({ input: "\\:esc", output: ":esc" }, { input: "'C:\\'", output: "'C:\\'" });
    const names = ["a", "b", "c", "_d1"];
    const separators = [" ", "\n", " , ", "\t"];
    let state = 0x9e3779b9;
    const random = (n: number): number => {
      // xorshift32: deterministic, so a failure reproduces.
      state ^= state << 13;
      state ^= state >>> 17;
      state ^= state << 5;
      return (state >>> 0) % n;
    };
    for (let run = 0; run < 500; run++) {
      const fragments: Fragment[] = [];
      const length = random(20);
      for (let k = 0; k < length; k++) {
        if (random(3) === 0) {
          const name = names[random(names.length)] as string;
          fragments.push({ input: `:${name}`, output: "", param: name });
        } else {
          fragments.push(fixed[random(fixed.length)] as Fragment);
        }
      }
      const seps = fragments.map(() => separators[random(separators.length)] as string);
      const sql = fragments.map((f, k) => f.input + seps[k]).join("");
      const occurrences = fragments.flatMap((f) => (f.param === undefined ? [] : [f.param]));
      const distinctNames = [...new Set(occurrences)];
      const expectQmark = fragments.map((f, k) => (f.param === undefined ? f.output : "?") + seps[k]).join("");
      const expectDollar = fragments
        .map((f, k) => (f.param === undefined ? f.output : `$${distinctNames.indexOf(f.param) + 1}`) + seps[k])
        .join("");
      const clause = text(sql);
      const qmark = clause.compile("qmark");
      const dollar = clause.compile("numeric_dollar");
      assert.equal(qmark.sql, expectQmark, `run ${run}: ${JSON.stringify(sql)}`);
      assert.deepEqual(qmark.positions, occurrences, `run ${run}`);
      assert.equal(dollar.sql, expectDollar, `run ${run}: ${JSON.stringify(sql)}`);
      assert.deepEqual(dollar.positions, distinctNames, `run ${run}`);
      // Read back, the output holds exactly as many placeholders as positions says.
      assert.equal(tokenizeSql(qmark.sql, { backslashEscapes: false }).questionMarks.length, qmark.positions.length, `run ${run}`);
      assert.equal(tokenizeSql(dollar.sql, { backslashEscapes: false }).dollarNumbers.length, occurrences.length, `run ${run}`);
    }
  });
});

describe("text(): the same SQL string is scanned once", () => {
  it("two clauses of one string share the compiled form; their bound values stay their own", () => {
    const sql = "SELECT * FROM t WHERE a = :a AND b = :b";
    const first = text(sql);
    const second = text(sql);
    assert.equal(first.compile("numeric_dollar"), second.compile("numeric_dollar"), "compiled once, shared");
    const bound = first.bindParams({ a: 1 });
    assert.deepEqual(bound.values("numeric_dollar", { b: 2 }), [1, 2]);
    assert.throws(() => second.values("numeric_dollar", { b: 2 }), /bind parameter 'a'/, "the other clause got no value for :a");
    assert.equal(Object.keys(text(sql).boundValues).length, 0);
  });

  it("past the cache's size, every text still compiles to its own SQL", () => {
    for (let i = 0; i < 1200; i++) {
      const clause = text(`SELECT :v${i} AS c${i}`);
      assert.deepEqual(clause.compile("numeric_dollar"), { sql: `SELECT $1 AS c${i}`, positions: [`v${i}`] });
    }
    assert.equal(text("SELECT :v0 AS c0").compile("qmark").sql, "SELECT ? AS c0");
  });

  it("a refused placeholder is refused every time, not only on the first compile", () => {
    const sql = "SELECT $1 + :x";
    for (let i = 0; i < 2; i++) assert.throws(() => text(sql).compile("numeric_dollar"), ArgumentError);
  });
});
