// Engine and pool options, generated (fast-check). An unknown option, or a known one with a
// value of the wrong kind, is an ArgumentError that names it (E1, E9), thrown by
// createEngine / the pool constructor before any connection is attempted; a value of the
// right kind is accepted. Each validity rule below is the documented one (EngineOptions,
// QueuePoolOptions), so the property checks the validation against the documentation.
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { inspect } from "node:util";
import fc from "fast-check";
import { ArgumentError, createEngine, QueuePool } from "../../src/index.js";
import { fcOptions } from "./support/runs.js";
import { startSpyServer, type SpyServer } from "./support/spy-server.js";

let spy: SpyServer;
before(async () => {
  spy = await startSpyServer();
});
after(async () => {
  assert.equal(spy.connections, 0, "an options check led to a connection attempt");
  await spy.close();
});

const isNumber = (v: unknown): v is number => typeof v === "number" && !Number.isNaN(v);
const isBoolean = (v: unknown): boolean => typeof v === "boolean";
const duration = (v: unknown): boolean => isNumber(v) && v >= 0 && Number.isFinite(v);
const durationOrInfinity = (v: unknown): boolean => isNumber(v) && v >= 0;
const ISOLATION = ["READ UNCOMMITTED", "READ COMMITTED", "REPEATABLE READ", "SERIALIZABLE", "AUTOCOMMIT"];

/** The documented rule for each engine option whose value a generator can hit either way. */
const ENGINE_RULES: Record<string, (v: unknown) => boolean> = {
  poolSize: (v) => Number.isInteger(v) && (v as number) >= 0,
  maxOverflow: (v) => Number.isInteger(v) && (v as number) >= -1,
  poolTimeoutMs: durationOrInfinity,
  poolRecycleMs: duration,
  poolPrePing: isBoolean,
  poolUseLifo: isBoolean,
  poolResetOnReturn: (v) => v === "rollback" || v === "commit" || v === "none",
  isolationLevel: (v) => typeof v === "string" && ISOLATION.includes(v),
  echo: isBoolean,
  echoPool: (v) => v === true || v === false || v === "debug",
  hideParameters: isBoolean,
  leakDetectionMs: duration,
  connectTimeoutMs: (v) => durationOrInfinity(v) && v !== 0,
  statementTimeoutMs: (v) => isNumber(v) && v > 0,
  creator: (v) => typeof v === "function",
  logger: (v) => typeof v === "object" && v !== null && typeof (v as { warn?: unknown }).warn === "function" && typeof (v as { error?: unknown }).error === "function",
};
const ENGINE_OPTION_NAMES = new Set([...Object.keys(ENGINE_RULES), "poolclass", "pool", "connectArgs"]);

/**
 * Values of every kind, weighted towards the edges the rules care about. null and
 * undefined are left out: both mean "not given" for the pool's options (the `??` default).
 */
const anyValue: fc.Arbitrary<unknown> = fc.oneof(
  fc.integer({ min: -3, max: 50 }),
  fc.double(),
  fc.constantFrom(Infinity, -Infinity, NaN, -0, 0, 1.5, 2 ** 53),
  fc.boolean(),
  fc.string({ maxLength: 12 }),
  fc.constantFrom("rollback", "commit", "none", "debug", "READ COMMITTED", "SERIALIZABLE", "AUTOCOMMIT", "read committed", "true", "5"),
  fc.constantFrom(console, { warn: () => undefined, error: () => undefined }, { warn: 1, error: 2 }),
  fc.func(fc.constant(undefined)),
  fc.object({ maxDepth: 1 }),
  fc.array(fc.integer(), { maxLength: 3 }),
);

function thrown(run: () => unknown): unknown {
  try {
    const made = run();
    if (made !== null && typeof made === "object" && "dispose" in made) void (made as { dispose(): Promise<void> }).dispose();
    return undefined;
  } catch (error) {
    return error;
  }
}

/**
 * The message names the option: as written ("poolSize"), or in words ("Isolation level"):
 * the isolation check is shared with conn.setIsolationLevel(), so it says the words.
 */
function namesOption(message: string, name: string): boolean {
  const words = name.replace(/[A-Z]/g, (c) => ` ${c.toLowerCase()}`);
  return message.includes(name) || message.toLowerCase().includes(words);
}

const url = (): string => `postgresql://app:Pw0ptionsSecret@127.0.0.1:${spy.port}/test`;

