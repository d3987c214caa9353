/**
 * The ORM side of a Session: the identity map and the objects waiting for a flush, as named
 * collections with one place that moves an object between states (habit 9):
 * transient → pending (add) → persistent (flush) → deleted (flushed delete) → detached
 * (commit, expunge, close). Holds new, modified and deleted objects strongly, clean ones
 * only through the weak identity map (SPEC S8).
 */
import type { IdentityKey } from "./identity-key.js";
import { IdentityMap } from "./identity-map.js";
import { within, type InstanceState, type LevelRef, type StateOwner } from "./instance-state.js";
import { ObjectStateError } from "./errors.js";
import { becomePersistent } from "./loading.js";
import { stateOf } from "./mapper.js";
import type { OrmContext } from "./orm-context.js";
import { runFlush } from "./unit-of-work/flush.js";

export class SessionObjects implements StateOwner {
  readonly identityMap = new IdentityMap();
  /** Added, not yet flushed (insertion order is INSERT order). */
  readonly #pending = new Set<object>();
  /** delete() called, not yet flushed. */
  readonly #toDelete = new Set<object>();
  /** Deleted by a flush; detached at commit, restored by rollback. */
  readonly #flushedDeletes = new Set<object>();
  /**
   * Some object of this session may have a relationship loaded or set, whose collection could
   * have changed in place (items pushed): only then must a flush walk the identity map for
   * such changes. Without it every autoflush (before each query, each page of a stream) walked
   * every object in the session.
   */
  #relationshipsLoaded = false;

