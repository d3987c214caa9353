import { inspect } from "node:util";
import { ArgumentError } from "./errors.js";

export type QueryValue = string | readonly string[];

export interface UrlParts {
  /** "postgresql", "postgresql+pg", "mysql+mysql2", "mariadb", "sqlite", "pglite"... */
  drivername: string;
  username?: string | undefined;
  password?: string | undefined;
  host?: string | undefined;
  port?: number | undefined;
  database?: string | undefined;
  query?: Readonly<Record<string, QueryValue>> | undefined;
}

const MASK = "***";

/**
 * A database URL (SQLAlchemy `URL`): `dialect[+driver]://user:password@host:port/database?k=v`.
 * Immutable. It never prints its password: toString(), JSON, util.inspect and every error
 * show `***`; only renderAsString({ hidePassword: false }) reveals it.
 */
export class DatabaseUrl {
  readonly drivername: string;
  readonly username: string | undefined;
  readonly host: string | undefined;
  readonly port: number | undefined;
  readonly database: string | undefined;
  readonly query: Readonly<Record<string, QueryValue>>;
  /** Kept off the enumerable fields so spreading or logging the URL cannot leak it. */
  readonly #password: string | undefined;

  private constructor(parts: UrlParts) {
    this.drivername = parts.drivername;
    this.username = parts.username;
    this.#password = parts.password;
    this.host = parts.host;
    this.port = parts.port;
    this.database = parts.database;
    this.query = Object.freeze({ ...(parts.query ?? {}) });
  }

  /** Build a URL from parts (SQLAlchemy `URL.create`); each part is checked. */
  static create(parts: UrlParts): DatabaseUrl {
    if (typeof parts !== "object" || parts === null) throw new ArgumentError("URL.create() takes an object of URL parts.");
    const known = new Set(["drivername", "username", "password", "host", "port", "database", "query"]);
    const unknown = Object.keys(parts).filter((k) => !known.has(k));
    if (unknown.length > 0) {
      throw new ArgumentError(`Unknown URL part(s) ${unknown.map((k) => `'${k}'`).join(", ")}; URL parts are: ${[...known].join(", ")}.`);
    }
    if (typeof parts.drivername !== "string" || !/^[A-Za-z][\w]*(\+[\w-]+)?$/.test(parts.drivername)) {
      throw new ArgumentError(`drivername must look like "postgresql" or "postgresql+pg"; got ${JSON.stringify(parts.drivername)}.`);
    }
    for (const key of ["username", "password", "host", "database"] as const) {
      const value = parts[key];
      if (value !== undefined && typeof value !== "string") throw new ArgumentError(`URL ${key} must be a string.`);
    }
    const port = parts.port;
    if (port !== undefined && (!Number.isInteger(port) || port < 1 || port > 65_535)) {
      throw new ArgumentError(`URL port must be an integer from 1 to 65535; got ${String(port)}.`);
    }
    const query = Object.create(null) as Record<string, QueryValue>;
    for (const [key, value] of Object.entries(parts.query ?? {})) {
      if (typeof value === "string" || (Array.isArray(value) && value.every((v) => typeof v === "string"))) query[key] = value;
      else throw new ArgumentError(`URL query value for '${key}' must be a string or an array of strings.`);
    }
    return new DatabaseUrl({ ...parts, query });
  }

  /** Parse `dialect[+driver]://user:pass@host:port/db?k=v`; user and password are percent-decoded. */
  static parse(input: string): DatabaseUrl {
    if (typeof input !== "string") throw new ArgumentError(`A database URL must be a string; got ${typeof input}.`);
    const trimmed = input.trim();
    // `sqlite://:memory:` (SPEC E1) would otherwise read ":memory:" as a port.
    const memory = /^(?<name>(?:sqlite|pglite)(?:\+[\w-]+)?):\/\/:memory:$/.exec(trimmed);
    if (memory?.groups !== undefined) return DatabaseUrl.create({ drivername: memory.groups.name as string, database: ":memory:" });
    rejectDelimitersInUsername(trimmed);
    const match = URL_PATTERN.exec(trimmed);
    if (match?.groups === undefined) {
      throw new ArgumentError(
        `Could not parse a database URL from '${maskInRawUrl(input)}'. Expected dialect[+driver]://user:password@host:port/database, ` +
          "e.g. postgresql://postgres@127.0.0.1:5432/test or sqlite:///app.db.",
      );
    }
    const g = match.groups;
    const portText = g.port;
    let port: number | undefined;
    if (portText !== undefined && portText !== "") {
      port = Number(portText);
      if (!/^\d+$/.test(portText) || port < 1 || port > 65_535) {
        // The port text is not quoted: when delimiters in a username misplace the parse, it holds the password.
        throw new ArgumentError(
          `Invalid port in database URL '${maskInRawUrl(input)}'; it must be a number from 1 to 65535. ` +
            "Characters such as / ? # @ : in a username or password must be percent-encoded (encodeURIComponent).",
        );
      }
    }
    return DatabaseUrl.create({
      drivername: g.name as string,
      username: decode(g.username, "username", input),
      password: decode(g.password, "password", input),
      host: g.ipv6host ?? (g.host === "" ? undefined : g.host),
      port,
      database: g.database === undefined || g.database === "" ? undefined : decode(g.database, "database", input),
      query: parseQuery(g.query),
    });
  }

