/**
 * YAML parsing that keeps source positions, and small typed readers over the
 * resulting nodes that report problems into a DiagnosticBag instead of throwing.
 * @module
 */
import type { Alias, CST, Document, Node, Scalar, YAMLMap, YAMLSeq } from "yaml";
import {
  isAlias,
  isMap,
  isScalar,
  isSeq,
  loadYamlLibrary,
  type YamlLibrary,
} from "./yaml_library.ts";
import type { DiagnosticBag } from "./diagnostics.ts";
import { closestNames } from "../expr/suggest.ts";
import { fastParseDocument } from "./fast_yaml.ts";
import {
  MAX_YAML_ALIASES,
  MAX_YAML_DEPTH,
  MAX_YAML_EXPANDED_NODES,
  MAX_YAML_NODES,
} from "./limits.ts";

/** A token of the library's parser (its concrete syntax tree). */
type CstToken = CST.Token;

export interface ParsedYaml {
  /** The library's document; absent when the fast parser read the text (it makes no aliases). */
  doc?: Document.Parsed;
  root: Node | null;
  /** The node each alias of `doc` stands for (undefined: no such anchor before it). */
  aliases?: Map<Alias, Node | undefined>;
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

/** parseYaml's way for the texts the fast parser leaves to the library. */
function parseWithLibrary(
  text: string,
  bag: DiagnosticBag,
  library: YamlLibrary,
): ParsedYaml | undefined {
  const { Composer, YAMLParseError } = library;
  // The library's composer recurses once per level, and so does its parser
  // when it closes many levels at once: the parser is stopped as soon as it
  // is too deep or has read too many nodes, and its tokens are held to the
  // limits again, exactly, before they are composed.
  const tokens = parseTokens(text, bag, library);
  if (!tokens || !tokensWithinLimits(tokens, bag)) return undefined;
  // What the library's parseDocument does: the first document, an error for a second.
  let doc: Document.Parsed | undefined;
  const composer = new Composer({ uniqueKeys: true, prettyErrors: false, strict: true });
  for (const next of composer.compose(tokens, true, text.length)) {
    if (doc) {
      doc.errors.push(
        new YAMLParseError(
          [next.range[0], next.range[1]],
          "MULTIPLE_DOCS",
          "Source contains multiple documents; please use YAML.parseAllDocuments()",
        ),
      );
      break;
    }
    doc = next;
  }
  if (!doc) return undefined; // compose always ends with a document; kept for the type
  for (const error of doc.errors) {
    const message = error.message.replace(/ at line \d+, column \d+:?[\s\S]*$/, "");
    const hint = error.code === "DUPLICATE_KEY" ? "each key may appear once in a map" : undefined;
    bag.error(error.pos[0], yamlMessage(error.code, message), hint);
  }
  if (doc.errors.length > 0) return undefined;
  return { doc, root: doc.contents, aliases: aliasTargets(doc.contents) };
}

function yamlMessage(code: string, message: string): string {
  if (code === "DUPLICATE_KEY") return message.replace(/^Map keys must be unique/, "duplicate key");
  return `YAML syntax: ${message.charAt(0).toLowerCase()}${message.slice(1)}`;
}

/** The message for nesting beyond {@link MAX_YAML_DEPTH}. */
const TOO_DEEP = `YAML nested deeper than ${MAX_YAML_DEPTH} levels`;
const TOO_DEEP_HINT = "a manifest needs only a few levels; flatten the structure";

/**
 * The library parser's tokens for `text`, fed one lexeme at a time so that it
 * stops, with an error, once it holds more than {@link MAX_YAML_DEPTH} open
 * collections or has read more than {@link MAX_YAML_NODES} scalars.
 */
function parseTokens(
  text: string,
  bag: DiagnosticBag,
  library: YamlLibrary,
): CstToken[] | undefined {
  const { CST, Lexer, Parser } = library;
  const parser = new Parser();
  const tokens: CstToken[] = [];
  let scalars = 0;
  for (const lexeme of new Lexer().lex(text)) {
    const offset = parser.offset;
    for (const token of parser.next(lexeme)) tokens.push(token);
    // The parser's stack holds the document and each open collection (and a node being read).
    if (parser.stack.length > MAX_YAML_DEPTH + 1) {
      const open = parser.stack.filter((token) => COLLECTIONS.has(token.type));
      if (open.length > MAX_YAML_DEPTH) {
        bag.error(open[MAX_YAML_DEPTH].offset, TOO_DEEP, TOO_DEEP_HINT);
        return undefined;
      }
    }
    if (SCALAR_LEXEMES.has(CST.tokenType(lexeme) ?? "") && ++scalars > MAX_YAML_NODES) {
      bag.error(offset, TOO_MANY_NODES, TOO_MANY_NODES_HINT);
      return undefined;
    }
  }
  for (const token of parser.end()) tokens.push(token);
  return tokens;
}

/** Token types of collections, which open a level. */
const COLLECTIONS = new Set(["block-map", "block-seq", "flow-collection"]);
/** Lexeme types that start a scalar or an alias: one node each. */
const SCALAR_LEXEMES = new Set(["scalar", "single-quoted-scalar", "double-quoted-scalar", "alias"]);

const TOO_MANY_NODES = `YAML document has more than ${MAX_YAML_NODES} nodes`;
const TOO_MANY_NODES_HINT =
  "a manifest describes one package; split generated content into several files";

/**
 * Checks the parser's tokens against the limits on depth, nodes and aliases,
 * without recursion, and reports the first token past one of them.
 */
function tokensWithinLimits(tokens: CstToken[], bag: DiagnosticBag): boolean {
  const stack: Array<{ token: CstToken | null | undefined; depth: number }> = tokens.map((
    token,
  ) => ({ token, depth: 0 })).reverse();
  let nodes = 0;
  let aliases = 0;
  while (stack.length > 0) {
    const { token, depth } = stack.pop()!;
    if (!token) continue;
    if (token.type === "document") {
      stack.push({ token: token.value, depth });
      continue;
    }
    const isCollection = COLLECTIONS.has(token.type);
    const isNode = isCollection || SCALAR_LEXEMES.has(token.type) || token.type === "block-scalar";
    if (!isNode) continue;
    if (++nodes > MAX_YAML_NODES) {
      bag.error(token.offset, TOO_MANY_NODES, TOO_MANY_NODES_HINT);
      return false;
    }
    if (token.type === "alias" && ++aliases > MAX_YAML_ALIASES) {
      bag.error(
        token.offset,
        `YAML document has more than ${MAX_YAML_ALIASES} aliases`,
        "write the values out instead of referring to them",
      );
      return false;
    }
    if (!isCollection) continue;
    if (depth + 1 > MAX_YAML_DEPTH) {
      bag.error(token.offset, TOO_DEEP, TOO_DEEP_HINT);
      return false;
    }
    // Pushed in reverse so that they come off the stack in document order.
    const collection = token as CST.BlockMap | CST.BlockSequence | CST.FlowCollection;
    const items = collection.items as Array<{ key?: CstToken | null; value?: CstToken }>;
    for (let i = items.length - 1; i >= 0; i--) {
      stack.push({ token: items[i].value, depth: depth + 1 });
      stack.push({ token: items[i].key, depth: depth + 1 });
    }
  }
  return true;
}

/**
 * The target of each alias of a document: the last node before it with its
 * anchor, as the library defines it. One walk in document order, without
 * recursion; the library's own lookup walks the whole document per alias.
 */
function aliasTargets(root: Node | null): Map<Alias, Node | undefined> {
  const targets = new Map<Alias, Node | undefined>();
  const anchors = new Map<string, Node>();
  const stack: Array<Node | null | undefined> = [root];
  while (stack.length > 0) {
    const node = stack.pop();
    if (node === null || node === undefined) continue;
    if (isAlias(node)) {
      targets.set(node, anchors.get(node.source));
      continue;
    }
    const anchor = (node as { anchor?: string }).anchor;
    if (anchor) anchors.set(anchor, node);
    if (!isMap(node) && !isSeq(node)) continue;
    for (let i = node.items.length - 1; i >= 0; i--) {
      const item = node.items[i];
      if (isMap(node)) {
        const pair = item as { key: unknown; value: unknown };
        stack.push(pair.value as Node | null, pair.key as Node | null);
      } else stack.push(item as Node | null);
    }
  }
  return targets;
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
  readonly #aliasTargets: Map<Alias, Node | undefined>;

  /**
   * `doc` is the library's document the nodes come from; `aliases` the target
   * of each of its aliases, as parseYaml found them (without it, an alias is
   * looked up in `doc`).
   */
  constructor(
    readonly doc: Document.Parsed | undefined,
    readonly bag: DiagnosticBag,
    aliases?: Map<Alias, Node | undefined>,
  ) {
    this.#aliasTargets = aliases ?? new Map();
  }

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

  /**
   * Converts a node to plain data (for `vars`), under the node budget and the
   * depth limit, both counted after alias expansion (an alias may stand for a
   * collection that holds it); overruns are reported at `reportAt`.
   */
  toData(node: Node | null | undefined, reportAt: number, depth = 0): unknown {
    if (!this.charge(reportAt)) return null;
    const resolved = this.resolve(node);
    if (resolved === null || resolved === undefined) return null;
    if (isScalar(resolved)) return resolved.value;
    if (!isSeq(resolved) && !isMap(resolved)) return null;
    if (depth + 1 > MAX_YAML_DEPTH) {
      if (!this.#exhausted) {
        this.#exhausted = true;
        this.bag.error(reportAt, `${TOO_DEEP} once its aliases are expanded`, TOO_DEEP_HINT);
      }
      return null;
    }
    if (isSeq(resolved)) {
      return resolved.items.map((item) => this.toData(item as Node, reportAt, depth + 1));
    }
    const out: Record<string, unknown> = {};
    for (const pair of resolved.items) {
      const key = this.resolve(pair.key as Node);
      out[isScalar(key) ? String(key.value) : String(key)] = this.toData(
        pair.value as Node,
        reportAt,
        depth + 1,
      );
    }
    return out;
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
