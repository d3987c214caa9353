/**
 * The cache key of a statement (SQLAlchemy `cache_key.py`): its structure with the literal
 * values taken out. Two statements that differ only in their values share a key, so they
 * share one compiled SQL string; the values, collected in the same walk, are bound afresh on
 * each execution.
 */
export class CacheKey {
  readonly #parts: string[] = [];
  /** Literal values in walk order: the compiled statement's slots index into this list. */
  readonly values: unknown[] = [];
  readonly #indexOf = new Map<object, number>();

  /** Structural tokens: keywords, operators, flags. */
  add(...tokens: string[]): void {
    for (const token of tokens) this.#parts.push(token);
  }

  /** A name (identifier, label, parameter name), length-prefixed so no two keys can run together. */
  name(value: string): void {
    this.#parts.push(`${value.length}:${value}`);
  }

  /**
   * A literal value owned by `node`. A node met again in the same statement (one condition
   * used twice) is written as a back-reference, so a statement that shares a node and one
   * that has two equal-looking nodes get different keys and each its own slot mapping.
   */
  value(node: object, value: unknown, typeKey: string): void {
    const seen = this.#indexOf.get(node);
    if (seen !== undefined) {
      this.#parts.push(`&${seen}`);
      return;
    }
    this.#indexOf.set(node, this.values.length);
    this.values.push(value);
    this.#parts.push(`?${typeKey}`);
  }

  /** Where the value of `node` is in `values`; the compiler asks this while writing SQL. */
  indexOf(node: object): number | undefined {
    return this.#indexOf.get(node);
  }

  toString(): string {
    return this.#parts.join(" ");
  }
}
