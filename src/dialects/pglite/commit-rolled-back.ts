/**
 * The error PgliteDialect.commit() raises when PostgreSQL turned a COMMIT into a ROLLBACK
 * because the transaction had already failed. It carries SQLSTATE 25P02
 * (in_failed_sql_transaction: PostgreSQL's code for "current transaction is aborted"), set
 * by athanor rather than sent by the server, so that it is classified like the server's own
 * errors for that state (class 25: InternalError, as psycopg2 maps it).
 */
export class PgliteCommitRolledBackError extends Error {
  readonly code = "25P02";

  constructor() {
    super("COMMIT rolled back instead: an earlier statement in this transaction failed. Roll back and run the transaction again.");
    this.name = "PgliteCommitRolledBackError";
  }
}
