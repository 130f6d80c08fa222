/**
 * YAML parsing that keeps source positions, and small typed readers over the
 * resulting nodes that report problems into a DiagnosticBag instead of throwing.
 * @module
 */
import { loadYamlLibrary } from "./yaml_library.ts";
import type { DiagnosticBag } from "./diagnostics.ts";
import { closestNames } from "../expr/mod.ts";
import { fastParseDocument } from "./fast_yaml.ts";
import { parseWithLibrary } from "./yaml_adapter.ts";
import {
  MAX_YAML_DEPTH,
  MAX_YAML_EXPANDED_NODES,
  YAML_TOO_DEEP,
  YAML_TOO_DEEP_HINT,
} from "./limits.ts";
import {
  isYamlMap,
  isYamlScalar,
  isYamlSeq,
  type YamlMap,
  type YamlNode,
  type YamlSeq,
} from "./yaml_node.ts";
export { scalarText } from "./yaml_node.ts";

export interface ParsedYaml {
  /** The document's root node; null for an empty document. */
  root: YamlNode | null;
}

/**
 * Parses text into a document, reporting syntax errors (all of them) into
 * `bag`. The YAML library is loaded only when the text needs it.
 */
export async function parseYaml(text: string, bag: DiagnosticBag): Promise<ParsedYaml | undefined> {
  // The manifest subset parses about ten times faster into nodes of the same
  // data; the rest (and every error, so every message) goes through the library.
  // The fast parser leaves texts past the limits of limits.ts to the library's
  // path too, which reports them.
  const fast = fastParseDocument(text);
  if (fast) return { root: fast.contents };
  return parseWithLibrary(text, bag, await loadYamlLibrary());
}

/** Offset of a node's start in the source, for diagnostics. */
export function offsetOf(node: YamlNode | null | undefined): number {
  return node?.range?.[0] ?? 0;
}

/** Describes the YAML type of a node for "expected X, got Y" messages. */
export function describeNode(node: YamlNode | null | undefined): string {
  if (node === null || node === undefined) return "nothing";
  if (isYamlMap(node)) return "a map";
  if (isYamlSeq(node)) return "a list";
  if (node.kind === "alias") return "an unsupported value";
  if (isYamlScalar(node)) {
    const value = node.value;
    if (value === null) return "null";
    if (typeof value === "string") return "text";
    if (typeof value === "number") return "a number";
    if (typeof value === "boolean") return "a boolean";
  }
  return "an unsupported value";
}

/**
 * Walks nodes for one file: resolves aliases under a node budget, and reads
 * maps, lists and scalars with diagnostics.
 */
export class NodeReader {
  #visited = 0;
  #exhausted = false;

  constructor(readonly bag: DiagnosticBag) {}

  /** Follows an alias to the node it stands for (undefined: no such anchor before it). */
  resolve(node: YamlNode | null | undefined): YamlNode | null | undefined {
    return node?.kind === "alias" ? node.target : node;
  }

  /** Counts visited nodes; false once the budget is spent (reported once, at `reportAt`). */
  charge(reportAt: number, count = 1): boolean {
    this.#visited += count;
    if (this.#visited > MAX_YAML_EXPANDED_NODES) {
      if (!this.#exhausted) {
        this.#exhausted = true;
        this.bag.error(
          reportAt,
          `document expands to more than ${MAX_YAML_EXPANDED_NODES} nodes (nested aliases?)`,
          "YAML aliases that refer to each other repeatedly are refused; write the values out",
        );
      }
      return false;
    }
    return true;
  }

  get exhausted(): boolean {
    return this.#exhausted;
  }

  /** The node as a map, or undefined with an error. `null` and missing give undefined silently when allowed. */
  map(node: YamlNode | null | undefined, what: string, allowNull = false): YamlMap | undefined {
    const resolved = this.resolve(node);
    if (resolved && isYamlMap(resolved)) return resolved;
    if (allowNull && isNullNode(resolved)) return undefined;
    this.bag.error(
      offsetOf(resolved ?? node),
      `${what} must be a map, got ${describeNode(resolved)}`,
    );
    return undefined;
  }

  seq(node: YamlNode | null | undefined, what: string, allowNull = false): YamlSeq | undefined {
    const resolved = this.resolve(node);
    if (resolved && isYamlSeq(resolved)) return resolved;
    if (allowNull && isNullNode(resolved)) return undefined;
    this.bag.error(
      offsetOf(resolved ?? node),
      `${what} must be a list, got ${describeNode(resolved)}`,
    );
    return undefined;
  }

  /**
   * Entries of a map as [key text, key node, value node], reporting keys that are
   * not in `allowed` (keys starting with "x-" are extensions and skipped).
   */
  entries(
    map: YamlMap,
    what: string,
    allowed?: readonly string[],
  ): Array<{ key: string; keyNode: YamlNode; value: YamlNode | null }> {
    const out: Array<{ key: string; keyNode: YamlNode; value: YamlNode | null }> = [];
    for (const pair of map.pairs) {
      const keyNode = this.resolve(pair.key);
      if (!keyNode || !isYamlScalar(keyNode) || keyNode.value === null) {
        this.bag.error(
          offsetOf(keyNode),
          `${what}: keys must be text, got ${describeNode(keyNode)}`,
        );
        continue;
      }
      const key = String(keyNode.value);
      if (allowed && !allowed.includes(key)) {
        if (key.startsWith("x-")) continue;
        const suggestions = closestNames(key, [...allowed]);
        this.bag.error(
          offsetOf(keyNode),
          `unknown key "${key}" in ${what}`,
          suggestions.length > 0
            ? `did you mean "${suggestions[0]}"?`
            : `allowed keys: ${allowed.join(", ")}`,
        );
        continue;
      }
      out.push({ key, keyNode, value: pair.value });
    }
    return out;
  }

  /**
   * Converts a node to plain data (for `vars`), under the node budget and the
   * depth limit, both counted after alias expansion (an alias may stand for a
   * collection that holds it); overruns are reported at `reportAt`.
   */
  toData(node: YamlNode | null | undefined, reportAt: number, depth = 0): unknown {
    if (!this.charge(reportAt)) return null;
    const resolved = this.resolve(node);
    if (resolved === null || resolved === undefined) return null;
    if (isYamlScalar(resolved)) return resolved.value;
    if (!isYamlSeq(resolved) && !isYamlMap(resolved)) return null;
    if (depth + 1 > MAX_YAML_DEPTH) {
      if (!this.#exhausted) {
        this.#exhausted = true;
        this.bag.error(
          reportAt,
          `${YAML_TOO_DEEP} once its aliases are expanded`,
          YAML_TOO_DEEP_HINT,
        );
      }
      return null;
    }
    if (isYamlSeq(resolved)) {
      return resolved.items.map((item) => this.toData(item, reportAt, depth + 1));
    }
    const out: Record<string, unknown> = {};
    for (const pair of resolved.pairs) {
      const key = this.resolve(pair.key);
      out[key && isYamlScalar(key) ? String(key.value) : String(key)] = this.toData(
        pair.value,
        reportAt,
        depth + 1,
      );
    }
    return out;
  }
}

/** True for a missing value, an empty value or an explicit `null` / `~`. */
export function isNullNode(node: YamlNode | null | undefined): boolean {
  return node === null || node === undefined || (node.kind === "scalar" && node.value === null);
}
