/**
 * The cursor of the fast YAML parser (fast_yaml.ts) and what every part of it
 * reads with: line ends, the gaps of blank and comment lines between nodes,
 * implicit keys, quoted scalars, and the limits on depth and nodes.
 * @module
 */
import type { ScalarStyle, YamlScalar } from "./yaml_node.ts";
import { MAX_YAML_DEPTH, MAX_YAML_NODES } from "./limits.ts";
import {
  BACKSLASH,
  blankAt,
  COLON,
  COMMA,
  DASH,
  DQUOTE,
  GT,
  HASH,
  isFlowIndicator,
  LBRACE,
  LBRACKET,
  NL,
  PIPE,
  RBRACE,
  RBRACKET,
  SPACE,
  SQUOTE,
  TAB,
} from "./fast_yaml_chars.ts";
import { type FastNode, newScalar, OUTSIDE, unescapeDouble } from "./fast_yaml_nodes.ts";

/** One parse of one text; `pos` moves forward only. */
export class FastScanner {
  readonly text: string;
  readonly length: number;
  /** Offset of the next token to read. */
  pos = 0;
  /** Start of the line `pos` is on (kept exact after a gap scan). */
  lineStart = 0;
  /** True once only blank and comment lines remain. */
  eof = false;
  /** Largest indent of the comment lines of the last gap that stayed unattached; -1 when none. */
  gapComment = -1;
  /** True when the last gap held any comment line. */
  gapHadComment = false;
  /** True when the last value read was empty (the library then gives the document no trailer). */
  lastValueEmpty = false;
  /** Collections open around `pos`: the parser recurses once per level. */
  depth = 0;
  /** Nodes made so far. */
  nodes = 1;

  constructor(text: string) {
    this.text = text;
    this.length = text.length;
  }

  /** Opens a collection; past the depth limit the library's path reports it. */
  enter(): void {
    if (++this.depth > MAX_YAML_DEPTH) throw OUTSIDE;
  }

  /** Counts `count` new nodes; past the node limit the library's path reports it. */
  count(count: number): void {
    this.nodes += count;
    if (this.nodes > MAX_YAML_NODES) throw OUTSIDE;
  }

  /** Offset after the line break ending the line at `from` (spaces then maybe a comment), else the end. */
  restOfLine(from: number): number {
    const text = this.text;
    let p = from;
    while (text.charCodeAt(p) === SPACE) p++;
    const code = text.charCodeAt(p);
    if (code === HASH) {
      if (text.charCodeAt(p - 1) !== SPACE) throw OUTSIDE; // a comment needs a space before it
      const lineEnd = text.indexOf("\n", p);
      return lineEnd === -1 ? this.length : lineEnd + 1;
    }
    if (code === NL) return p + 1;
    if (p >= this.length) return p;
    throw OUTSIDE;
  }

  /**
   * Reads blank and comment lines from `from` (a line start) up to the next
   * content, leaving `pos` on it (or `eof`). `indent` is the innermost open
   * collection's indent. With a `value`, comment lines indented deeper than
   * `indent` that follow it (after blank lines only) extend its range, as the
   * library attaches them to the value.
   */
  scanGap(from: number, indent: number, value: FastNode | null, allowDocStart: boolean): void {
    const text = this.text;
    let p = from;
    let attaching = value !== null;
    this.gapComment = -1;
    this.gapHadComment = false;
    for (;;) {
      if (p >= this.length) {
        this.eof = true;
        this.pos = this.length;
        this.lineStart = p;
        return;
      }
      let q = p;
      while (text.charCodeAt(q) === SPACE) q++;
      const code = text.charCodeAt(q);
      if (q >= this.length) {
        this.eof = true;
        this.pos = this.length;
        this.lineStart = p;
        return;
      }
      if (code === NL) {
        p = q + 1;
        continue;
      }
      if (code === HASH) {
        const lineEnd = text.indexOf("\n", q);
        const next = lineEnd === -1 ? this.length : lineEnd + 1;
        const column = q - p;
        this.gapHadComment = true;
        if (attaching && column > indent) {
          value!.range[2] = next;
        } else {
          attaching = false;
          if (column > this.gapComment) this.gapComment = column;
        }
        p = next;
        continue;
      }
      if (code === TAB) throw OUTSIDE;
      if (
        q === p && !allowDocStart &&
        (text.startsWith("---", q) || text.startsWith("...", q)) && blankAt(text, q + 3)
      ) {
        throw OUTSIDE;
      }
      if (q === p && text.startsWith("...", q) && blankAt(text, q + 3)) throw OUTSIDE;
      this.pos = q;
      this.lineStart = p;
      return;
    }
  }

