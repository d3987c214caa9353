/** Reading driver errors without trusting their shape. */

/** The error, then what it wraps (`cause`, `orig`, AggregateError `errors`), a few levels deep. */
export function errorChain(err: unknown): object[] {
  const seen = new Set<object>();
  const pending: unknown[] = [err];
  while (pending.length > 0 && seen.size < 16) {
    const next = pending.shift();
    if (typeof next !== "object" || next === null || seen.has(next)) continue;
    seen.add(next);
    pending.push(field(next, "cause"), field(next, "orig"));
    const inner = field(next, "errors");
    if (Array.isArray(inner)) pending.push(...inner);
  }
  return [...seen];
}

export function field(obj: object, key: string): unknown {
  return (obj as Record<string, unknown>)[key];
}

export function stringField(obj: object, key: string): string | undefined {
  const value = field(obj, key);
  return typeof value === "string" ? value : undefined;
}
