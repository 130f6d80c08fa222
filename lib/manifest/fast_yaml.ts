/**
 * A fast parser for the YAML subset that 2nex manifests use. It builds 2nex's
 * own nodes (yaml_node.ts) with exactly the values and ranges that the `yaml`
 * library's `parseDocument` (default YAML 1.2 core schema) gives once
 * yaml_adapter.ts has converted them, about ten times faster: no `Document`,
 * schema or library classes for every file.
 *
 * It is a shortcut, never a second opinion: any text outside the subset
 * (anchors, aliases, tags, directives, several documents, complex keys,
 * multi-line plain or quoted scalars, tabs in indentation, duplicate keys,
 * anything that would be an error, ...) makes it return `undefined`, and the
 * caller parses with the `yaml` library, so error messages and positions
 * always come from there. So does a text past the nesting or node limits of
 * limits.ts: the caller reports those on the library's document.
 *
 * Comments are not kept (2nex's nodes have no place for them: nothing reads
 * them). They still move node ranges exactly as the
 * `yaml` library moves them (a comment line indented deeper than its collection
 * extends the previous value; trailing comments of a nested collection extend
 * that collection), and the unclear cases fall back.
 *
 * @example
 * ```ts
 * const root = fastParseDocument("package:\n  slug: m4\n")?.contents;
 * ```
 * @module
 */
import type { YamlMap, YamlNode, YamlScalar, YamlSeq } from "./yaml_node.ts";
import {
  blankAt,
  COLON,
  DASH,
  DQUOTE,
  GT,
  HASH,
  LBRACE,
  LBRACKET,
  NL,
  PIPE,
  REFUSED_CHARS,
  SPACE,
  SQUOTE,
  TAB,
} from "./fast_yaml_chars.ts";
import {
  type FastNode,
  foldLines,
  newMap,
  newPair,
  newScalar,
  newSeq,
  OUTSIDE,
  plainScalar,
  type Range,
} from "./fast_yaml_nodes.ts";
import { FlowParser } from "./fast_yaml_flow.ts";

/** A parsed document: its root node, and its range as `parseDocument` gives it. */
export interface FastDocument {
  contents: YamlNode;
  range: Range;
}

/**
 * Parses `text` when it lies within the supported subset; returns undefined
 * otherwise (the caller then uses `parseDocument`).
 */
export function fastParseDocument(text: string): FastDocument | undefined {
  if (REFUSED_CHARS.test(text)) return undefined;
  try {
    return new FastParser(text).parse();
  } catch (error) {
    if (error === OUTSIDE) return undefined;
    throw error;
  }
}

/** The fast parser: block collections and scalars, over flow collections and the cursor. */
class FastParser extends FlowParser {
  parse(): FastDocument {
    const text = this.text;
    this.scanGap(0, -1, null, true);
    if (this.eof) throw OUTSIDE; // an empty document: rare, left to the library
    // The library's document starts at the line of its first token.
    const docStart = this.lineStart;
    if (
      this.pos === this.lineStart && text.startsWith("---", this.pos) && blankAt(text, this.pos + 3)
    ) {
      const lineEnd = this.restOfLine(this.pos + 3);
      this.scanGap(lineEnd, -1, null, false);
      if (this.eof) throw OUTSIDE;
    }
    const column = this.pos - this.lineStart;
    let root: FastNode;
    if (this.atSeqIndicator(this.pos)) root = this.blockSeq(column, false);
    else if (this.keyColon(this.pos) >= 0) root = this.blockMap(column);
    else throw OUTSIDE;
    if (!this.eof) throw OUTSIDE;
    const end = root.range[2];
    return {
      contents: root,
      range: [docStart, end, this.lastValueEmpty ? end : this.length],
    };
  }

  /** A block mapping whose first key is at `pos`, at column `indent`. */
  blockMap(indent: number): YamlMap {
    const map = newMap(false);
    const start = this.pos;
    let end = start;
    this.enter();
    for (;;) {
      const key = this.blockKey();
      const value = this.mapValue(indent);
      for (const pair of map.pairs) {
        if ((pair.key as YamlScalar).value === key.value) throw OUTSIDE; // duplicate: the library reports it
      }
      map.pairs.push(newPair(key, value));
      this.count(2);
      end = value.range[2];
      if (this.eof) break;
      const column = this.pos - this.lineStart;
      if (column < indent) break;
      if (column > indent || this.atSeqIndicator(this.pos)) throw OUTSIDE;
    }
    map.range = [start, end, this.collectionEnd(indent, end)];
    this.depth--;
    return map;
  }

