import type { WebContender } from "./contenders.js";

/** What the main thread asks a contender's server worker (bench/lib/worker-rpc.ts). */
export type WebOps = {
  /** Build the app and listen on 127.0.0.1:0. */
  start: [object, { port: number }];
  /** Count pg Client.query calls from now (on) / until now (off: returns the count). */
  countQueries: [{ on: boolean }, { queries: number }];
  /** Connections the contender's pool holds checked out (athanor only; -1 for the others). */
  checkedOut: [object, { checkedOut: number }];
  /** Close the contender's idle connections (reopened on demand). */
  release: [object, { released: true }];
  /** CPU time of the server's thread so far, ms (bench/lib/thread-cpu.ts). */
  cpu: [object, { ms: number }];
  close: [object, { closed: true }];
};

export interface WebWorkerData {
  contender: WebContender;
}