  /**
   * The end of a collection at `indent` whose last value ends at `end`: trailing
   * comment lines stay with it when one of them is at least as deep as the
   * collection (and it is not at column 0); otherwise they pass to the parent.
   */
  collectionEnd(indent: number, end: number): number {
    if (this.gapComment >= 0 && indent > 0 && this.gapComment >= indent) {
      this.gapComment = -1;
      return this.pos;
    }
    return end;
  }

  /** True when `-` at `p` is a sequence entry indicator. */
  atSeqIndicator(p: number): boolean {
    return this.text.charCodeAt(p) === DASH && blankAt(this.text, p + 1);
  }

  /** Offset of the `:` when an implicit key starts at `p` on this line, else -1. */
  keyColon(p: number): number {
    const text = this.text;
    const first = text.charCodeAt(p);
    let q: number;
    if (first === DQUOTE || first === SQUOTE) {
      q = this.quotedEnd(p);
      while (text.charCodeAt(q) === SPACE) q++;
      return text.charCodeAt(q) === COLON && blankAt(text, q + 1) ? q : -1;
    }
    if (first === LBRACKET || first === LBRACE) return -1;
    for (q = p;; q++) {
      const code = text.charCodeAt(q);
      if (code === NL || Number.isNaN(code)) return -1;
      if (code === COLON && blankAt(text, q + 1)) return q;
      if (code === SPACE && text.charCodeAt(q + 1) === HASH) return -1;
    }
  }

  /** Offset after the closing quote of the single-line quoted scalar at `p`. */
  quotedEnd(p: number): number {
    const text = this.text;
    const quote = text.charCodeAt(p);
    for (let q = p + 1;; q++) {
      const code = text.charCodeAt(q);
      if (code === NL || code === TAB || Number.isNaN(code)) throw OUTSIDE;
      if (quote === DQUOTE && code === BACKSLASH) {
        q++;
        continue;
      }
      if (code === quote) {
        if (quote === SQUOTE && text.charCodeAt(q + 1) === SQUOTE) {
          q++;
          continue;
        }
        return q + 1;
      }
    }
  }

  /** The single-line quoted scalar at `pos`; `pos` moves past it. */
  quoted(): YamlScalar {
    const text = this.text;
    const start = this.pos;
    const end = this.quotedEnd(start);
    const inner = text.slice(start + 1, end - 1);
    let value: string;
    let type: ScalarStyle;
    if (text.charCodeAt(start) === SQUOTE) {
      value = inner.includes("'") ? inner.replaceAll("''", "'") : inner;
      type = "QUOTE_SINGLE";
    } else {
      value = inner.includes("\\") ? unescapeDouble(inner) : inner;
      type = "QUOTE_DOUBLE";
    }
    this.pos = end;
    return newScalar(value, value, type, [start, end, end]);
  }

  /** Refuses plain scalars that start with an indicator (or anything unsure). */
  checkPlainStart(p: number, flow: boolean): void {
    const code = this.text.charCodeAt(p);
    switch (code) {
      case DASH:
        if (blankAt(this.text, p + 1) || (flow && isFlowIndicator(this.text.charCodeAt(p + 1)))) {
          throw OUTSIDE;
        }
        return;
      case 63: // ?
      case COLON:
      case COMMA:
      case LBRACKET:
      case RBRACKET:
      case LBRACE:
      case RBRACE:
      case HASH:
      case 38: // &
      case 42: // *
      case 33: // !
      case PIPE:
      case GT:
      case SQUOTE:
      case DQUOTE:
      case 37: // %
      case 64: // @
      case 96: // `
      case SPACE:
      case TAB:
      case NL:
        throw OUTSIDE;
    }
    if (Number.isNaN(code)) throw OUTSIDE;
  }

  /** Moves `pos` past spaces on this line; they end `node`. */
  skipSpaces(node: FastNode): void {
    while (this.text.charCodeAt(this.pos) === SPACE) this.pos++;
    node.range[2] = this.pos;
  }
}
