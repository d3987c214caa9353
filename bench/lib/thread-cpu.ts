import { readFileSync } from "node:fs";

/**
 * CPU time (user + system, ms) of the calling thread alone, where process.cpuUsage() counts
 * every thread of the process (the web tools' load generator and servers share one). Linux
 * only: /proc/thread-self/stat utime + stime, in clock ticks of 10 ms, so measure runs of a
 * second or more.
 */
export function threadCpuMs(): number {
  const stat = readFileSync("/proc/thread-self/stat", "utf8");
  // Fields after "(comm) ": state is [0], utime [11], stime [12] (proc(5): fields 14 and 15).
  const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  return (Number(fields[11]) + Number(fields[12])) * 10;
}
