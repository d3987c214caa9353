/**
 * A clock for the checkout timestamp. Date.now() costs ~50 ns on the machines we measured,
 * a quarter of a whole checkout/return cycle, and that stamp only feeds status() ages and
 * leak warnings. Deadlines do NOT use it: while the event loop is blocked the 1 ms timer
 * fires late and the value can be several ms old, which would end a wait early.
 *
 * The cached value is refreshed after READS_PER_REFRESH reads (so a loop that never yields
 * to the event loop still sees time move), or once a 1 ms timer has fired since the last
 * refresh (so an idle process reads a fresh value at its next call). The timer is armed
 * only by a refresh, unref'd, and never re-armed while nobody reads the clock.
 */
const READS_PER_REFRESH = 64;

let cached = 0;
let reads = READS_PER_REFRESH;
let timerArmed = false;

function expire(): void {
  timerArmed = false;
  reads = READS_PER_REFRESH;
}

/** Milliseconds since the epoch, at most ~1 ms (or 64 reads) old. */
export function coarseNow(): number {
  if (reads >= READS_PER_REFRESH) {
    cached = Date.now();
    reads = 0;
    if (!timerArmed) {
      timerArmed = true;
      setTimeout(expire, 1).unref();
    }
  }
  reads++;
  return cached;
}
