/**
 * Reads a `limits:` map (the workspace's `limits`, a manifest's `build.limits`)
 * with diagnostics at the offending value.
 * @module
 */
import { isYamlScalar, type YamlNode } from "./yaml_node.ts";
import type { DiagnosticBag } from "./diagnostics.ts";
import { describeNode, isNullNode, type NodeReader, offsetOf } from "./yaml.ts";
import { type BuildLimits, formatSize, MIN_MEMORY, parseSize } from "../sandbox/mod.ts";
import { LIMITS_TYPE } from "./schema_table.ts";
import { fieldsOf, keysOf } from "./schema_types.ts";

const MEMORY = fieldsOf(LIMITS_TYPE).memory.type;
const PROCESSES = fieldsOf(LIMITS_TYPE).processes.type;
const MIN_PROCESSES = PROCESSES.kind === "integer" ? PROCESSES.min : 1;

/** The limits `node` sets (a missing or null map sets none); errors go to `bag`. */
export function readLimits(
  reader: NodeReader,
  bag: DiagnosticBag,
  node: YamlNode | null | undefined,
  what: string,
): Partial<BuildLimits> {
  const limits: Partial<BuildLimits> = {};
  if (node === undefined || isNullNode(node)) return limits;
  const map = reader.map(node, `\`${what}\``);
  if (!map) return limits;
  for (const { key, value } of reader.entries(map, `\`${what}\``, keysOf(LIMITS_TYPE))) {
    const resolved = reader.resolve(value);
    const scalar = resolved && isYamlScalar(resolved) ? resolved.value : undefined;
    const got = typeof scalar === "string" ? JSON.stringify(scalar) : describeNode(resolved);
    if (key === "memory") {
      const bytes = typeof scalar === "string" || typeof scalar === "number"
        ? parseSize(scalar)
        : undefined;
      if (bytes === undefined || bytes < MIN_MEMORY) {
        bag.error(
          offsetOf(value),
          `${what}.memory must be a size of at least ${formatSize(MIN_MEMORY)}, got ${got}`,
          MEMORY.kind === "size" ? MEMORY.hint : undefined,
        );
      } else limits.memory = bytes;
    } else {
      if (typeof scalar === "number" && Number.isSafeInteger(scalar) && scalar >= MIN_PROCESSES) {
        limits.processes = scalar;
      } else {
        bag.error(
          offsetOf(value),
          `${what}.processes must be a whole number of at least ${MIN_PROCESSES}, got ${got}`,
        );
      }
    }
  }
  return limits;
}
