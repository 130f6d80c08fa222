/**
 * The `yaml` library's side of parsing: for the texts the fast parser
 * (fast_yaml.ts) leaves to it — aliases, anchors, tags, multi-line scalars,
 * and every text with an error, so that every syntax message comes from the
 * library — it parses under the limits of limits.ts, reports the errors, and
 * converts the library's document into 2nex's nodes (yaml_node.ts). Nothing
 * past this module sees the library's node classes.
 * @module
 */
import type { CST, Document, Node as LibraryNode } from "yaml";
import { isAlias, isMap, isScalar, isSeq, type YamlLibrary } from "./yaml_library.ts";
import type { DiagnosticBag } from "./diagnostics.ts";
import {
  MAX_YAML_ALIASES,
  MAX_YAML_DEPTH,
  MAX_YAML_NODES,
  YAML_TOO_DEEP,
  YAML_TOO_DEEP_HINT,
} from "./limits.ts";
import type {
  ScalarStyle,
  ScalarValue,
  YamlMap,
  YamlNode,
  YamlRange,
  YamlScalar,
  YamlSeq,
} from "./yaml_node.ts";

/** A token of the library's parser (its concrete syntax tree). */
type CstToken = CST.Token;

/**
 * Parses `text` with the library into 2nex nodes: the root (null for an empty
 * document), or undefined when the text has errors, all reported into `bag`.
 */
export function parseWithLibrary(
  text: string,
  bag: DiagnosticBag,
  library: YamlLibrary,
): { root: YamlNode | null } | undefined {
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
  return { root: adaptDocument(doc) };
}

function yamlMessage(code: string, message: string): string {
  if (code === "DUPLICATE_KEY") return message.replace(/^Map keys must be unique/, "duplicate key");
  return `YAML syntax: ${message.charAt(0).toLowerCase()}${message.slice(1)}`;
}

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
        bag.error(open[MAX_YAML_DEPTH].offset, YAML_TOO_DEEP, YAML_TOO_DEEP_HINT);
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
      bag.error(token.offset, YAML_TOO_DEEP, YAML_TOO_DEEP_HINT);
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
 * The library's document as 2nex nodes. Each alias gets its target here: the
 * last node before it, in document order, with its anchor (the library's own
 * rule, which counts the alias's ancestors: a collection's anchor is known
 * before its items are read). The walk recurses once per level; the tokens
 * were held to MAX_YAML_DEPTH before the document was composed.
 */
export function adaptDocument(doc: Document.Parsed): YamlNode | null {
  const anchors = new Map<string, YamlNode>();
  return adaptNode(doc.contents, anchors);
}

function adaptNode(node: unknown, anchors: Map<string, YamlNode>): YamlNode | null {
  if (node === null || node === undefined) return null;
  const library = node as LibraryNode;
  const range = rangeOf(library);
  if (isAlias(node)) {
    return { kind: "alias", name: node.source, target: anchors.get(node.source), range };
  }
  if (isScalar(node)) {
    const scalar: YamlScalar = {
      kind: "scalar",
      value: scalarValue(node.value),
      source: typeof node.source === "string" ? node.source : String(node.value),
      style: (node.type ?? "PLAIN") as ScalarStyle,
      range,
    };
    remember(library, scalar, anchors);
    return scalar;
  }
  if (isMap(node)) {
    const map: YamlMap = { kind: "map", pairs: [], flow: node.flow === true, range };
    remember(library, map, anchors);
    for (const pair of node.items) {
      const key = adaptNode(pair.key, anchors);
      map.pairs.push({ key, value: adaptNode(pair.value, anchors) });
    }
    return map;
  }
  if (isSeq(node)) {
    const seq: YamlSeq = { kind: "seq", items: [], flow: node.flow === true, range };
    remember(library, seq, anchors);
    // The library composes a pair in a flow list (`[a: b]`) into a one-pair map.
    for (const item of node.items) seq.items.push(adaptNode(item, anchors));
    return seq;
  }
  return null;
}

/** Records `adapted` under the anchor of `library` (`&name`), if it has one. */
function remember(library: LibraryNode, adapted: YamlNode, anchors: Map<string, YamlNode>): void {
  const anchor = (library as { anchor?: string }).anchor;
  if (anchor) anchors.set(anchor, adapted);
}

function rangeOf(node: LibraryNode): YamlRange {
  const range = node.range;
  return range ? [range[0], range[1], range[2]] : [0, 0, 0];
}

/**
 * A scalar's value under the core schema, which makes only these types; a
 * value of any other type (a tag of another schema) is kept as its text.
 */
function scalarValue(value: unknown): ScalarValue {
  if (value === null || typeof value === "string" || typeof value === "number") return value;
  if (typeof value === "boolean") return value;
  return String(value);
}