  /** Objects added and not yet flushed. */
  get new(): readonly object[] {
    return [...this.#pending];
  }

  /** Persistent objects with unflushed changes. */
  get dirty(): readonly object[] {
    return [...this.identityMap.objects()].filter(([, s]) => s.modified).map(([o]) => o);
  }

  /** Objects marked for deletion, not yet flushed. */
  get deleted(): readonly object[] {
    return [...this.#toDelete];
  }

  get hasChanges(): boolean {
    return this.#pending.size > 0 || this.#toDelete.size > 0 || this.identityMap.strongCount > 0 || this.#relationshipsLoaded;
  }

  relationshipSet(): void {
    this.#relationshipsLoaded = true;
  }

  markModified(state: InstanceState): void {
    const key = state.identityKey;
    const object = key === undefined ? undefined : this.identityMap.get(key);
    if (key !== undefined && object !== undefined) this.identityMap.pin(key, object);
  }

  contains(object: object): boolean {
    const state = stateOf(object);
    return state.owner === this && (state.status === "pending" || state.status === "persistent" || state.status === "deleted");
  }

  add(object: object): void {
    const state = stateOf(object);
    if (state.owner !== undefined && state.owner !== this && state.status !== "detached" && state.status !== "transient") {
      throw new ObjectStateError(`This ${state.mapper.name} is already in another session; expunge it there first, or use session.merge(obj) to copy it into this one.`);
    }
    switch (state.status) {
      case "transient":
        state.status = "pending";
        state.owner = this;
        this.#pending.add(object);
        return;
      case "pending":
      case "persistent":
        this.#toDelete.delete(object); // add() after delete() takes the deletion back
        return;
      case "deleted":
        throw new ObjectStateError(`This ${state.mapper.name} was deleted by a flush; it can't be added back until the transaction ends.`);
      case "detached":
        this.#attach(object, state);
    }
  }

  delete(object: object): void {
    const state = stateOf(object);
    if (state.status === "transient" || state.status === "pending") {
      throw new ObjectStateError(`This ${state.mapper.name} is not persisted, so there is nothing to delete${state.status === "pending" ? "; expunge(obj) takes back the add()" : ""}.`);
    }
    if (state.status === "detached") this.#attach(object, state);
    if (state.status !== "persistent") return;
    this.#toDelete.add(object);
    if (state.identityKey !== undefined) this.identityMap.pin(state.identityKey, object);
  }

  expunge(object: object): void {
    const state = stateOf(object);
    if (state.owner !== this) throw new ObjectStateError(`This ${state.mapper.name} is not in this session.`);
    this.#pending.delete(object);
    this.#toDelete.delete(object);
    this.#flushedDeletes.delete(object);
    if (state.identityKey !== undefined && this.identityMap.get(state.identityKey) === object) this.identityMap.remove(state.identityKey);
    this.#move(state, state.status === "pending" ? "transient" : "detached");
  }

  /**
   * The session holds no object at all (a session used only for statements, as a web request's
   * often is): commit, rollback and close have nothing to walk.
   */
  #holdsNothing(): boolean {
    if (this.#pending.size > 0 || this.#toDelete.size > 0 || this.#flushedDeletes.size > 0 || !this.identityMap.isEmpty) return false;
    this.#relationshipsLoaded = false; // no object, so none has a relationship loaded
    return true;
  }

  expungeAll(): void {
    if (this.#holdsNothing()) return;
    for (const object of this.#pending) this.#move(stateOf(object), "transient");
    for (const [, state] of this.identityMap.objects()) this.#move(state, "detached");
    for (const object of this.#flushedDeletes) this.#move(stateOf(object), "detached");
    this.#pending.clear();
    this.#toDelete.clear();
    this.#flushedDeletes.clear();
    this.identityMap.clear();
    this.#relationshipsLoaded = false;
  }

  expire(object: object, keys?: readonly string[]): void {
    const state = stateOf(object);
    if (state.owner !== this || state.status !== "persistent") throw new ObjectStateError(`Only a persistent object of this session can be expired; this ${state.mapper.name} is ${state.status}.`);
    state.expire(keys);
    if (!state.modified && state.identityKey !== undefined && !this.#toDelete.has(object)) this.identityMap.unpin(state.identityKey);
  }

  expireAll(): void {
    for (const [object] of this.identityMap.objects()) this.expire(object);
  }

  async flush(ctx: OrmContext): Promise<void> {
    // Modified objects are pinned: without a loaded relationship, they are all the flush must look at.
    const candidates = this.#relationshipsLoaded ? this.identityMap.objects() : this.identityMap.pinnedObjects();
    const loaded: object[] = [];
    for (const [object, state] of candidates) if (state.modified || state.related.size > 0) loaded.push(object);
    const plan = await runFlush(ctx, {
      pending: [...this.#pending],
      loaded,
      toDelete: [...this.#toDelete],
      cascadeAdd: (object) => this.add(object),
      expunge: (object) => this.expunge(object),
      owner: this,
    });
    if (plan === undefined) return;
    for (const state of plan.inserts) {
      const object = plan.objects.get(state) as object;
      const key = state.mapper.identityKeyOf(state) as IdentityKey;
      becomePersistent(ctx, state, key);
      if (state.related.size > 0) this.#relationshipsLoaded = true;
      state.insertedIn = ctx.level;
      this.#pending.delete(object);
      this.identityMap.add(key, object);
    }
    for (const state of plan.updates) state.changedIn = ctx.level;
    for (const state of plan.deletes) {
      const object = plan.objects.get(state) as object;
      state.status = "deleted";
      state.deletedIn = ctx.level;
      this.#toDelete.delete(object);
      this.#flushedDeletes.add(object);
      if (state.identityKey !== undefined) this.identityMap.remove(state.identityKey);
    }
    for (const state of plan.objects.keys()) {
      state.markFlushed();
      if (state.identityKey !== undefined && state.status === "persistent") this.identityMap.unpin(state.identityKey);
    }
  }

  /** The transaction committed: deleted objects detach; with expireOnCommit everything reloads on next use. */
  afterCommit(expireOnCommit: boolean): void {
    if (this.#holdsNothing()) return;
    for (const object of this.#flushedDeletes) this.#move(stateOf(object), "detached");
    this.#flushedDeletes.clear();
    this.identityMap.forEachState((state) => {
      state.insertedIn = state.changedIn = undefined;
      if (expireOnCommit) state.expire();
    });
    if (expireOnCommit) this.#relationshipsLoaded = false; // expire() unloads every relationship
  }

  /**
   * SQLAlchemy `_restore_snapshot`: rows inserted in the rolled-back level (and objects never
   * flushed) become transient again; rows deleted in it come back; what changed in it (for the
   * whole transaction: everything) is expired, so it reloads as the database has it.
   */
  afterRollback(level: LevelRef | undefined): void {
    if (this.#holdsNothing()) return;
    const rolledBack = (at: LevelRef | undefined): boolean => at !== undefined && (level === undefined || within(at, level));
    for (const object of this.#pending) this.#move(stateOf(object), "transient");
    this.#pending.clear();
    for (const [object, state] of this.identityMap.objects()) {
      if (!rolledBack(state.insertedIn)) continue;
      this.identityMap.remove(state.identityKey as IdentityKey);
      state.identityKey = undefined;
      this.#move(stateOf(object), "transient");
    }
    for (const object of this.#flushedDeletes) {
      const state = stateOf(object);
      if (!rolledBack(state.deletedIn)) continue;
      this.#flushedDeletes.delete(object);
      state.status = "persistent";
      state.deletedIn = undefined;
      this.identityMap.add(state.identityKey as IdentityKey, object);
    }
    for (const object of this.#toDelete) if (stateOf(object).identityKey !== undefined) this.identityMap.unpin(stateOf(object).identityKey as IdentityKey);
    this.#toDelete.clear();
    for (const [, state] of this.identityMap.objects()) {
      if (level === undefined || state.modified || rolledBack(state.changedIn)) {
        state.expire();
        this.identityMap.unpin(state.identityKey as IdentityKey);
      }
    }
    if (level === undefined) this.#relationshipsLoaded = false; // everything was expired
  }

  #attach(object: object, state: InstanceState): void {
    const key = state.identityKey ?? state.mapper.identityKeyOf(state);
    if (key === undefined) throw new ObjectStateError(`This detached ${state.mapper.name} has no primary key to attach it by.`);
    const present = this.identityMap.get(key);
    if (present !== undefined && present !== object) {
      throw new ObjectStateError(`This session already has another ${state.mapper.name} for the same row; use session.merge(obj) to copy this one's values onto it.`);
    }
    state.status = "persistent";
    state.owner = this;
    state.identityKey = key;
    this.identityMap.add(key, object);
    if (state.modified) this.identityMap.pin(key, object);
    if (state.related.size > 0) this.#relationshipsLoaded = true;
  }

  /** The one transition point for leaving the session. */
  #move(state: InstanceState, to: "transient" | "detached"): void {
    state.status = to;
    state.owner = undefined;
    state.insertedIn = state.changedIn = state.deletedIn = undefined;
    if (to === "transient") state.identityKey = undefined;
  }
}
