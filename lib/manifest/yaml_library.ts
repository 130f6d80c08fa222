/**
 * The YAML library, loaded only when it is needed, and the tests of its
 * nodes' kinds, which never need it.
 *
 * Loading the library costs a thread about 40 ms (it is CommonJS: dozens of
 * files, each resolved and compiled on its own). The fast parser
 * (fast_yaml.ts) reads a workspace's manifests unless one leaves its subset or
 * has an error, so a `lint` of thousands of files on two threads used to pay
 * that twice for nothing.
 *
 * Parsing is asynchronous for that reason: parseYaml (yaml.ts) awaits
 * {@link loadYamlLibrary} only for a text that the fast parser leaves to it.
 * @module
 */
import type * as Yaml from "yaml";

/** The library's module: `parseDocument`, `LineCounter`, `stringify`, … */
export type YamlLibrary = typeof Yaml;

let library: Promise<YamlLibrary> | undefined;

/**
 * The library, imported on the first call: the callers that need it (a text
 * the fast parser leaves to it) await it, and those that do not never load it.
 */
export function loadYamlLibrary(): Promise<YamlLibrary> {
  library ??= import("yaml");
  return library;
}

/** True once something asked for the library (a test holds the fast path to never doing so). */
export function yamlLibraryRequested(): boolean {
  return library !== undefined;
}

/**
 * The symbols the library registers (Symbol.for) to mark its nodes. The tests
 * below are the library's own `isMap`, `isSeq`, … (a unit test holds them to
 * that), usable before the library is loaded; only yaml_adapter.ts looks at
 * the library's nodes.
 */
export const NODE_TYPE = Symbol.for("yaml.node.type");
export const SCALAR_TYPE = Symbol.for("yaml.scalar");
export const PAIR_TYPE = Symbol.for("yaml.pair");
export const MAP_TYPE = Symbol.for("yaml.map");
export const SEQ_TYPE = Symbol.for("yaml.seq");
export const ALIAS_TYPE = Symbol.for("yaml.alias");

function kindOf(node: unknown): symbol | undefined {
  return typeof node === "object" && node !== null
    ? (node as { [NODE_TYPE]?: symbol })[NODE_TYPE]
    : undefined;
}

/** True for a map node. */
export function isMap(node: unknown): node is Yaml.YAMLMap {
  return kindOf(node) === MAP_TYPE;
}

/** True for a sequence (list) node. */
export function isSeq(node: unknown): node is Yaml.YAMLSeq {
  return kindOf(node) === SEQ_TYPE;
}

/** True for a scalar node. */
export function isScalar(node: unknown): node is Yaml.Scalar {
  return kindOf(node) === SCALAR_TYPE;
}

/** True for an alias node (`*name`). */
export function isAlias(node: unknown): node is Yaml.Alias {
  return kindOf(node) === ALIAS_TYPE;
}

/** True for a key–value pair of a map. */
export function isPair(node: unknown): node is Yaml.Pair {
  return kindOf(node) === PAIR_TYPE;
}
