import pg from "pg";

/**
 * pg's Client.prototype.query, wrapped to count calls while `work` runs: every pg-based
 * contender (athanor, pg.Pool, knex, and knex under MikroORM and TypeORM) goes through it.
 */
export async function countingPgQueries<T>(work: () => Promise<T>): Promise<{ result: T; queries: number }> {
  const proto = pg.Client.prototype as unknown as { query: (...args: unknown[]) => unknown };
  const original = proto.query;
  let queries = 0;
  proto.query = function counted(this: unknown, ...args: unknown[]): unknown {
    queries++;
    return original.apply(this, args);
  };
  try {
    return { result: await work(), queries };
  } finally {
    proto.query = original;
  }
}
