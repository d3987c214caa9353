// A TCP proxy on 127.0.0.1 that tests put between a driver and a real server to inject
// network faults: a black hole (a partition), latency, and connections closed with FIN or RST.
import { connect, createServer, type Server, type Socket } from "node:net";

export type ProxyMode = "pass" | "blackhole";

export interface ProxyTarget {
  readonly host: string;
  readonly port: number;
}

export interface FaultProxy {
  readonly host: string;
  readonly port: number;
  readonly target: ProxyTarget;
  /** Open client connections, including those held by a black hole. */
  readonly connectionCount: number;
  readonly currentMode: ProxyMode;
  /**
   * "blackhole" models a network partition: new connections are accepted but never reach
   * the server, and open ones stop forwarding in both directions. Nothing is lost: as with
   * TCP retransmission after a partition heals, "pass" connects the held connections and
   * delivers whatever was sent meanwhile.
   */
  mode(mode: ProxyMode): void;
  /** Delay added to each chunk, in each direction (so a round trip gains 2 × ms). */
  latency(ms: number): void;
  /** Closes every open connection on both sides with a FIN: a clean close by the peer. */
  dropAll(): void;
  /** Aborts every open connection on both sides with a RST: a crashed peer or a firewall. */
  resetAll(): void;
  /** Stops listening and resets every connection. Safe to call more than once. */
  close(): Promise<void>;
}

interface Chunk {
  readonly data: Buffer;
  readonly due: number;
}

/** One direction of a link: reads `from`, delays, writes `to`, in order. Reading never
 * stops for a black hole (chunks queue here instead), so that a client closing its end is
 * still noticed; only a slow receiver pauses it. */
class Pipe {
  /** Unset until the server connection exists: chunks wait in the queue until then. */
  to: Socket | undefined;
  readonly #queue: Chunk[] = [];
  #timer: NodeJS.Timeout | undefined;
  #ended = false;
  #awaitingDrain = false;

  constructor(
    readonly from: Socket,
    private readonly proxy: FaultProxyServer,
  ) {
    from.on("data", (data: Buffer) => {
      // Never let a chunk overtake an earlier one when latency is lowered mid-stream.
      const last = this.#queue.at(-1)?.due ?? 0;
      this.#queue.push({ data, due: Math.max(Date.now() + proxy.latencyMs, last) });
      this.pump();
    });
    from.on("end", () => {
      this.#ended = true;
      this.pump();
    });
  }

  /** Delivers every chunk that is due, unless blackholed; then forwards a half-close. */
  pump(): void {
    const to = this.to;
    if (to === undefined || to.destroyed || this.proxy.currentMode === "blackhole" || this.#timer) return;
    for (let head = this.#queue[0]; head; head = this.#queue[0]) {
      const wait = head.due - Date.now();
      if (wait > 0) {
        this.#timer = setTimeout(() => {
          this.#timer = undefined;
          this.pump();
        }, wait);
        return;
      }
      this.#queue.shift();
      // Backpressure: stop reading until the receiver has caught up.
      if (!to.write(head.data) && !this.#awaitingDrain) {
        this.#awaitingDrain = true;
        this.from.pause();
        to.once("drain", () => {
          this.#awaitingDrain = false;
          this.from.resume();
        });
      }
    }
    if (this.#ended && !to.writableEnded) to.end();
  }

  stop(): void {
    clearTimeout(this.#timer);
    this.#timer = undefined;
    this.#queue.length = 0;
  }
}

/** A client connection and, once connected through, its server connection. */
class Link {
  upstream: Socket | undefined;
  readonly #toServer: Pipe;
  #toClient: Pipe | undefined;
  /** Closes and errors that happened while blackholed: like data, they must not cross the
   * partition until it heals, or the far side would learn of them too early. */
  readonly #deferred: (() => void)[] = [];

