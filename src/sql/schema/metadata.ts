/**
 * MetaData (SQLAlchemy `MetaData`): the tables of an application, sorted by their foreign
 * keys so that createAll() creates referenced tables first and dropAll() drops them last.
 *
 *   const metadata = new MetaData();
 *   const teams = metadata.table("teams", { id: integer().primaryKey(), name: string(50).notNull() });
 *   await metadata.createAll(engine, { checkfirst: true });
 */
import { ArgumentError } from "../../errors.js";
import { CompileError } from "../errors.js";
import { EXECUTABLE, type CompileTarget, type Executable } from "../executable.js";
import { createIndex, createTable, dropTable, type DdlStatement } from "./ddl.js";
import type { ColumnBuilders } from "./row-types.js";
import { Table, type AnyTable, type TableOptions, type TableRegistry } from "./table.js";

/** Anything that runs a statement: a Connection, a Session. */
export interface StatementExecutor {
  execute(statement: Executable): Promise<unknown>;
}

/** An Engine: DDL runs in one transaction taken with begin(). */
export interface TransactionalBind {
  begin<T>(work: (conn: StatementExecutor) => Promise<T>): Promise<T>;
  connect(): Promise<unknown>;
}

export interface DdlOptions {
  /** CREATE TABLE IF NOT EXISTS / DROP TABLE IF EXISTS (and IF NOT EXISTS on indexes). */
  checkfirst?: boolean;
}

export class MetaData implements TableRegistry {
  readonly #tables = new Map<string, AnyTable>();

  constructor(tables: readonly AnyTable[] = []) {
    for (const table of tables) this.add(table);
  }

  /** The tables in definition order. */
  get tables(): readonly AnyTable[] {
    return [...this.#tables.values()];
  }

  /** Define a table in this MetaData. */
  table<const Name extends string, C extends ColumnBuilders>(name: Name, columns: C, options: Omit<TableOptions<C>, "metadata"> = {}): Table<Name, C> {
    return new Table(name, columns, { ...options, metadata: this });
  }

  add(table: AnyTable): void {
    const existing = this.#tables.get(table.ownerKey);
    if (existing === table) return;
    if (existing !== undefined) throw new ArgumentError(`This MetaData already has a table named '${table.ownerKey}'.`);
    this.#tables.set(table.ownerKey, table);
  }

  /** A table by name ("users", or "schema.users"). */
  findTable(name: string): AnyTable | undefined {
    return this.#tables.get(name);
  }

  /** Tables ordered so that each comes after the tables it references (SQLAlchemy `sorted_tables`). */
  sortedTables(): AnyTable[] {
    const tables = this.tables;
    const dependsOn = new Map<AnyTable, Set<AnyTable>>();
    for (const table of tables) {
      const deps = new Set<AnyTable>();
      for (const fk of table.foreignKeys) {
        const target = fk.referencedTable as unknown as AnyTable;
        // A self-reference is created with the table; one to a table outside this MetaData is not ours to order.
        if (target !== table && this.#tables.get(target.ownerKey) === target) deps.add(target);
      }
      dependsOn.set(table, deps);
    }
    const sorted: AnyTable[] = [];
    const done = new Set<AnyTable>();
    while (sorted.length < tables.length) {
      const ready = tables.find((t) => !done.has(t) && [...(dependsOn.get(t) as Set<AnyTable>)].every((d) => done.has(d)));
      if (ready === undefined) {
        const stuck = tables.filter((t) => !done.has(t)).map((t) => t.describe());
        throw new CompileError(
          `The foreign keys of ${stuck.join(", ")} form a cycle, so no table can be created first. ` +
            "Leave one of the keys out of the definitions and add it with ALTER TABLE after createAll().",
        );
      }
      done.add(ready);
      sorted.push(ready);
    }
    return sorted;
  }

  /** The statements createAll() runs, in order; with a target, only those that apply to it. */
  createStatements(options: DdlOptions = {}, target?: CompileTarget): DdlStatement[] {
    const ifNotExists = options.checkfirst === true;
    const all = this.sortedTables().flatMap((table) => [
      createTable(table, { ifNotExists }),
      ...table.indexes.map((index) => createIndex(table, index, { ifNotExists })),
    ]);
    return target === undefined ? all : all.filter((statement) => statement.appliesTo(target));
  }

  /** The statements dropAll() runs, in order (referencing tables first). */
  dropStatements(options: DdlOptions = {}): DdlStatement[] {
    return this.sortedTables()
      .reverse()
      .map((table) => dropTable(table, { ifExists: options.checkfirst === true }));
  }

  /** CREATE TABLE (and CREATE INDEX) for every table, referenced tables first, in one transaction where the database has transactional DDL. */
  async createAll(bind: TransactionalBind | StatementExecutor, options: DdlOptions = {}): Promise<void> {
    await runAll(bind, this.createStatements(options));
  }

  /** DROP TABLE for every table, referencing tables first. */
  async dropAll(bind: TransactionalBind | StatementExecutor, options: DdlOptions = {}): Promise<void> {
    await runAll(bind, this.dropStatements(options));
  }
}

/**
 * On an engine, in engine.begin() (commits at the end; MySQL commits each DDL statement
 * anyway). On a connection or session, in its current transaction: the caller commits.
 */
async function runAll(bind: TransactionalBind | StatementExecutor, statements: readonly DdlStatement[]): Promise<void> {
  const run = async (conn: StatementExecutor) => {
    // The database is known once the first statement (always a CREATE/DROP TABLE) compiles;
    // statements that do not apply to it (CREATE INDEX on MySQL) are skipped.
    let target: CompileTarget | undefined;
    for (const statement of statements) {
      if (target !== undefined && !statement.appliesTo(target)) continue;
      await conn.execute({
        [EXECUTABLE]: true,
        compileFor(compileTarget: CompileTarget) {
          target = compileTarget;
          return statement.compileFor(compileTarget);
        },
      });
    }
  };
  if (isEngine(bind)) {
    await bind.begin(run);
  } else {
    await run(bind);
  }
}

function isEngine(bind: TransactionalBind | StatementExecutor): bind is TransactionalBind {
  return typeof (bind as Partial<TransactionalBind>).connect === "function" && typeof (bind as Partial<TransactionalBind>).begin === "function";
}
