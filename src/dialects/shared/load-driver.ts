/**
 * Loading a driver package on demand (SPEC E12: drivers are optional peer dependencies;
 * core code never imports one). A dialect calls `loadDriver` the first time it opens a
 * connection, so an application that never uses SQLite never needs better-sqlite3.
 */
import { AthanorError } from "../../errors.js";

/** The driver package a dialect needs is not installed. */
export class DriverNotInstalledError extends AthanorError {
  /** The npm package to install. */
  readonly packageName: string;

  constructor(packageName: string, dialectName: string, cause: unknown) {
    super(
      `The ${dialectName} dialect needs the "${packageName}" package, which is not installed. ` +
        `Install it next to athanor: npm install ${packageName}`,
      { cause, code: "DRIVER_MISSING" },
    );
    this.packageName = packageName;
  }
}

/**
 * The driver package is installed but failed to load: typically a native addon (such as
 * better-sqlite3) built for another Node.js version or platform, or a missing dependency of it.
 */
export class DriverLoadError extends AthanorError {
  readonly packageName: string;

  constructor(packageName: string, dialectName: string, cause: unknown) {
    const reason = cause instanceof Error ? cause.message : String(cause);
    super(
      `The ${dialectName} dialect could not load "${packageName}": ${reason}. ` +
        `If it is a native module built for another Node.js version, run: npm rebuild ${packageName}`,
      { cause, code: "DRIVER_LOAD_FAILED" },
    );
    this.packageName = packageName;
  }
}

/**
 * Import a driver package and return its module namespace, typed as the caller's own
 * minimal structural type (ARCHITECTURE habit 8: the caller declares only what it uses;
 * nothing here checks the shape, so keep those types small).
 *
 * Node caches the module, so calling this for every new connection costs a map lookup.
 */
export async function loadDriver<T>(pkg: string, dialectName: string): Promise<T> {
  try {
    return (await import(pkg)) as T;
  } catch (err) {
    if (isThisPackageMissing(err, pkg)) throw new DriverNotInstalledError(pkg, dialectName, err);
    throw new DriverLoadError(pkg, dialectName, err);
  }
}

/**
 * Node's resolver fails with ERR_MODULE_NOT_FOUND ("Cannot find package 'x' imported from
 * ...", ESM) or MODULE_NOT_FOUND ("Cannot find module 'x'", CommonJS); Node.js errors.md.
 * Only when the message names the package itself is the package missing; a missing
 * dependency *of* the package is a broken install, reported as DriverLoadError.
 */
function isThisPackageMissing(err: unknown, pkg: string): boolean {
  if (typeof err !== "object" || err === null) return false;
  const { code, message } = err as { code?: unknown; message?: unknown };
  if (code !== "ERR_MODULE_NOT_FOUND" && code !== "MODULE_NOT_FOUND") return false;
  return typeof message === "string" && (message.includes(`'${pkg}'`) || message.includes(`"${pkg}"`));
}