  constructor(
    readonly client: Socket,
    private readonly proxy: FaultProxyServer,
  ) {
    this.#toServer = new Pipe(client, proxy);
    client.setNoDelay(true);
    client.on("error", (error: NodeJS.ErrnoException) => this.#propagate(() => this.#abort(this.upstream, error)));
    client.on("end", () => {
      // Gave up before ever reaching the server (a SYN lost in the black hole): nothing to
      // forward, so finish the close here.
      if (this.upstream === undefined) client.end();
    });
    client.on("close", () => {
      this.#propagate(() => this.upstream?.destroySoon());
      proxy.forget(this);
    });
  }

  get fullyClosed(): boolean {
    return this.client.closed && (this.upstream === undefined || this.upstream.closed);
  }

  connectUpstream(target: ProxyTarget): void {
    if (this.client.destroyed || this.client.readableEnded) return;
    const upstream = connect({ host: target.host, port: target.port, allowHalfOpen: true });
    this.upstream = upstream;
    upstream.setNoDelay(true);
    upstream.on("error", (error: NodeJS.ErrnoException) => this.#propagate(() => this.#abort(this.client, error)));
    upstream.on("close", () => {
      this.#propagate(() => this.client.destroySoon());
      this.proxy.forget(this);
    });
    this.#toServer.to = upstream;
    this.#toClient = new Pipe(upstream, this.proxy);
    this.#toClient.to = this.client;
    this.resume();
  }

  #propagate(action: () => void): void {
    if (this.proxy.currentMode === "blackhole") this.#deferred.push(action);
    else action();
  }

  /** Ends the other side the way this one ended: a reset (or refused connect) as a RST. */
  #abort(socket: Socket | undefined, error: NodeJS.ErrnoException): void {
    if (socket === undefined || socket.destroyed) return;
    if (error.code === "ECONNRESET" || error.code === "ECONNREFUSED") socket.resetAndDestroy();
    else socket.destroy();
  }

  /** Delivers what the current mode allows: queued chunks, then deferred closes. */
  resume(): void {
    this.#toServer.pump();
    this.#toClient?.pump();
    if (this.proxy.currentMode === "pass") {
      for (const action of this.#deferred.splice(0)) action();
    }
  }

  drop(): void {
    this.#forgetPending();
    for (const socket of this.#openSockets()) {
      // end() sends the FIN. Keep reading and discard, because closing a socket that has
      // unread data makes the kernel send a RST instead.
      socket.removeAllListeners("data");
      socket.on("data", () => {});
      socket.resume();
      socket.end();
      socket.destroySoon();
    }
  }

  reset(): void {
    this.#forgetPending();
    for (const socket of this.#openSockets()) socket.resetAndDestroy();
  }

  #forgetPending(): void {
    this.#deferred.length = 0;
    this.#toServer.stop();
    this.#toClient?.stop();
  }

  #openSockets(): Socket[] {
    return [this.client, this.upstream].filter((socket): socket is Socket => socket !== undefined && !socket.destroyed);
  }
}

class FaultProxyServer implements FaultProxy {
  readonly host = "127.0.0.1";
  readonly target: ProxyTarget;
  readonly #server: Server;
  readonly #links = new Set<Link>();
  #mode: ProxyMode = "pass";
  #latencyMs = 0;
  #closing: Promise<void> | undefined;

  constructor(target: ProxyTarget) {
    this.target = target;
    // allowHalfOpen: a client's FIN is forwarded as a FIN, not turned into a full close.
    this.#server = createServer({ allowHalfOpen: true }, (client) => this.#accept(client));
  }

  async listen(): Promise<void> {
    await new Promise<void>((resolve, reject) => {
      this.#server.once("error", reject);
      this.#server.listen(0, this.host, () => {
        this.#server.off("error", reject);
        resolve();
      });
    });
  }

  get port(): number {
    const address = this.#server.address();
    if (address === null || typeof address === "string") throw new Error("the fault proxy is not listening");
    return address.port;
  }

  get connectionCount(): number {
    let open = 0;
    for (const link of this.#links) if (!link.client.closed) open++;
    return open;
  }

  get currentMode(): ProxyMode {
    return this.#mode;
  }

  get latencyMs(): number {
    return this.#latencyMs;
  }

  #accept(client: Socket): void {
    const link = new Link(client, this);
    this.#links.add(link);
    // Accepted while blackholed: what the client sends waits until mode("pass") connects it
    // through, as a SYN retransmitted after a partition heals would.
    if (this.#mode === "pass") link.connectUpstream(this.target);
  }

  forget(link: Link): void {
    if (link.fullyClosed) this.#links.delete(link);
  }

  mode(mode: ProxyMode): void {
    this.#mode = mode;
    for (const link of this.#links) {
      if (mode === "pass" && link.upstream === undefined) link.connectUpstream(this.target);
      else link.resume();
    }
  }

  latency(ms: number): void {
    if (!Number.isFinite(ms) || ms < 0) throw new RangeError(`latency must be a non-negative number, got ${ms}`);
    this.#latencyMs = ms;
  }

  dropAll(): void {
    for (const link of this.#links) link.drop();
  }

  resetAll(): void {
    for (const link of this.#links) link.reset();
  }

  close(): Promise<void> {
    this.#closing ??= new Promise<void>((resolve) => {
      this.#server.close(() => resolve());
      this.resetAll();
    });
    return this.#closing;
  }
}

/** Starts a proxy on 127.0.0.1:<free port> forwarding to `target`, in "pass" mode. */
export async function startFaultProxy(target: ProxyTarget): Promise<FaultProxy> {
  const proxy = new FaultProxyServer(target);
  await proxy.listen();
  return proxy;
}
