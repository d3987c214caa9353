/**
 * The Pool on its own, over an embedded SQLite file (better-sqlite3): checkout, use,
 * return, a leak report, and what status() shows. Run: npm run example
 */
import Database from "better-sqlite3";
import { QueuePool } from "../src/index.js";

const file = new URL("../.tmp/quickstart.db", import.meta.url).pathname;
await import("node:fs/promises").then((fs) => fs.mkdir(new URL("../.tmp/", import.meta.url), { recursive: true }));

const pool = new QueuePool(() => new Database(file), {
  poolSize: 2,
  maxOverflow: 1,
  timeoutMs: 1_000,
  leakDetectionMs: 200, // warn (with the checkout's stack) about connections held longer than this
});

{
  await using conn = await pool.connect(); // returned to the pool at the end of the block
  const db = conn.dbapiConnection;
  db.exec("CREATE TABLE IF NOT EXISTS visits (id INTEGER PRIMARY KEY, at TEXT)");
  db.prepare("INSERT INTO visits (at) VALUES (?)").run(new Date().toISOString());
  const { n } = db.prepare("SELECT count(*) AS n FROM visits").get() as { n: number };
  console.log(`visits so far: ${n}`);
}

// Three at once: two pooled connections and one overflow, closed again when returned.
const held = await Promise.all([pool.connect(), pool.connect(), pool.connect()]);
console.log("three checked out:", summary());
const slow = held.pop()!;
for (const c of held) await c.close();
await new Promise((r) => setTimeout(r, 300)); // `slow` is now held past leakDetectionMs: a warning is logged
console.log("one still out:", summary(), "held for", pool.status().connections[0]?.checkedOutForMs, "ms");
await slow.close();
console.log("all returned:", summary());
await pool.dispose();

function summary(): string {
  const { size, checkedIn, checkedOut, overflow, waiting } = pool.status();
  return JSON.stringify({ size, checkedIn, checkedOut, overflow, waiting });
}
