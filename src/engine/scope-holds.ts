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

/** One connection held; `site` is where the session took it. */
class HoldRecord implements ConnectionHold {
  constructor(
    private readonly list: HoldRecord[],
    /**
     * Where the session took its connection, as an Error whose stack is formatted only if the
     * guard fires. Captured only when the pool records checkout stacks: capturing costs ~5 µs
     * per session checkout on a small server, a fifth of a request's database work.
     */
    readonly site: Error | undefined,
  ) {}

  release(): void {
    const at = this.list.indexOf(this);
    if (at >= 0) this.list.splice(at, 1);
  }
}

const SITE_NOT_RECORDED =
  "    (not recorded: createEngine(url, { poolCheckoutStacks: true }) or leakDetectionMs records where sessions take connections)";

/** This module's slot in each scope: engine → the connections of it the scope holds. */
const HOLDS = {};
type Holds = Map<object, HoldRecord[]>;

const NO_HOLD: ConnectionHold = { release: () => undefined };

/** Record that the current scope holds a connection of `engine` until release(); `recordSite`: capture where. */
export function holdConnection(engine: object, recordSite: boolean): ConnectionHold {
  const scope = currentScope();
  if (scope === ROOT_SCOPE) return NO_HOLD;
  let holds = scope.slot(HOLDS) as Holds | undefined;
  if (holds === undefined) {
    holds = new Map();
    scope.setSlot(HOLDS, holds);
  }
  let list = holds.get(engine);
  if (list === undefined) {
    list = [];
    holds.set(engine, list);
  }
  const record = new HoldRecord(list, recordSite ? new Error("session checkout") : undefined);
  list.push(record);
  return record;
}

/** Where the current scope took a connection of `engine` it still holds, if it does. */
export function heldHere(engine: object): string | undefined {
  const scope = currentScope();
  if (scope === ROOT_SCOPE) return undefined;
  const records = (scope.slot(HOLDS) as Holds | undefined)?.get(engine);
  if (records === undefined || records.length === 0) return undefined;
  const site = records[0]?.site;
  return site === undefined ? SITE_NOT_RECORDED : (site.stack ?? "").split("\n").slice(1).join("\n");
}

export function stackHere(): string {
  const holder: { stack?: string } = {};
  Error.captureStackTrace(holder, stackHere);
  return (holder.stack ?? "").split("\n").slice(1).join("\n");
}
