/**
 * The entities the ORM tests use, with table names unique to the run (the servers are shared):
 * teams ← users ← posts by foreign keys, and a self-referencing nodes table.
 */
import { Entity, integer, manyToOne, MetaData, oneToMany, relate, string, func, dateTime, type Engine } from "../../src/index.js";
import type { EngineTarget } from "../support/engines.js";

export function makeModel(target: EngineTarget) {
  const metadata = new MetaData();
  const teams = metadata.table(target.table("teams"), { id: integer().primaryKey(), name: string(50).notNull() });
  const users = metadata.table(target.table("users"), {
    id: integer().primaryKey(),
    name: string(50).notNull(),
    fullname: string(100),
    teamId: integer().references(() => teams.c.id),
    createdAt: dateTime().named("created_at").serverDefault(func.now()),
  });
  const posts = metadata.table(target.table("posts"), {
    id: integer().primaryKey(),
    title: string(100).notNull(),
    userId: integer().notNull().references(() => users.c.id),
  });
  const nodesName = target.table("nodes");
  const nodes = metadata.table(nodesName, {
    id: integer().primaryKey(),
    name: string(50).notNull(),
    parentId: integer().references(`${nodesName}.id`), // by name: a self-reference by closure makes the type circular
  });

  class Team extends Entity(teams) {
    declare members: User[];
  }
  class User extends Entity(users) {
    declare team: Team | null;
    declare posts: Post[];
  }
  class Post extends Entity(posts) {
    declare author: User | null;
  }
  class Node extends Entity(nodes) {
    declare parent: Node | null;
    declare children: Node[];
  }
  relate(Team, { members: oneToMany(() => User) });
  relate(User, { team: manyToOne(() => Team), posts: oneToMany(() => Post) });
  relate(Post, { author: manyToOne(() => User) });
  relate(Node, { parent: manyToOne(() => Node, { foreignKey: nodes.c.parentId }), children: oneToMany(() => Node, { foreignKey: nodes.c.parentId }) });
  const q = (name: string) => (target.name === "mysql" ? `\`${name}\`` : `"${name}"`);
  return { metadata, teams, users, posts, nodes, Team, User, Post, Node, q, t: { teams: q(teams.name), users: q(users.name), posts: q(posts.name), nodes: q(nodes.name) } };
}

/** SQL sent by the engine, from now on (BEGIN/COMMIT/SAVEPOINT included only when the driver sends them as SQL). */
export function captureSql(engine: Engine): { statements: Array<{ sql: string; params: unknown }>; sql(): string[]; clear(): void } {
  const statements: Array<{ sql: string; params: unknown }> = [];
  engine.events.on("beforeExecute", (_conn, sql, params) => void statements.push({ sql, params }));
  return {
    statements,
    sql: () => statements.map((s) => s.sql).filter((s) => !/^(BEGIN|COMMIT|ROLLBACK|SAVEPOINT|RELEASE|START)/i.test(s)),
    clear: () => void statements.splice(0),
  };
}
