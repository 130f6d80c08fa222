/**
 * `${{ EXPR }}` templates inside strings: compiling (cached by text), expanding,
 * and finding the vars a template refers to.
 *
 * A manifest repeats the same few templates in many places, and a workspace
 * loads many manifests, so each distinct template text is lexed and parsed once;
 * a syntax error is cached as well and replayed with the position of the scalar
 * at hand.
 * @module
 */
import { ExprFailure, fail, plainLocator, rethrowLocated, type TextLocator } from "./error.ts";
import { Evaluation } from "./evaluator.ts";
import { Lexer } from "./lexer.ts";
import {
  type Budget,
  checkListLength,
  failStringTooLong,
  isStringTooLong,
  MAX_STRING_BYTES,
  utf8Length,
} from "./limits.ts";
import { type Node, parseExpression } from "./parser.ts";
import { resultSize, type Scope, toText, type Value } from "./value.ts";

const OPEN = "${{";

/** One `${{ EXPR }}` of a template; `open` is the offset of its `${{`. */
export interface TemplateExpression {
  node: Node;
  open: number;
}

/** A template split into literal text and expressions. */
export interface CompiledTemplate {
  parts: Array<string | TemplateExpression>;
  /** The expression when the whole text is exactly one `${{ EXPR }}` (the result keeps its type). */
  single: TemplateExpression | null;
  /** UTF-8 bytes of the literal parts, counted once so expansions only count their values. */
  literalBytes: number;
}

/** Most templates kept; the cache restarts when full, which bounds its memory. */
const CACHE_ENTRIES = 8192;
/** Longer texts are compiled every time rather than kept. */
const CACHE_TEXT_LENGTH = 16 * 1024;
const templateCache = new Map<string, CompiledTemplate | ExprFailure>();
const expressionCache = new Map<string, Node | ExprFailure>();

function remember<T>(cache: Map<string, T>, text: string, entry: T): void {
  if (text.length > CACHE_TEXT_LENGTH) return;
  if (cache.size >= CACHE_ENTRIES) cache.clear();
  cache.set(text, entry);
}

/** True when `text` holds `${{` (a template or its `$${{` escape); other text needs no work. */
export function hasTemplate(text: string): boolean {
  return text.includes(OPEN);
}

function compileUncached(text: string): CompiledTemplate {
  const parts: Array<string | TemplateExpression> = [];
  let literal = "";
  let pos = 0;
  for (;;) {
    const open = text.indexOf(OPEN, pos);
    if (open === -1) {
      literal += text.slice(pos);
      break;
    }
    if (open > pos && text[open - 1] === "$") {
      // `$${{` is the escape for a literal `${{`.
      literal += text.slice(pos, open - 1) + OPEN;
      pos = open + OPEN.length;
      continue;
    }
    literal += text.slice(pos, open);
    if (text.indexOf("}}", open + OPEN.length) === -1) {
      fail(open, 'unterminated "${{": no "}}" closes it', 'write "$${{" for a literal "${{"');
    }
    const { node, end } = parseExpression(new Lexer(text, open + OPEN.length, true, open));
    if (literal !== "") parts.push(literal);
    literal = "";
    parts.push({ node, open });
    pos = end;
  }
  if (literal !== "") parts.push(literal);
  const only = parts.length === 1 ? parts[0] : null;
  let literalBytes = 0;
  for (const part of parts) if (typeof part === "string") literalBytes += utf8Length(part);
  return { parts, single: only !== null && typeof only !== "string" ? only : null, literalBytes };
}

/** The compiled form of a template text (from the cache when seen before); throws ExprFailure. */
export function compileTemplate(text: string): CompiledTemplate {
  let entry = templateCache.get(text);
  if (entry === undefined) {
    try {
      entry = compileUncached(text);
    } catch (error) {
      if (!(error instanceof ExprFailure)) throw error;
      entry = error;
    }
    remember(templateCache, text, entry);
  }
  if (entry instanceof ExprFailure) throw entry;
  return entry;
}

/** Checks a final result against the limits; returns it. */
function checkResult(value: Value, offset: number): Value {
  if (typeof value === "string") {
    if (isStringTooLong(value)) failStringTooLong(offset);
  } else if (Array.isArray(value)) checkListLength(value.length, offset);
  return value;
}

/**
 * Expands every `${{ EXPR }}` of `text` in `scope`. When the text is exactly one
 * `${{ EXPR }}` the result is the value itself (a list stays a list); otherwise
 * values become text (null as empty, lists and maps as JSON). `$${{` gives a
 * literal `${{`. Charges the result to `budget`. Errors are ExprErrors located
 * through `where`.
 */
