/**
 * Character codes and character classes of the fast YAML parser (fast_yaml.ts).
 * @module
 */

export const NL = 10;
export const SPACE = 32;
export const TAB = 9;
export const HASH = 35;
export const COLON = 58;
export const DASH = 45;
export const COMMA = 44;
export const DQUOTE = 34;
export const SQUOTE = 39;
export const BACKSLASH = 92;
export const LBRACKET = 91;
export const RBRACKET = 93;
export const LBRACE = 123;
export const RBRACE = 125;
export const PIPE = 124;
export const GT = 62;

/** Characters the fast path refuses anywhere: CR, controls (tab and newline aside), BOM, NEL, LS, PS. */
// deno-lint-ignore no-control-regex -- finding control characters is the point
export const REFUSED_CHARS = /[\x00-\x08\x0b-\x1f\x7f-\x9f\ufeff\u2028\u2029]/;

/** True when the character at `index` ends a token: a space, a line break or the end of text. */
export function blankAt(text: string, index: number): boolean {
  const code = text.charCodeAt(index);
  return code === SPACE || code === NL || Number.isNaN(code);
}

export function isFlowIndicator(code: number): boolean {
  return code === COMMA || code === LBRACKET || code === RBRACKET || code === LBRACE ||
    code === RBRACE;
}
