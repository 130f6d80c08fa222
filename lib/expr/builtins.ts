/**
 * The built-in functions of EXPRESSIONS.md. Each is pure and total on its
 * types: arguments of the wrong type are an error naming the function and what
 * it expected, and every result is checked against the limits before it is
 * built when its size can be known in advance.
 * @module
 */
import { fail } from "./error.ts";
import {
  checkListLength,
  checkString,
  failStringTooLong,
  MAX_LIST_LENGTH,
  MAX_STRING_BYTES,
} from "./limits.ts";
import type { CallNode } from "./parser.ts";
import {
  type CompareBudget,
  deepEqual,
  isMap,
  toJSONText,
  toText,
  typeName,
  type Value,
} from "./value.ts";

/** One built-in function. */
export interface Builtin {
  /** Usage as shown in messages, e.g. `replace(s, from, to)`. */
  signature: string;
  /** Names of the parameters, for messages. */
  params: string[];
  minArgs: number;
  maxArgs: number;
  run(args: Value[], call: CallNode, compare: CompareBudget): Value;
}

/** Where argument `i` of a call starts (the call's name when it has no such argument). */
function argOffset(call: CallNode, i: number): number {
  return call.args[i]?.start ?? call.start;
}

function wrongType(call: CallNode, i: number, expected: string, got: Value, hint?: string): never {
  const param = BUILTINS.get(call.name)?.params[i] ?? `argument ${i + 1}`;
  fail(
    argOffset(call, i),
    `${call.name}() expects ${expected} for ${param} (argument ${i + 1}), got ${typeName(got)}`,
    hint,
  );
}

function textArg(args: Value[], call: CallNode, i: number): string {
  const value = args[i];
  if (typeof value === "string") return value;
  const hint = typeof value === "number"
    ? 'YAML read this as a number; quote it in the manifest, or use format("{0}", x)'
    : undefined;
  return wrongType(call, i, "text", value, hint);
}

function integerArg(args: Value[], call: CallNode, i: number): number {
  const value = args[i];
  if (typeof value === "number" && Number.isInteger(value)) return value;
  return wrongType(call, i, "a whole number", value);
}

function listArg(args: Value[], call: CallNode, i: number): Value[] {
  const value = args[i];
  if (Array.isArray(value)) return value;
  return wrongType(call, i, "a list", value);
}

/** Code points of a string, or null when it is plain UTF-16 without surrogates. */
function codePointsIfNeeded(text: string): string[] | null {
  for (let i = 0; i < text.length; i++) {
    const code = text.charCodeAt(i);
    if (code >= 0xd800 && code <= 0xdfff) return Array.from(text);
  }
  return null;
}

/** JS-style slice bounds: negative counts from the end, clamped to [0, length]. */
function sliceBound(index: number, length: number): number {
  if (index < 0) return Math.max(length + index, 0);
  return Math.min(index, length);
}

/** Counts non-overlapping occurrences of `find` (non-empty) in `text`. */
function countOccurrences(text: string, find: string): number {
  let count = 0;
  for (let i = text.indexOf(find); i !== -1; i = text.indexOf(find, i + find.length)) count++;
  return count;
}

/** Characters that need no quoting in POSIX sh. A constant pattern, never built from input. */
const SHELL_SAFE = /^[A-Za-z0-9_@%+=:,./-]+$/;

/** Quotes text for POSIX sh: as is when it is only safe characters, else in single quotes. */
export function shellQuote(text: string): string {
  if (SHELL_SAFE.test(text)) return text;
  return "'" + text.replaceAll("'", "'\\''") + "'";
}

/** POSIX-like basename: the last path part, ignoring trailing slashes. */
export function basename(path: string): string {
  let end = path.length;
  while (end > 1 && path[end - 1] === "/") end--;
  if (end === 1 && path[0] === "/") return "/";
  const trimmed = path.slice(0, end);
  return trimmed.slice(trimmed.lastIndexOf("/") + 1);
}

