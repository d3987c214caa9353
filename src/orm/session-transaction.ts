import { IllegalStateChangeError } from "../errors.js";
import type { Connection } from "../engine/connection.js";
import type { NestedTransaction, Transaction } from "../engine/transaction.js";

/**
 * SQLAlchemy's SessionTransactionState: `active` → `committed` | `closed`; an error makes it
 * `deactive` (only a rollback may follow); every change goes through `transition()`.
 */
export type SessionTransactionState = "active" | "deactive" | "committed" | "closed";

const ALLOWED: Readonly<Record<SessionTransactionState, readonly SessionTransactionState[]>> = {
  active: ["deactive", "committed", "closed"],
  deactive: ["closed"],
  committed: ["closed"],
  closed: [],
};

/** What a session transaction asks of its session; implemented by Session. */
export interface SessionTransactionHost {
  commitTransaction(tx: SessionTransaction): Promise<void>;
  rollbackTransaction(tx: SessionTransaction): Promise<void>;
}

/**
 * One level of a Session's transaction: the root (holding the Connection and its
 * Transaction) or a SAVEPOINT under it. Obtain with session.begin() / session.beginNested();
 * `await using` rolls it back unless it was committed.
 */
export class SessionTransaction {
  #state: SessionTransactionState = "active";
  /** Why it was deactivated (quoted by PendingRollbackError). */
  #failure: unknown = undefined;

  /** @internal */
  constructor(
    private readonly host: SessionTransactionHost,
    /** The enclosing transaction; undefined for the root. */
    readonly parent: SessionTransaction | undefined,
    /** Begun by session.begin()/beginNested() rather than by the first statement. */
    readonly explicit: boolean,
    /** The connection (root) and the database transaction this level stands for. */
    readonly connection: Connection,
    /** @internal */
    readonly dbTransaction: Transaction | NestedTransaction,
  ) {}

  get state(): SessionTransactionState {
    return this.#state;
  }

  get nested(): boolean {
    return this.parent !== undefined;
  }

  get isActive(): boolean {
    return this.#state === "active";
  }

  /** The error that deactivated this transaction, if one did. */
  get failure(): unknown {
    return this.#failure;
  }

  async commit(): Promise<void> {
    await this.host.commitTransaction(this);
  }

  async rollback(): Promise<void> {
    await this.host.rollbackTransaction(this);
  }

  async [Symbol.asyncDispose](): Promise<void> {
    if (this.#state === "active" || this.#state === "deactive") await this.rollback();
  }

  /** @internal The one place the state changes. */
  transition(to: SessionTransactionState, failure?: unknown): void {
    if (!ALLOWED[this.#state].includes(to)) {
      throw new IllegalStateChangeError(
        `A session transaction can't go from '${this.#state}' to '${to}'` +
          (this.#state === "closed" ? "; it is closed: begin a new one with session.begin()." : "."),
      );
    }
    this.#state = to;
    if (to === "deactive") this.#failure = failure;
  }
}
