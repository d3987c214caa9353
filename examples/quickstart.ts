/**
 * athanor in one file, on an embedded SQLite database: an engine and its pool, a table,
 * an executemany, a transaction, a rollback, a stream, and what the pool shows at the end.
 * Run: npm run example
 */
import { mkdirSync } from "node:fs";
import { createEngine, IntegrityError, text } from "../src/index.js";

mkdirSync(new URL("../.tmp/", import.meta.url), { recursive: true });
const engine = createEngine(`sqlite:///${new URL("../.tmp/quickstart.db", import.meta.url).pathname}`, {
  poolSize: 2,
  poolPrePing: true,
});

// A transaction: committed when the function returns, rolled back if it throws.
await engine.begin(async (conn) => {
  await conn.execute(text("DROP TABLE IF EXISTS orders"));
  await conn.execute(text("CREATE TABLE orders (id INTEGER PRIMARY KEY, customer TEXT NOT NULL, total REAL)"));
  // executemany: one multi-row INSERT per batch, not one round trip per row.
  const rows = Array.from({ length: 5_000 }, (_, i) => ({ id: i + 1, customer: `customer-${i % 50}`, total: (i % 97) + 0.5 }));
  const result = await conn.execute(text("INSERT INTO orders (id, customer, total) VALUES (:id, :customer, :total)"), rows);
  console.log(`inserted ${result.rowCount} orders`);
});

// Commit as you go, and a rollback that undoes what it should.
{
  await using conn = await engine.connect(); // returned to the pool at the end of the block
  await conn.execute(text("UPDATE orders SET total = total * 2 WHERE customer = :c"), { c: "customer-7" });
  await conn.commit();
  await conn.execute(text("DELETE FROM orders")); // oops
  await conn.rollback();
  const left = await conn.execute(text("SELECT COUNT(*) AS n FROM orders"));
  console.log(`after the rollback: ${left.scalar()} orders`);

  // Errors are typed: a duplicate key is an IntegrityError that keeps the SQL and the driver's error.
  try {
    await conn.execute(text("INSERT INTO orders (id, customer) VALUES (:id, :c)"), { id: 1, c: "dup" });
  } catch (err) {
    if (err instanceof IntegrityError) console.log(`IntegrityError (${String(err.driverCode)}): ${err.message.split("\n")[0]}`);
    await conn.rollback();
  }

  // Rows by name, by position, destructured.
  const top = await conn.execute<{ customer: string; spent: number }>(
    text("SELECT customer, SUM(total) AS spent FROM orders GROUP BY customer ORDER BY spent DESC LIMIT :n"),
    { n: 3 },
  );
  for (const row of top) {
    const [customer, spent] = row;
    console.log(`  ${String(customer)} spent ${Number(spent).toFixed(2)} (${row.customer === customer ? "same by name" : "?"})`);
  }

  // A stream reads in batches through a cursor: memory stays flat however many rows there are.
  let streamed = 0;
  for await (const batch of (await conn.stream(text("SELECT id, total FROM orders ORDER BY id"), {}, { yieldPer: 1000 })).partitions()) {
    streamed += batch.length;
  }
  console.log(`streamed ${streamed} rows in batches of 1000`);
}

const { size, checkedIn, checkedOut, overflow, waiting } = engine.pool.status();
console.log("pool status:", { size, checkedIn, checkedOut, overflow, waiting });
await engine.dispose();
