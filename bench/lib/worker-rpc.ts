import { parentPort, Worker } from "node:worker_threads";

/**
 * Request/response over a worker thread. Benchmarks run each contender in its own worker:
 * its own isolate, so its own JIT feedback (no megamorphic call sites shared with the other
 * contenders), its own heap and its own GC. Only one worker runs at a time.
 */

/** Operation name -> [request, response]. */
export type OpMap = Record<string, [object, unknown]>;

type Message = { id: number; op: string; req: object };
type Reply = { id: number; ok: true; res: unknown } | { id: number; ok: false; error: string };

interface Pending {
  resolve: (value: unknown) => void;
  reject: (reason: unknown) => void;
}

/**
 * Start a worker running a TypeScript module (tsx's hooks must be registered per thread),
 * loading athanor from dist/ (use-dist.ts) as the main thread does.
 */
export function spawnTsWorker(file: URL, workerData: unknown): Worker {
  const api = import.meta.resolve("tsx/esm/api");
  const useDist = new URL("./use-dist.ts", import.meta.url).href;
  const code =
    `import(${JSON.stringify(api)})` +
    `.then((tsx) => { tsx.register(); return import(${JSON.stringify(useDist)}); })` +
    `.then(() => import(${JSON.stringify(file.href)}))`;
  return new Worker(code, { eval: true, workerData });
}

export class WorkerClient<Ops extends OpMap> {
  private nextId = 1;
  private readonly pending = new Map<number, Pending>();
  private failure: unknown = undefined;

  constructor(private readonly worker: Worker) {
    worker.on("message", (reply: Reply) => {
      const p = this.pending.get(reply.id);
      if (p === undefined) return;
      this.pending.delete(reply.id);
      if (reply.ok) p.resolve(reply.res);
      else p.reject(new Error(reply.error));
    });
    worker.on("error", (err) => this.failAll(err));
    worker.on("exit", (code) => this.failAll(new Error(`benchmark worker exited with code ${code}`)));
  }

  call<K extends keyof Ops & string>(op: K, req: Ops[K][0]): Promise<Ops[K][1]> {
    if (this.failure !== undefined) return Promise.reject(this.failure);
    const id = this.nextId++;
    return new Promise<Ops[K][1]>((resolve, reject) => {
      this.pending.set(id, { resolve: resolve as (value: unknown) => void, reject });
      const message: Message = { id, op, req };
      this.worker.postMessage(message);
    });
  }

  async terminate(): Promise<void> {
    this.failure ??= new Error("worker terminated");
    await this.worker.terminate();
  }

  private failAll(err: unknown): void {
    this.failure ??= err;
    for (const p of this.pending.values()) p.reject(err);
    this.pending.clear();
  }
}

export type Handlers<Ops extends OpMap> = { [K in keyof Ops]: (req: Ops[K][0]) => Promise<Ops[K][1]> };

/** Inside the worker: answer requests one at a time, in order. */
export function serve<Ops extends OpMap>(handlers: Handlers<Ops>): void {
  const port = parentPort;
  if (port === null) throw new Error("serve() must run in a worker thread");
  let queue: Promise<void> = Promise.resolve();
  port.on("message", (message: Message) => {
    queue = queue.then(async () => {
      let reply: Reply;
      try {
        const handler = handlers[message.op as keyof Ops];
        if (handler === undefined) throw new Error(`unknown op '${message.op}'`);
        reply = { id: message.id, ok: true, res: await handler(message.req as Ops[keyof Ops][0]) };
      } catch (err) {
        reply = { id: message.id, ok: false, error: err instanceof Error ? (err.stack ?? err.message) : String(err) };
      }
      port.postMessage(reply);
    });
  });
}
