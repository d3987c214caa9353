// A TCP listener on 127.0.0.1 that only counts connection attempts. URLs under test point
// at it: an input that must be rejected before anything is sent has been, exactly when
// the count stays 0. (Counted at accept, so even a connect abandoned at once shows.)
import { createServer, type Server, type Socket } from "node:net";

export interface SpyServer {
  readonly port: number;
  readonly connections: number;
  close(): Promise<void>;
}

export async function startSpyServer(): Promise<SpyServer> {
  let connections = 0;
  const sockets = new Set<Socket>();
  const server: Server = createServer((socket) => {
    connections++;
    sockets.add(socket);
    socket.on("error", () => undefined);
    socket.on("close", () => sockets.delete(socket));
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => resolve());
  });
  const address = server.address();
  if (address === null || typeof address === "string") throw new Error("spy server has no port");
  return {
    port: address.port,
    get connections() {
      return connections;
    },
    close: () =>
      new Promise<void>((resolve) => {
        for (const socket of sockets) socket.destroy();
        server.close(() => resolve());
      }),
  };
}
