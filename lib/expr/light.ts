/**
 * The part of lib/expr/ that the launcher may load (scripts/check-imports.ts
 * keeps what the launcher loads light): the fixed escapes of double-quoted YAML scalars,
 * which the fast YAML parser decodes with.
 *
 * @example
 * ```ts
 * import { SIMPLE_ESCAPES } from "./light.ts";
 * SIMPLE_ESCAPES["t"]; // "\t"
 * ```
 * @module
 */
export { SIMPLE_ESCAPES } from "./escapes.ts";
