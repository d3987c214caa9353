/**
 * SPEC B1 for dialects whose statements run inside this process (SQLite through
 * better-sqlite3, PGlite in WebAssembly): a statement runs synchronously on the JS thread,
 * so no timer or signal handler can run until it is done, and there is no other connection
 * to send a cancel from. Their `capabilities.cancel` is false, so the engine never calls
 * these; it checks a call's signal and time limit before each statement instead.
 */
import { InvalidRequestError } from "../../errors.js";

export function noServerCancel(dialectName: string): never {
  throw new InvalidRequestError(
    `${dialectName} runs statements inside this process and can't cancel a running one (capabilities.cancel is false); ` +
      "a call's signal and timeoutMs are checked before each statement is sent.",
  );
}
