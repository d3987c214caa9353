import { currentScope, ROOT_SCOPE, type AsyncScope } from "../context.js";

/**
 * Which engines the current async scope holds a connection of through a Session, and
 * where it took it (SPEC B4). With that, engine.connect() can tell the classic self-deadlock
 * (a request holding a session transaction asks the same exhausted pool for a second
 * connection, and waits for itself) from an ordinary wait.
 *
 * Only explicit scopes (runInScope, the web middlewares, scopedSession.scope) count: code
 * outside any scope shares ROOT_SCOPE, where unrelated flows cannot be told apart.
 */
export interface ConnectionHold {
  release(): void;
}

interface HoldRecord {
  /**
   * Where the session took its connection, as an Error whose stack is formatted only if the
   * guard fires. Captured only when the pool records checkout stacks: capturing costs ~5 µs
   * per session checkout on a small server, a fifth of a request's database work.
   */
  readonly site: Error | undefined;
}

const SITE_NOT_RECORDED =
  "    (not recorded: createEngine(url, { poolCheckoutStacks: true }) or leakDetectionMs records where sessions take connections)";

const holdsByScope = new WeakMap<AsyncScope, Map<object, Set<HoldRecord>>>();

const NO_HOLD: ConnectionHold = { release: () => undefined };

/** Record that the current scope holds a connection of `engine` until release(); `recordSite`: capture where. */
export function holdConnection(engine: object, recordSite: boolean): ConnectionHold {
  const scope = currentScope();
  if (scope === ROOT_SCOPE) return NO_HOLD;
  let byEngine = holdsByScope.get(scope);
  if (byEngine === undefined) {
    byEngine = new Map();
    holdsByScope.set(scope, byEngine);
  }
  let records = byEngine.get(engine);
  if (records === undefined) {
    records = new Set();
    byEngine.set(engine, records);
  }
  const record: HoldRecord = { site: recordSite ? new Error("session checkout") : undefined };
  records.add(record);
  const set = records;
  return { release: () => void set.delete(record) };
}

/** Where the current scope took a connection of `engine` it still holds, if it does. */
export function heldHere(engine: object): string | undefined {
  const scope = currentScope();
  if (scope === ROOT_SCOPE) return undefined;
  const records = holdsByScope.get(scope)?.get(engine);
  if (records === undefined || records.size === 0) return undefined;
  const site = records.values().next().value?.site;
  return site === undefined ? SITE_NOT_RECORDED : (site.stack ?? "").split("\n").slice(1).join("\n");
}

export function stackHere(): string {
  const holder: { stack?: string } = {};
  Error.captureStackTrace(holder, stackHere);
  return (holder.stack ?? "").split("\n").slice(1).join("\n");
}
