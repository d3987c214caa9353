import { readdirSync, readFileSync } from "node:fs";

/**
 * CPU time (user + system, ms) of every `postgres` process on this machine (the server's
 * backends and its background workers), from /proc/<pid>/stat: what the database spent, which
 * on a small machine comes out of the same cores as the client. Linux only, clock ticks of
 * 10 ms; backends that exit between two readings take their time with them, so read it around
 * a run whose connections stay open.
 */
export function postgresCpuMs(): number {
  let ticks = 0;
  for (const entry of readdirSync("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    let stat: string;
    try {
      stat = readFileSync(`/proc/${entry}/stat`, "utf8");
    } catch {
      continue; // exited while we looked
    }
    const open = stat.indexOf("(");
    const close = stat.lastIndexOf(")");
    if (stat.slice(open + 1, close) !== "postgres") continue;
    const fields = stat.slice(close + 2).split(" ");
    ticks += Number(fields[11]) + Number(fields[12]);
  }
  return ticks * 10;
}
