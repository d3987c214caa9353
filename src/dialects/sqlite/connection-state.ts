/**
 * What the dialect keeps per better-sqlite3 connection: its statement cache and its open
 * cursors. The dialect keeps these beside the connection (a WeakMap), not in a wrapper, so
 * pool events and users see the real driver `Database`, as SQLAlchemy hands out the DB-API
 * connection.
 */
import type { SqliteCursor } from "./cursor.js";
import { StatementCache } from "./statement-cache.js";

export class SqliteConnectionState {
  readonly statements: StatementCache;
  readonly openCursors = new Set<SqliteCursor>();

  constructor(statementCacheSize: number) {
    this.statements = new StatementCache(statementCacheSize);
  }

  /** Close every cursor still open, so that the connection may run writes again. */
  closeCursors(): void {
    for (const cursor of [...this.openCursors]) cursor.closeNow();
  }
}
