/**
 * `${{ EXPR }}` templates inside strings: compiling, expanding, and finding the
 * vars a template refers to.
 *
 * A workspace repeats a few expressions in many templates (`lib-${{ vars.v }}`
 * in one manifest, `libfoo-${{ vars.v }}` in the next), so an expression
 * without quotes or braces is lexed and parsed once and shared by every
 * template holding it (see {@link TemplateExpression.base}); a syntax error
 * is kept as well and replayed at the position of the template at hand.
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
  /**
   * What to add to the offsets in `node` to get offsets in the template: the
   * expression's start when it was parsed on its own (and is shared with every
   * template holding the same expression text), else 0.
   */
  base: number;
}

/** A template split into literal text and expressions. */
export interface CompiledTemplate {
  parts: Array<string | TemplateExpression>;
  /** The expression when the whole text is exactly one `${{ EXPR }}` (the result keeps its type). */
  single: TemplateExpression | null;
  /** UTF-8 bytes of the literal parts, counted once so expansions only count their values. */
  literalBytes: number;
}

/** Most expressions kept; a cache restarts when full, which bounds its memory. */
const CACHE_ENTRIES = 8192;
/** Longer texts are compiled every time rather than kept. */
const CACHE_TEXT_LENGTH = 16 * 1024;
const expressionCache = new Map<string, Node | ExprFailure>();
/** Expressions of templates, parsed on their own: offsets start at 0 where the expression does. */
const templateExpressionCache = new Map<string, Node | ExprFailure>();

/**
 * An expression without quotes or braces ends at the first `}}`: no string
 * literal can hide one. Only these are parsed on their own and shared.
 */
const SHAREABLE_EXPRESSION = /^[^"'{}]*$/;

function remember<T>(cache: Map<string, T>, text: string, entry: T): void {
  if (text.length > CACHE_TEXT_LENGTH) return;
  if (cache.size >= CACHE_ENTRIES) cache.clear();
  cache.set(text, entry);
}

/** True when `text` holds `${{` (a template or its `$${{` escape); other text needs no work. */
export function hasTemplate(text: string): boolean {
  return text.includes(OPEN);
}

/**
 * The compiled form of a template text; throws ExprFailure. Whole templates are
 * not cached: most of those in a large workspace name their package and are
 * seen once, and looking each up in a large map cost more than compiling it,
 * its expressions being shared.
 */
export function compileTemplate(text: string): CompiledTemplate {
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
    const close = text.indexOf("}}", open + OPEN.length);
    if (close === -1) {
      fail(open, 'unterminated "${{": no "}}" closes it', 'write "$${{" for a literal "${{"');
    }
    const source = text.slice(open + OPEN.length, close);
    let expression: TemplateExpression;
    if (SHAREABLE_EXPRESSION.test(source)) {
      expression = sharedExpression(source, open);
      pos = close + 2;
    } else {
      const { node, end } = parseExpression(new Lexer(text, open + OPEN.length, true, open));
      expression = { node, open, base: 0 };
      pos = end;
    }
    if (literal !== "") parts.push(literal);
    literal = "";
    parts.push(expression);
  }
  if (literal !== "") parts.push(literal);
  const only = parts.length === 1 ? parts[0] : null;
  let literalBytes = 0;
  for (const part of parts) if (typeof part === "string") literalBytes += utf8Length(part);
  return { parts, single: only !== null && typeof only !== "string" ? only : null, literalBytes };
}

/** The ExprFailure moved by `base`; anything else unchanged. */
function rebased(error: unknown, base: number): unknown {
  if (base === 0 || !(error instanceof ExprFailure)) return error;
  return new ExprFailure(error.offset + base, error.message, error.hint);
}

/**
 * The expression `source` (without quotes or braces) of a template, its `${{`
 * at `open`: parsed on its own once for every template holding it. Throws
 * ExprFailure at offsets of the template.
 */
function sharedExpression(source: string, open: number): TemplateExpression {
  const start = open + OPEN.length;
  let entry = templateExpressionCache.get(source);
  if (entry === undefined) {
    try {
      // Limit errors point at the `${{`, 3 characters before the expression.
      const parsed = parseExpression(new Lexer(`${source}}}`, 0, true, -OPEN.length));
      entry = parsed.node;
    } catch (error) {
      if (!(error instanceof ExprFailure)) throw error;
      entry = error;
    }
    remember(templateExpressionCache, source, entry);
  }
  if (entry instanceof ExprFailure) throw rebased(entry, start);
  return { node: entry, open, base: start };
}

/** The value of one expression of a template, its errors at offsets of the template. */
function evaluatePart(evaluation: Evaluation, part: TemplateExpression): Value {
  try {
    return evaluation.value(part.node);
  } catch (error) {
    throw rebased(error, part.base);
  }
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
      result = checkResult(evaluatePart(evaluation, template.single), at);
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
        const piece = toText(evaluatePart(evaluation, part), at, MAX_STRING_BYTES - out.length);
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
    if (typeof part === "string") continue;
    const start = found.length;
    collectVarReferences(part.node, found);
    for (let i = start; i < found.length; i++) found[i].offset += part.base;
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
