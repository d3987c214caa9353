import { Agent, request } from "node:http";

/**
 * The in-repo load generator: `concurrency` loops, each sending GET /select on a keep-alive
 * connection of its own and waiting for the answer, for a fixed duration. It runs on the main
 * thread while the server runs in its worker, so client and server each have a core (the
 * PostgreSQL server shares them: compare ratios within a run).
 */

const EXPECTED = '{"x":1}';

export interface LoadResult {
  requests: number;
  elapsedMs: number;
  /** Non-200 answers, wrong bodies or transport errors: must be 0. */
  failures: number;
  p50Ms: number;
  p99Ms: number;
}

function get(port: number, agent: Agent): Promise<boolean> {
  return new Promise((resolve) => {
    const req = request({ host: "127.0.0.1", port, path: "/select", agent }, (res) => {
      let body = "";
      res.setEncoding("utf8");
      res.on("data", (chunk: string) => (body += chunk));
      res.on("end", () => resolve(res.statusCode === 200 && body === EXPECTED));
      res.on("error", () => resolve(false));
    });
    req.on("error", () => resolve(false));
    req.end();
  });
}

export async function drive(port: number, concurrency: number, durationMs: number): Promise<LoadResult> {
  const agent = new Agent({ keepAlive: true, maxSockets: concurrency, maxFreeSockets: concurrency });
  const latencies: number[] = [];
  let requests = 0;
  let failures = 0;
  const start = performance.now();
  const end = start + durationMs;
  const loop = async (): Promise<void> => {
    while (performance.now() < end) {
      const t = performance.now();
      const ok = await get(port, agent);
      latencies.push(performance.now() - t);
      requests++;
      if (!ok) failures++;
    }
  };
  try {
    await Promise.all(Array.from({ length: concurrency }, loop));
  } finally {
    agent.destroy();
  }
  const elapsedMs = performance.now() - start;
  latencies.sort((a, b) => a - b);
  const at = (p: number): number => latencies[Math.min(latencies.length - 1, Math.floor(p * latencies.length))] ?? 0;
  return { requests, elapsedMs, failures, p50Ms: at(0.5), p99Ms: at(0.99) };
}
