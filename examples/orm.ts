/**
 * The ORM on an embedded SQLite database: entities typed from their tables, a relationship,
 * a unit of work that inserts in foreign-key order, explicit eager loading, the identity map.
 * Run: npm run example:orm
 */
import {
  createEngine, Entity, integer, manyToOne, MetaData, oneToMany, relate, select, selectinload, sessionmaker, string, text,
} from "../src/index.js";

const engine = createEngine("sqlite://", { echo: process.argv.includes("--echo") });
const metadata = new MetaData();
const users = metadata.table("users", { id: integer().primaryKey(), name: string(50).notNull() });
const posts = metadata.table("posts", {
  id: integer().primaryKey(),
  title: string(100).notNull(),
  userId: integer().notNull().references(() => users.c.id),
});
class User extends Entity(users) {
  declare posts: Post[];
}
class Post extends Entity(posts) {
  declare author: User | null;
}
relate(User, { posts: oneToMany(() => Post) });
relate(Post, { author: manyToOne(() => User) });
await metadata.createAll(engine);

const Session = sessionmaker({ bind: engine });
{
  await using session = Session();
  const ed = new User({ name: "ed" });
  for (const title of ["hello", "again"]) {
    const post = new Post({ title, userId: 0 });
    post.author = ed; // the foreign key is set at flush
    session.add(post); // ed comes along
  }
  await session.commit(); // flush: INSERT users, then posts; COMMIT
  const found = (await session.scalars(select(User).where(User.c.name.eq("ed")).options(selectinload("posts")))).one();
  console.log(`${found.name} wrote: ${found.posts.map((p) => p.title).join(", ")}`);
  const same = await session.query(User).filterBy({ id: found.id }).first();
  console.log(`identity map: the same object? ${same === found}`);
  found.name = "edward";
  await session.commit(); // UPDATE users SET name = ? WHERE id = ?: only the changed column
  console.log(`users now: ${(await session.execute(text("SELECT name FROM users"))).scalars().all().join(", ")}`);
}
console.log("pool:", JSON.stringify({ checkedOut: engine.pool.status().checkedOut }));
await engine.dispose();
