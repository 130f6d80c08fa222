/**
 * The one place that turns what a manifest says about a source into a file
 * name: in the build tree (`/2nex/sources/<name>/<file name>`), in mirror
 * directories and URL mirrors, and in vendor directories. Every name it returns
 * is a single path segment: joined to a directory, it names an entry of that
 * directory and nothing else, whatever the URL decodes to. (The source cache
 * uses none of these names: it is addressed by sha256 only.)
 *
 * @example
 * ```ts
 * import { sourceFileName, urlFileName } from "./file_name.ts";
 * urlFileName("https://ftp.gnu.org/gnu/m4/m4-1.4.19.tar.xz"); // "m4-1.4.19.tar.xz"
 * urlFileName("https://h/good/%2e%2e%2ftmp%2fvictim"); // undefined
 * sourceFileName({ name: "m4", url: "https://h/good/%2e%2e%2ftmp%2fvictim" }); // "m4"
 * ```
 * @module
 */

/** Longest file name in bytes that Linux file systems accept (NAME_MAX). */
export const MAX_FILE_NAME_BYTES = 255;

/**
 * What a file name may not contain: a path separator ("/", and "\" which other
 * systems and tools treat as one), NUL, or any other control character (a
 * newline would forge lines in SHA256SUMS, logs and messages).
 */
// deno-lint-ignore no-control-regex -- control characters are exactly what it looks for
const UNSAFE_NAME_CHAR = /[/\\\x00-\x1f\x7f]/;

/** The name used when neither the URL or path nor the source's own name gives a safe one. */
const LAST_RESORT_NAME = "source";

/**
 * True for a name that is exactly one entry of the directory it is joined to,
 * and plain enough for lists and messages: not empty, not "." or "..", no
 * separator or control character, at most {@link MAX_FILE_NAME_BYTES} bytes.
 */
export function isSafeFileName(name: string): boolean {
  return !UNSAFE_NAME_CHAR.test(name) && isPathSegment(name);
}

/**
 * True for a name the kernel takes as exactly one entry of a directory: not
 * empty, not "." or "..", no "/" or NUL, at most {@link MAX_FILE_NAME_BYTES}
 * bytes. (Source names are directory names in the build tree: they may hold
 * any other character, as the original format allowed.)
 */
export function isPathSegment(name: string): boolean {
  if (name === "" || name === "." || name === ".." || /[/\0]/.test(name)) return false;
  // Each UTF-16 unit is at most 3 bytes of UTF-8: short names need no encoding.
  return name.length * 3 <= MAX_FILE_NAME_BYTES ||
    new TextEncoder().encode(name).length <= MAX_FILE_NAME_BYTES;
}

/**
 * A host, then a path of printable ASCII with no "%", "?", "#" or "\": the URL
 * parser would give the last segment back unchanged, so it needs no parsing.
 */
const PLAIN_URL = /^https?:\/\/[!-.0-~]+\/[!-~]*$/;
const URL_SPECIAL_CHARS = /[?#\\%]/;

/**
 * The last segment of a URL's path, percent-decoded, when that is a safe file
 * name (see {@link isSafeFileName}); undefined when the URL ends with "/" or its
 * last segment decodes to something else (say "../etc/x"). For a text the URL
 * parser refuses: the text after its last "/", undecoded, if safe.
 */
export function urlFileName(url: string): string | undefined {
  // Most sources: the last segment as written, without the cost of parsing the URL.
  if (PLAIN_URL.test(url) && !URL_SPECIAL_CHARS.test(url)) {
    const last = url.slice(url.lastIndexOf("/") + 1);
    return isSafeFileName(last) ? last : undefined;
  }
  let name: string;
  try {
    const pathname = new URL(url).pathname;
    name = decodeSegment(pathname.slice(pathname.lastIndexOf("/") + 1));
  } catch {
    // Not a URL the parser takes (and so never fetched): the text's last segment, as
    // the fast path gives it, keeps such a manifest's input key what it always was.
    name = url.slice(url.lastIndexOf("/") + 1);
  }
  return isSafeFileName(name) ? name : undefined;
}

/** A URL path segment percent-decoded; as written when its escapes are not valid UTF-8. */
export function decodeSegment(segment: string): string {
  try {
    return decodeURIComponent(segment);
  } catch {
    return segment;
  }
}

/** The base name of a `file:` source's path, when it is a safe file name. */
export function localFileName(file: string): string | undefined {
  const name = file.slice(file.lastIndexOf("/") + 1);
  return isSafeFileName(name) ? name : undefined;
}

/**
 * The file name of a source in the build tree: the URL's last path segment or
 * the file's base name, else the source's own name, else "source". Always a
 * safe file name. Part of every input key: for a name that was already safe,
 * never change what this returns.
 */
export function sourceFileName(source: { name: string; url?: string; file?: string }): string {
  const fromPath = source.url !== undefined
    ? urlFileName(source.url)
    : source.file !== undefined
    ? localFileName(source.file)
    : undefined;
  if (fromPath !== undefined) return fromPath;
  return isSafeFileName(source.name) ? source.name : LAST_RESORT_NAME;
}
