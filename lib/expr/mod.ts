/**
 * The manifest expression language (EXPRESSIONS.md): `${{ EXPR }}` templates in
 * manifest strings, evaluated in a fixed scope with a small set of pure
 * built-ins and hard limits, so evaluation always terminates.
 *
 * @example
 * ```ts
 * const scope = { package: { slug: "m4", version: "1.4.19" } };
 * const fileText = 'name: "m4-${{ package.version }}.tar.xz"\n';
 * // What the yaml library gives for the value: its offsets and style.
 * const scalarNode = {
 *   range: [6, 40, 41] as [number, number, number],
 *   type: "QUOTE_DOUBLE",
 *   value: "m4-${{ package.version }}.tar.xz",
 * };
 * const where = scalarLocator("m4.yaml", fileText, scalarNode);
 * expandTemplate("m4-${{ package.version }}.tar.xz", scope, where); // "m4-1.4.19.tar.xz"
 * evaluateExpression('versionPart("13.2.0", 1)', {}); // "2"
 * ```
 *
 * Choices where EXPRESSIONS.md leaves room (all errors are ExprError, exit 2):
 * - `&&`, `||`, `!` and the condition of `?:` take booleans only.
 * - `==`/`!=` compare values of one type (lists and maps deeply); `null` compares
 *   with anything. `<`… order two numbers or two texts (UTF-16 order).
 * - A missing map entry or an out-of-range list index is an error with the
 *   available names; use `default()` for values that may be null.
 * - `versionPart(v, i)` splits at "." and gives null when `v` has no part `i`
 *   (so `default(versionPart(v, 2), "0")` works); a negative `i` is an error.
 * - `length` and `slice` count Unicode code points; `slice` takes JS-style
 *   negative indexes and clamps. `replace` replaces every occurrence literally;
 *   an empty `from` leaves the text unchanged. `split(s, "")` splits into code
 *   points; `split("", sep)` is `[]`. `join` and `format` write values as
 *   templates do. `shell` leaves `[A-Za-z0-9_@%+=:,./-]+` as is and single-quotes
 *   anything else. `shell` and `+` accept numbers as text.
 * - In `vars`, `vars.X` and `vars["X"]` set the order; a reference to a var that
 *   does not exist is an error even in a branch not taken. An expression inside
 *   `vars` that uses `vars` as a whole sees the vars evaluated before it.
 * - Beyond the limits of EXPRESSIONS.md, one evaluation compares at most
 *   {@link MAX_COMPARE_STEPS} value pairs, and values nested deeper than 64
 *   levels are refused where they are walked.
 *
 * Why evaluation always terminates: the language has no loops, recursion,
 * user-defined functions or assignment, so evaluating an expression visits each
 * node of its syntax tree at most once, and that tree is finite (4 KiB of text)
 * and at most 64 levels deep. Every built-in is a single bounded pass over
 * its arguments, and sizes are checked before large results are built (1 MiB
 * strings, 10,000-item lists, bounded comparisons, 16 MiB per manifest), while
 * `vars` are evaluated once each in dependency order with cycles rejected up front.
 * @module
 */
export { ExprError, plainLocator, type TextLocator } from "./error.ts";
export type { MapValue, Scope, Value } from "./value.ts";
export {
  Budget,
  MAX_COMPARE_STEPS,
  MAX_DEPTH,
  MAX_EXPRESSION_BYTES,
  MAX_LIST_LENGTH,
  MAX_MANIFEST_BYTES,
  MAX_STRING_BYTES,
  MAX_VARS,
} from "./limits.ts";
export { evaluateExpression, expandTemplate, hasTemplate, referencedVars } from "./template.ts";
export { evaluateVars, type VarInput } from "./vars.ts";
export { type ScalarLike, scalarLocator } from "./scalar_map.ts";
export { SIMPLE_ESCAPES } from "./escapes.ts";
export { closestNames } from "./suggest.ts";
export { type Builtin, BUILTINS } from "./builtins.ts";
export { formatValue } from "./format.ts";
