/**
 * Checks on the path-like texts of a manifest (`file:` paths, URL paths,
 * output and discard paths): none may climb out with "..", hide a "/" or a NUL
 * behind a percent escape, or carry a control character such as NUL or a
 * newline. Pure functions, so that lint reports each problem with its position
 * before anything touches the file system.
 *
 * @example
 * ```ts
 * pathTextProblem("patches/../../etc/shadow"); // 'contains ".."'
 * urlPathProblem("https://h/good/%2e%2e%2ftmp%2fvictim"); // 'has a path segment that decodes to "../tmp/victim"'
 * ```
 * @module
 */
import { decodeSegment } from "../source/mod.ts";

// deno-lint-ignore no-control-regex -- control characters are exactly what it looks for
const CONTROL_CHAR = /[\x00-\x1f\x7f]/;
const ENCODED_SLASH_OR_NUL = /%(?:2f|00)/i;
const DOT_DOT_SEGMENT = /(?:^|\/)\.\.(?:\/|$)/;

/** Why a path text from a manifest is refused; undefined when it is fine. */
export function pathTextProblem(text: string): string | undefined {
  const control = CONTROL_CHAR.exec(text);
  if (control) return `contains the control character ${JSON.stringify(control[0])}`;
  const escape = ENCODED_SLASH_OR_NUL.exec(text);
  if (escape) return `contains "${escape[0]}", an encoded "/" or NUL`;
  if (DOT_DOT_SEGMENT.test(text)) return 'contains ".."';
  return undefined;
}

/** What a decoded URL path segment may not be or contain: it would name another path. */
// deno-lint-ignore no-control-regex -- control characters are exactly what it looks for
const UNSAFE_DECODED = /[/\\\x00-\x1f\x7f]/;

/**
 * Why a source URL is refused: a control character anywhere, or a path
 * segment that is "..", written or percent-encoded, or that decodes to a text
 * with "/", "\" or a control character in it. Undefined when it is fine.
 */
export function urlPathProblem(url: string): string | undefined {
  const control = CONTROL_CHAR.exec(url);
  if (control) return `contains the control character ${JSON.stringify(control[0])}`;
  const afterScheme = url.indexOf("://");
  const pathStart = url.indexOf("/", afterScheme < 0 ? 0 : afterScheme + 3);
  if (pathStart < 0) return undefined;
  const end = url.slice(pathStart).search(/[?#]/);
  const path = end < 0 ? url.slice(pathStart) : url.slice(pathStart, pathStart + end);
  // Most URLs have no escape and no "..": nothing to decode.
  if (!path.includes("%") && !path.includes("..")) return undefined;
  for (const segment of path.split(/[/\\]/)) {
    const decoded = segment.includes("%") ? decodeSegment(segment) : segment;
    if (decoded === "..") return 'has a ".." path segment';
    if (UNSAFE_DECODED.test(decoded)) {
      return `has a path segment that decodes to ${JSON.stringify(decoded)}`;
    }
  }
  return undefined;
}
