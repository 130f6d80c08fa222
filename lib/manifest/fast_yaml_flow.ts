/**
 * Flow collections (`[a, b]`, `{k: v}`) of the fast YAML parser (fast_yaml.ts),
 * each on the lines of the block collection around it.
 * @module
 */
import type { YamlMap, YamlScalar, YamlSeq } from "./yaml_node.ts";
import {
  blankAt,
  COLON,
  COMMA,
  DQUOTE,
  HASH,
  isFlowIndicator,
  LBRACE,
  LBRACKET,
  NL,
  RBRACE,
  RBRACKET,
  SPACE,
  SQUOTE,
  TAB,
} from "./fast_yaml_chars.ts";
import { type FastNode, newMap, newPair, newSeq, OUTSIDE, plainScalar } from "./fast_yaml_nodes.ts";
import { FastScanner } from "./fast_yaml_scanner.ts";

/** The fast parser's reading of flow collections, over its cursor. */
export class FlowParser extends FastScanner {
  /** A flow collection at `pos`, inside a block collection at `indent`. */
  flowCollection(indent: number): YamlMap | YamlSeq {
    const text = this.text;
    const start = this.pos;
    const isMap = text.charCodeAt(start) === LBRACE;
    const close = isMap ? RBRACE : RBRACKET;
    const collection = isMap ? newMap(true) : newSeq(true);
    this.enter();
    this.pos = start + 1;
    this.flowSpace(indent);
    if (text.charCodeAt(this.pos) !== close) {
      for (;;) {
        if (isMap) {
          const key = this.flowScalar(indent, true);
          if (text.charCodeAt(this.pos) !== COLON || !blankAt(text, this.pos + 1)) throw OUTSIDE;
          this.pos++;
          this.flowSpace(indent);
          const next = text.charCodeAt(this.pos);
          if (next === COMMA || next === close) throw OUTSIDE; // an empty value
          const value = this.flowNode(indent);
          for (const pair of (collection as YamlMap).pairs) {
            if ((pair.key as YamlScalar).value === key.value) throw OUTSIDE;
          }
          (collection as YamlMap).pairs.push(newPair(key, value));
          this.count(2);
        } else {
          const item = this.flowNode(indent);
          if (text.charCodeAt(this.pos) === COLON) throw OUTSIDE; // a pair in a sequence
          (collection as YamlSeq).items.push(item);
          this.count(1);
        }
        this.flowSpace(indent);
        const code = text.charCodeAt(this.pos);
        if (code === COMMA) {
          this.pos++;
          this.flowSpace(indent);
          if (text.charCodeAt(this.pos) === close) throw OUTSIDE; // a trailing comma
          continue;
        }
        if (code === close) break;
        throw OUTSIDE;
      }
    }
    this.pos++;
    collection.range = [start, this.pos, this.pos];
    this.depth--;
    return collection;
  }

  /** Skips spaces and line breaks inside a flow collection; continuation lines must be deeper than `indent`. */
  flowSpace(indent: number): void {
    const text = this.text;
    let p = this.pos;
    for (;;) {
      const code = text.charCodeAt(p);
      if (code === SPACE) {
        p++;
        continue;
      }
      if (code === NL) {
        const lineStart = p + 1;
        let q = lineStart;
        while (text.charCodeAt(q) === SPACE) q++;
        const next = text.charCodeAt(q);
        if (q - lineStart <= indent || next === NL || next === HASH || next === TAB) throw OUTSIDE;
        this.lineStart = lineStart;
        p = q;
        continue;
      }
      if (code === TAB || code === HASH || Number.isNaN(code)) throw OUTSIDE;
      this.pos = p;
      return;
    }
  }

  /** A node inside a flow collection; `pos` moves past it and the spaces after it. */
  flowNode(indent: number): FastNode {
    const code = this.text.charCodeAt(this.pos);
    if (code === LBRACKET || code === LBRACE) {
      const node = this.flowCollection(indent);
      this.skipSpaces(node);
      return node;
    }
    return this.flowScalar(indent, false);
  }

  /** A scalar inside a flow collection; `pos` moves past it and the spaces after it. */
  flowScalar(_indent: number, isKey: boolean): YamlScalar {
    const text = this.text;
    const start = this.pos;
    const first = text.charCodeAt(start);
    let node: YamlScalar;
    if (first === DQUOTE || first === SQUOTE) node = this.quoted();
    else {
      this.checkPlainStart(start, true);
      let q = start;
      for (;;) {
        const c = text.charCodeAt(q);
        if (c === NL || Number.isNaN(c) || isFlowIndicator(c)) break;
        if (c === COLON) {
          const next = text.charCodeAt(q + 1);
          if (blankAt(text, q + 1)) break;
          if (isFlowIndicator(next)) throw OUTSIDE;
        }
        if (c === SPACE && text.charCodeAt(q + 1) === HASH) throw OUTSIDE;
        if (c === TAB) throw OUTSIDE;
        q++;
      }
      let end = q;
      while (text.charCodeAt(end - 1) === SPACE) end--;
      if (end === start) throw OUTSIDE;
      const source = text.slice(start, end);
      node = plainScalar(source, [start, end, end]);
      this.pos = end;
    }
    if (!isKey) this.skipSpaces(node);
    else while (text.charCodeAt(this.pos) === SPACE) this.pos++;
    return node;
  }
}
