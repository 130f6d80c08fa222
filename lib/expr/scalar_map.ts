/**
 * Maps offsets in the decoded value of a YAML string scalar back to file lines
 * and columns, so an expression error points inside the scalar even when YAML
 * escapes, folding or block indentation changed the text.
 *
 * The work happens on the first `locate()` only (errors are rare): the scalar's
 * source is decoded again here while recording where each decoded character
 * came from. The result is compared with the value the YAML library produced;
 * offsets past the point where they agree (which would only happen on a YAML
 * feature not modelled here) fall back to the scalar's start rather than lie.
 * @module
 */
import type { TextLocator } from "./error.ts";
import { lineStarts as lineStartsOf, positionAt } from "../util/mod.ts";
import { SIMPLE_ESCAPES } from "./escapes.ts";

/** What is needed of a `yaml` Scalar node. */
export interface ScalarLike {
  /** [start, valueEnd, nodeEnd]: offsets into the file text. */
  range?: [number, number, number] | null;
  /** PLAIN, QUOTE_DOUBLE, QUOTE_SINGLE, BLOCK_LITERAL or BLOCK_FOLDED. */
  type?: string;
  /** The decoded value. */
  value: unknown;
}

/** Decoded text with, for each UTF-16 unit, the source offset it came from. */
interface Decoded {
  text: string;
  offsets: number[];
}

let cachedSource: string | undefined;
let cachedLineStarts: number[] = [];

/** Offsets where each line of `source` starts (cached for the last source seen). */
function lineStarts(source: string): number[] {
  if (source !== cachedSource) {
    cachedSource = source;
    cachedLineStarts = lineStartsOf(source);
  }
  return cachedLineStarts;
}

/** 1-based line and column of a source offset (columns in UTF-16 units, like the diagnostics). */
export function sourcePosition(source: string, offset: number): { line: number; col: number } {
  return positionAt(lineStarts(source), offset);
}

/**
 * A locator for the decoded value of `scalar` (a `yaml` v2 Scalar: `range` =
 * [start, valueEnd, nodeEnd] into `source`, `type` its style). Cheap to make.
 */
export function scalarLocator(file: string, source: string, scalar: ScalarLike): TextLocator {
  let mapping: ((offset: number) => number) | undefined;
  return {
    file,
    locate(offset: number) {
      mapping ??= buildMapping(source, scalar);
      return sourcePosition(source, mapping(offset));
    },
  };
}

function buildMapping(source: string, scalar: ScalarLike): (offset: number) => number {
  const range = scalar.range;
  if (!range) return () => 0;
  const [start, valueEnd] = range;
  const decoded = decodeScalar(source, start, valueEnd, scalar);
  const value = typeof scalar.value === "string" ? scalar.value : String(scalar.value);
  let agree = 0;
  const limit = Math.min(value.length, decoded.text.length);
  while (agree < limit && value.charCodeAt(agree) === decoded.text.charCodeAt(agree)) agree++;
  const whole = agree === value.length && agree === decoded.text.length;
  return (offset: number) => {
    if (offset >= 0 && offset < agree) return decoded.offsets[offset];
    // Just past the end (an error "at the end of the text") is still known exactly.
    if (whole && offset === agree) return agree === 0 ? start : decoded.offsets[agree - 1] + 1;
    return start;
  };
}

function decodeScalar(source: string, start: number, end: number, scalar: ScalarLike): Decoded {
  switch (scalar.type) {
    case "QUOTE_DOUBLE":
      return decodeFlow(source, start + 1, end - 1, "double");
    case "QUOTE_SINGLE":
      return decodeFlow(source, start + 1, end - 1, "single");
    case "BLOCK_LITERAL":
    case "BLOCK_FOLDED":
      return decodeBlock(source, start, end, scalar);
    default:
      return decodeFlow(source, start, end, "plain");
  }
}

/** Length of the line break at `i` (1 for \n, 2 for \r\n), or 0. */
function breakAt(source: string, i: number): number {
  if (source[i] === "\n") return 1;
  if (source[i] === "\r" && source[i + 1] === "\n") return 2;
  return 0;
}

function isWhite(char: string | undefined): boolean {
  return char === " " || char === "\t";
}

const HEX_ESCAPES: Record<string, number> = { x: 2, u: 4, U: 8 };

/**
 * Plain and quoted scalars: line folding (a single break becomes a space, each
 * empty line a newline, whitespace around breaks dropped) plus the escapes of
 * the quoting style. `from`/`to` bound the text inside the quotes.
 */