  get password(): string | undefined {
    return this.#password;
  }

  /** "postgresql" for "postgresql+pg". */
  get backend(): string {
    return this.drivername.split("+")[0] as string;
  }

  /** "pg" for "postgresql+pg"; undefined when the URL names no driver. */
  get driver(): string | undefined {
    return this.drivername.split("+")[1];
  }

  /** A copy with some parts replaced (SQLAlchemy `URL.set`). */
  set(parts: Partial<UrlParts>): DatabaseUrl {
    return DatabaseUrl.create({
      drivername: this.drivername,
      username: this.username,
      password: this.#password,
      host: this.host,
      port: this.port,
      database: this.database,
      query: this.query,
      ...parts,
    });
  }

  /** The URL as a string; the password is masked unless hidePassword is false. */
  renderAsString(options: { hidePassword?: boolean } = {}): string {
    const hide = options.hidePassword ?? true;
    let out = `${this.drivername}://`;
    if (this.username !== undefined) {
      out += encodeURIComponent(this.username);
      if (this.#password !== undefined) out += `:${hide ? MASK : encodeURIComponent(this.#password)}`;
      out += "@";
    }
    if (this.host !== undefined) out += this.host.includes(":") ? `[${this.host}]` : this.host;
    if (this.port !== undefined) out += `:${this.port}`;
    if (this.database !== undefined) out += `/${this.database}`;
    const pairs: string[] = [];
    for (const [key, value] of Object.entries(this.query)) {
      for (const v of typeof value === "string" ? [value] : value) pairs.push(`${encodeURIComponent(key)}=${encodeURIComponent(v)}`);
    }
    if (pairs.length > 0) out += `?${pairs.join("&")}`;
    return out;
  }

  toString(): string {
    return this.renderAsString();
  }

  toJSON(): string {
    return this.renderAsString();
  }

  [inspect.custom](): string {
    return `URL(${this.renderAsString()})`;
  }
}

// SQLAlchemy's _parse_url pattern, adapted: the password runs to the LAST '@' before the
// host, so an unencoded '@' in a password still parses.
const URL_PATTERN = new RegExp(
  "^(?<name>[A-Za-z][\\w]*(?:\\+[\\w-]+)?)://" +
    "(?:(?<username>[^:/?#@]*)(?::(?<password>.*))?@)?" +
    "(?:\\[(?<ipv6host>[^\\]/?]+)\\]|(?<host>[^/:?]*))?" +
    "(?::(?<port>[^/?]*))?" +
    "(?:/(?<database>[^?]*))?" +
    "(?:\\?(?<query>.*))?$",
  "s",
);

/**
 * `user:password@` whose username holds an unencoded / ? or # would parse with the password
 * read as a path, query or fragment, and then printed. Refuse it, masked. (An "@" inside a
 * query value with a ":" before it looks the same; percent-encoding it as %40 avoids this.)
 */
function rejectDelimitersInUsername(input: string): void {
  const start = input.indexOf("://");
  const at = input.lastIndexOf("@");
  if (start < 0 || at < start + 3) return;
  const userinfo = input.slice(start + 3, at);
  const colon = userinfo.indexOf(":");
  if (colon < 0 || !/[/?#]/.test(userinfo.slice(0, colon))) return;
  throw new ArgumentError(
    `The username in database URL '${maskInRawUrl(input)}' contains '/', '?' or '#'; percent-encode special characters ` +
      "in the username and password (encodeURIComponent), or build the URL with URL.create({ username, password, ... }).",
  );
}

function decode(value: string | undefined, what: string, input: string): string | undefined {
  if (value === undefined) return undefined;
  try {
    return decodeURIComponent(value);
  } catch {
    throw new ArgumentError(`The ${what} in database URL '${maskInRawUrl(input)}' has a malformed %-escape; percent-encode special characters.`);
  }
}

function parseQuery(text: string | undefined): Record<string, QueryValue> {
  // No prototype: a key such as "constructor" or "__proto__" is just a (bad) option name.
  const query = Object.create(null) as Record<string, QueryValue>;
  if (text === undefined || text === "") return query;
  for (const [key, value] of new URLSearchParams(text)) {
    const existing = Object.hasOwn(query, key) ? query[key] : undefined;
    if (existing === undefined) query[key] = value;
    else query[key] = [...(typeof existing === "string" ? [existing] : existing), value];
  }
  return query;
}

/**
 * Mask the password of a URL string we could not parse, for error messages. Whatever lies
 * between "://" and the last "@" is user information; everything after its first ":" is
 * masked, even when delimiters in it kept the URL from parsing.
 */
export function maskInRawUrl(input: string): string {
  const text = String(input);
  const start = text.indexOf("://");
  if (start < 0) return text;
  const at = text.lastIndexOf("@");
  if (at < start + 3) return text;
  const userinfo = text.slice(start + 3, at);
  const colon = userinfo.indexOf(":");
  return text.slice(0, start + 3) + (colon < 0 ? userinfo : `${userinfo.slice(0, colon)}:${MASK}`) + text.slice(at);
}

/** A URL given as a string or a DatabaseUrl. */
export function toDatabaseUrl(url: string | DatabaseUrl): DatabaseUrl {
  return url instanceof DatabaseUrl ? url : DatabaseUrl.parse(url);
}
