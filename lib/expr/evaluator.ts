/**
 * Evaluates a parsed expression in a scope. Strictly typed: the only implicit
 * conversion is text + number (concatenated as text); everything else of the
 * wrong type is an error pointing at the operator or argument concerned.
 *
 * Evaluation always terminates: the AST is finite (4 KiB of text), its depth is
 * at most 64, there are no loops, no recursion in the language and no
 * user-defined functions, every built-in is a bounded pass over its arguments,
 * and sizes are capped before large results are built.
 * @module
 */
import { fail } from "./error.ts";
import { checkString, MAX_DEPTH } from "./limits.ts";
import { BUILTINS } from "./builtins.ts";
import type { CompareNode, Node, PathNode, SumNode } from "./parser.ts";
import { closestNames, didYouMean } from "./suggest.ts";
import {
  CompareBudget,
  deepEqual,
  isMap,
  type MapValue,
  numberText,
  ownEntry,
  type Scope,
  shapeOf,
  typeName,
  type Value,
} from "./value.ts";

/** Most names listed in a hint before "…and N more". */
const LISTED_NAMES = 20;

/** Evaluates `node` in `scope`; throws an ExprFailure on any error. */
export function evaluate(node: Node, scope: Scope): Value {
  return new Evaluation(scope).value(node);
}

/** Names for a hint: sorted, cut after {@link LISTED_NAMES}. */
export function listNames(names: string[]): string {
  const sorted = [...names].sort();
  if (sorted.length <= LISTED_NAMES) return sorted.join(", ");
  return `${sorted.slice(0, LISTED_NAMES).join(", ")}, …and ${sorted.length - LISTED_NAMES} more`;
}

const IDENTIFIER = /^[A-Za-z_][A-Za-z0-9_]*$/;

/** How a key is written after `base`: `.name` or `["odd-name"]`. */
function keyPath(base: string, key: string): string {
  return IDENTIFIER.test(key) ? `${base}.${key}` : `${base}[${JSON.stringify(key)}]`;
}

/** The text of a path for messages ("package.version"), or null when it is not a plain path. */
function describePath(node: PathNode, stepCount: number): string | null {
  if (node.base.kind !== "name") return null;
  let text = node.base.name;
  for (let i = 0; i < stepCount; i++) {
    const step = node.steps[i];
    if (step.kind === "member") text = keyPath(text, step.name);
    else if (step.index.kind === "literal") {
      const key = step.index.value;
      if (typeof key === "string") text = keyPath(text, key);
      else if (typeof key === "number") text += `[${key}]`;
      else return null;
    } else return null;
  }
  return text;
}

/**
 * One evaluation: a scope, and the comparison steps spent so far (shared by all
 * expressions of one template, so a template cannot multiply the bound).
 */
export class Evaluation extends CompareBudget {
  constructor(readonly scope: Scope) {
    super();
  }

  value(node: Node): Value {
    switch (node.kind) {
      case "literal":
        return node.value;
      case "name":
        return this.#name(node.name, node.start);
      case "path":
        return this.#path(node);
      case "call": {
        const args = node.args.map((arg) => this.value(arg));
        return BUILTINS.get(node.name)!.run(args, node, this);
      }
      case "list": {
        const list = node.items.map((item) => this.value(item));
        if (shapeOf(list, node.start).depth > MAX_DEPTH) fail(node.start, "list nested too deeply");
        return list;
      }
      case "unary": {
        const operand = this.value(node.operand);
        if (node.op === "!") {
          if (typeof operand !== "boolean") {
            fail(
              node.start,
              `"!" expects a boolean, got ${typeName(operand)}`,
              compareHint(operand),
            );
          }
          return !operand;
        }
        if (typeof operand !== "number") {
          fail(node.start, `"-" expects a number, got ${typeName(operand)}`);
        }
        return -operand;
      }
      case "sum":
        return this.#sum(node);
      case "and":
      case "or": {
        const operator = node.kind === "and" ? "&&" : "||";
        for (let i = 0; i < node.operands.length; i++) {
          const operand = this.value(node.operands[i]);
          if (typeof operand !== "boolean") {
            const at = i === 0 ? node.opOffsets[0] : node.opOffsets[i - 1];
            fail(
              at,
              `"${operator}" expects booleans, got ${typeName(operand)} on its ${
                i === 0 ? "left" : "right"
              }`,
              compareHint(operand),
            );
          }
          // Short-circuit: && stops at the first false, || at the first true.
          if (operand === (node.kind === "or")) return operand;
        }
        return node.kind === "and";
      }
      case "compare":
        return this.#compare(node);
      case "cond": {
        const test = this.value(node.test);
        if (typeof test !== "boolean") {
          fail(
            node.opOffset,
            `the condition before "?" must be a boolean, got ${typeName(test)}`,
            compareHint(test),
          );
        }
        return this.value(test ? node.then : node.otherwise);
      }
    }
  }

