/**
 * Where athanor writes its warnings and echo lines. `console` fits, and so does a pino or
 * winston logger: every call passes one preformatted string.
 */
export interface Logger {
  debug?(message: string): void;
  info?(message: string): void;
  warn(message: string): void;
  error(message: string): void;
}

export function logDebug(logger: Logger, message: string): void {
  (logger.debug ?? logger.info ?? logger.warn).call(logger, message);
}

export function logInfo(logger: Logger, message: string): void {
  (logger.info ?? logger.warn).call(logger, message);
}
