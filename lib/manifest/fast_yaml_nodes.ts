/**
 * The nodes of the fast YAML parser (fast_yaml.ts): how each is made, and how
 * a scalar's text becomes its value under the YAML 1.2 core schema.
 * @module
 */
import type { Pair, Scalar, YAMLMap, YAMLSeq } from "yaml";
import { SIMPLE_ESCAPES } from "../expr/scalar_map.ts";
import { MAP_TYPE, NODE_TYPE, PAIR_TYPE, SCALAR_TYPE, SEQ_TYPE } from "./yaml_library.ts";
import { DASH } from "./fast_yaml_chars.ts";

/** Thrown inside the parser when the text leaves the subset; never escapes fast_yaml.ts. */
export class OutsideSubset extends Error {}
export const OUTSIDE = new OutsideSubset("outside the fast YAML subset");

export type FastNode = Scalar | YAMLMap | YAMLSeq;

/** A node's start, the end of its value, and the end of its node (comments included). */
export type Range = [number, number, number];

// The nodes are typed as the library's classes, whose data they hold; the
// casts stand for "the same data, without the methods".

// Each node is made with all its properties at once, in the library's order:
// added one by one, they would need a second block of memory. The symbol comes
// last, after the properties V8 can take from the literal's template (a
// computed key first made these literals about a third slower in a micro-benchmark).

export function newScalar(value: unknown, source: string, type: Scalar.Type, range: Range): Scalar {
  const ownSource = ownCopy(source);
  const ownValue = value === source
    ? ownSource
    : typeof value === "string"
    ? ownCopy(value)
    : value;
  return {
    value: ownValue,
    range,
    source: ownSource,
    type,
    [NODE_TYPE]: SCALAR_TYPE,
  } as unknown as Scalar;
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

export function newMap(): YAMLMap {
  return { items: [], [NODE_TYPE]: MAP_TYPE } as unknown as YAMLMap;
}

export function newSeq(): YAMLSeq {
  return { items: [], [NODE_TYPE]: SEQ_TYPE } as unknown as YAMLSeq;
}

export function newPair(key: Scalar, value: FastNode): Pair {
  return { key, value, [NODE_TYPE]: PAIR_TYPE } as unknown as Pair;
}

/** A plain scalar at `range` in the text, its value resolved under the core schema. */
export function plainScalar(text: string, range: Range): Scalar {
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
function numberScalar(text: string, range: Range): Scalar {
  if (/^[-+]?[0-9]+$/.test(text)) return newScalar(parseInt(text, 10), text, "PLAIN", range);
  if (/^(?:[-+]?\.(?:inf|Inf|INF)|\.nan|\.NaN|\.NAN)$/.test(text)) {
    const nan = text.slice(-3).toLowerCase() === "nan";
    const value = nan ? NaN : text[0] === "-" ? Number.NEGATIVE_INFINITY : Number.POSITIVE_INFINITY;
    return newScalar(value, text, "PLAIN", range);
  }
  // Nodes with more properties, which the library adds after the others:
  // `format` last, `minFractionDigits` right after `value`.
  let format: string | undefined;
  let value: number;
  if (/^0o[0-7]+$/.test(text)) {
    format = "OCT";
    value = parseInt(text.substring(2), 8);
  } else if (/^0x[0-9a-fA-F]+$/.test(text)) {
    format = "HEX";
    value = parseInt(text.substring(2), 16);
  } else if (/^[-+]?(?:\.[0-9]+|[0-9]+(?:\.[0-9]*)?)[eE][-+]?[0-9]+$/.test(text)) {
    format = "EXP";
    value = parseFloat(text);
  } else if (/^[-+]?(?:\.[0-9]+|[0-9]+\.[0-9]*)$/.test(text)) {
    value = parseFloat(text);
    if (text.charCodeAt(text.length - 1) === 48) {
      const minFractionDigits = text.length - text.indexOf(".") - 1;
      const node = {
        value,
        minFractionDigits,
        range,
        source: text,
        type: "PLAIN",
        [NODE_TYPE]: SCALAR_TYPE,
      };
      return node as unknown as Scalar;
    }
  } else return newScalar(text, text, "PLAIN", range);
  const node = newScalar(value, text, "PLAIN", range);
  if (format !== undefined) node.format = format;
  return node;
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
