import type { MiddlewareHandler } from "hono";
import { runInRequestScope } from "../context.js";
import type { ScopedSession } from "../orm/scoped-session.js";
import { checkOptions, describe, loggerOf, RequestSession, type CommitMode, type RequestScopeOptions } from "./request-session.js";

export type { CommitMode, RequestScopeOptions };

const COMMIT_FAILED_BODY = "Internal Server Error: the request's transaction could not be committed.\n";

/**
 * Request scoping for Hono (SPEC S5): `app.use(athanorHono(db, { commit: "on-success" }))`.
 *
 * Hono's response is a value the runtime writes only after the middleware chain returns, so
 * "before the response goes out" is simply after `await next()`: commit (with "on-success",
 * no error and a status below 400) or roll back, and remove the session. A failed commit
 * replaces the response with a 500. A client that disconnects (the request's AbortSignal, which
 * @hono/node-server aborts when the connection closes early) gets its work rolled back at once,
 * while the handler may still be running; its next db() raises SCOPE_ENDED.
 *
 * A streamed body (c.stream, streamSSE) is produced after the middleware returned: the scope
 * has ended by then, so stream from data read before returning, or open a session of its own.
 *
 * One middleware per database: they share the request's scope. Each ends its session once the
 * middlewares inside it have returned, so the last registered commits first; a failed commit
 * turns the response into a 500, and the middlewares outside it then roll back.
 */
export function athanorHono(db: ScopedSession, options?: RequestScopeOptions): MiddlewareHandler {
  const mode = checkOptions(db, options);
  const logger = loggerOf(db);
  return (c, next) =>
    runInRequestScope(c, async (scope) => {
      const rs = new RequestSession(db, mode, logger, scope);
      const signal: AbortSignal | undefined = c.req.raw.signal;
      const onAbort = (): void => void rs.end("rollback");
      signal?.addEventListener("abort", onAbort, { once: true });
      try {
        await next();
        if (rs.ended) return;
        const failed = c.error !== undefined || signal?.aborted === true;
        // Nothing to commit that could fail: the answer goes now; `finally` starts the rollback.
        if (failed || !rs.mustEndBeforeResponse(c.res.status)) return;
        const ending = await rs.end("commit");
        if (ending.commitError !== undefined) {
          logger.error(`athanor: committing the request's transaction failed; the client gets a 500: ${describe(ending.commitError)}`);
          c.res = undefined; // or Hono copies the old response's headers onto the new one
          c.res = new Response(COMMIT_FAILED_BODY, { status: 500, headers: { "content-type": "text/plain; charset=utf-8" } });
        }
      } finally {
        signal?.removeEventListener("abort", onAbort);
        // The request ends whatever happened (idempotent after a commit), without holding the answer.
        void rs.end("rollback");
      }
    });
}
