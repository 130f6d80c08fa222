/**
 * The YAML library, loaded only when it is needed, and the tests of a node's
 * kind, which never need it.
 *
 * Loading the library costs a thread about 40 ms (it is CommonJS: dozens of
 * files, each resolved and compiled on its own). The fast parser
 * (fast_yaml.ts) reads a workspace's manifests unless one leaves its subset or
 * has an error, so a `lint` of thousands of files on two threads used to pay
 * that twice for nothing.
 *
 * Code that may need the library is synchronous and asks for it with
 * {@link yamlLibrary}; the asynchronous code around it runs it through
 * {@link withYamlLibrary}, which loads the library and runs it again when the
 * first run found it missing.
 * @module
 */
import type * as Yaml from "yaml";

/** The library's module: `parseDocument`, `LineCounter`, `stringify`, … */
export type YamlLibrary = typeof Yaml;

let library: YamlLibrary | undefined;

/** Thrown by {@link yamlLibrary} while the library is not loaded. */
export class YamlLibraryNotLoaded extends Error {
  constructor() {
    super("the YAML library is used before loadYamlLibrary() loaded it");
  }
}

/** The library; throws YamlLibraryNotLoaded until {@link loadYamlLibrary} has loaded it. */
export function yamlLibrary(): YamlLibrary {
  if (library === undefined) throw new YamlLibraryNotLoaded();
  return library;
}

/** Loads the library (once). */
export async function loadYamlLibrary(): Promise<YamlLibrary> {
  library ??= await import("yaml");
  return library;
}

/**
 * Runs `work`; when it needed the library before it was loaded, loads it and
 * runs `work` again. `work` must be safe to start over: the loaders only store
 * a result after parsing, and parsing is what needs the library.
 */
export async function withYamlLibrary<T>(work: () => T): Promise<T> {
  try {
    return work();
  } catch (error) {
    if (!(error instanceof YamlLibraryNotLoaded)) throw error;
    await loadYamlLibrary();
    return work();
  }
}

/**
 * The symbols the library registers (Symbol.for) to mark its nodes. Nodes
 * from the library and from fast_yaml.ts carry them both; the tests below are
 * the library's own `isMap`, `isSeq`, … (a unit test holds them to that).
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
