/**
 * Module hooks (node:module register) that load athanor's built output instead of its
 * TypeScript sources: `src/x.js` imports resolve to `dist/x.js`. Registered after tsx, so
 * they run first and see tsx's answer (src/x.ts). Benchmarks measure what users run (tsc's
 * output): tsx transpiles with esbuild's keepNames, which wraps every named closure in a
 * __name() call (an Object.defineProperty per closure created), a cost the built package
 * does not have.
 */
const SRC = new URL("../../src/", import.meta.url).href;
const DIST = new URL("../../dist/", import.meta.url).href;

export async function resolve(specifier, context, next) {
  const resolved = await next(specifier, context);
  if (!resolved.url.startsWith(SRC)) return resolved;
  return { ...resolved, url: DIST + resolved.url.slice(SRC.length).replace(/\.ts$/, ".js"), format: "module" };
}