/** POSIX-like dirname: everything before the last path part; "." when there is none. */
export function dirname(path: string): string {
  let end = path.length;
  while (end > 1 && path[end - 1] === "/") end--;
  const slash = path.lastIndexOf("/", end - 1);
  if (slash === -1) return ".";
  let cut = slash;
  while (cut > 0 && path[cut - 1] === "/") cut--;
  return cut === 0 ? "/" : path.slice(0, cut);
}

function formatText(fmt: string, values: Value[], call: CallNode): string {
  const at = argOffset(call, 0);
  let out = "";
  let i = 0;
  while (i < fmt.length) {
    const open = fmt.indexOf("{", i);
    const close = fmt.indexOf("}", i);
    if (open === -1 && close === -1) {
      out += fmt.slice(i);
      break;
    }
    if (close !== -1 && (open === -1 || close < open)) {
      if (fmt[close + 1] !== "}") {
        fail(at, `format string has a lone "}" at index ${close}`, 'write "}}" for a literal "}"');
      }
      out += fmt.slice(i, close + 1);
      i = close + 2;
      continue;
    }
    out += fmt.slice(i, open);
    if (fmt[open + 1] === "{") {
      out += "{";
      i = open + 2;
      continue;
    }
    const end = fmt.indexOf("}", open);
    const digits = end === -1 ? "" : fmt.slice(open + 1, end);
    if (!/^[0-9]{1,4}$/.test(digits)) {
      fail(
        at,
        `format string has an invalid placeholder at index ${open}`,
        'placeholders are {0}, {1}, …; write "{{" for a literal "{"',
      );
    }
    const index = Number(digits);
    if (index >= values.length) {
      fail(
        at,
        `format string uses {${index}} but only ${values.length} value${
          values.length === 1 ? " follows" : "s follow"
        } it`,
      );
    }
    out += toText(values[index], argOffset(call, index + 1));
    if (out.length > MAX_STRING_BYTES) failStringTooLong(call.start);
    i = end + 1;
  }
  return checkString(out, call.start);
}

/** Parts of a version split at ".", with index `i` or null when it has fewer parts. */
function versionPart(version: string, index: number): string | null {
  let start = 0;
  for (let part = 0; part < index; part++) {
    const dot = version.indexOf(".", start);
    if (dot === -1) return null;
    start = dot + 1;
  }
  const dot = version.indexOf(".", start);
  return version.slice(start, dot === -1 ? undefined : dot);
}

function isEmpty(value: Value): boolean {
  if (value === null || value === "") return true;
  if (Array.isArray(value)) return value.length === 0;
  return isMap(value) && Object.keys(value).length === 0;
}

/**
 * A built-in from its signature: `name(a, b?)` makes b optional, `name(a, rest…)`
 * takes any number of further arguments.
 */
function define(signature: string, run: Builtin["run"]): [string, Builtin] {
  const name = signature.slice(0, signature.indexOf("("));
  const written = signature.slice(name.length + 1, -1).split(", ");
  const required = written.filter((p) => !p.endsWith("?") && !p.endsWith("…")).length;
  return [name, {
    signature,
    params: written.map((p) => p.replace(/[?…]$/, "")),
    minArgs: required,
    maxArgs: written.some((p) => p.endsWith("…")) ? Infinity : written.length,
    run,
  }];
}

