/**
 * The four databases every engine test loops over (Kysely's test-setup habit): SQLite (a
 * file in a temp dir) and PGlite in-process, PostgreSQL and MariaDB on the machine's
 * servers. Each test gets its own table names, so concurrent runs never collide.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createEngine, type Engine, type EngineOptions } from "../../src/index.js";
import { databaseUrl, requireDatabase } from "./databases.js";

export type DatabaseName = "sqlite" | "pglite" | "postgresql" | "mysql";

export interface EngineTarget {
  readonly name: DatabaseName;
  /** A reason to skip (the server is unreachable, outside CI), or false. */
  readonly skip: string | false;
  /** An engine on this database; closed by `disposeAll()`. */
  engine(options?: EngineOptions): Engine;
  /** A table name unique to this run. */
  table(base: string): string;
  /** Placeholder text for expected SQL: "$1" or "?". */
  readonly placeholder: (n: number) => string;
}

const engines: Engine[] = [];
const tempDirs: string[] = [];
let counter = 0;
const runId = `${process.pid.toString(36)}${Date.now().toString(36).slice(-4)}`;

function urlFor(name: DatabaseName): string {
  switch (name) {
    case "sqlite": {
      const dir = mkdtempSync(join(tmpdir(), "athanor-sqlite-"));
      tempDirs.push(dir);
      return `sqlite:///${join(dir, "test.db")}`;
    }
    case "pglite":
      return "pglite://";
    case "postgresql":
      return databaseUrl("postgresql");
    case "mysql":
      return databaseUrl("mysql");
  }
}

/** The four targets; servers that cannot be reached are skipped locally and fail under CI=true. */
export async function engineTargets(): Promise<EngineTarget[]> {
  const out: EngineTarget[] = [];
  for (const name of ["sqlite", "pglite", "postgresql", "mysql"] as const) {
    let skip: string | false = false;
    if (name === "postgresql" || name === "mysql") {
      const availability = await requireDatabase(name);
      if (!availability.reachable) skip = availability.reason;
    }
    out.push({
      name,
      skip,
      engine(options) {
        const engine = createEngine(urlFor(name), options);
        engines.push(engine);
        return engine;
      },
      table: (base) => `${base}_${runId}_${++counter}`,
      placeholder: name === "sqlite" || name === "mysql" ? () => "?" : (n) => `$${n}`,
    });
  }
  return out;
}

/** Dispose every engine made by the targets and remove SQLite temp dirs. */
export async function disposeAll(): Promise<void> {
  for (const engine of engines.splice(0)) await engine.dispose();
  for (const dir of tempDirs.splice(0)) rmSync(dir, { recursive: true, force: true });
}

/** Collect the SQL an engine sends (beforeExecute) for asserting per dialect. */
export function recordSql(engine: Engine): string[] {
  const statements: string[] = [];
  engine.events.on("beforeExecute", (_conn, sql) => void statements.push(sql));
  return statements;
}
