import type { OpMap, WorkerClient } from "./worker-rpc.js";

/** `list` rotated by `r`: each round starts with another contender. */
export function rotated<T>(list: readonly T[], r: number): T[] {
  const k = r % list.length;
  return [...list.slice(k), ...list.slice(0, k)];
}

/** Ask each worker to close its contender (ignoring failures), then end the worker. */
export async function closeAll<Ops extends OpMap & { close: [Record<string, never>, unknown] }>(clients: Iterable<WorkerClient<Ops>>): Promise<void> {
  await Promise.all(
    [...clients].map(async (c) => {
      await c.call("close", {}).catch(() => undefined);
      await c.terminate();
    }),
  );
}
