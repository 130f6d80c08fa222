/**
 * The escapes of YAML 1.2's double-quoted scalars that stand for one fixed
 * character, in a module of their own with no imports: both scalar_map.ts and
 * the fast YAML parser decode with them, and the parser is loaded by the
 * launcher, which must stay light (lib/expr/light.ts).
 *
 * @example
 * ```ts
 * import { SIMPLE_ESCAPES } from "./escapes.ts";
 * SIMPLE_ESCAPES["n"]; // "\n"
 * ```
 * @module
 */

/** Double-quoted escapes of YAML 1.2 with a fixed meaning (also used by the fast manifest parser). */
export const SIMPLE_ESCAPES: Record<string, string> = {
  "0": "\0",
  a: "\x07",
  b: "\b",
  t: "\t",
  "\t": "\t",
  n: "\n",
  v: "\v",
  f: "\f",
  r: "\r",
  e: "\x1b",
  " ": " ",
  '"': '"',
  "/": "/",
  "\\": "\\",
  N: "\u0085",
  _: "\u00a0",
  L: "\u2028",
  P: "\u2029",
};
