/**
 * The manifest expression language (EXPRESSIONS.md): `${{ EXPR }}` templates in
 * manifest strings, evaluated in a fixed scope with a small set of pure
 * built-ins and hard limits, so evaluation always terminates.
 *
 * @example
 * ```ts
 * const scope = { package: { slug: "m4", version: "1.4.19" } };
 * const where = scalarLocator("m4.yaml", fileText, scalarNode);
 * expandTemplate("m4-${{ package.version }}.tar.xz", scope, where); // "m4-1.4.19.tar.xz"
 * evaluateExpression('versionPart("13.2.0", 1)', {}); // "2"
 * ```
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
export { closestNames } from "./suggest.ts";
export { BUILTINS } from "./builtins.ts";
export { formatValue } from "./format.ts";