function decodeFlow(
  source: string,
  from: number,
  to: number,
  style: "plain" | "single" | "double",
): Decoded {
  const chars: string[] = [];
  const offsets: number[] = [];
  const push = (decoded: string, at: number) => {
    for (let k = 0; k < decoded.length; k++) {
      chars.push(decoded[k]);
      offsets.push(at);
    }
  };
  // Output length after the last character folding must keep (not literal whitespace).
  let kept = 0;
  let i = from;
  /** Skips indentation and empty lines after a break; returns the empty lines' breaks. */
  const skipEmptyLines = (): number[] => {
    const breaks: number[] = [];
    for (;;) {
      while (i < to && isWhite(source[i])) i++;
      const size = i < to ? breakAt(source, i) : 0;
      if (size === 0) return breaks;
      breaks.push(i);
      i += size;
    }
  };
  while (i < to) {
    const char = source[i];
    const size = breakAt(source, i);
    if (size > 0) {
      // Whitespace before a break is dropped; the break folds to a space, or to
      // one newline per empty line that follows it.
      const breakOffset = i;
      chars.length = kept;
      offsets.length = kept;
      i += size;
      const empty = skipEmptyLines();
      if (empty.length === 0) push(" ", breakOffset);
      else for (const at of empty) push("\n", at);
      kept = chars.length;
      continue;
    }
    if (style === "double" && char === "\\") {
      const code = source[i + 1];
      const escapedBreak = breakAt(source, i + 1);
      if (escapedBreak > 0) {
        // An escaped break joins the lines: nothing is inserted, whitespace before it stays.
        i += 1 + escapedBreak;
        for (const at of skipEmptyLines()) push("\n", at);
        kept = chars.length;
        continue;
      }
      const digits = HEX_ESCAPES[code];
      if (digits !== undefined) {
        const point = parseInt(source.slice(i + 2, i + 2 + digits), 16);
        push(Number.isFinite(point) && point <= 0x10ffff ? String.fromCodePoint(point) : "", i);
        i += 2 + digits;
      } else {
        push(SIMPLE_ESCAPES[code] ?? code ?? "", i);
        i += 2;
      }
      kept = chars.length;
      continue;
    }
    if (style === "single" && char === "'" && source[i + 1] === "'") {
      push("'", i);
      i += 2;
      kept = chars.length;
      continue;
    }
    chars.push(char);
    offsets.push(i);
    i++;
    if (!isWhite(char)) kept = chars.length;
  }
  return { text: chars.join(""), offsets };
}

/** A line of a block scalar's body: its text (without the break) and where it starts. */
interface SourceLine {
  text: string;
  offset: number;
  /** Offset of the line break ending it (the end of the text at the end of input). */
  breakOffset: number;
}

function leadingSpaces(text: string): number {
  let count = 0;
  while (text.charCodeAt(count) === 32) count++;
  return count;
}

/** Block scalars (`|`, `>`, with chomping and indentation indicators). */
function decodeBlock(source: string, start: number, end: number, scalar: ScalarLike): Decoded {
  const folded = source[start] === ">";
  let header = start + 1;
  let chomp: "clip" | "strip" | "keep" = "clip";
  while (header < end && /[1-9+-]/.test(source[header])) {
    if (source[header] === "-") chomp = "strip";
    if (source[header] === "+") chomp = "keep";
    header++;
  }
  const headerEnd = source.indexOf("\n", header);
  const lines: SourceLine[] = [];
  if (headerEnd !== -1 && headerEnd < end) {
    let lineStart = headerEnd + 1;
    while (lineStart < end) {
      let lineEnd = source.indexOf("\n", lineStart);
      if (lineEnd === -1 || lineEnd > end) lineEnd = end;
      const textEnd = source[lineEnd - 1] === "\r" ? lineEnd - 1 : lineEnd;
      lines.push({
        text: source.slice(lineStart, textEnd),
        offset: lineStart,
        breakOffset: textEnd,
      });
      lineStart = lineEnd + 1;
    }
  }
  const value = typeof scalar.value === "string" ? scalar.value : "";
  // The indentation is found by checking candidates against the value the YAML
  // library produced: an explicit indicator is relative to a parent indentation
  // that the scalar alone does not tell.
  const firstText = lines.find((line) => /[^ ]/.test(line.text));
  const detected = firstText ? leadingSpaces(firstText.text) : 0;
  // The value's first text line keeps the spaces beyond the indentation: that
  // gives the indentation directly; a few others are tried if that does not fit.
  const firstValueLine = value.replace(/^\n*/, "");
  const inferred = detected - leadingSpaces(firstValueLine);
  const candidates = new Set([inferred, detected]);
  for (let indent = detected - 1; indent >= Math.max(0, detected - 8); indent--) {
    candidates.add(indent);
  }
  let best: Decoded | undefined;
  let bestAgree = -1;
  for (const indent of candidates) {
    if (indent < 0) continue;
    const decoded = blockBody(lines, indent, folded, chomp);
    if (decoded.text === value) return decoded;
    let agree = 0;
    while (agree < decoded.text.length && decoded.text[agree] === value[agree]) agree++;
    if (agree > bestAgree) {
      best = decoded;
      bestAgree = agree;
    }
  }
  return best ?? { text: "", offsets: [] };
}

function blockBody(
  lines: SourceLine[],
  indent: number,
  folded: boolean,
  chomp: "clip" | "strip" | "keep",
): Decoded {
  const chars: string[] = [];
  const offsets: number[] = [];
  const push = (decoded: string, at: number) => {
    chars.push(decoded);
    offsets.push(at);
  };
  let previous: { spaced: boolean; breakOffset: number } | undefined;
  let emptyBreaks: number[] = [];
  for (const line of lines) {
    const blank = line.text.length <= indent && /^ *$/.test(line.text);
    if (blank) {
      emptyBreaks.push(line.breakOffset);
      continue;
    }
    const content = line.text.slice(indent);
    const spaced = content[0] === " " || content[0] === "\t";
    if (previous === undefined) {
      for (const at of emptyBreaks) push("\n", at);
    } else if (folded && !previous.spaced && !spaced) {
      // Folding: a lone break between two ordinary lines becomes a space.
      if (emptyBreaks.length === 0) push(" ", previous.breakOffset);
      else for (const at of emptyBreaks) push("\n", at);
    } else {
      push("\n", previous.breakOffset);
      for (const at of emptyBreaks) push("\n", at);
    }
    emptyBreaks = [];
    const contentOffset = line.offset + indent;
    for (let k = 0; k < content.length; k++) push(content[k], contentOffset + k);

    previous = { spaced, breakOffset: line.breakOffset };
  }
  if (chomp !== "strip" && previous !== undefined) push("\n", previous.breakOffset);
  if (chomp === "keep") { for (const at of emptyBreaks) push("\n", at); }
  return { text: chars.join(""), offsets };
}
