/**
 * `--import ./bench/lib/use-dist.ts` (after tsx), or imported first in a worker: athanor's
 * modules come from dist/ (dist-hooks.mjs says why). `npm run bench` builds dist/ first.
 */
import { existsSync } from "node:fs";
import { register } from "node:module";

if (!existsSync(new URL("../../dist/index.js", import.meta.url))) {
  throw new Error("bench: dist/ is missing; run `npm run build` first (npm run bench does).");
}
register("./dist-hooks.mjs", import.meta.url);
