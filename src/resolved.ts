/**
 * One already-resolved promise for the whole package. Functions that usually have nothing to
 * wait for return it rather than make a promise; a then() callback that would return it
 * returns nothing instead (`unlessResolved`), which spares the two microtask jobs of adopting
 * a promise. On the hot paths of a web request every promise and job pays AsyncLocalStorage's
 * hooks.
 */
export const RESOLVED: Promise<void> = Promise.resolve();

/** For a then() callback: `pending`, or undefined when it is RESOLVED (nothing to wait for). */
export function unlessResolved(pending: Promise<void>): Promise<void> | undefined {
  return pending === RESOLVED ? undefined : pending;
}