/** The built-in functions by name, in the order EXPRESSIONS.md lists them. */
export const BUILTINS: ReadonlyMap<string, Builtin> = new Map<string, Builtin>([
  define("lower(s)", ([s], call) => checkString(textArg([s], call, 0).toLowerCase(), call.start)),
  define("upper(s)", ([s], call) => checkString(textArg([s], call, 0).toUpperCase(), call.start)),
  define("trim(s)", (args, call) => textArg(args, call, 0).trim()),
  define("replace(s, from, to)", (args, call) => {
    const text = textArg(args, call, 0);
    const from = textArg(args, call, 1);
    const to = textArg(args, call, 2);
    // An empty `from` matches nothing: the text comes back unchanged.
    if (from === "") return text;
    const count = countOccurrences(text, from);
    // Known before building it: a hostile replacement must not allocate first.
    if (text.length + count * (to.length - from.length) > MAX_STRING_BYTES) {
      failStringTooLong(call.start);
    }
    return checkString(text.replaceAll(from, () => to), call.start);
  }),
  define("split(s, sep)", (args, call) => {
    const text = textArg(args, call, 0);
    const sep = textArg(args, call, 1);
    if (text === "") return [];
    const parts = sep === "" ? Array.from(text) : text.split(sep, MAX_LIST_LENGTH + 1);
    checkListLength(parts.length, call.start);
    return parts;
  }),
  define("join(list, sep)", (args, call) => {
    const list = listArg(args, call, 0);
    const sep = textArg(args, call, 1);
    const texts: string[] = [];
    let length = 0;
    for (const item of list) {
      const text = toText(item ?? null, argOffset(call, 0));
      length += text.length + sep.length;
      if (length > MAX_STRING_BYTES + sep.length) failStringTooLong(call.start);
      texts.push(text);
    }
    return checkString(texts.join(sep), call.start);
  }),
  define("contains(s_or_list, x)", (args, call, compare) => {
    const [container, item] = args;
    if (typeof container === "string") return container.includes(textArg(args, call, 1));
    if (Array.isArray(container)) {
      return container.some((entry) => deepEqual(entry ?? null, item, compare, call.start));
    }
    return wrongType(call, 0, "text or a list", container);
  }),
  define(
    "startsWith(s, p)",
    (args, call) => textArg(args, call, 0).startsWith(textArg(args, call, 1)),
  ),
  define("endsWith(s, p)", (args, call) => textArg(args, call, 0).endsWith(textArg(args, call, 1))),
  define(
    "format(fmt, args…)",
    (args, call) => formatText(textArg(args, call, 0), args.slice(1), call),
  ),
  define("length(s_or_list)", ([value], call) => {
    if (typeof value === "string") return codePointsIfNeeded(value)?.length ?? value.length;
    if (Array.isArray(value)) return value.length;
    return wrongType(call, 0, "text or a list", value);
  }),
  define("slice(s_or_list, start, end?)", (args, call) => {
    const value = args[0];
    if (typeof value !== "string" && !Array.isArray(value)) {
      return wrongType(call, 0, "text or a list", value);
    }
    const start = integerArg(args, call, 1);
    const end = args.length > 2 && args[2] !== null ? integerArg(args, call, 2) : undefined;
    if (Array.isArray(value)) {
      return value.slice(
        sliceBound(start, value.length),
        sliceBound(end ?? value.length, value.length),
      );
    }
    const points = codePointsIfNeeded(value);
    const length = points?.length ?? value.length;
    const from = sliceBound(start, length);
    const to = sliceBound(end ?? length, length);
    return points ? points.slice(from, to).join("") : value.slice(from, to);
  }),
  define("default(x, fallback)", ([value, fallback]) => isEmpty(value) ? fallback : value),
  define("basename(path)", (args, call) => basename(textArg(args, call, 0))),
  define("dirname(path)", (args, call) => dirname(textArg(args, call, 0))),
  define("shell(s)", (args, call) => {
    const value = args[0];
    const text = typeof value === "number" ? toText(value, call.start) : textArg(args, call, 0);
    return checkString(shellQuote(text), call.start);
  }),
  define("toJSON(x)", ([value], call) => toJSONText(value, call.start)),
  define("versionPart(v, i)", (args, call) => {
    const version = textArg(args, call, 0);
    const index = integerArg(args, call, 1);
    if (index < 0) {
      fail(argOffset(call, 1), `versionPart() expects i ≥ 0 (argument 2), got ${index}`);
    }
    return versionPart(version, index);
  }),
]);
