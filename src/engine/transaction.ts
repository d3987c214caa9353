import { InvalidRequestError } from "../errors.js";

/** What a transaction object asks of its connection; implemented by Connection. */
export interface TransactionHost {
  commitRoot(tx: Transaction): Promise<void>;
  rollbackRoot(tx: Transaction): Promise<void>;
  releaseSavepoint(tx: NestedTransaction): Promise<void>;
  rollbackToSavepoint(tx: NestedTransaction): Promise<void>;
}

export type TransactionState = "active" | "committed" | "rolledBack" | "deactivated";

/**
 * Shared by both kinds: one state, changed at one place (`end`), and a clear error when a
 * finished transaction is used (SQLAlchemy "This transaction is inactive").
 */
abstract class TransactionBase {
  protected current: TransactionState = "active";

  get state(): TransactionState {
    return this.current;
  }

  get isActive(): boolean {
    return this.current === "active";
  }

  /** @internal Called by the connection when this transaction ends, however it ends. */
  end(state: Exclude<TransactionState, "active">): void {
    this.current = state;
  }

  protected assertActive(action: string): void {
    if (this.current === "active") return;
    throw new InvalidRequestError(
      `Can't ${action}: this ${this.describe()} is no longer active (it was ${this.current}). ` +
        "Begin a new one with conn.begin() / conn.beginNested().",
      { code: "TRANSACTION_INACTIVE" },
    );
  }

  protected abstract describe(): string;
}

/**
 * The connection's one outermost transaction (SQLAlchemy `RootTransaction`), from
 * `conn.begin()` or begun implicitly by the first statement. `await using tx = await
 * conn.begin()` rolls it back on leaving the block unless it was committed.
 */
export class Transaction extends TransactionBase {
  constructor(
    private readonly host: TransactionHost,
    /** Begun by conn.begin() rather than by the first statement (autobegin). */
    readonly explicit: boolean,
  ) {
    super();
  }

  async commit(): Promise<void> {
    this.assertActive("commit");
    await this.host.commitRoot(this);
  }

  async rollback(): Promise<void> {
    if (!this.isActive) return; // rolling back twice is harmless, as in SQLAlchemy
    await this.host.rollbackRoot(this);
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.rollback();
  }

  protected describe(): string {
    return "transaction";
  }
}

/**
 * A SAVEPOINT (SQLAlchemy `NestedTransaction`): commit() releases it, rollback() rolls back
 * to it; either also ends every savepoint begun inside it.
 */
export class NestedTransaction extends TransactionBase {
  constructor(
    private readonly host: TransactionHost,
    /** The savepoint's name in SQL. */
    readonly name: string,
  ) {
    super();
  }

  async commit(): Promise<void> {
    this.assertActive("commit");
    await this.host.releaseSavepoint(this);
  }

  async rollback(): Promise<void> {
    if (!this.isActive) return;
    await this.host.rollbackToSavepoint(this);
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.rollback();
  }

  protected describe(): string {
    return `savepoint ${this.name}`;
  }
}
