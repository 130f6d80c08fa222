/**
 * Parser of the expression language (grammar in EXPRESSIONS.md) into an AST
 * whose positions are offsets into the text the lexer reads.
 *
 * Recursion only happens where the text nests (parentheses, brackets, calls,
 * unary operators, `?:`), and each nesting counts against the depth limit, so
 * the parser never recurses more than a few hundred frames however hostile the
 * input. Chains (`a + b + c`, `a.b.c`, `x || y || z`) are flat lists, which also
 * keeps the evaluator's recursion bounded by the same limit.
 * @module
 */
import { fail } from "./error.ts";
import type { Lexer, Token } from "./lexer.ts";
import { MAX_DEPTH } from "./limits.ts";
import { BUILTINS } from "./builtins.ts";
import { didYouMean } from "./suggest.ts";
import type { Value } from "./value.ts";

/** A literal: number, string, true, false or null. */
export interface LiteralNode {
  kind: "literal";
  start: number;
  value: Value;
}

/** `[a, b]` */
export interface ListNode {
  kind: "list";
  start: number;
  items: Node[];
}

/** A name looked up in the scope. */
export interface NameNode {
  kind: "name";
  start: number;
  name: string;
}

/** A call of a built-in function (the only callable things). */
export interface CallNode {
  kind: "call";
  start: number;
  name: string;
  args: Node[];
}

/** `.name` or `[expr]` after a value; `offset` is the name or the `[`. */
export type Step =
  | { kind: "member"; offset: number; name: string }
  | { kind: "index"; offset: number; index: Node };

/** A value followed by member and index steps: `package.version`, `list[0]`. */
export interface PathNode {
  kind: "path";
  start: number;
  base: Node;
  steps: Step[];
}

/** `!x` or `-x`; `start` is the operator. */
export interface UnaryNode {
  kind: "unary";
  start: number;
  op: "!" | "-";
  operand: Node;
}

/** `a + b - c`: operands with the operators between them. */
export interface SumNode {
  kind: "sum";
  start: number;
  operands: Node[];
  ops: Array<"+" | "-">;
  opOffsets: number[];
}

/** `a && b && c` or `a || b`. */
export interface LogicNode {
  kind: "and" | "or";
  start: number;
  operands: Node[];
  opOffsets: number[];
}

/** The comparison operators. */
export type CompareOp = "==" | "!=" | "<" | "<=" | ">" | ">=";

/** `a == b` (comparisons do not chain). */
export interface CompareNode {
  kind: "compare";
  start: number;
  op: CompareOp;
  opOffset: number;
  left: Node;
  right: Node;
}

/** `test ? then : otherwise`; `opOffset` is the `?`. */
export interface CondNode {
  kind: "cond";
  start: number;
  opOffset: number;
  test: Node;
  then: Node;
  otherwise: Node;
}

/** Any expression. */
export type Node =
  | LiteralNode
  | ListNode
  | NameNode
  | CallNode
  | PathNode
  | UnaryNode
  | SumNode
  | LogicNode
  | CompareNode
  | CondNode;

const COMPARE_OPS = new Set<string>(["==", "!=", "<", "<=", ">", ">="]);

/** How a token reads in a message. */
function describe(token: Token): string {
  switch (token.kind) {
    case "end":
      return token.text === "}}" ? '"}}"' : "the end of the expression";
    case "name":
      return `"${token.text}"`;
    case "number":
      return `the number ${token.value}`;
    case "string":
      return "a string";
    default:
      return `"${token.text}"`;
  }
}

/** Parses one whole expression; returns it and the offset just after its end (after `}}`). */
export function parseExpression(lexer: Lexer): { node: Node; end: number } {
  const parser = new Parser(lexer);
  if (parser.token.kind === "end") {
    fail(parser.token.offset, "empty expression", "write an expression, e.g. package.version");
  }
  const node = parser.expr();
  const last = parser.token;
  if (last.kind !== "end") {
    fail(
      last.offset,
      `unexpected ${describe(last).replace(/^(the|a) /, "")} after a complete expression`,
      "is an operator or a comma missing?",
    );
  }
  return { node, end: last.end };
}

class Parser {
  token: Token;
  #depth = 0;

  constructor(readonly lexer: Lexer) {
    this.token = lexer.next();
  }