  /** The implicit key at `pos`; `pos` moves past its `:`. */
  blockKey(): YamlScalar {
    const text = this.text;
    const start = this.pos;
    const first = text.charCodeAt(start);
    let key: YamlScalar;
    let colon: number;
    if (first === DQUOTE || first === SQUOTE) {
      key = this.quoted();
      colon = this.pos;
      while (text.charCodeAt(colon) === SPACE) colon++;
      if (text.charCodeAt(colon) !== COLON || !blankAt(text, colon + 1)) throw OUTSIDE;
    } else {
      this.checkPlainStart(start, false);
      colon = this.keyColon(start);
      if (colon < 0) throw OUTSIDE;
      let end = colon;
      while (text.charCodeAt(end - 1) === SPACE) end--;
      const source = text.slice(start, end);
      if (source.includes("\t")) throw OUTSIDE;
      key = plainScalar(source, [start, end, end]);
    }
    if (colon - start > 1000) throw OUTSIDE; // the library limits implicit keys to 1024 characters
    this.pos = colon + 1;
    return key;
  }

  /** The value after `key:` (at `pos`) in a map at column `indent`. */
  mapValue(indent: number): FastNode {
    const text = this.text;
    let p = this.pos;
    while (text.charCodeAt(p) === SPACE) p++;
    const code = text.charCodeAt(p);
    if (code === TAB) throw OUTSIDE;
    if (code === NL || code === HASH || Number.isNaN(code)) {
      return this.valueOnNextLines(indent, p, code === HASH, true);
    }
    this.pos = p;
    return this.inlineValue(indent);
  }

  /**
   * A value that starts after the current line (a nested block, or nothing):
   * `emptyAt` is where an empty value sits, `hadComment` whether the line ended in a comment.
   */
  valueOnNextLines(
    indent: number,
    emptyAt: number,
    hadComment: boolean,
    inMap: boolean,
  ): FastNode {
    this.scanGap(this.restOfLine(emptyAt), indent, null, false);
    if (!this.eof) {
      const column = this.pos - this.lineStart;
      if (column > indent) {
        this.gapComment = -1;
        return this.blockNode(column, indent);
      }
      if (column === indent && inMap && this.atSeqIndicator(this.pos)) {
        this.gapComment = -1;
        return this.blockSeq(column, true);
      }
    }
    // An empty value: the library moves comments around it; leave that to it.
    if (hadComment || this.gapHadComment) throw OUTSIDE;
    this.lastValueEmpty = true;
    return newScalar(null, "", "PLAIN", [emptyAt, emptyAt, emptyAt]);
  }

  /** A node starting a line of its own at `column`, inside a collection at `indent`. */
  blockNode(column: number, indent: number): FastNode {
    if (this.atSeqIndicator(this.pos)) return this.blockSeq(column, false);
    if (this.keyColon(this.pos) >= 0) return this.blockMap(column);
    const code = this.text.charCodeAt(this.pos);
    if (code === PIPE || code === GT) throw OUTSIDE;
    return this.inlineValue(indent);
  }

  /** A block sequence whose first `-` is at `pos`, at column `indent`. */
  blockSeq(indent: number, underMapKey: boolean): YamlSeq {
    const text = this.text;
    const seq = newSeq(false);
    const start = this.pos;
    let end = start;
    this.enter();
    for (;;) {
      // Comments before this `-` become the item's: an empty item then takes them in its range.
      const commentBefore = this.gapHadComment;
      let p = this.pos + 1;
      while (text.charCodeAt(p) === SPACE) p++;
      const code = text.charCodeAt(p);
      let item: FastNode;
      if (code === TAB) throw OUTSIDE;
      if (code === NL || code === HASH || Number.isNaN(code)) {
        item = this.valueOnNextLines(indent, p, code === HASH || commentBefore, false);
      } else {
        this.pos = p;
        const column = p - this.lineStart;
        if (this.atSeqIndicator(p)) item = this.blockSeq(column, false);
        else if (this.keyColon(p) >= 0) item = this.blockMap(column);
        else item = this.inlineValue(indent);
      }
      seq.items.push(item);
      this.count(1);
      end = item.range[2];
      if (this.eof) break;
      const column = this.pos - this.lineStart;
      if (column < indent) break;
      if (column > indent) throw OUTSIDE;
      if (!this.atSeqIndicator(this.pos)) {
        if (underMapKey) break;
        throw OUTSIDE;
      }
    }
    seq.range = [start, end, this.collectionEnd(indent, end)];
    this.depth--;
    return seq;
  }

