import assert from "node:assert/strict";
import { after, describe, it } from "node:test";
import { boolean, insert, integer, json, MetaData, select, string } from "../../../src/index.js";
import { disposeAll, engineTargets } from "../../support/engines.js";

after(disposeAll);

for (const target of await engineTargets()) {
  describe(`conn.execute(statement) on ${target.name}`, { skip: target.skip }, () => {
    it("returns rows typed from the statement and converted to the columns' JavaScript types", async () => {
      const metadata = new MetaData();
      const flags = metadata.table(target.table("flags"), {
        id: integer().primaryKey(),
        label: string(20).notNull(),
        on: boolean().notNull(),
        meta: json<{ tags: string[] }>(),
      });
      const engine = target.engine();
      await metadata.createAll(engine);
      const conn = await engine.connect();
      // The first statement of a fresh engine: MariaDB's RETURNING is known only once connected.
      if (engine.dialect.capabilities.returning || target.name === "mysql") {
        const returned = await conn.execute(insert(flags).values({ label: "a", on: true, meta: { tags: ["x"] } }).returning(flags.c.id, flags.c.on));
        assert.equal(returned.one().on, true);
      } else {
        await conn.execute(insert(flags).values({ label: "a", on: true, meta: { tags: ["x"] } }));
      }
      await conn.execute(insert(flags).values({ label: "b", on: false, meta: null }));
      const rows = (await conn.execute(select(flags.c.label, flags.c.on, flags.c.meta).orderBy(flags.c.label))).all();
      const on: boolean = rows[0]!.on; // typed by the statement
      assert.equal(on, true);
      assert.equal(rows[1]!.on, false);
      assert.deepEqual(rows[0]!.meta, { tags: ["x"] });
      assert.equal(rows[1]!.meta, null);
      await conn.commit();
      await conn.close(); // PGlite has one connection: give it back before dropAll takes it
      await metadata.dropAll(engine);
    });
  });
}
