export * from "./errors.js";
export * from "./pool/index.js";
export { runInScope, currentScope, AsyncScope } from "./context.js";
export type { Logger } from "./log.js";
