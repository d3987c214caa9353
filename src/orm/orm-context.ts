/** What ORM loading and flushing need from a session: its identity map and its connection. */
import type { Result } from "../engine/result.js";
import type { Logger } from "../log.js";
import type { CompileTarget, TypedExecutable } from "../sql/executable.js";
import type { IdentityMap } from "./identity-map.js";
import type { LevelRef, StateOwner } from "./instance-state.js";

export interface OrmContext {
  readonly identityMap: IdentityMap;
  readonly owner: StateOwner;
  /** The database statements are compiled for (capabilities: RETURNING, parameter limits). */
  readonly target: CompileTarget;
  /** The transaction level statements run in now (recorded on flushed states for savepoint rollback). */
  readonly level: LevelRef;
  /** The engine's logger, for warnings that do not stop the work (a DELETE matching fewer rows than it named). */
  readonly logger: Logger;
  /** Run a statement in the session's transaction, rows converted to JavaScript types. */
  run<R extends object>(statement: TypedExecutable<R>): Promise<Result<R>>;
}
