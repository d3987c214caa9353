import type { FastifyPluginCallback, FastifyReply, FastifyRequest } from "fastify";
import { runInExistingScope, runInRequestScope } from "../context.js";
import type { ScopedSession } from "../orm/scoped-session.js";
import { checkOptions, loggerOf, RequestSession, type CommitMode, type RequestScopeOptions } from "./request-session.js";

export type { CommitMode, RequestScopeOptions };

export interface AthanorFastifyOptions extends RequestScopeOptions {
  db: ScopedSession;
}

/** The commit failed: Fastify's error handling answers it (500), never the success. */
export class CommitFailedError extends Error {
  readonly statusCode = 500;
  constructor(cause: unknown) {
    super("The request's transaction could not be committed.", { cause });
    this.name = "CommitFailedError";
  }
}

/**
 * Request scoping for Fastify 4 and 5 (SPEC S5): `app.register(athanorFastify, { db, commit: "on-success" })`.
 *
 * - onRequest starts the request's scope; preValidation re-enters it, because body parsing
 *   resumes the request from the socket's 'data'/'end' events, outside it (what
 *   @fastify/request-context does with an AsyncResource).
 * - onSend, before the payload goes out: commit (with "on-success" and a status below 400) or
 *   roll back, and remove the session. A failed commit becomes an error reply (500).
 * - onResponse and onRequestAbort: remove the session (rolling back) if onSend did not run:
 *   the client left, or the reply was hijacked.
 *
 * The plugin skips Fastify's encapsulation (as fastify-plugin does, without depending on it),
 * so its hooks apply to every route of the instance it is registered on. Register it once per
 * database: the sessions are committed in registration order, and a failed commit rolls back
 * those after it.
 */
export const athanorFastify: FastifyPluginCallback<AthanorFastifyOptions> = (instance, opts, done) => {
  const db = opts.db;
  const mode = checkOptions(db, opts);
  const logger = loggerOf(db);
  // Slots on Fastify's request (declared with decorateRequest, so every request object keeps
  // one shape), not WeakMaps keyed by it: each WeakMap entry is an ephemeron the garbage
  // collector must trace, for every request. The symbols are this registration's own, so the
  // plugin can be registered twice (two databases) without the decorations clashing.
  const sessionSlot = Symbol("athanor.requestSession");
  /** The status a commit was made for, should a late error handler change it afterwards. */
  const committedSlot = Symbol("athanor.committedStatus");
  instance.decorateRequest(sessionSlot, null);
  instance.decorateRequest(committedSlot, null);
  const slots = (request: FastifyRequest): RequestSlots => request as unknown as RequestSlots;
  interface RequestSlots {
    [sessionSlot]: RequestSession | null;
    [committedSlot]: number | null;
  }

  instance.addHook("onRequest", (request, _reply, next) => {
    // A second registration (another database) joins the scope the first one started.
    runInRequestScope(request, (scope) => {
      slots(request)[sessionSlot] = new RequestSession(db, mode, logger, scope);
      next();
    });
  });

  instance.addHook("preValidation", (request, _reply, next) => {
    const rs = slots(request)[sessionSlot];
    if (rs === null) next();
    else runInExistingScope(rs.scope, () => next());
  });

  instance.addHook("onSend", async (request, reply, payload) => {
    const rs = slots(request)[sessionSlot];
    if (rs === null) return payload;
    if (rs.ended) {
      // A second onSend (an error thrown after reply.send()) waits for the first one's outcome.
      const ending = await rs.end("rollback");
      restoreStatus(request, reply, ending.committed);
      return payload;
    }
    if (!rs.mustEndBeforeResponse(reply.statusCode)) {
      // Nothing to commit that could fail: the answer goes now, and the rollback runs meanwhile.
      void rs.end("rollback");
      return payload;
    }
    const status = reply.statusCode;
    const abandoned = reply.raw.destroyed || request.raw.socket?.destroyed === true;
    const outcome = abandoned ? "rollback" : rs.outcomeFor(status);
    if (outcome === "commit") slots(request)[committedSlot] = status;
    const ending = await rs.end(outcome);
    if (ending.commitError !== undefined) {
      slots(request)[committedSlot] = null;
      logger.error(`athanor: committing the request's transaction failed; the client gets an error: ${String(ending.commitError)}`);
      throw new CommitFailedError(ending.commitError);
    }
    restoreStatus(request, reply, ending.committed);
    return payload;
  });

  /**
   * An error thrown after reply.send() makes Fastify send a 500 while the first reply waits in
   * onSend, and changes the status under it. The first reply goes out first; once its
   * transaction is committed, it goes out with the status it was committed for.
   */
  function restoreStatus(request: FastifyRequest, reply: FastifyReply, committed: boolean): void {
    const status = slots(request)[committedSlot];
    if (committed && status !== null && reply.statusCode !== status && !reply.raw.headersSent) reply.code(status);
  }

  const teardown = (request: FastifyRequest): void => {
    void slots(request)[sessionSlot]?.end("rollback");
  };
  instance.addHook("onResponse", (request, _reply, next) => {
    teardown(request);
    next();
  });
  instance.addHook("onRequestAbort", (request, next) => {
    teardown(request);
    next();
  });
  done();
};

// fastify-plugin's marks: no encapsulation (the hooks reach the routes registered next to the
// plugin) and a readable name in Fastify's errors and printPlugins().
Object.assign(athanorFastify, {
  [Symbol.for("skip-override")]: true,
  [Symbol.for("fastify.display-name")]: "athanor",
});
