/**
 * YAML parsing that keeps source positions, and small typed readers over the
 * resulting nodes that report problems into a DiagnosticBag instead of throwing.
 * @module
 */
import type { Alias, Document, Node, Scalar, YAMLMap, YAMLSeq } from "yaml";
import { isAlias, isMap, isScalar, isSeq, yamlLibrary } from "./yaml_library.ts";
import type { DiagnosticBag } from "./diagnostics.ts";
import { closestNames } from "../expr/suggest.ts";
import { fastParseDocument } from "./fast_yaml.ts";

/** Most nodes one document may expand to, aliases included ("billion laughs"). */
export const MAX_NODES = 1_000_000;

export interface ParsedYaml {
  /** The library's document; absent when the fast parser read the text (it makes no aliases). */
  doc?: Document.Parsed;
  root: Node | null;
}

/**
 * Parses text into a document, reporting syntax errors (all of them) into
 * `bag`. Throws YamlLibraryNotLoaded when the text needs the library and it
 * is not loaded yet (see yaml_library.ts).
 */
export function parseYaml(text: string, bag: DiagnosticBag): ParsedYaml | undefined {
  // The manifest subset parses about ten times faster into nodes of the same
  // data; the rest (and every error, so every message) goes through the library.
  const fast = fastParseDocument(text);
  if (fast) return { root: fast.contents };
  const { LineCounter, parseDocument } = yamlLibrary();
  const doc = parseDocument(text, {
    lineCounter: new LineCounter(),
    uniqueKeys: true,
    prettyErrors: false,
    strict: true,
  });
  for (const error of doc.errors) {
    const message = error.message.replace(/ at line \d+, column \d+:?[\s\S]*$/, "");
    const hint = error.code === "DUPLICATE_KEY" ? "each key may appear once in a map" : undefined;
    bag.error(error.pos[0], yamlMessage(error.code, message), hint);
  }
  if (doc.errors.length > 0) return undefined;
  return { doc, root: doc.contents };
}

function yamlMessage(code: string, message: string): string {
  if (code === "DUPLICATE_KEY") return message.replace(/^Map keys must be unique/, "duplicate key");
  return `YAML syntax: ${message.charAt(0).toLowerCase()}${message.slice(1)}`;
}

/** Offset of a node's start in the source, for diagnostics. */
export function offsetOf(node: Node | null | undefined): number {
  return node?.range?.[0] ?? 0;
}

/** Describes the YAML type of a node for "expected X, got Y" messages. */
export function describeNode(node: Node | null | undefined): string {
  if (node === null || node === undefined) return "nothing";
  if (isMap(node)) return "a map";
  if (isSeq(node)) return "a list";
  if (isScalar(node)) {
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
  readonly #aliasTargets = new Map<Alias, Node | undefined>();

  /** `doc` is the library's document the nodes come from, needed for its aliases. */
  constructor(readonly doc: Document.Parsed | undefined, readonly bag: DiagnosticBag) {}

  /**
   * Follows an alias to its target. Memoised: the library finds an alias's
   * anchor by walking the whole document, and a document of nested aliases
   * asks for the same few aliases up to the node budget's million times.
   */
  resolve(node: Node | null | undefined): Node | null | undefined {
    if (node && isAlias(node)) {
      let target = this.#aliasTargets.get(node);
      if (target === undefined && !this.#aliasTargets.has(node) && this.doc) {
        target = node.resolve(this.doc) as Node | undefined;
        this.#aliasTargets.set(node, target);
      }
      return target;
    }
    return node;
  }

  /** Counts visited nodes; false once the budget is spent (reported once, at `reportAt`). */
  charge(reportAt: number, count = 1): boolean {
    this.#visited += count;
    if (this.#visited > MAX_NODES) {
      if (!this.#exhausted) {
        this.#exhausted = true;
        this.bag.error(
          reportAt,
          `document expands to more than ${MAX_NODES} nodes (nested aliases?)`,
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
  map(node: Node | null | undefined, what: string, allowNull = false): YAMLMap | undefined {
    const resolved = this.resolve(node);
    if (resolved && isMap(resolved)) return resolved;
    if (allowNull && isNullNode(resolved)) return undefined;
    this.bag.error(
      offsetOf(resolved ?? node),
      `${what} must be a map, got ${describeNode(resolved)}`,
    );
    return undefined;
  }

  seq(node: Node | null | undefined, what: string, allowNull = false): YAMLSeq | undefined {
    const resolved = this.resolve(node);
    if (resolved && isSeq(resolved)) return resolved;
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
    map: YAMLMap,
    what: string,
    allowed?: readonly string[],
  ): Array<{ key: string; keyNode: Node; value: Node | null }> {
    const out: Array<{ key: string; keyNode: Node; value: Node | null }> = [];
    for (const pair of map.items) {
      const keyNode = this.resolve(pair.key as Node);
      if (
        !keyNode || !isScalar(keyNode) || keyNode.value === null ||
        typeof keyNode.value === "object"
      ) {
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
      out.push({ key, keyNode, value: (pair.value ?? null) as Node | null });
    }
    return out;
  }

  /** Converts a node to plain data (for `vars`), under the node budget; overruns are reported at `reportAt`. */
  toData(node: Node | null | undefined, reportAt: number): unknown {
    if (!this.charge(reportAt)) return null;
    const resolved = this.resolve(node);
    if (resolved === null || resolved === undefined) return null;
    if (isScalar(resolved)) return resolved.value;
    if (isSeq(resolved)) return resolved.items.map((item) => this.toData(item as Node, reportAt));
    if (isMap(resolved)) {
      const out: Record<string, unknown> = {};
      for (const pair of resolved.items) {
        const key = this.resolve(pair.key as Node);
        out[isScalar(key) ? String(key.value) : String(key)] = this.toData(
          pair.value as Node,
          reportAt,
        );
      }
      return out;
    }
    return null;
  }
}

/** True for a missing value, an empty value or an explicit `null` / `~`. */
export function isNullNode(node: Node | null | undefined): boolean {
  return node === null || node === undefined || (isScalar(node) && node.value === null);
}

/** The text of a plain scalar as written (so `1.10` stays "1.10", not 1.1). */
export function scalarText(node: Scalar): string {
  const source = (node as Scalar & { source?: string }).source;
  if (node.type === "PLAIN" && typeof source === "string") return source;
  return String(node.value);
}
