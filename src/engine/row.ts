import { inspect } from "node:util";
import { InvalidRequestError } from "../errors.js";

/**
 * One result row (SQLAlchemy `Row`): readable by name (`row.x`), by position (`row[0]`) and
 * by destructuring (`const [x, y] = row`). Methods start with `_` so they never collide with
 * a column name, as in SQLAlchemy (`row._mapping`, `row._fields`).
 */
export class RowBase {
  constructor(
    /** The values in column order. */
    readonly _values: readonly unknown[],
  ) {}

  /** Column names, in order. */
  get _fields(): readonly string[] {
    return (Object.getPrototypeOf(this) as RowPrototype)._columns;
  }

  /** The row as a plain object (the first column wins for a name used twice). */
  get _mapping(): Record<string, unknown> {
    const out: Record<string, unknown> = {};
    const fields = this._fields;
    for (let i = 0; i < fields.length; i++) {
      const name = fields[i] as string;
      if (!Object.hasOwn(out, name)) out[name] = this._values[i];
    }
    return out;
  }

  get length(): number {
    return this._values.length;
  }

  [Symbol.iterator](): Iterator<unknown> {
    return this._values[Symbol.iterator]();
  }

  toJSON(): Record<string, unknown> {
    return this._mapping;
  }

  [inspect.custom](): string {
    return `Row(${inspect(this._mapping)})`;
  }
}

interface RowPrototype {
  _columns: readonly string[];
}

/** A row of a result whose columns are typed `T`. */
export type Row<T extends object = Record<string, unknown>> = Readonly<T> & RowBase & { readonly [index: number]: unknown };

type RowConstructor = new (values: readonly unknown[]) => RowBase;

const MAX_CACHED_SHAPES = 256;
const rowClasses = new Map<string, RowConstructor>();

/**
 * The row class for a column list: a subclass of RowBase with a getter per column name and
 * per position on its prototype, so rows are a values array plus a prototype pointer. Shapes
 * repeat (the same query runs again and again), so classes are cached, least recently used out.
 */
export function rowClassFor(columns: readonly string[]): RowConstructor {
  const key = columns.join("\u0000");
  const cached = rowClasses.get(key);
  if (cached !== undefined) {
    rowClasses.delete(key);
    rowClasses.set(key, cached);
    return cached;
  }
  const RowClass = class Row extends RowBase {};
  const proto = RowClass.prototype as unknown as Record<string, unknown>;
  Object.defineProperty(proto, "_columns", { value: Object.freeze([...columns]) });
  const seen = new Map<string, number>();
  columns.forEach((name, index) => {
    Object.defineProperty(proto, index, { get(this: RowBase) { return this._values[index]; }, enumerable: false });
    if (name in RowBase.prototype || name === "_values" || name === "_columns" || name === "constructor") return;
    const first = seen.get(name);
    if (first === undefined) {
      seen.set(name, index);
      Object.defineProperty(proto, name, { get(this: RowBase) { return this._values[index]; }, enumerable: true, configurable: true });
    } else {
      // SQLAlchemy raises on ambiguous names too: `SELECT a.id, b.id` needs labels.
      Object.defineProperty(proto, name, {
        get() {
          throw new InvalidRequestError(
            `Ambiguous column name '${name}' in result row (columns ${first} and ${index}); give the columns distinct labels (SELECT a.id AS a_id, b.id AS b_id) or read them by position.`,
          );
        },
        enumerable: true,
        configurable: true,
      });
    }
  });
  rowClasses.set(key, RowClass);
  if (rowClasses.size > MAX_CACHED_SHAPES) rowClasses.delete(rowClasses.keys().next().value as string);
  return RowClass;
}
