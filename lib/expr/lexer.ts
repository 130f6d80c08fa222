/**
 * Lexer of the expression language. It reads tokens on demand, so a hostile
 * input fails at its first problem without being scanned whole, and it enforces
 * the 4 KiB expression limit as it goes.
 *
 * In a template the expression ends at `}}` (the grammar has no braces, so a
 * `}}` outside a string literal always closes it); on its own it ends at the
 * end of the text.
 * @module
 */
import { fail } from "./error.ts";
import { MAX_EXPRESSION_BYTES } from "./limits.ts";

/** Kinds of tokens. `end` is the end of the expression (`}}` or end of text). */
export type TokenKind = "number" | "string" | "name" | "punct" | "end";

/** One token; `offset` and `end` are offsets into the whole text. */
export interface Token {
  kind: TokenKind;
  /** The punctuation or name as written; empty for other kinds. */
  text: string;
  /** The decoded value of a number or string literal. */
  value: number | string | null;
  offset: number;
  end: number;
}

const PUNCTUATION = new Set(["(", ")", "[", "]", ",", ".", "?", ":", "!", "+", "-", "<", ">"]);
const TWO_CHAR = new Set(["==", "!=", "<=", ">=", "&&", "||"]);
const ESCAPES: Record<string, string> = { "\\": "\\", "'": "'", '"': '"', n: "\n", t: "\t" };

function isDigit(code: number): boolean {
  return code >= 48 && code <= 57;
}

function isNameStart(code: number): boolean {
  return (code >= 65 && code <= 90) || (code >= 97 && code <= 122) || code === 95;
}

function isNamePart(code: number): boolean {
  return isNameStart(code) || isDigit(code);
}

/** Describes a character for messages ("\"=\"", "a line break"). */
function describeChar(char: string): string {
  if (char === "\n") return "a line break";
  if (char === "\t") return "a tab";
  return JSON.stringify(char);
}

/** Reads the tokens of one expression from `text`, starting at `start`. */
export class Lexer {
  #pos: number;
  /** UTF-8 bytes beyond one per UTF-16 unit seen in string literals so far. */
  #extraBytes = 0;
  readonly #inTemplate: boolean;

  /**
   * @param text the whole text (a template or an expression)
   * @param start offset where the expression begins (after `${{` in a template)
   * @param inTemplate whether `}}` ends the expression
   * @param reportAt offset that limit errors point at (the `${{`, or 0)
   */
  constructor(
    readonly text: string,
    readonly start: number,
    inTemplate: boolean,
    readonly reportAt: number = start,
  ) {
    this.#pos = start;
    this.#inTemplate = inTemplate;
  }

  /** The next token; throws an ExprFailure on a lexical error or past the size limit. */
  next(): Token {
    const text = this.text;
    let pos = this.#pos;
    while (pos < text.length) {
      const code = text.charCodeAt(pos);
      if (code === 32 || code === 9 || code === 10 || code === 13) pos++;
      else break;
    }
    this.#checkLength(pos);
    if (pos >= text.length) {
      if (this.#inTemplate) {
        fail(
          this.reportAt,
          'unterminated "${{": no "}}" closes it',
          'write "$${{" for a literal "${{"',
        );
      }
      this.#pos = pos;
      return { kind: "end", text: "", value: null, offset: pos, end: pos };
    }
    const code = text.charCodeAt(pos);
    const char = text[pos];
    let token: Token;
    if (isDigit(code)) token = this.#number(pos);
    else if (isNameStart(code)) {
      let end = pos + 1;
      while (end < text.length && isNamePart(text.charCodeAt(end))) end++;
      token = { kind: "name", text: text.slice(pos, end), value: null, offset: pos, end };
    } else if (char === '"' || char === "'") token = this.#string(pos, char);
    else if (char === "}" && this.#inTemplate && text[pos + 1] === "}") {
      token = { kind: "end", text: "}}", value: null, offset: pos, end: pos + 2 };
    } else {
      const pair = text.slice(pos, pos + 2);
      if (TWO_CHAR.has(pair)) {
        token = { kind: "punct", text: pair, value: null, offset: pos, end: pos + 2 };
      } else if (PUNCTUATION.has(char)) {
        token = { kind: "punct", text: char, value: null, offset: pos, end: pos + 1 };
      } else this.#unexpected(pos);
    }
    // The closing "}}" is not part of the expression's text.
    this.#checkLength(token.kind === "end" ? token.offset : token.end);
    this.#pos = token.end;
    return token;
  }

  #unexpected(pos: number): never {
    const char = String.fromCodePoint(this.text.codePointAt(pos) ?? 0);
    const hints: Record<string, string> = {
      "=": 'compare with "=="; there is no assignment',
      "&": 'write "&&" for "and"',
      "|": 'write "||" for "or"',
      "}": this.#inTemplate ? 'an expression ends with "}}"' : "braces are not part of expressions",
      "{": "there are no map literals; build text with format()",
      "*": "only + and - are arithmetic operators",
      "/": "only + and - are arithmetic operators; for paths use format() or +",
    };
    fail(pos, `unexpected character ${describeChar(char)} in expression`, hints[char]);
  }

  #number(pos: number): Token {
    const text = this.text;
    let end = pos;
    while (end < text.length && isDigit(text.charCodeAt(end))) end++;
    if (text[end] === "." && isDigit(text.charCodeAt(end + 1))) {
      end++;
      while (end < text.length && isDigit(text.charCodeAt(end))) end++;
    }
    if (end < text.length && isNamePart(text.charCodeAt(end))) {
      fail(
        pos,
        `invalid number "${text.slice(pos, end + 1)}"`,
        "numbers are decimal, like 12 or 1.5",
      );
    }
    const value = Number(text.slice(pos, end));
    if (!Number.isFinite(value)) fail(pos, "number too large");
    return { kind: "number", text: "", value, offset: pos, end };
  }

  #string(pos: number, quote: string): Token {
    const text = this.text;
    let out = "";
    let chunkStart = pos + 1;
    let i = pos + 1;
    for (;;) {
      this.#checkLength(i);
      if (i >= text.length) fail(pos, `unterminated string: no closing ${quote}`);
      const code = text.charCodeAt(i);
      if (code === 92) { // backslash
        const escaped = text[i + 1];
        const decoded = escaped === undefined ? undefined : ESCAPES[escaped];
        if (decoded === undefined) {
          fail(
            i,
            `unknown escape "\\${escaped ?? ""}" in string`,
            `strings know \\\\, \\', \\", \\n and \\t`,
          );
        }
        out += text.slice(chunkStart, i) + decoded;
        i += 2;
        chunkStart = i;
        continue;
      }
      if (text[i] === quote) break;
      if (code >= 0x80) {
        if (code < 0x800) this.#extraBytes += 1;
        else if (code >= 0xd800 && code <= 0xdbff) this.#extraBytes += 1; // pair: 4 bytes / 2 units
        else if (code >= 0xdc00 && code <= 0xdfff) this.#extraBytes += 0;
        else this.#extraBytes += 2;
      }
      i++;
    }
    out += text.slice(chunkStart, i);
    return { kind: "string", text: "", value: out, offset: pos, end: i + 1 };
  }

  #checkLength(pos: number): void {
    if (pos - this.start + this.#extraBytes > MAX_EXPRESSION_BYTES) {
      fail(
        this.reportAt,
        `expression longer than ${MAX_EXPRESSION_BYTES} bytes`,
        "expressions are limited to 4 KiB; move long text into vars",
      );
    }
  }
}
