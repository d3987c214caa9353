/**
 * A request-scoped session in Express, on an embedded SQLite file: each request gets its own
 * session (made on first use), committed before a successful response goes out, rolled back
 * when the handler fails, and always removed when the request ends.
 *
 * Run: npm run example:web   (with --self-test it calls itself a few times and exits;
 * without, it serves on PORT, default 3000: curl -X POST localhost:3000/notes -d '{"text":"hi"}' -H 'content-type: application/json')
 */
import { mkdirSync } from "node:fs";
import type { AddressInfo } from "node:net";
import express from "express";
import { createEngine, scopedSession, sessionmaker, text } from "../src/index.js";
import { athanorExpress } from "../src/web/express.js"; // in an app: "athanor/express"

mkdirSync(new URL("../.tmp/", import.meta.url), { recursive: true });
// One connection: SQLite has one writer at a time, and better-sqlite3 waits for the lock synchronously.
const engine = createEngine(`sqlite:///${new URL("../.tmp/web.db", import.meta.url).pathname}`, { poolSize: 1, maxOverflow: 0 });
const db = scopedSession(sessionmaker({ bind: engine }));

await db.scope(async () => {
  await db.execute(text("CREATE TABLE IF NOT EXISTS notes (id INTEGER PRIMARY KEY AUTOINCREMENT, text TEXT NOT NULL)"));
  await db.commit();
});

const app = express();
app.use(athanorExpress(db, { commit: "on-success" })); // a session per request, removed at the end
app.use(express.json());

app.get("/notes", async (_req, res) => {
  const notes = await db.execute<{ id: number; text: string }>(text("SELECT id, text FROM notes ORDER BY id"));
  res.json(notes.mappings().all());
});

app.post("/notes", async (req, res) => {
  const body = req.body as { text?: unknown };
  await db.execute(text("INSERT INTO notes (text) VALUES (:text)"), { text: String(body.text ?? "") });
  // Not committed yet: the middleware commits before this 201 leaves, or answers 500 if it can't.
  if (body.text === "") throw new Error("a note needs text"); // → 500, and the INSERT is rolled back
  res.status(201).json({ saved: body.text });
});

// Errors answer 500 (the middleware has already rolled back by the time this response goes out).
app.use(((err, _req, res, _next) => {
  res.status(500).json({ error: err instanceof Error ? err.message : String(err) });
}) satisfies express.ErrorRequestHandler);

const server = app.listen(Number(process.env.PORT ?? (process.argv.includes("--self-test") ? 0 : 3000)), "127.0.0.1");
await new Promise((resolve) => server.once("listening", resolve));
const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
console.log(`listening on ${base}`);

if (process.argv.includes("--self-test")) {
  const post = (note: string) =>
    fetch(`${base}/notes`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ text: note }) });
  const before = ((await (await fetch(`${base}/notes`)).json()) as unknown[]).length;
  console.log(`POST "hello" → ${(await post("hello")).status}`);
  console.log(`POST ""      → ${(await post("")).status} (the handler threw: rolled back)`);
  const notes = (await (await fetch(`${base}/notes`)).json()) as { text: string }[];
  console.log(`GET /notes   → ${notes.length} note(s), the last: ${JSON.stringify(notes.at(-1))}`);
  const status = engine.pool.status();
  console.log(`pool: ${status.checkedOut} checked out, ${status.checkedIn} idle`);
  server.close();
  await engine.dispose();
  const ok = notes.length === before + 1 && notes.at(-1)?.text === "hello" && status.checkedOut === 0;
  if (!ok) {
    console.error("self-test failed");
    process.exitCode = 1;
  }
}
