/**
 * The databases the web tests run on (the issue: real PostgreSQL and MariaDB, and SQLite),
 * with an engine sized for 200 concurrent requests and a logger that keeps what athanor says.
 */
import { scopedSession, sessionmaker, type Engine, type EngineOptions, type Logger, type ScopedSession } from "../../../src/index.js";
import { engineTargets, type EngineTarget } from "../../support/engines.js";
import { trackServerConnections, type ServerConnections } from "./server-state.js";

export interface WebTarget {
  readonly name: "sqlite" | "postgresql" | "mysql";
  readonly skip: string | false;
  /** A fresh engine + scoped session on this database, its connections tracked. */
  open(options?: EngineOptions): WebDatabase;
  table(base: string): string;
}

export interface WebDatabase {
  readonly engine: Engine;
  readonly db: ScopedSession;
  readonly server: ServerConnections;
  /** Everything athanor logged through the engine's logger. */
  readonly logged: { level: string; message: string }[];
}

/**
 * SQLite gets one connection: better-sqlite3 is synchronous, so a second connection waiting
 * for the write lock would block the event loop (and the holder) for its whole busy timeout.
 */
const SIZING: Record<WebTarget["name"], EngineOptions> = {
  sqlite: { poolSize: 1, maxOverflow: 0 },
  postgresql: { poolSize: 10, maxOverflow: 5 },
  mysql: { poolSize: 10, maxOverflow: 5 },
};

export async function webTargets(): Promise<WebTarget[]> {
  const all = await engineTargets();
  return all.filter((t): t is EngineTarget & { name: WebTarget["name"] } => t.name !== "pglite").map((t) => ({
    name: t.name,
    skip: t.skip,
    table: t.table,
    open(options?: EngineOptions): WebDatabase {
      const logged: WebDatabase["logged"] = [];
      const logger: Logger = {
        warn: (message) => void logged.push({ level: "warn", message }),
        error: (message) => void logged.push({ level: "error", message }),
      };
      const engine = t.engine({ ...SIZING[t.name], logger, ...options });
      const server = trackServerConnections(engine, t.name);
      if (t.name === "sqlite") {
        // WAL without an fsync per commit: better-sqlite3 blocks the event loop while it syncs,
        // and here the server shares that loop with the test's own client.
        engine.pool.events.on("connect", (dbapi: unknown) => {
          const sqlite = dbapi as { pragma(source: string): unknown };
          sqlite.pragma("journal_mode = WAL");
          sqlite.pragma("synchronous = NORMAL");
        });
      }
      const db = scopedSession(sessionmaker({ bind: engine }));
      return { engine, db, server, logged };
    },
  }));
}
