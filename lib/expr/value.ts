/**
 * Values of the expression language and the operations every part needs on
 * them: type names for messages, bounded conversion to text and JSON, size and
 * depth (cached, since values may share structure), and bounded deep equality.
 * @module
 */
import { fail } from "./error.ts";
import { MAX_COMPARE_STEPS, MAX_DEPTH, MAX_STRING_BYTES, utf8Length } from "./limits.ts";

/** A value: what YAML data and expressions are made of. */
export type Value = null | boolean | number | string | Value[] | { [k: string]: Value };

/** A map value. */
export type MapValue = { [k: string]: Value };

/** The names visible to expressions (`package`, `vars`, `sources`, `deps`, `host`, `target`). */
export type Scope = Record<string, Value>;

/** True for a map (a plain object, not a list, not null). */
export function isMap(value: Value): value is MapValue {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/** The entry `key` of a map, or undefined when it has none (never an inherited property). */
export function ownEntry(map: MapValue, key: string): Value | undefined {
  const value = map[key];
  // Loaders may leave `undefined` for absent optional fields; it reads as null.
  if (value === undefined) return Object.hasOwn(map, key) ? null : undefined;
  // Data never holds functions, so a function is inherited (`constructor`, `toString`):
  // the own-property check is only needed for the rare `__proto__`.
  if (typeof value === "function") return undefined;
  if (key === "__proto__" && !Object.hasOwn(map, key)) return undefined;
  return value;
}

/** Sets `key` of a map as an own entry, even when the key is "__proto__". */
export function setEntry(map: MapValue, key: string, value: Value): void {
  if (key === "__proto__") {
    Object.defineProperty(map, key, {
      value,
      enumerable: true,
      writable: true,
      configurable: true,
    });
  } else map[key] = value;
}

/** "text", "a number", … for messages. */
export function typeName(value: Value | undefined): string {
  if (value === null || value === undefined) return "null";
  if (typeof value === "string") return "text";
  if (typeof value === "number") return "a number";
  if (typeof value === "boolean") return "a boolean";
  if (Array.isArray(value)) return "a list";
  return "a map";
}

/** Text of a number: integers plainly, other numbers in their shortest exact form. */
export function numberText(value: number): string {
  return String(value);
}

interface Shape {
  /** Size of the value written as compact JSON (escapes and non-ASCII not counted exactly). */
  size: number;
  /** Levels of lists/maps: 0 for a scalar, 1 for a flat list. */
  depth: number;
}

/** `null` and `true`: four characters. */
const SCALAR_SHAPE: Shape = { size: 4, depth: 0 };

function jsonScalar(value: boolean | number): number {
  return value === false ? 5 : numberText(value as number).length;
}
const shapes = new WeakMap<object, Shape>();

/**
 * Size and depth of a value. Cached per list/map, so a value that repeats a
 * shared part costs the part once; recursion stops past {@link MAX_DEPTH}.
 */
export function shapeOf(value: Value, offset: number, level = 0): Shape {
  if (typeof value === "string") return { size: value.length + 2, depth: 0 };
  if (value === null || typeof value !== "object") {
    return value === true || value === null ? SCALAR_SHAPE : { size: jsonScalar(value), depth: 0 };
  }
  const cached = shapes.get(value);
  if (cached) return cached;
  if (level >= MAX_DEPTH) tooDeep(offset);
  // Brackets, plus a comma between entries.
  let size = 1;
  let depth = 0;
  if (Array.isArray(value)) {
    for (const item of value) {
      const inner = shapeOf(item ?? null, offset, level + 1);
      size += inner.size + 1;
      if (inner.depth > depth) depth = inner.depth;
    }
  } else {
    for (const key of Object.keys(value)) {
      const inner = shapeOf(value[key] ?? null, offset, level + 1);
      size += key.length + 3 + inner.size + 1; // "key": value,
      if (inner.depth > depth) depth = inner.depth;
    }
  }
  if (size === 1) size = 2;
  const shape = { size, depth: depth + 1 };
  if (shape.depth > MAX_DEPTH) tooDeep(offset);
  shapes.set(value, shape);
  return shape;
}

function tooDeep(offset: number): never {
  fail(offset, `a value nested more than ${MAX_DEPTH} levels deep is not allowed`);
}

/** Bytes a result adds to the manifest's expanded size. */
export function resultSize(value: Value, offset: number): number {
  if (typeof value === "string") return utf8Length(value);
  if (value === null || typeof value !== "object") return numberOrScalarText(value).length;
  return shapeOf(value, offset).size;
}

function numberOrScalarText(value: null | boolean | number): string {
  return value === null ? "" : typeof value === "number" ? numberText(value) : String(value);
}

/**
 * A value as template text: text as is, null as empty, numbers and booleans as
 * written, lists and maps as compact JSON (bounded by `limit` UTF-16 units).
 */
export function toText(value: Value, offset: number, limit = MAX_STRING_BYTES): string {
  if (typeof value === "string") return value;
  if (value === null || typeof value !== "object") return numberOrScalarText(value);
  return toJSONText(value, offset, limit);
}

/** Compact JSON of a value, failing at `offset` as soon as it passes `limit` units. */
export function toJSONText(value: Value, offset: number, limit = MAX_STRING_BYTES): string {
  const parts: string[] = [];
  let length = 0;
  const tooLong = (): never =>
    fail(offset, `the JSON text of this value would be longer than ${limit} bytes`);
  const push = (part: string) => {
    length += part.length;
    if (length > limit) tooLong();
    parts.push(part);
  };
  const write = (item: Value, level: number): void => {
    if (item === null || item === undefined) return push("null");
    if (typeof item === "string") {
      // The quoted form is at least as long as the text: check before escaping it.
      if (length + item.length + 2 > limit) tooLong();
      return push(JSON.stringify(item));
    }
    if (typeof item !== "object") {
      return push(typeof item === "number" ? numberText(item) : String(item));
    }
    if (level >= MAX_DEPTH) tooDeep(offset);
    if (Array.isArray(item)) {
      push("[");
      for (let i = 0; i < item.length; i++) {
        if (i > 0) push(",");
        write(item[i], level + 1);
      }
      return push("]");
    }
    push("{");
    let first = true;
    for (const key of Object.keys(item)) {
      if (!first) push(",");
      first = false;
      push(JSON.stringify(key));
      push(":");
      write(item[key], level + 1);
    }
    push("}");
  };
  write(value, 0);
  return parts.join("");
}

/** Counts the pairs compared by one evaluation, to bound {@link deepEqual}. */
export class CompareBudget {
  steps = 0;
}

/**
 * Structural equality: same type and same contents (map key order ignored).
 * Values of different types are simply unequal here; the operators decide
 * beforehand whether a comparison is allowed at all.
 */
export function deepEqual(
  a: Value,
  b: Value,
  budget: CompareBudget,
  offset: number,
  level = 0,
): boolean {
  if (++budget.steps > MAX_COMPARE_STEPS) {
    fail(
      offset,
      `this comparison needs more than ${MAX_COMPARE_STEPS} steps`,
      "compare smaller values",
    );
  }
  if (a === b) return true;
  if (a === null || b === null || typeof a !== "object" || typeof b !== "object") {
    if (typeof a === "string" && typeof b === "string") {
      budget.steps += a.length >> 6; // long texts cost in proportion
    }
    return false; // equal scalars were caught by `a === b` above
  }
  if (level >= MAX_DEPTH) tooDeep(offset);
  if (Array.isArray(a) !== Array.isArray(b)) return false;
  if (Array.isArray(a)) {
    const list = b as Value[];
    if (a.length !== list.length) return false;
    for (let i = 0; i < a.length; i++) {
      if (!deepEqual(a[i] ?? null, list[i] ?? null, budget, offset, level + 1)) return false;
    }
    return true;
  }
  const map = b as MapValue;
  const keys = Object.keys(a);
  if (keys.length !== Object.keys(map).length) return false;
  for (const key of keys) {
    if (!Object.hasOwn(map, key)) return false;
    if (!deepEqual(a[key] ?? null, map[key] ?? null, budget, offset, level + 1)) return false;
  }
  return true;
}
