/**
 * The nodes of the fast YAML parser (fast_yaml.ts): how each is made, and how
 * a scalar's text becomes its value under the YAML 1.2 core schema.
 * @module
 */
import { SIMPLE_ESCAPES } from "../expr/light.ts";
import type {
  ScalarStyle,
  ScalarValue,
  YamlMap,
  YamlPair,
  YamlRange,
  YamlScalar,
  YamlSeq,
} from "./yaml_node.ts";
import { DASH } from "./fast_yaml_chars.ts";

/** Thrown inside the parser when the text leaves the subset; never escapes fast_yaml.ts. */
export class OutsideSubset extends Error {}
export const OUTSIDE = new OutsideSubset("outside the fast YAML subset");

/** The nodes the fast parser makes (it makes no aliases). */
export type FastNode = YamlScalar | YamlMap | YamlSeq;

/** A node's start, the end of its value, and the end of its node (comments included). */
export type Range = YamlRange;

// Each node is made with all its properties at once, always in the same order,
// so that V8 gives all nodes of a kind one shape: added one by one, they would
// need a second block of memory.

export function newScalar(
  value: ScalarValue,
  source: string,
  style: ScalarStyle,
  range: Range,
): YamlScalar {
  const ownSource = ownCopy(source);
  const ownValue = value === source
    ? ownSource
    : typeof value === "string"
    ? ownCopy(value)
    : value;
  return { kind: "scalar", value: ownValue, source: ownSource, style, range };
}

/** V8 makes a slice of at least this many characters a view into the whole text. */
const SHORTEST_VIEW = 13;

/**
 * A copy of `text` that keeps no other string alive. A slice of the file's
 * text is a view of it in V8, so a manifest that kept one scalar kept the whole
 * file: 40,000 manifests validated on one thread held 70 MB of texts. Joining
 * then slicing again flattens the text into a string of its own.
 */
function ownCopy(text: string): string {
  return text.length < SHORTEST_VIEW ? text : (" " + text).slice(1);
}

/** A map whose range is set once its last pair is read. */
export function newMap(flow: boolean): YamlMap {
  return { kind: "map", pairs: [], flow, range: [0, 0, 0] };
}

/** A sequence whose range is set once its last item is read. */
export function newSeq(flow: boolean): YamlSeq {
  return { kind: "seq", items: [], flow, range: [0, 0, 0] };
}

export function newPair(key: YamlScalar, value: FastNode): YamlPair {
  return { key, value };
}

/** A plain scalar at `range` in the text, its value resolved under the core schema. */
export function plainScalar(text: string, range: Range): YamlScalar {
  const first = text.charCodeAt(0);
  // Only these first characters can start a null, boolean or number.
  if (
    text.length === 0 || first === 126 /* ~ */ || first === 110 /* n */ || first === 78 /* N */
  ) {
    const isNull = text === "" || text === "~" || text === "null" || text === "Null" ||
      text === "NULL";
    return newScalar(isNull ? null : text, text, "PLAIN", range);
  }
  if (first === 116 || first === 84 || first === 102 || first === 70) { // t T f F
    const value = text === "true" || text === "True" || text === "TRUE"
      ? true
      : text === "false" || text === "False" || text === "FALSE"
      ? false
      : text;
    return newScalar(value, text, "PLAIN", range);
  }
  const numeric = (first >= 48 && first <= 57) || first === 43 || first === DASH || first === 46;
  if (!numeric) return newScalar(text, text, "PLAIN", range);
  return numberScalar(text, range);
}

/** A plain scalar that starts like a number (a digit, a sign or a dot), resolved under the core schema. */
function numberScalar(text: string, range: Range): YamlScalar {
  if (/^[-+]?[0-9]+$/.test(text)) return newScalar(parseInt(text, 10), text, "PLAIN", range);
  if (/^(?:[-+]?\.(?:inf|Inf|INF)|\.nan|\.NaN|\.NAN)$/.test(text)) {
    const nan = text.slice(-3).toLowerCase() === "nan";
    const value = nan ? NaN : text[0] === "-" ? Number.NEGATIVE_INFINITY : Number.POSITIVE_INFINITY;
    return newScalar(value, text, "PLAIN", range);
  }
  let value: number;
  if (/^0o[0-7]+$/.test(text)) value = parseInt(text.substring(2), 8);
  else if (/^0x[0-9a-fA-F]+$/.test(text)) value = parseInt(text.substring(2), 16);
  else if (/^[-+]?(?:\.[0-9]+|[0-9]+(?:\.[0-9]*)?)[eE][-+]?[0-9]+$/.test(text)) {
    value = parseFloat(text);
  } else if (/^[-+]?(?:\.[0-9]+|[0-9]+\.[0-9]*)$/.test(text)) value = parseFloat(text);
  else return newScalar(text, text, "PLAIN", range);
  return newScalar(value, text, "PLAIN", range);
}

/** Decodes the inside of a single-line double-quoted scalar. */
export function unescapeDouble(inner: string): string {
  let out = "";
  let from = 0;
  for (let i = inner.indexOf("\\"); i !== -1; i = inner.indexOf("\\", from)) {
    out += inner.slice(from, i);
    const code = inner[i + 1];
    const simple = SIMPLE_ESCAPES[code];
    if (simple !== undefined) {
      out += simple;
      from = i + 2;
      continue;
    }
    const digits = code === "x" ? 2 : code === "u" ? 4 : code === "U" ? 8 : 0;
    if (digits === 0) throw OUTSIDE;
    const hex = inner.slice(i + 2, i + 2 + digits);
    if (hex.length !== digits || !/^[0-9a-fA-F]+$/.test(hex)) throw OUTSIDE;
    const point = parseInt(hex, 16);
    if (point > 0x10ffff) throw OUTSIDE;
    out += String.fromCodePoint(point);
    from = i + 2 + digits;
  }
  return out + inner.slice(from);
}

/** Folds the lines of a `>` scalar (none more indented): one break is a space, more keep all but one. */
export function foldLines(lines: string[]): string {
  let out = "";
  let index = 0;
  while (index < lines.length && lines[index] === "") {
    out += "\n";
    index++;
  }
  let empties = 0;
  let first = true;
  for (; index < lines.length; index++) {
    const line = lines[index];
    if (line === "") {
      empties++;
      continue;
    }
    if (!first) out += empties === 0 ? " " : "\n".repeat(empties);
    out += line;
    first = false;
    empties = 0;
  }
  return out;
}
