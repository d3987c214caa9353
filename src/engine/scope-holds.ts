import { currentScope, ROOT_SCOPE } from "../context.js";

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

/** One connection of `engine` held; `site` is where the session took it. */
class HoldRecord implements ConnectionHold {
  constructor(
    private readonly list: HoldRecord[],
    readonly engine: object,
    /**
     * Where the session took its connection, as an Error whose stack is formatted only if the
     * guard fires. Captured only when the pool records checkout stacks: capturing costs ~5 µs
     * per session checkout on a small server, a fifth of a request's database work.
     */
    readonly site: Error | undefined,
  ) {}

  release(): void {
    const list = this.list;
    // Almost always the only one (a request's session): no search, no splice.
    if (list.length === 1 && list[0] === this) list.pop();
    else {
      const at = list.indexOf(this);
      if (at >= 0) list.splice(at, 1);
    }
  }
}

const SITE_NOT_RECORDED =
  "    (not recorded: createEngine(url, { poolCheckoutStacks: true }) or leakDetectionMs records where sessions take connections)";

/**
 * This module's slot in each scope: the connections the scope holds, of any engine. A list,
 * not a Map by engine: a scope holds one or two, and a Map per request cost more than the scan.
 */
const HOLDS = {};

const NO_HOLD: ConnectionHold = { release: () => undefined };

/** Record that the current scope holds a connection of `engine` until release(); `recordSite`: capture where. */
export function holdConnection(engine: object, recordSite: boolean): ConnectionHold {
  const scope = currentScope();
  if (scope === ROOT_SCOPE) return NO_HOLD;
  let list = scope.slot(HOLDS) as HoldRecord[] | undefined;
  if (list === undefined) {
    list = [];
    scope.setSlot(HOLDS, list);
  }
  const record = new HoldRecord(list, engine, recordSite ? new Error("session checkout") : undefined);
  list.push(record);
  return record;
}

/** Where the current scope took a connection of `engine` it still holds, if it does. */
export function heldHere(engine: object): string | undefined {
  const scope = currentScope();
  if (scope === ROOT_SCOPE) return undefined;
  const record = (scope.slot(HOLDS) as HoldRecord[] | undefined)?.find((r) => r.engine === engine);
  if (record === undefined) return undefined;
  const site = record.site;
  return site === undefined ? SITE_NOT_RECORDED : (site.stack ?? "").split("\n").slice(1).join("\n");
}

export function stackHere(): string {
  const holder: { stack?: string } = {};
  Error.captureStackTrace(holder, stackHere);
  return (holder.stack ?? "").split("\n").slice(1).join("\n");
}
