import { ArgumentError } from "./errors.js";
import type { Logger } from "./log.js";

type Listener = (...args: never[]) => unknown;

/**
 * Typed listeners for a fixed set of event names (the pool's, the engine's). Emitting with
 * no listeners costs one property read, so hot paths pay nothing for events nobody
 * listens to. Listener arrays are replaced, never mutated, so an emit in progress is not
 * disturbed by a listener that adds or removes listeners.
 */
export class Events<M extends { [K in keyof M]: Listener }> {
  private readonly listeners: { [K in keyof M]?: M[K][] } = {};
  /** Events with at least one listener. */
  private listened = 0;
  /** Called whenever listeners are added or removed (owners cache what they listen for). */
  onChange: () => void = () => undefined;

  constructor(
    /** "pool" or "engine": named in errors. */
    private readonly kind: string,
    private readonly names: ReadonlySet<keyof M & string>,
  ) {}

  on<K extends keyof M & string>(name: K, listener: M[K]): () => void {
    if (!this.names.has(name)) {
      throw new ArgumentError(`Unknown ${this.kind} event '${String(name)}'. ${capitalize(this.kind)} events: ${[...this.names].join(", ")}.`);
    }
    if (typeof listener !== "function") throw new ArgumentError(`The '${name}' listener must be a function.`);
    const current: M[K][] = this.listeners[name] ?? [];
    if (current.length === 0) this.listened++;
    this.listeners[name] = [...current, listener];
    this.onChange();
    return () => this.off(name, listener);
  }

  once<K extends keyof M & string>(name: K, listener: M[K]): () => void {
    const wrapper = ((...args: Parameters<M[K]>) => {
      this.off(name, wrapper);
      return (listener as (...a: Parameters<M[K]>) => unknown)(...args);
    }) as M[K];
    return this.on(name, wrapper);
  }

  off<K extends keyof M & string>(name: K, listener: M[K]): void {
    const current = this.listeners[name];
    if (current === undefined) return;
    const next = current.filter((l) => l !== listener);
    if (next.length === 0 && current.length > 0) this.listened--;
    this.listeners[name] = next.length === 0 ? undefined : next;
    this.onChange();
  }

  has(name: keyof M & string): boolean {
    return this.listeners[name] !== undefined;
  }

  /** No listener for any event. */
  get empty(): boolean {
    return this.listened === 0;
  }

  /** Add every listener to another set of the same events. */
  copyTo(other: Events<M>): void {
    for (const name of Object.keys(this.listeners) as (keyof M & string)[]) {
      for (const listener of this.listeners[name] ?? []) other.on(name, listener);
    }
  }

  /** Run listeners in order, awaiting each; the first error propagates to the caller. */
  async emitAwaited<K extends keyof M & string>(name: K, ...args: Parameters<M[K]>): Promise<void> {
    const list = this.listeners[name];
    if (list === undefined) return;
    for (const listener of list) await (listener as (...a: Parameters<M[K]>) => unknown)(...args);
  }

  /**
   * Run listeners for an event the caller cannot fail on (checkin, invalidate, commit...):
   * each one is awaited, and what one throws is logged and does not stop the caller.
   */
  async emitReported<K extends keyof M & string>(logger: Logger, name: K, ...args: Parameters<M[K]>): Promise<void> {
    const list = this.listeners[name];
    if (list === undefined) return;
    for (const listener of list) {
      try {
        await (listener as (...a: Parameters<M[K]>) => unknown)(...args);
      } catch (err) {
        logger.error(`athanor ${this.kind}: a '${name}' listener threw; carrying on. ${errorText(err)}`);
      }
    }
  }
}

function capitalize(s: string): string {
  return s.charAt(0).toUpperCase() + s.slice(1);
}

export function errorText(err: unknown): string {
  if (err instanceof Error) return err.stack ?? `${err.name}: ${err.message}`;
  return String(err);
}
