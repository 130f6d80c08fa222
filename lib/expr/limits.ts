/**
 * The limits of EXPRESSIONS.md, and the manifest-wide {@link Budget}. Each limit is
 * an error, never a truncation; together they bound the time and memory any
 * manifest's templates can use.
 * @module
 */
import { errorAt, fail, type TextLocator } from "./error.ts";

/** Maximum UTF-8 length of one expression (the text inside `${{ }}`). */
export const MAX_EXPRESSION_BYTES = 4 * 1024;
/** Maximum syntactic nesting (parentheses, brackets, calls, operators), and of values. */
export const MAX_DEPTH = 64;
/** Maximum UTF-8 length of any intermediate or final string. */
export const MAX_STRING_BYTES = 1024 * 1024;
/** Maximum number of items of a list made by an expression or given as a result. */
export const MAX_LIST_LENGTH = 10_000;
/** Maximum number of entries of a manifest's `vars`. */
export const MAX_VARS = 1_000;
/** Default maximum total expanded size of one manifest's templates. */
export const MAX_MANIFEST_BYTES = 16 * 1024 * 1024;
/**
 * Maximum value pairs one evaluation may compare (`==`, `!=`, `contains`). Values
 * can share structure (a var used twice in a list), so without this a comparison
 * of two large independently built values could take very long.
 */
export const MAX_COMPARE_STEPS = 1 << 20;

/** Any character that takes more than one byte in UTF-8. */
const NON_ASCII = /[\u0080-\uffff]/;

/** UTF-8 length of a string (lone surrogates count 3, as their replacement would). */
export function utf8Length(text: string): number {
  // Most texts are ASCII; the pattern finds out several times faster than the loop.
  if (!NON_ASCII.test(text)) return text.length;
  let bytes = text.length;
  for (let i = 0; i < text.length; i++) {
    const code = text.charCodeAt(i);
    if (code < 0x80) continue;
    if (code < 0x800) bytes += 1;
    else if (code >= 0xd800 && code <= 0xdbff && i + 1 < text.length) {
      const next = text.charCodeAt(i + 1);
      if (next >= 0xdc00 && next <= 0xdfff) {
        bytes += 2; // 2 units -> 4 bytes
        i++;
      } else bytes += 2;
    } else bytes += 2;
  }
  return bytes;
}

/** True when `text` is longer than {@link MAX_STRING_BYTES} in UTF-8. */
export function isStringTooLong(text: string): boolean {
  // UTF-8 never takes fewer bytes than UTF-16 units, nor more than 3 per unit:
  // only strings in between need counting.
  if (text.length > MAX_STRING_BYTES) return true;
  if (text.length * 3 <= MAX_STRING_BYTES) return false;
  return utf8Length(text) > MAX_STRING_BYTES;
}

/** Fails at `offset` because a string longer than {@link MAX_STRING_BYTES} would be made there. */
export function failStringTooLong(offset: number): never {
  fail(
    offset,
    `a string longer than ${MAX_STRING_BYTES} bytes (1 MiB) would be made here`,
    "strings are limited to 1 MiB; this usually means text keeps doubling",
  );
}

/** Fails at `offset` when `text` breaks the string limit; returns it otherwise. */
export function checkString(text: string, offset: number): string {
  if (isStringTooLong(text)) failStringTooLong(offset);
  return text;
}

/** Fails at `offset` when a list would have more than {@link MAX_LIST_LENGTH} items. */
export function checkListLength(length: number, offset: number): void {
  if (length > MAX_LIST_LENGTH) {
    fail(offset, `a list of more than ${MAX_LIST_LENGTH} items would be made here`);
  }
}

/**
 * Tracks the total expanded size of one manifest's templates; past the limit it
 * throws an ExprError at the template that crossed it.
 */
export class Budget {
  #used = 0;

  /** A budget of `maxTotalBytes` (UTF-8) for all templates of one manifest. */
  constructor(readonly maxTotalBytes: number = MAX_MANIFEST_BYTES) {}

  /** Bytes charged so far. */
  get used(): number {
    return this.#used;
  }

  /** Adds `bytes`; throws an ExprError at `offset` of `where` when the total passes the limit. */
  charge(bytes: number, where: TextLocator, offset: number): void {
    this.#used += bytes;
    if (this.#used > this.maxTotalBytes) {
      throw errorAt(
        where,
        offset,
        `the manifest's templates expand to more than ${this.maxTotalBytes} bytes in total`,
        "a manifest's expanded text is limited; look for vars that repeat large values",
      );
    }
  }
}