  #advance(): Token {
    const token = this.token;
    this.token = this.lexer.next();
    return token;
  }

  #at(text: string): boolean {
    return this.token.kind === "punct" && this.token.text === text;
  }

  #expect(text: string, context: string): Token {
    if (!this.#at(text)) {
      fail(this.token.offset, `expected "${text}" ${context}, found ${describe(this.token)}`);
    }
    return this.#advance();
  }

  #enter(offset: number): void {
    if (++this.#depth > MAX_DEPTH) {
      fail(
        offset,
        `expression nested more than ${MAX_DEPTH} levels deep`,
        "split it into vars",
      );
    }
  }

  expr(): Node {
    this.#enter(this.token.offset);
    const node = this.#cond();
    this.#depth--;
    return node;
  }

  #cond(): Node {
    const test = this.#logic("or");
    if (!this.#at("?")) return test;
    const question = this.#advance();
    const then = this.expr();
    this.#expect(":", 'after the "then" part of "? :"');
    const otherwise = this.expr();
    return { kind: "cond", start: test.start, opOffset: question.offset, test, then, otherwise };
  }

  #logic(kind: "and" | "or"): Node {
    const operator = kind === "or" ? "||" : "&&";
    const operand = () => kind === "or" ? this.#logic("and") : this.#compare();
    const first = operand();
    if (!this.#at(operator)) return first;
    const operands = [first];
    const opOffsets: number[] = [];
    while (this.#at(operator)) {
      opOffsets.push(this.#advance().offset);
      operands.push(operand());
    }
    return { kind, start: first.start, operands, opOffsets };
  }

  #compare(): Node {
    const left = this.#sum();
    if (this.token.kind !== "punct" || !COMPARE_OPS.has(this.token.text)) return left;
    const op = this.#advance();
    const right = this.#sum();
    if (this.token.kind === "punct" && COMPARE_OPS.has(this.token.text)) {
      fail(
        this.token.offset,
        "comparisons cannot be chained",
        "combine them with && or use parentheses",
      );
    }
    return {
      kind: "compare",
      start: left.start,
      op: op.text as CompareOp,
      opOffset: op.offset,
      left,
      right,
    };
  }

  #sum(): Node {
    const first = this.#unary();
    if (!this.#at("+") && !this.#at("-")) return first;
    const operands = [first];
    const ops: Array<"+" | "-"> = [];
    const opOffsets: number[] = [];
    while (this.#at("+") || this.#at("-")) {
      const op = this.#advance();
      ops.push(op.text as "+" | "-");
      opOffsets.push(op.offset);
      operands.push(this.#unary());
    }
    return { kind: "sum", start: first.start, operands, ops, opOffsets };
  }

  #unary(): Node {
    if (this.#at("!") || this.#at("-")) {
      const op = this.#advance();
      this.#enter(op.offset);
      const operand = this.#unary();
      this.#depth--;
      return { kind: "unary", start: op.offset, op: op.text as "!" | "-", operand };
    }
    return this.#postfix();
  }

  #postfix(): Node {
    const base = this.#primary();
    const steps: Step[] = [];
    for (;;) {
      if (this.#at(".")) {
        this.#advance();
        const name = this.token;
        if (name.kind !== "name") {
          fail(name.offset, `expected a name after ".", found ${describe(name)}`);
        }
        this.#advance();
        steps.push({ kind: "member", offset: name.offset, name: name.text });
      } else if (this.#at("[")) {
        const open = this.#advance();
        const index = this.expr();
        this.#expect("]", "to close the index");
        steps.push({ kind: "index", offset: open.offset, index });
      } else if (this.#at("(")) {
        fail(
          this.token.offset,
          "only built-in functions can be called",
          `functions: ${[...BUILTINS.keys()].join(", ")}`,
        );
      } else break;
    }
    return steps.length === 0 ? base : { kind: "path", start: base.start, base, steps };
  }

  #primary(): Node {
    const token = this.token;
    switch (token.kind) {
      case "number":
      case "string":
        this.#advance();
        return { kind: "literal", start: token.offset, value: token.value };
      case "name": {
        this.#advance();
        if (this.#at("(")) return this.#call(token);
        if (token.text === "true" || token.text === "false") {
          return { kind: "literal", start: token.offset, value: token.text === "true" };
        }
        if (token.text === "null") return { kind: "literal", start: token.offset, value: null };
        return { kind: "name", start: token.offset, name: token.text };
      }
      case "punct":
        if (token.text === "(") {
          this.#advance();
          const inner = this.expr();
          this.#expect(")", "to close the parenthesis");
          return inner;
        }
        if (token.text === "[") {
          this.#advance();
          const items = this.#args("]", "to close the list");
          return { kind: "list", start: token.offset, items };
        }
        break;
    }
    fail(token.offset, `expected a value, found ${describe(token)}`);
  }

  /** Arguments or list items up to `close`. */
  #args(close: string, context: string): Node[] {
    const items: Node[] = [];
    if (this.#at(close)) {
      this.#advance();
      return items;
    }
    for (;;) {
      items.push(this.expr());
      if (this.#at(",")) {
        this.#advance();
        continue;
      }
      this.#expect(close, context);
      return items;
    }
  }

  #call(name: Token): CallNode {
    const builtin = BUILTINS.get(name.text);
    if (!builtin) {
      fail(
        name.offset,
        `unknown function "${name.text}"${didYouMean(name.text, BUILTINS.keys())}`,
        `functions: ${[...BUILTINS.keys()].join(", ")}`,
      );
    }
    this.#advance(); // "("
    const args = this.#args(")", `to close the call of ${name.text}()`);
    if (args.length < builtin.minArgs || args.length > builtin.maxArgs) {
      const expected = builtin.minArgs === builtin.maxArgs
        ? `${builtin.minArgs}`
        : builtin.maxArgs === Infinity
        ? `at least ${builtin.minArgs}`
        : `${builtin.minArgs} or ${builtin.maxArgs}`;
      const plural = expected === "1" || expected === "at least 1" ? "" : "s";
      fail(
        name.offset,
        `${name.text}() takes ${expected} argument${plural}, got ${args.length}`,
        `usage: ${builtin.signature}`,
      );
    }
    return { kind: "call", start: name.offset, name: name.text, args };
  }
}
