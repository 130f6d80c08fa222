/**
 * 2nex's own YAML node: the tree every reader of manifests and of 2nex.yaml
 * walks. The fast parser (fast_yaml.ts) builds it directly; yaml_adapter.ts
 * converts the `yaml` library's document into it for the texts the fast parser
 * leaves to the library. Owning the type keeps the library's internal classes
 * out of the readers, so an upgrade of the library touches only the adapter.
 *
 * Every node carries `range`, offsets into the text the node was parsed from:
 * `[start, valueEnd, nodeEnd]` — where the node starts, where its value ends,
 * and where the node ends with the spaces and comments that belong to it (the
 * library's convention, which the fast parser reproduces exactly). Error
 * positions are taken from `range[0]`.
 *
 * @example
 * ```ts
 * import { isYamlScalar, type YamlNode } from "./yaml_node.ts";
 * function textOf(node: YamlNode | null): string | undefined {
 *   return node && isYamlScalar(node) && typeof node.value === "string" ? node.value : undefined;
 * }
 * ```
 * @module
 */

/** `[start, valueEnd, nodeEnd]`: offsets into the parsed text. */
export type YamlRange = [number, number, number];

/** How a scalar was written (its value does not depend on it; its positions do). */
export type ScalarStyle =
  | "PLAIN"
  | "QUOTE_DOUBLE"
  | "QUOTE_SINGLE"
  | "BLOCK_LITERAL"
  | "BLOCK_FOLDED";

/** A value under the YAML 1.2 core schema. */
export type ScalarValue = string | number | boolean | null;

/** A scalar: its value, the text its value was resolved from, and its style. */
export interface YamlScalar {
  kind: "scalar";
  value: ScalarValue;
  /**
   * The scalar's text before its type was resolved: for a plain scalar, the
   * text as written (so `1.10` is "1.10" while its value is 1.1); for a quoted
   * or block scalar, the decoded text.
   */
  source: string;
  style: ScalarStyle;
  range: YamlRange;
}

/** One entry of a map. A key is usually a scalar; YAML allows any node (`? [a]: b`). */
export interface YamlPair {
  key: YamlNode | null;
  /** null for a key without a value part (`? a`); `a:` has a null scalar. */
  value: YamlNode | null;
}

/** A map, its pairs in the order they are written. */
export interface YamlMap {
  kind: "map";
  pairs: YamlPair[];
  /** True when written `{k: v}` rather than as indented lines. */
  flow: boolean;
  range: YamlRange;
}

/** A sequence (list), its items in order. */
export interface YamlSeq {
  kind: "seq";
  items: Array<YamlNode | null>;
  /** True when written `[a, b]` rather than as `- ` lines. */
  flow: boolean;
  range: YamlRange;
}

/**
 * An alias (`*name`): the node it stands for is resolved when the tree is
 * built, as the library defines it (the last node before the alias with that
 * anchor, the alias's own ancestors included, so a tree may hold a cycle).
 * Readers expand it under a node budget (yaml.ts, NodeReader).
 */
export interface YamlAlias {
  kind: "alias";
  name: string;
  /** undefined when no node before the alias has its anchor. */
  target: YamlNode | undefined;
  range: YamlRange;
}

export type YamlNode = YamlScalar | YamlMap | YamlSeq | YamlAlias;

export function isYamlScalar(node: YamlNode): node is YamlScalar {
  return node.kind === "scalar";
}

export function isYamlMap(node: YamlNode): node is YamlMap {
  return node.kind === "map";
}

export function isYamlSeq(node: YamlNode): node is YamlSeq {
  return node.kind === "seq";
}

export function isYamlAlias(node: YamlNode): node is YamlAlias {
  return node.kind === "alias";
}

/** The text of a plain scalar as written (so `1.10` stays "1.10", not 1.1). */
export function scalarText(node: YamlScalar): string {
  return node.style === "PLAIN" ? node.source : String(node.value);
}
