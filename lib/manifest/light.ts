/**
 * The part of lib/manifest/ that the launcher may load (scripts/check-imports.ts
 * keeps what the launcher loads light): the fast YAML parser and 2nex's YAML nodes, enough
 * to read the paths of a 2nex.yaml within the parser's subset.
 *
 * @example
 * ```ts
 * import { fastParseDocument, isYamlMap } from "./light.ts";
 * const doc = fastParseDocument("repo: /srv/repo\n");
 * doc !== undefined && isYamlMap(doc.contents); // true
 * ```
 * @module
 */
export { type FastDocument, fastParseDocument } from "./fast_yaml.ts";
export {
  isYamlMap,
  isYamlScalar,
  isYamlSeq,
  scalarText,
  type YamlMap,
  type YamlNode,
  type YamlScalar,
} from "./yaml_node.ts";
