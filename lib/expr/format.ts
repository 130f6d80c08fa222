/**
 * Printing a value for `2nex eval`.
 * @module
 */
import { ExprError, ExprFailure } from "./error.ts";
import { MAX_MANIFEST_BYTES } from "./limits.ts";
import { toJSONText, type Value } from "./value.ts";

/** Text as is; anything else (numbers, booleans, null, lists, maps) as compact JSON. */
export function formatValue(value: Value): string {
  if (typeof value === "string") return value;
  try {
    return toJSONText(value, 0, MAX_MANIFEST_BYTES);
  } catch (error) {
    if (error instanceof ExprFailure) throw new ExprError(error.message, undefined, error.hint);
    throw error;
  }
}
