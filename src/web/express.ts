import type { IncomingMessage, ServerResponse } from "node:http";
import { runInRequestScope } from "../context.js";
import type { ScopedSession } from "../orm/scoped-session.js";
import { ResponseGate } from "./express-gate.js";
import { checkOptions, loggerOf, RequestSession, type CommitMode, type RequestScopeOptions } from "./request-session.js";

export type { CommitMode, RequestScopeOptions };

/**
 * An Express (4 or 5) middleware, typed on node:http so this entry point needs neither
 * `express` nor `@types/express`: Express's Request and Response extend these.
 */
export type ExpressMiddleware = (req: IncomingMessage, res: ServerResponse, next: (err?: unknown) => void) => void;

/**
 * Request scoping for Express (SPEC S5): `app.use(athanorExpress(db, { commit: "on-success" }))`.
 *
 * Each request runs in a scope of its own, so `db()` in its handlers is that request's
 * session, made on first use (a request that never touches the database costs nothing).
 * When the handler ends the response, the session's transaction is committed (with
 * "on-success" and a status below 400) or rolled back, and the session removed, before the
 * response goes out; if the commit fails the client gets a 500 (or, if headers were already
 * streamed, a closed connection), never the success. A client that disconnects first gets
 * its work rolled back. Register it before the routes and after middleware that does not
 * need the database. One middleware per database: the handler's sessions are committed in
 * the order the middlewares were registered, and a failed commit rolls back those after it.
 */
export function athanorExpress(db: ScopedSession, options?: RequestScopeOptions): ExpressMiddleware {
  const mode = checkOptions(db, options);
  const logger = loggerOf(db);
  return (req, res, next) => {
    // next() inside the scope: the rest of the chain (and every await in it) inherits it,
    // as @fastify/request-context does with AsyncLocalStorage.
    runInRequestScope(req, (scope, joined) => {
      const request = new RequestSession(db, mode, logger, scope);
      // A second athanor middleware on this request (another database) joins the first one's
      // scope and gate: one gate holds the response until every database's session has ended.
      const gate = joined ? ResponseGate.of(res) : undefined;
      if (gate === undefined) new ResponseGate(req, res, request, logger).install();
      else if (!gate.join(request)) void request.end("rollback");
      next();
    });
  };
}