  #name(name: string, offset: number): Value {
    const value = ownEntry(this.scope as MapValue, name);
    if (value !== undefined) return value;
    const names = Object.keys(this.scope);
    const hint = BUILTINS.has(name)
      ? `"${name}" is a function: call it as ${BUILTINS.get(name)!.signature}`
      : names.length > 0
      ? `names in scope: ${listNames(names)}`
      : "nothing is in scope here";
    fail(offset, `unknown name "${name}"${didYouMean(name, names)}`, hint);
  }

  #path(node: PathNode): Value {
    let current = this.value(node.base);
    for (let i = 0; i < node.steps.length; i++) {
      const step = node.steps[i];
      if (step.kind === "member") {
        current = this.#entry(current, step.name, node, i, step.offset);
        continue;
      }
      const index = this.value(step.index);
      if (Array.isArray(current)) {
        if (typeof index !== "number" || !Number.isInteger(index)) {
          const got = typeof index === "number" ? String(index) : typeName(index);
          fail(step.index.start, `a list index must be a whole number, got ${got}`);
        }
        if (index < 0 || index >= current.length) {
          fail(
            step.index.start,
            `list index ${index} is out of range: the list has ${current.length} item${
              current.length === 1 ? "" : "s"
            }`,
            "indexes start at 0; slice() returns an empty list instead of failing",
          );
        }
        current = current[index] ?? null;
      } else if (isMap(current)) {
        if (typeof index !== "string") {
          fail(step.index.start, `a map key must be text, got ${typeName(index)}`);
        }
        current = this.#entry(current, index, node, i, step.index.start);
      } else {
        fail(step.offset, `cannot index ${typeName(current)}`, "only lists and maps have entries");
      }
    }
    return current;
  }

  /** Entry `key` of `container` (which must be a map), with a suggestion when it is missing. */
  #entry(container: Value, key: string, node: PathNode, stepIndex: number, offset: number): Value {
    if (isMap(container)) {
      const value = ownEntry(container, key);
      if (value !== undefined) return value;
    }
    // Only errors get here: describing the path costs nothing on the common path.
    const base = describePath(node, stepIndex);
    if (!isMap(container)) {
      fail(
        offset,
        `cannot read "${key}" of ${typeName(container)}${base === null ? "" : ` (${base})`}`,
        container === null ? "use default(x, fallback) for values that may be null" : undefined,
      );
    }
    const keys = Object.keys(container);
    const hint = keys.length === 0
      ? `${base ?? "the map"} is empty`
      : `${base ?? "the map"} has: ${listNames(keys)}`;
    if (base === null) {
      fail(offset, `no entry "${key}" in the map${didYouMean(key, keys)}`, hint);
    }
    const close = closestNames(key, keys, 1);
    fail(
      offset,
      `unknown name "${keyPath(base, key)}"${
        close.length > 0 ? `; did you mean "${keyPath(base, close[0])}"?` : ""
      }`,
      hint,
    );
  }

  #sum(node: SumNode): Value {
    let total = this.value(node.operands[0]);
    for (let i = 0; i < node.ops.length; i++) {
      const right = this.value(node.operands[i + 1]);
      const op = node.ops[i];
      const at = node.opOffsets[i];
      if (typeof total === "number" && typeof right === "number") {
        const result = op === "+" ? total + right : total - right;
        if (!Number.isFinite(result)) fail(at, "number out of range");
        total = result;
        continue;
      }
      if (
        op === "+" && isText(total) && isText(right) &&
        (typeof total === "string" || typeof right === "string")
      ) {
        total = checkString(asText(total) + asText(right), at);
        continue;
      }
      if (op === "-") {
        fail(
          at,
          `"-" expects numbers, got ${typeName(total)} and ${typeName(right)}`,
          typeof total === "string" ? 'to remove text, use replace(s, from, "")' : undefined,
        );
      }
      fail(
        at,
        `"+" cannot add ${typeName(total)} and ${typeName(right)}`,
        total === null || right === null
          ? 'use default(x, "") for a value that may be null'
          : "+ adds numbers and joins text; for lists use join() or format()",
      );
    }
    return total;
  }

  #compare(node: CompareNode): boolean {
    const left = this.value(node.left);
    const right = this.value(node.right);
    const op = node.op;
    if (op === "==" || op === "!=") {
      // null compares with anything; other values only with their own type.
      if (left !== null && right !== null && !sameType(left, right)) {
        fail(
          node.opOffset,
          `cannot compare ${typeName(left)} with ${typeName(right)} using "${op}"`,
          conversionHint(left, right),
        );
      }
      const equal = deepEqual(left, right, this, node.opOffset);
      return op === "==" ? equal : !equal;
    }
    const ordered = (typeof left === "number" && typeof right === "number") ||
      (typeof left === "string" && typeof right === "string");
    if (!ordered) {
      fail(
        node.opOffset,
        `cannot compare ${typeName(left)} with ${typeName(right)} using "${op}"`,
        typeof left === typeof right
          ? `"${op}" orders numbers or text`
          : conversionHint(left, right),
      );
    }
    const a = left as number | string;
    const b = right as number | string;
    switch (op) {
      case "<":
        return a < b;
      case "<=":
        return a <= b;
      case ">":
        return a > b;
      default:
        return a >= b;
    }
  }
}

function isText(value: Value): value is string | number {
  return typeof value === "string" || typeof value === "number";
}

function asText(value: string | number): string {
  return typeof value === "string" ? value : numberText(value);
}

function sameType(a: Value, b: Value): boolean {
  if (Array.isArray(a) || Array.isArray(b)) return Array.isArray(a) && Array.isArray(b);
  return typeof a === typeof b;
}

function conversionHint(a: Value, b: Value): string | undefined {
  const kinds = new Set([typeof a, typeof b]);
  if (kinds.has("string") && kinds.has("number")) {
    return 'text and numbers are never converted implicitly; compare format("{0}", n) with the text';
  }
  return undefined;
}

function compareHint(value: Value): string | undefined {
  if (typeof value === "string") return 'compare explicitly, e.g. x != ""';
  if (value === null) return "compare explicitly, e.g. x != null";
  return undefined;
}
