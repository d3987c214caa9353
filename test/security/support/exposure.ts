// What the secrets tests share: a password with characters that need percent-encoding, a
// collector of everything a password could leak into, and a routine that drives an engine
// through every path that logs, fails or reports.
import assert from "node:assert/strict";
import { inspect } from "node:util";
import { createEngine, text, type Engine, type EngineOptions } from "../../../src/index.js";
import { freeLoopbackPort } from "../../support/server-process.js";

/** Characters that need percent-encoding, so the encoded form is checked too. */
export const PASSWORD = "Sekr3t/pa:ss@w%rd#Zq";
export const FORMS = [PASSWORD, encodeURIComponent(PASSWORD), "Sekr3t"];
export const USER = "secret_user";

/** Where a text came from: "log", "engine", "pool", "connection", "url", "status", "error". */
export type Source = "log" | "engine" | "pool" | "connection" | "url" | "status" | "error";

/** Everything a password could leak into, gathered as text with where it came from. */
export class Exposure {
  readonly texts: { source: Source; text: string }[] = [];
  readonly logger = {
    debug: (m: string) => void this.texts.push({ source: "log", text: m }),
    info: (m: string) => void this.texts.push({ source: "log", text: m }),
    warn: (m: string) => void this.texts.push({ source: "log", text: m }),
    error: (m: string) => void this.texts.push({ source: "log", text: m }),
  };
  /** The value as a developer would see it: String(), util.inspect (deep), JSON where possible. */
  see(source: Source, value: unknown): void {
    const add = (text: string): void => void this.texts.push({ source, text });
    add(inspect(value, { depth: Infinity }));
    if (value instanceof Error) [String(value), value.message, value.stack ?? ""].forEach(add);
    try {
      const json = JSON.stringify(value);
      if (json !== undefined) add(json);
    } catch {
      // Cyclic (a driver connection): inspect above covered it.
    }
  }
  /** The sources in which the password appears. */
  leaks(): Set<Source> {
    return new Set(this.texts.filter(({ text }) => FORMS.some((form) => text.includes(form))).map(({ source }) => source));
  }
  assertClean(what: string, ignore: readonly Source[] = []): void {
    const looked = new Set(this.texts.map((t) => t.source));
    for (const source of ["log", "engine", "pool", "connection", "url", "status", "error"] as const) {
      if (!ignore.includes(source)) assert.ok(looked.has(source), `${what}: nothing was gathered from ${source}`);
    }
    for (const { source, text } of this.texts) {
      if (ignore.includes(source)) continue;
      for (const form of FORMS) assert.ok(!text.includes(form), `${what}: the password (${form}) appears in ${source}:\n${text.slice(0, 2000)}`);
    }
  }
}

async function caught(work: () => Promise<unknown>): Promise<unknown> {
  try {
    await work();
  } catch (error) {
    return error;
  }
  assert.fail("expected an error");
}

export interface Server {
  readonly name: string;
  readonly port: number;
  /** The URL with `password` in it (omitted when undefined). */
  url(password: string | undefined): string;
  /** Ends every session of USER from the server side (for a disconnect error). */
  kill(): Promise<void>;
}

/** Drives an engine through everything that logs, fails or reports, looking at all of it. */
export async function exercise(server: Server, exposure: Exposure, options: EngineOptions, urlPassword: string | undefined): Promise<void> {
  const engines: Engine[] = [];
  const make = (url: string, extra: EngineOptions = {}): Engine => {
    const engine = createEngine(url, { echo: true, echoPool: "debug", logger: exposure.logger, leakDetectionMs: 20, ...options, ...extra });
    engines.push(engine);
    return engine;
  };
  try {
    const engine = make(server.url(urlPassword), { poolSize: 1, maxOverflow: 0, poolTimeoutMs: 300 });
    exposure.see("engine", engine);
    exposure.see("url", engine.url);
    for (const text of [String(engine.url), engine.url.toString(), `${engine}`]) exposure.texts.push({ source: "url", text });
    {
      await using conn = await engine.connect();
      exposure.see("connection", conn);
      assert.equal((await conn.execute(text("SELECT :who AS who"), { who: USER })).scalar(), USER, "logged in with the password");
      await new Promise((resolve) => setTimeout(resolve, 40)); // held past leakDetectionMs: a warning with a stack
      exposure.see("pool", engine.pool);
      exposure.see("status", engine.pool.status());
      // The pool is exhausted (size 1): a PoolTimeoutError, with its cause chain.
      exposure.see("error", await caught(() => engine.connect()));
      // A failing statement: a DBAPIError carrying the statement and parameters.
      exposure.see("error", await caught(() => conn.execute(text("SELECT * FROM no_such_table WHERE x = :x"), { x: 1 })));
      await conn.rollback();
      // The server ends the session: a disconnect error, connectionInvalidated.
      await server.kill();
      await new Promise((resolve) => setTimeout(resolve, 100));
      exposure.see("error", await caught(() => conn.execute(text("SELECT 1"))));
      await conn.rollback();
    }
    exposure.see("status", engine.pool.status());
    // A wrong password (28P01 / 1045), given the same way: an authentication error. It
    // contains PASSWORD, so showing it would be caught too.
    const wrong = `${PASSWORD}x`;
    const wrongEngine =
      urlPassword === undefined ? make(server.url(undefined), { connectArgs: { ...options.connectArgs, password: wrong } }) : make(server.url(wrong));
    const authError = await caught(() => wrongEngine.connect());
    assert.match(String(authError), /password|Access denied/, "the server refused the wrong password");
    exposure.see("error", authError);
    // Nobody listening: a refused connect.
    const closed = await freeLoopbackPort();
    const nowhere = server.url(urlPassword).replace(`:${server.port}/`, `:${closed}/`);
    exposure.see("error", await caught(() => make(nowhere).connect()));
    exposure.see("engine", engine);
    exposure.see("pool", engine.pool);
  } finally {
    for (const engine of engines) await engine.dispose();
  }
}