export function expandTemplate(
  text: string,
  scope: Scope,
  where: TextLocator,
  budget?: Budget,
): Value {
  if (!hasTemplate(text)) return text;
  let result: Value;
  let at = 0;
  try {
    const template = compileTemplate(text);
    const evaluation = new Evaluation(scope);
    if (template.single) {
      at = template.single.open;
      result = checkResult(evaluation.value(template.single.node), at);
    } else {
      // Bytes are summed piece by piece: counting the joined text would flatten it.
      let out = "";
      let bytes = template.literalBytes;
      for (const part of template.parts) {
        if (typeof part === "string") {
          out += part;
          continue;
        }
        at = part.open;
        const piece = toText(evaluation.value(part.node), at, MAX_STRING_BYTES - out.length);
        bytes += utf8Length(piece);
        if (bytes > MAX_STRING_BYTES) failStringTooLong(at);
        out += piece;
      }
      if (bytes > MAX_STRING_BYTES) failStringTooLong(at);
      result = out;
      if (budget) budget.charge(bytes, where, at);
      return result;
    }
    if (budget) budget.charge(resultSize(result, at), where, at);
  } catch (error) {
    rethrowLocated(error, where);
  }
  return result;
}

/**
 * Evaluates one expression (the inside of `${{ }}`), for `2nex eval`. Positions
 * default to the expression's own lines and columns.
 */
export function evaluateExpression(text: string, scope: Scope, where?: TextLocator): Value {
  const locator = where ?? plainLocator("<expression>", text);
  try {
    let entry = expressionCache.get(text);
    if (entry === undefined) {
      try {
        entry = parseExpression(new Lexer(text, 0, false, 0)).node;
      } catch (error) {
        if (!(error instanceof ExprFailure)) throw error;
        entry = error;
      }
      remember(expressionCache, text, entry);
    }
    if (entry instanceof ExprFailure) throw entry;
    return checkResult(new Evaluation(scope).value(entry), 0);
  } catch (error) {
    rethrowLocated(error, locator);
  }
}

/** A reference to a var inside a template: its name and the offset of `vars`. */
export interface VarReference {
  name: string;
  offset: number;
}

/** Every `vars.X` / `vars["X"]` in the expressions of a compiled template, in text order. */
export function templateVarReferences(template: CompiledTemplate): VarReference[] {
  const found: VarReference[] = [];
  for (const part of template.parts) {
    if (typeof part !== "string") collectVarReferences(part.node, found);
  }
  return found;
}

function collectVarReferences(node: Node, found: VarReference[]): void {
  switch (node.kind) {
    case "literal":
    case "name":
      return;
    case "list":
      for (const item of node.items) collectVarReferences(item, found);
      return;
    case "call":
      for (const arg of node.args) collectVarReferences(arg, found);
      return;
    case "path": {
      const first = node.steps[0];
      if (node.base.kind === "name" && node.base.name === "vars") {
        if (first.kind === "member") found.push({ name: first.name, offset: node.base.start });
        else if (first.index.kind === "literal" && typeof first.index.value === "string") {
          found.push({ name: first.index.value, offset: node.base.start });
        }
      }
      collectVarReferences(node.base, found);
      for (const step of node.steps) {
        if (step.kind === "index") collectVarReferences(step.index, found);
      }
      return;
    }
    case "unary":
      return collectVarReferences(node.operand, found);
    case "sum":
    case "and":
    case "or":
      for (const operand of node.operands) collectVarReferences(operand, found);
      return;
    case "compare":
      collectVarReferences(node.left, found);
      return collectVarReferences(node.right, found);
    case "cond":
      collectVarReferences(node.test, found);
      collectVarReferences(node.then, found);
      return collectVarReferences(node.otherwise, found);
  }
}

/**
 * The names X used as `vars.X` or `vars["X"]` in the templates of `text`, each
 * once, in order of first use. A template with a syntax error contributes
 * nothing here; expanding it reports the error.
 */
export function referencedVars(text: string): string[] {
  if (!hasTemplate(text)) return [];
  let template: CompiledTemplate;
  try {
    template = compileTemplate(text);
  } catch (error) {
    if (error instanceof ExprFailure) return [];
    throw error;
  }
  return [...new Set(templateVarReferences(template).map((r) => r.name))];
}