  /** A scalar or flow collection on the current line, in a block collection at `indent`. */
  inlineValue(indent: number): FastNode {
    const text = this.text;
    const start = this.pos;
    const code = text.charCodeAt(start);
    let node: FastNode;
    this.lastValueEmpty = false;
    if (code === PIPE || code === GT) return this.blockScalar(indent);
    if (code === DQUOTE || code === SQUOTE) node = this.quoted();
    else if (code === LBRACKET || code === LBRACE) node = this.flowCollection(indent);
    else {
      this.checkPlainStart(start, false);
      let q = start;
      for (;;) {
        const c = text.charCodeAt(q);
        if (c === NL || Number.isNaN(c)) break;
        if (c === COLON && blankAt(text, q + 1)) throw OUTSIDE; // a key where a value belongs
        if (c === SPACE && text.charCodeAt(q + 1) === HASH) break;
        if (c === TAB) throw OUTSIDE;
        q++;
      }
      let end = q;
      while (text.charCodeAt(end - 1) === SPACE) end--;
      const source = text.slice(start, end);
      node = plainScalar(source, [start, end, end]);
      this.pos = end;
    }
    // The rest of the line: spaces, maybe a comment; they belong to the node.
    const after = this.restOfLine(this.pos);
    node.range[2] = after;
    this.scanGap(after, indent, node, false);
    // Deeper content would continue a multi-line scalar (or be an error).
    if (!this.eof && this.pos - this.lineStart > indent) throw OUTSIDE;
    return node;
  }

  /** A block scalar (`|`, `|-`, `>`, `>-`) whose parent collection is at `indent`. */
  blockScalar(indent: number): YamlScalar {
    const text = this.text;
    const start = this.pos;
    const folded = text.charCodeAt(start) === GT;
    let p = start + 1;
    let strip = false;
    if (text.charCodeAt(p) === DASH) {
      strip = true;
      p++;
    }
    const bodyStart = this.restOfLine(p);
    if (bodyStart >= this.length || text.charCodeAt(bodyStart - 1) !== NL) throw OUTSIDE;
    // Lines of the body: blank ones (only spaces) and content ones (at least `contentIndent` spaces).
    const lines: string[] = [];
    let contentIndent = -1;
    let longestLeadingBlank = 0;
    let lineStart = bodyStart;
    let end = bodyStart; // after the last content line
    let lastContent = -1; // index in `lines` of the last content line
    while (lineStart < this.length) {
      let q = lineStart;
      while (text.charCodeAt(q) === SPACE) q++;
      const spaces = q - lineStart;
      const code = text.charCodeAt(q);
      if (code === NL || q >= this.length) {
        if (contentIndent < 0) {
          if (spaces > longestLeadingBlank) longestLeadingBlank = spaces;
        } else if (spaces > contentIndent) throw OUTSIDE; // spaces beyond the indent are content
        lines.push("");
        lineStart = q + 1;
        continue;
      }
      if (contentIndent < 0) {
        if (spaces <= indent || code === TAB) throw OUTSIDE; // empty scalar or tab indent
        if (longestLeadingBlank > spaces) throw OUTSIDE;
        contentIndent = spaces;
      }
      if (spaces < contentIndent) {
        if (code === TAB) throw OUTSIDE;
        break;
      }
      const lineEnd = text.indexOf("\n", q);
      const next = lineEnd === -1 ? this.length : lineEnd + 1;
      const body = text.slice(lineStart + contentIndent, lineEnd === -1 ? this.length : lineEnd);
      if (folded && (body.charCodeAt(0) === SPACE || body.charCodeAt(0) === TAB)) throw OUTSIDE;
      lines.push(body);
      lastContent = lines.length - 1;
      end = next;
      lineStart = next;
    }
    if (lastContent < 0) throw OUTSIDE;
    lines.length = lastContent + 1;
    let value = folded ? foldLines(lines) : lines.join("\n");
    if (!strip) value += "\n";
    const node = newScalar(value, value, folded ? "BLOCK_FOLDED" : "BLOCK_LITERAL", [
      start,
      end,
      end,
    ]);
    this.scanGap(end, indent, null, false);
    if (!this.eof && this.pos - this.lineStart > indent) throw OUTSIDE;
    if (this.gapComment > indent) throw OUTSIDE;
    return node;
  }
}
