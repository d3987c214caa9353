/**
 * Session ORM behaviour on every database: the identity map (same object, no second query,
 * weak entries collected), rollback and savepoint rollback restoring state, expireOnCommit,
 * explicit relationship loading, Query, merge, pagination and streaming.
 */
import assert from "node:assert/strict";
import { after, describe, it } from "node:test";
import {
  ExpiredAttributeError,
  inspectObject,
  joinedload,
  RelationshipNotLoadedError,
  select,
  selectinload,
  sessionmaker,
  type Engine,
} from "../../src/index.js";
import { disposeAll, engineTargets } from "../support/engines.js";
import { captureSql, makeModel } from "./model.js";

after(disposeAll);

const gc = (globalThis as { gc?: () => void }).gc;

for (const target of await engineTargets()) {
  describe(`Session ORM on ${target.name} (SPEC S7, S8)`, { skip: target.skip }, () => {
    let shared: Engine | undefined;
    const engineFor = (): Engine => (shared ??= target.engine());

    async function withData(work: (m: ReturnType<typeof makeModel>, engine: Engine) => Promise<void>): Promise<void> {
      const engine = engineFor();
      const m = makeModel(target);
      await m.metadata.createAll(engine);
      try {
        await sessionmaker({ bind: engine }).begin(async (session) => {
          const red = new m.Team({ name: "red" });
          for (let i = 1; i <= 5; i++) {
            const user = new m.User({ name: `user${i}` });
            user.team = red;
            const post = new m.Post({ title: `post${i}`, userId: 0 });
            post.author = user;
            session.add(post);
          }
        });
        await work(m, engine);
      } finally {
        await m.metadata.dropAll(engine);
      }
    }

    it("the identity map: get() and queries return the same object; get() of a loaded one sends nothing", async () => {
      await withData(async (m, engine) => {
        await using session = sessionmaker({ bind: engine })();
        const sql = captureSql(engine);
        const first = await session.get(m.User, 1);
        assert.equal(first?.name, "user1");
        assert.equal(sql.sql().length, 1);
        assert.equal(await session.get(m.User, 1), first, "same object, no query");
        assert.equal(sql.sql().length, 1);
        const [byQuery] = (await session.execute(select(m.User).where(m.User.c.name.eq("user1")))).scalars().all();
        assert.equal(byQuery, first);
        assert.equal(await session.query(m.User).filterBy({ id: 1 }).first(), first);
        const ordered = await session.scalars(select(m.User).orderBy(m.User.c.id.desc()).limit(2));
        assert.deepEqual(ordered.all().map((u) => u.name), ["user5", "user4"]);
        assert.equal(await session.get(m.User, 99), undefined);
      });
    });

    it("clean objects are held weakly and collected; changed ones strongly until flushed", { skip: gc === undefined ? "needs --expose-gc" : false }, async () => {
      await withData(async (m, engine) => {
        await using session = sessionmaker({ bind: engine })();
        await (async () => {
          const users = await session.scalars(select(m.User));
          assert.equal(users.all().length, 5);
        })();
        const kept = await session.get(m.User, 2);
        assert.ok(kept);
        kept.fullname = "changed";
        assert.equal(session.identityMap.strongCount, 1);
        // A new job, then gc(), then count: making a WeakRef and deref() (which counting does)
        // keep their objects alive until the job ends.
        for (let i = 0; i < 10; i++) {
          await new Promise((resolve) => setImmediate(resolve));
          gc?.();
          if (session.identityMap.size === 1) break;
        }
        assert.equal(session.identityMap.size, 1, "only the object the test holds is left");
        await session.flush();
        assert.equal(session.identityMap.strongCount, 0, "flushed: clean again, held weakly");
      });
    });

    it("rollback: pending objects expunged, deleted ones restored, the rest expired; a savepoint rollback expires only what changed in it", async () => {
      await withData(async (m, engine) => {
        await using session = sessionmaker({ bind: engine })();
        const u1 = (await session.get(m.User, 1)) as InstanceType<typeof m.User>;
        const u2 = (await session.get(m.User, 2)) as InstanceType<typeof m.User>;
        const post = (await session.get(m.Post, 1)) as InstanceType<typeof m.Post>;
        const sp = await session.beginNested();
        u1.name = "inside";
        await session.flush();
        await sp.rollback();
        assert.deepEqual(inspectObject(u1).unloaded.includes("name"), true, "changed in the savepoint: expired");
        assert.equal(u2.name, "user2", "untouched in the savepoint: still loaded");
        await session.refresh(u1);
        assert.equal(u1.name, "user1");

        const fresh = new m.User({ name: "new" });
        session.add(fresh);
        session.delete(post);
        u2.name = "changed";
        await session.flush();
        assert.equal(inspectObject(post).status, "deleted");
        await session.rollback();
        assert.equal(inspectObject(fresh).status, "transient");
        assert.equal(inspectObject(post).status, "persistent");
        assert.throws(() => u2.name, ExpiredAttributeError);
        assert.equal((await session.get(m.User, 2))?.name, "user2");
        assert.equal(await session.get(m.Post, 1), post);
      });
    });

    it("expireOnCommit expires loaded objects; expireOnCommit: false keeps them readable", async () => {
      await withData(async (m, engine) => {
        {
          await using session = sessionmaker({ bind: engine })();
          const u = (await session.get(m.User, 1)) as InstanceType<typeof m.User>;
          await session.commit();
          assert.throws(() => u.name, (err: unknown) => err instanceof ExpiredAttributeError && /refresh/.test(err.message));
          await session.refresh(u);
          assert.equal(u.name, "user1");
        }
        await using session = sessionmaker({ bind: engine, expireOnCommit: false })();
        const u = (await session.get(m.User, 1)) as InstanceType<typeof m.User>;
        await session.commit();
        assert.equal(u.name, "user1");
      });
    });

    it("relationships load only when asked: selectinload, joinedload, or a typed error naming them", async () => {
      await withData(async (m, engine) => {
        await using session = sessionmaker({ bind: engine })();
        const plain = (await session.get(m.User, 1)) as InstanceType<typeof m.User>;
        assert.throws(() => plain.posts, (err: unknown) => err instanceof RelationshipNotLoadedError && /selectinload\("posts"\)/.test(err.message));
        const sql = captureSql(engine);
        const teams = await session.scalars(select(m.Team).options(selectinload("members")));
        const red = teams.one();
        assert.deepEqual(red.members.map((u) => u.name), ["user1", "user2", "user3", "user4", "user5"]);
        assert.equal(red.members[0], plain, "related objects come through the identity map too");
        assert.equal(sql.sql().length, 2);
        sql.clear();
        const posts = await session.scalars(select(m.Post).options(joinedload("author")).orderBy(m.Post.c.id));
        assert.equal(sql.sql().length, 1, "one statement");
        assert.match(sql.sql()[0] as string, /LEFT OUTER JOIN/);
        assert.deepEqual(posts.all().map((p) => p.author?.name), ["user1", "user2", "user3", "user4", "user5"]);
        await session.refresh(plain, ["posts"]);
        assert.deepEqual(plain.posts.map((p) => p.title), ["post1"]);
        // Assigning through a relationship sets the foreign key at flush.
        const moved = posts.all()[1] as InstanceType<typeof m.Post>;
        moved.author = plain;
        await session.flush();
        assert.equal(moved.userId, 1);
      });
    });

    it("merge copies a detached object's values onto the session's object; add of a pending one inserts it", async () => {
      await withData(async (m, engine) => {
        const Session = sessionmaker({ bind: engine, expireOnCommit: false });
        let detached: InstanceType<typeof m.User>;
        {
          await using s1 = Session();
          detached = (await s1.get(m.User, 3)) as InstanceType<typeof m.User>;
        }
        assert.equal(inspectObject(detached).status, "detached");
        detached.fullname = "merged";
        await using s2 = Session();
        const merged = await s2.merge(detached);
        assert.notEqual(merged, detached);
        assert.equal(merged.fullname, "merged");
        await s2.commit();
        const fresh = await s2.merge(new m.User({ id: 50, name: "new" }));
        assert.equal(inspectObject(fresh).status, "pending");
        await s2.commit();
        assert.equal((await s2.get(m.User, 50))?.name, "new");
      });
    });

    it("paginate with total, keyset pages, and streaming in batches", async () => {
      await withData(async (m, engine) => {
        await using session = sessionmaker({ bind: engine })();
        const page = await session.paginate(select(m.User).orderBy(m.User.c.id), { page: 2, perPage: 2 });
        assert.deepEqual(page.items.map((u) => u.id), [3, 4]);
        assert.deepEqual([page.total, page.pages, page.hasNext, page.hasPrev], [5, 3, true, true]);
        const sql = captureSql(engine);
        assert.equal(await session.query(m.User).count(), 5);
        assert.equal(sql.sql().length, 1, "count() runs one SELECT count(*) and loads no row");
        assert.match(sql.sql()[0] as string, /^SELECT count\(\*\) AS .total. FROM \(SELECT /i);
        assert.equal(await session.query(m.User).filter(m.User.c.id.gt(1)).orderBy(m.User.c.id).limit(2).count(), 2, "limit applied, as SQLAlchemy's Query.count()");
        assert.equal(await session.count(select(m.User).where(m.User.c.id.gt(3))), 2);
        const seen: number[] = [];
        let after: readonly unknown[] | undefined;
        do {
          const k = await session.keysetPage(select(m.User).orderBy(m.User.c.name.desc()), { perPage: 2, after });
          seen.push(...k.items.map((u) => u.id));
          after = k.next;
        } while (after !== undefined);
        assert.deepEqual(seen, [5, 4, 3, 2, 1]);
        const streamed: string[] = [];
        for await (const user of session.streamScalars(select(m.User), { yieldPer: 2 })) streamed.push(user.name);
        assert.deepEqual(streamed, ["user1", "user2", "user3", "user4", "user5"]);
      });
    });
  });
}