describe("createEngine options", () => {
  test("a known option is accepted exactly when its value follows the documented rule", () => {
    fc.assert(
      fc.property(fc.constantFrom(...Object.keys(ENGINE_RULES)), anyValue, (name, value) => {
        const error = thrown(() => createEngine(url(), { [name]: value }));
        const valid = ENGINE_RULES[name]?.(value) === true;
        if (valid) {
          assert.equal(error, undefined, `${name}: ${inspect(value)} is valid but got ${String(error)}`);
        } else {
          assert.ok(error instanceof ArgumentError, `${name}: ${inspect(value)} -> ${inspect(error)}`);
          assert.ok(namesOption(error.message, name), `the message does not name ${name}: ${error.message}`);
          assert.ok(!error.message.includes("Pw0ptionsSecret"), "the password is in the message");
        }
      }),
      fcOptions(),
    );
  });

  test("an unknown option is an ArgumentError naming it, whatever its value", () => {
    const unknownName = fc.oneof(fc.string({ minLength: 1, maxLength: 20 }), fc.constantFrom("__proto__", "constructor", "toString", "pool_size", "timeout", "poolsize", "prePing"));
    fc.assert(
      fc.property(unknownName.filter((n) => !ENGINE_OPTION_NAMES.has(n)), anyValue, (name, value) => {
        // defineProperty: an own key even for "__proto__" (a literal would set the prototype).
        const options = Object.defineProperty({}, name, { value, enumerable: true });
        const error = thrown(() => createEngine(url(), options));
        assert.ok(error instanceof ArgumentError, `${JSON.stringify(name)} -> ${inspect(error)}`);
        assert.ok(error.message.includes(`'${name}'`), `the message does not name ${JSON.stringify(name)}: ${error.message}`);
      }),
      fcOptions(),
    );
  });

  test("poolclass and connectArgs of the wrong kind are ArgumentErrors naming them", () => {
    const notAFunction = anyValue.filter((v) => typeof v !== "function");
    const notAnObject = anyValue.filter((v) => typeof v !== "object");
    fc.assert(
      fc.property(fc.constantFrom("poolclass", "connectArgs"), notAFunction, notAnObject, (name, notFn, notObj) => {
        const error = thrown(() => createEngine(url(), { [name]: name === "poolclass" ? notFn : notObj }));
        assert.ok(error instanceof ArgumentError, `${name} -> ${inspect(error)}`);
        assert.ok(error.message.includes(name), error.message);
      }),
      fcOptions(),
    );
  });

  test("options that are not an object are an ArgumentError", () => {
    fc.assert(
      fc.property(fc.oneof(fc.string(), fc.integer(), fc.boolean(), fc.constant(null)), (options) => {
        const error = thrown(() => createEngine(url(), options as never));
        assert.ok(error instanceof ArgumentError, inspect(error));
      }),
      fcOptions(),
    );
  });
});

describe("QueuePool options", () => {
  const POOL_RULES: Record<string, (v: unknown) => boolean> = {
    poolSize: ENGINE_RULES.poolSize ?? isBoolean,
    maxOverflow: ENGINE_RULES.maxOverflow ?? isBoolean,
    timeoutMs: durationOrInfinity,
    recycleMs: duration,
    prePing: isBoolean,
    useLifo: isBoolean,
    resetOnReturn: ENGINE_RULES.poolResetOnReturn ?? isBoolean,
    leakDetectionMs: duration,
    connectTimeoutMs: ENGINE_RULES.connectTimeoutMs ?? isBoolean,
    checkoutStacks: isBoolean,
    echo: ENGINE_RULES.echoPool ?? isBoolean,
    logger: ENGINE_RULES.logger ?? isBoolean,
  };
  const creator = (): object => ({});

  test("a known option is accepted exactly when its value follows the documented rule", () => {
    fc.assert(
      fc.property(fc.constantFrom(...Object.keys(POOL_RULES)), anyValue, (name, value) => {
        const error = thrown(() => new QueuePool(creator, { [name]: value }));
        if (POOL_RULES[name]?.(value) === true) {
          assert.equal(error, undefined, `${name}: ${inspect(value)} is valid but got ${String(error)}`);
        } else {
          assert.ok(error instanceof ArgumentError, `${name}: ${inspect(value)} -> ${inspect(error)}`);
          assert.ok(error.message.includes(name), `the message does not name ${name}: ${error.message}`);
        }
      }),
      fcOptions(),
    );
  });

  test("an unknown option is an ArgumentError naming it", () => {
    const known = new Set([...Object.keys(POOL_RULES), "creator", "dialect"]);
    fc.assert(
      fc.property(fc.string({ minLength: 1, maxLength: 20 }).filter((n) => !known.has(n)), anyValue, (name, value) => {
        const error = thrown(() => new QueuePool(creator, Object.defineProperty({}, name, { value, enumerable: true })));
        assert.ok(error instanceof ArgumentError, `${JSON.stringify(name)} -> ${inspect(error)}`);
        assert.ok(error.message.includes(`'${name}'`), error.message);
      }),
      fcOptions(),
    );
  });
});
