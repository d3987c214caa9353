/**
 * A write that succeeds but whose COMMIT fails: a child row pointing at no parent, under a
 * foreign key checked only at commit (DEFERRABLE INITIALLY DEFERRED; PostgreSQL and SQLite
 * have it, MariaDB does not).
 */
import { text, type ScopedSession } from "../../../src/index.js";
import type { WebTarget } from "./targets.js";

export interface CommitFailureSchema {
  readonly child: string;
  drop(): Promise<void>;
}

export async function commitFailureSchema(target: WebTarget, db: ScopedSession): Promise<CommitFailureSchema> {
  if (target.name === "sqlite") {
    // SQLite enforces foreign keys only when asked, per connection and outside a transaction.
    db.factory.options.bind.pool.events.on("connect", (dbapi: unknown) => {
      (dbapi as { pragma(source: string): unknown }).pragma("foreign_keys = ON");
    });
  }
  const parent = target.table("web_parent");
  const child = target.table("web_child");
  await db.scope(async () => {
    await db.execute(text(`CREATE TABLE ${parent} (id INTEGER PRIMARY KEY)`));
    await db.execute(
      text(
        `CREATE TABLE ${child} (id INTEGER PRIMARY KEY, parent_id INTEGER NOT NULL, ` +
          `CONSTRAINT ${child}_fk FOREIGN KEY (parent_id) REFERENCES ${parent} (id) DEFERRABLE INITIALLY DEFERRED)`,
      ),
    );
    await db.commit();
  });
  return {
    child,
    drop: () =>
      db.scope(async () => {
        await db.execute(text(`DROP TABLE ${child}`));
        await db.execute(text(`DROP TABLE ${parent}`));
        await db.commit();
      }),
  };
}

/** Insert an orphan: accepted now, refused at COMMIT. */
export async function violateOnCommit(db: ScopedSession, schema: CommitFailureSchema, id: number): Promise<void> {
  await db.execute(text(`INSERT INTO ${schema.child} (id, parent_id) VALUES (:id, :parent)`), { id, parent: 999_999 });
}
