/**
 * Errors of the SQL expression layer. Both derive from AthanorError with stable codes, like
 * the rest of the library; they live here because src/errors.ts belongs to the engine layer.
 */
import { AthanorError } from "../errors.js";

/**
 * A statement or DDL that cannot be written for this database (SQLAlchemy `CompileError`):
 * RETURNING on MySQL, a VARCHAR without a length on MySQL, a join whose ON clause cannot be
 * inferred. Raised before anything is sent.
 */
export class CompileError extends AthanorError {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, { ...options, code: "COMPILE_ERROR" });
  }
}

/**
 * A value read from the database that the column's type cannot turn into its JavaScript
 * type (a BIGINT beyond Number.MAX_SAFE_INTEGER in a number-mode column, unparseable dates).
 */
export class ResultTypeError extends AthanorError {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, { ...options, code: "RESULT_TYPE_ERROR" });
  }
}
