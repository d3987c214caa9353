import type { Logger } from "../log.js";
import type { ConnectionRecord } from "./connection-record.js";

/** What the tracker needs from its pool. */
export interface LeakTrackerHost<C> {
  readonly records: ReadonlySet<ConnectionRecord<C>>;
  readonly leakDetectionMs: number;
  readonly logger: Logger;
  /** A checkout's proxy was garbage-collected while still checked out. */
  reclaimForgotten(record: ConnectionRecord<C>): void;
}

interface Held {
  tracker: LeakTracker<unknown>;
  record: ConnectionRecord<unknown>;
  serial: number;
}

const registry = new FinalizationRegistry<Held>((held) => held.tracker.collected(held.record, held.serial));

/** How often checked-out connections are looked at when leak detection is off. */
const DEFAULT_SWEEP_MS = 1000;

/**
 * Finds connections that were checked out and never returned (SPEC P10, P11).
 *
 * A sweep runs while anything is checked out. Each checkout's proxy is held strongly by its
 * record until the first sweep that sees it; only then is it handed to a
 * FinalizationRegistry. Checkouts shorter than a sweep interval (nearly all) never pay
 * for the registry, and a forgotten proxy is reclaimed one sweep plus one GC later.
 */
export class LeakTracker<C> {
  private timer: NodeJS.Timeout | null = null;
  private readonly intervalMs: number;

  constructor(private readonly host: LeakTrackerHost<C>) {
    const leakMs = host.leakDetectionMs;
    this.intervalMs = leakMs > 0 ? Math.min(DEFAULT_SWEEP_MS, Math.max(5, Math.floor(leakMs / 2))) : DEFAULT_SWEEP_MS;
  }

  /** A checkout happened: make sure a sweep is coming. */
  watch(record: ConnectionRecord<C>, proxy: object): void {
    record.proxy = proxy;
    if (this.timer === null) this.arm();
  }

  /** The checkout ended properly. */
  forget(record: ConnectionRecord<C>): void {
    record.proxy = null;
    if (record.gcToken !== null) {
      registry.unregister(record.gcToken);
      record.gcToken = null;
    }
  }

  /** Called by the FinalizationRegistry. */
  collected(record: ConnectionRecord<C>, serial: number): void {
    if (record.checkoutSerial !== serial || record.state !== "checkedOut") return;
    record.gcToken = null;
    this.host.reclaimForgotten(record);
  }

  stop(): void {
    if (this.timer !== null) clearTimeout(this.timer);
    this.timer = null;
  }

  private arm(): void {
    // unref: a sweep must never keep the process alive.
    this.timer = setTimeout(() => this.sweep(), this.intervalMs).unref();
  }

  private sweep(): void {
    this.timer = null;
    const now = Date.now();
    const leakMs = this.host.leakDetectionMs;
    let anyCheckedOut = false;
    for (const record of this.host.records) {
      if (record.state !== "checkedOut" || record.holders > 0) continue;
      anyCheckedOut = true;
      if (record.proxy !== null) {
        const token = {};
        const held: Held = { tracker: this as LeakTracker<unknown>, record: record as ConnectionRecord<unknown>, serial: record.checkoutSerial };
        registry.register(record.proxy, held, token);
        record.gcToken = token;
        record.proxy = null;
      }
      if (leakMs > 0 && !record.leakWarned && now - record.checkedOutAt >= leakMs) {
        record.leakWarned = true;
        this.host.logger.warn(
          `athanor pool: ${record.toString()} has been checked out for ${now - record.checkedOutAt} ms ` +
            `(leakDetectionMs ${leakMs}) and may have leaked; close it (await conn.close(), or 'await using'). ` +
            `Checked out at:\n${record.checkoutStack ?? "(stack not recorded)"}`,
        );
      }
    }
    if (anyCheckedOut) this.arm();
  }
}
