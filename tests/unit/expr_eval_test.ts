/** Operators, built-ins, type errors, syntax errors and limits of one expression. */
import assert from "node:assert/strict";
import {
  closestNames,
  evaluateExpression,
  ExprError,
  type Scope,
  type Value,
} from "../../lib/expr/mod.ts";

const SCOPE: Scope = {
  package: { name: "GNU M4", slug: "m4", version: "1.4.19" },
  vars: { tarball: "m4-1.4.19.tar.xz", jobs: 4, flags: ["--a", "--b"] },
  deps: { "gcc-libs": { version: "13.2.0" }, zlib: { version: "1.3" } },
  host: { arch: "x86_64" },
  target: "x86_64-linux-gnu",
  nothing: null,
};

function evaluate(text: string, scope: Scope = SCOPE): Value {
  return evaluateExpression(text, scope);
}

function errorOf(text: string, scope: Scope = SCOPE): ExprError {
  try {
    evaluate(text, scope);
  } catch (error) {
    if (error instanceof ExprError) return error;
    throw error;
  }
  throw new Error(`no error for ${text}`);
}

/** Asserts the exact message, column (line 1) and, when given, hint. */
function assertFails(text: string, message: string, col: number, hint?: string, scope?: Scope) {
  const error = errorOf(text, scope);
  assert.equal(error.message, message, text);
  assert.deepEqual(error.position, { file: "<expression>", line: 1, col }, text);
  assert.equal(error.exitCode, 2);
  if (hint !== undefined) assert.equal(error.hint, hint, text);
}

function assertValues(cases: Array<[string, Value]>, scope?: Scope) {
  for (const [text, expected] of cases) assert.deepEqual(evaluate(text, scope), expected, text);
}

Deno.test("literals: numbers, strings with escapes, true/false/null, lists", () => {
  assertValues([
    ["12", 12],
    ["007", 7],
    ["1.25", 1.25],
    ["'single'", "single"],
    ['"a\\"b\\\'c\\\\d\\ne\\tf"', "a\"b'c\\d\ne\tf"],
    ["'it\\'s'", "it's"],
    ["true", true],
    ["false", false],
    ["null", null],
    ["[]", []],
    ['[1, "a", [true, null]]', [1, "a", [true, null]]],
    ["  ( 1 )  ", 1],
  ]);
});

Deno.test("+ and -: numbers add, text concatenates (with numbers as text), left to right", () => {
  assertValues([
    ["1 + 2", 3],
    ["10 - 4 - 3", 3],
    ["1.5 + 1", 2.5],
    ["-5 + 2", -3],
    ["- -1", 1],
    ['"a" + "b"', "ab"],
    ['"v" + 1', "v1"],
    ['1 + "v"', "1v"],
    ['1 + 2 + "x"', "3x"],
    ['"x" + 1 + 2', "x12"],
    ['"x" + 1.5', "x1.5"],
    ["package.slug + '-' + package.version", "m4-1.4.19"],
  ]);
});

Deno.test("comparisons: numbers and text ordered, equality deep, null equal only to null", () => {
  assertValues([
    ["1 < 2", true],
    ["2 <= 2", true],
    ["3 > 2", true],
    ["2 >= 3", false],
    ['"a" < "b"', true],
    ['"b" > "a"', true],
    ['"abc" >= "abd"', false],
    ["1 == 1", true],
    ["1 != 1", false],
    ['"a" == "a"', true],
    ["null == null", true],
    ['null == "x"', false],
    ['"x" != null', true],
    ["nothing == null", true],
    ["[1, [2]] == [1, [2]]", true],
    ["[1] == [2]", false],
    ["[1] == [1, 2]", false],
    ['[1] == ["1"]', false],
    ["package == package", true],
    ["deps.zlib == deps['gcc-libs']", false],
    ["true == false", false],
  ]);
  assert.equal(evaluate("a == b", { a: { x: 1, y: [2] }, b: { y: [2], x: 1 } }), true);
  assert.equal(evaluate("a == b", { a: { x: 1 }, b: { x: 1, y: 2 } }), false);
});

Deno.test("&&, ||, ! and ?: work on booleans and short-circuit", () => {
  assertValues([
    ["true && false", false],
    ["true && true && true", true],
    ["false || true", true],
    ["false || false", false],
    ["!true", false],
    ["!!false", false],
    ["false && unknown_name", false],
    ["true || unknown_name", true],
    ["true ? 1 : unknown_name", 1],
    ["false ? 1 : true ? 2 : 3", 2],
    ['host.arch == "x86_64" ? "--enable-x86" : ""', "--enable-x86"],
    ['1 + 2 == 3 && "a" != "b"', true],
    ["!false == true", true],
    ["1 < 2 || 1 > 2 && false", true],
  ]);
});

Deno.test("member and index access on maps and lists", () => {
  assertValues([
    ["package.version", "1.4.19"],
    ['package["version"]', "1.4.19"],
    ['deps["gcc-libs"].version', "13.2.0"],
    ["vars.flags[1]", "--b"],
    ["[10, 20, 30][2]", 30],
    ['split("a.b", ".")[1]', "b"],
    ["target", "x86_64-linux-gnu"],
  ]);
});

Deno.test("type errors name the operator, the types and point at the operator", () => {
  const conversion =
    'text and numbers are never converted implicitly; compare format("{0}", n) with the text';
  assertFails('"a" < 1', 'cannot compare text with a number using "<"', 5, conversion);
  assertFails('"1" == 1', 'cannot compare text with a number using "=="', 5, conversion);
  assertFails("1 != '1'", 'cannot compare a number with text using "!="', 3);
  assertFails("true == 1", 'cannot compare a boolean with a number using "=="', 6);
  assertFails(
    "[1] < [2]",
    'cannot compare a list with a list using "<"',
    5,
    '"<" orders numbers or text',
  );
  assertFails("true + 1", '"+" cannot add a boolean and a number', 6);
  assertFails(
    'nothing + "a"',
    '"+" cannot add null and text',
    9,
    'use default(x, "") for a value that may be null',
  );
  assertFails("[1] + [2]", '"+" cannot add a list and a list', 5);
  assertFails('"a" - 1', '"-" expects numbers, got text and a number', 5);
  assertFails('!"x"', '"!" expects a boolean, got text', 1, 'compare explicitly, e.g. x != ""');
  assertFails('-"x"', '"-" expects a number, got text', 1);
  assertFails("1 && true", '"&&" expects booleans, got a number on its left', 3);
  assertFails("true && 1", '"&&" expects booleans, got a number on its right', 6);
  assertFails("false || nothing", '"||" expects booleans, got null on its right', 7);
  assertFails('"x" ? 1 : 2', 'the condition before "?" must be a boolean, got text', 5);
});

Deno.test("unknown names and entries suggest close names and list what is in scope", () => {
  assertFails(
    "pakage.version",
    'unknown name "pakage"; did you mean "package"?',
    1,
    "names in scope: deps, host, nothing, package, target, vars",
  );
  assertFails(
    "package.verison",
    'unknown name "package.verison"; did you mean "package.version"?',
    9,
    "package has: name, slug, version",
  );
  assertFails(
    "vars.tarbal",
    'unknown name "vars.tarbal"; did you mean "vars.tarball"?',
    6,
    "vars has: flags, jobs, tarball",
  );
  assertFails(
    'deps["gcc-lib"].version',
    'unknown name "deps["gcc-lib"]"; did you mean "deps["gcc-libs"]"?',
    6,
  );
  assertFails("xyzzy", 'unknown name "xyzzy"', 1);
  assertFails("lower", 'unknown name "lower"', 1, '"lower" is a function: call it as lower(s)');
  assertFails("anything", 'unknown name "anything"', 1, "nothing is in scope here", {});
  assertFails('[{"a":1}]', 'unexpected character "{" in expression', 2);
  assertFails(
    "split('a', ',')[0].x",
    'cannot read "x" of text',
    20,
  );
  assertFails("package.version.x", 'cannot read "x" of text (package.version)', 17);
  assertFails(
    "nothing.x",
    'cannot read "x" of null (nothing)',
    9,
    "use default(x, fallback) for values that may be null",
  );
  assertFails('"abc"[0]', "cannot index text", 6, "only lists and maps have entries");
  assertFails("[1][1.5]", "a list index must be a whole number, got 1.5", 5);
  assertFails("[1]['a']", "a list index must be a whole number, got text", 5);
  assertFails("[1][3]", "list index 3 is out of range: the list has 1 item", 5);
  assertFails("[1, 2][-1]", "list index -1 is out of range: the list has 2 items", 8);
  assertFails("package[1]", "a map key must be text, got a number", 9);
  assertFails('vars.flags["x"]', "a list index must be a whole number, got text", 12);
  // Inherited object properties are not entries.
  assertFails("package.constructor", 'unknown name "package.constructor"', 9);
  assertFails("toString", 'unknown name "toString"', 1);
});

Deno.test("syntax errors say what was expected, at the offending token", () => {
  assertFails("", "empty expression", 1, "write an expression, e.g. package.version");
  assertFails("1 +", "expected a value, found the end of the expression", 4);
  assertFails("(1", 'expected ")" to close the parenthesis, found the end of the expression', 3);
  assertFails("[1, 2", 'expected "]" to close the list, found the end of the expression', 6);
  assertFails("[1 2]", 'expected "]" to close the list, found the number 2', 4);
  assertFails("a.", 'expected a name after ".", found the end of the expression', 3);
  assertFails("a.1", 'expected a name after ".", found the number 1', 3);
  assertFails(
    "a = 1",
    'unexpected character "=" in expression',
    3,
    'compare with "=="; there is no assignment',
  );
  assertFails("a & b", 'unexpected character "&" in expression', 3, 'write "&&" for "and"');
  assertFails("2 * 3", 'unexpected character "*" in expression', 3);
  assertFails("a }}", 'unexpected character "}" in expression', 3);
  assertFails('"abc', 'unterminated string: no closing "', 1);
  assertFails('"a\\qb"', 'unknown escape "\\q" in string', 3);
  assertFails("12abc", 'invalid number "12a"', 1);
  assertFails("1.", 'expected a name after ".", found the end of the expression', 3);
  assertFails(
    "a b",
    'unexpected "b" after a complete expression',
    3,
    "is an operator or a comma missing?",
  );
  assertFails("1 == 2 == 3", "comparisons cannot be chained", 8);
  assertFails(
    "true ? 1",
    'expected ":" after the "then" part of "? :", found the end of the expression',
    9,
  );
  assertFails("1(2)", "only built-in functions can be called", 2);
  assertFails("(lower)('A')", "only built-in functions can be called", 8);
  assertFails('lowr("A")', 'unknown function "lowr"; did you mean "lower"?', 1);
  assertFails("package(1)", 'unknown function "package"', 1);
  assertFails("lower()", "lower() takes 1 argument, got 0", 1, "usage: lower(s)");
  assertFails(
    "replace('a', 'b')",
    "replace() takes 3 arguments, got 2",
    1,
    "usage: replace(s, from, to)",
  );
  assertFails("slice('a')", "slice() takes 2 or 3 arguments, got 1", 1);
  assertFails("format()", "format() takes at least 1 argument, got 0", 1);
  assertFails("9".repeat(400), "number too large", 1);
  // Multi-line expressions report their own lines.
  assert.deepEqual(errorOf("1 +\n  nope").position, { file: "<expression>", line: 2, col: 3 });
  assert.deepEqual(errorOf("x\n  + ").position, { file: "<expression>", line: 2, col: 5 });
});

Deno.test("numbers that overflow are an error, not Infinity", () => {
  const big = "9".repeat(308);
  assertFails(`${big} + ${big}`, "number out of range", 310);
});

Deno.test("built-ins: text functions", () => {
  assertValues([
    ['lower("AbC")', "abc"],
    ['upper("straße")', "STRASSE"],
    ['trim("  x y \\n")', "x y"],
    ['replace("a-b-c", "-", "_")', "a_b_c"],
    ['replace("aaa", "a", "bb")', "bbbbbb"],
    ['replace("abc", "", "x")', "abc"],
    ['replace("ab", "b", "$&$&")', "a$&$&"],
    ['split("a b c", " ")', ["a", "b", "c"]],
    ['split("a,,b", ",")', ["a", "", "b"]],
    ['split("", ",")', []],
    ['split("abc", "")', ["a", "b", "c"]],
    ['split("a😀", "")', ["a", "😀"]],
    ['join(["a", 1, true, null], "-")', "a-1-true-"],
    ['join([], ",")', ""],
    ['join([[1], "x"], " ")', "[1] x"],
    ['join(split("a b c", " "), ",")', "a,b,c"],
    ['startsWith("hello", "he")', true],
    ['startsWith("hello", "lo")', false],
    ['endsWith("hello", "lo")', true],
    ['contains("hello", "ell")', true],
    ['contains("hello", "x")', false],
    ["contains([1, 'a', [2]], [2])", true],
    ["contains([1], '1')", false],
    ["contains(vars.flags, '--b')", true],
  ]);
});

Deno.test("built-ins: format, length, slice, default", () => {
  assertValues([
    ['format("{0}-{1}.tar.xz", package.slug, package.version)', "m4-1.4.19.tar.xz"],
    ['format("{1}{0}{1}", "a", "b")', "bab"],
    ['format("{{{0}}}", "x")', "{x}"],
    ['format("a}}b{{")', "a}b{"],
    ['format("{0}|{1}|{2}", null, [1, 2], 1.5)', "|[1,2]|1.5"],
    ['format("plain")', "plain"],
    ['length("héllo")', 5],
    ['length("😀a")', 2],
    ["length([1, 2])", 2],
    ['length("")', 0],
    ['slice("hello", 1, 3)', "el"],
    ['slice("hello", -3)', "llo"],
    ['slice("hello", 1, null)', "ello"],
    ['slice("hello", 5)', ""],
    ['slice("hello", 3, 1)', ""],
    ['slice("😀ab", 0, 2)', "😀a"],
    ["slice([1, 2, 3], 1)", [2, 3]],
    ["slice([1, 2, 3], -1)", [3]],
    ["slice([1, 2, 3], 7)", []],
    ['default(null, "x")', "x"],
    ['default("", "x")', "x"],
    ["default([], 1)", 1],
    ['default("a", "x")', "a"],
    ["default(0, 5)", 0],
    ["default(false, true)", false],
    ['default(nothing, "fallback")', "fallback"],
  ]);
  assert.equal(evaluate("default(m, 1)", { m: {} }), 1);
});

Deno.test("built-ins: paths, shell quoting, JSON, versionPart", () => {
  assertValues([
    ['basename("/usr/lib/libc.so")', "libc.so"],
    ['basename("dir/")', "dir"],
    ['basename("/")', "/"],
    ['basename("///")', "/"],
    ['basename("")', ""],
    ['basename("a")', "a"],
    ['dirname("/usr/lib/libc.so")', "/usr/lib"],
    ['dirname("a")', "."],
    ['dirname("/a")', "/"],
    ['dirname("a/b/")', "a"],
    ['dirname("//a//b")', "//a"],
    ['dirname("")', "."],
    ['dirname("/")', "/"],
    ['shell("abc-1.2_x/y:z")', "abc-1.2_x/y:z"],
    ['shell("a b")', "'a b'"],
    ['shell("")', "''"],
    ['shell("it\'s")', "'it'\\''s'"],
    ['shell("$HOME `x` \\n")', "'$HOME `x` \n'"],
    ["shell(5)", "5"],
    ['toJSON("a\\"b")', '"a\\"b"'],
    ["toJSON(null)", "null"],
    ["toJSON(package)", '{"name":"GNU M4","slug":"m4","version":"1.4.19"}'],
    ["toJSON([1, true, 'x'])", '[1,true,"x"]'],
    ['versionPart("13.2.0", 1)', "2"],
    ['versionPart("13.2.0", 0)', "13"],
    ['versionPart("13.2.0", 2)', "0"],
    ['versionPart("13.2.0", 3)', null],
    ['versionPart("1", 0)', "1"],
    ['versionPart("", 0)', ""],
    ["versionPart(package.version, 0)", "1"],
    ['default(versionPart("13", 1), "0")', "0"],
  ]);
});

Deno.test("built-ins reject wrong types naming the function, parameter and what it expected", () => {
  const number = 'YAML read this as a number; quote it in the manifest, or use format("{0}", x)';
  assertFails("lower(1)", "lower() expects text for s (argument 1), got a number", 7, number);
  assertFails("upper(null)", "upper() expects text for s (argument 1), got null", 7);
  assertFails("trim([])", "trim() expects text for s (argument 1), got a list", 6);
  assertFails(
    "replace('a', 1, 'b')",
    "replace() expects text for from (argument 2), got a number",
    14,
  );
  assertFails("split('a', null)", "split() expects text for sep (argument 2), got null", 12);
  assertFails("join('a', ',')", "join() expects a list for list (argument 1), got text", 6);
  assertFails("join([], 1)", "join() expects text for sep (argument 2), got a number", 10);
  assertFails(
    "contains(1, 1)",
    "contains() expects text or a list for s_or_list (argument 1), got a number",
    10,
  );
  assertFails("contains('a', 1)", "contains() expects text for x (argument 2), got a number", 15);
  assertFails(
    "startsWith(true, 'a')",
    "startsWith() expects text for s (argument 1), got a boolean",
    12,
  );
  assertFails(
    "endsWith('a', package)",
    "endsWith() expects text for p (argument 2), got a map",
    15,
  );
  assertFails("format(1)", "format() expects text for fmt (argument 1), got a number", 8);
  assertFails('format("{2}", "a")', "format string uses {2} but only 1 value follows it", 8);
  assertFails('format("{0}{1}")', "format string uses {0} but only 0 values follow it", 8);
  assertFails(
    'format("{x}")',
    "format string has an invalid placeholder at index 0",
    8,
    'placeholders are {0}, {1}, …; write "{{" for a literal "{"',
  );
  assertFails('format("a{")', "format string has an invalid placeholder at index 1", 8);
  assertFails(
    'format("a}b")',
    'format string has a lone "}" at index 1',
    8,
    'write "}}" for a literal "}"',
  );
  assertFails(
    "length(null)",
    "length() expects text or a list for s_or_list (argument 1), got null",
    8,
  );
  assertFails(
    "length(package)",
    "length() expects text or a list for s_or_list (argument 1), got a map",
    8,
  );
  assertFails(
    "slice(1, 0)",
    "slice() expects text or a list for s_or_list (argument 1), got a number",
    7,
  );
  assertFails(
    "slice('ab', 0.5)",
    "slice() expects a whole number for start (argument 2), got a number",
    13,
  );
  assertFails(
    "slice('ab', 0, 'x')",
    "slice() expects a whole number for end (argument 3), got text",
    16,
  );
  assertFails("basename(1)", "basename() expects text for path (argument 1), got a number", 10);
  assertFails("dirname(null)", "dirname() expects text for path (argument 1), got null", 9);
  assertFails("shell([1])", "shell() expects text for s (argument 1), got a list", 7);
  assertFails(
    "versionPart(13.2, 0)",
    "versionPart() expects text for v (argument 1), got a number",
    13,
    number,
  );
  assertFails("versionPart('1.2', -1)", "versionPart() expects i ≥ 0 (argument 2), got -1", 20);
  assertFails(
    "versionPart('1.2', '1')",
    "versionPart() expects a whole number for i (argument 2), got text",
    20,
  );
});

Deno.test("limit: an expression is at most 4096 bytes of UTF-8", () => {
  assert.equal(evaluate(`"${"a".repeat(4094)}"`), "a".repeat(4094));
  assertFails(
    `"${"a".repeat(4095)}"`,
    "expression longer than 4096 bytes",
    1,
    "expressions are limited to 4 KiB; move long text into vars",
  );
  // "é" takes two bytes: 2047 of them plus the quotes make 4096 bytes, 2048 are too many.
  assert.equal(length(evaluate(`"${"é".repeat(2047)}"`)), 2047);
  assertFails(`"${"é".repeat(2048)}"`, "expression longer than 4096 bytes", 1);
  assertFails(`${" ".repeat(5000)}1`, "expression longer than 4096 bytes", 1);
});

function length(value: Value): number {
  return typeof value === "string" ? value.length : -1;
}

Deno.test("limit: nesting depth 64 for parentheses, lists, calls and unary operators", () => {
  assert.equal(evaluate(`${"(".repeat(63)}1${")".repeat(63)}`), 1);
  assertFails(
    `${"(".repeat(64)}1${")".repeat(64)}`,
    "expression nested more than 64 levels deep",
    65,
    "split it into vars",
  );
  // The innermost "[]" holds no expression, so 64 brackets are 64 levels.
  assert.deepEqual(evaluate(`${"[".repeat(64)}${"]".repeat(64)}`), nestedList(63));
  assertFails(
    `${"[".repeat(65)}${"]".repeat(65)}`,
    "expression nested more than 64 levels deep",
    65,
  );
  assert.equal(evaluate(`${"!".repeat(63)}true`), false);
  assertFails(`${"!".repeat(64)}true`, "expression nested more than 64 levels deep", 64);
  assert.equal(evaluate(`${"lower(".repeat(63)}'A'${")".repeat(63)}`), "a");
  assertFails(
    `${"lower(".repeat(64)}'A'${")".repeat(64)}`,
    "expression nested more than 64 levels deep",
    385,
  );
  // Chains are not nesting: 1000 terms are fine (within 4 KiB).
  assert.equal(evaluate(Array(1000).fill("1").join("+")), 1000);
  assert.equal(evaluate(`m${".a".repeat(1000)}`, { m: deepMap(1000) }), null);
});

function nestedList(depth: number): Value {
  let value: Value = [];
  for (let i = 0; i < depth; i++) value = [value];
  return value;
}

function deepMap(depth: number): Value {
  let value: Value = null;
  for (let i = 0; i < depth; i++) value = { a: value };
  return value;
}

Deno.test("limit: strings are at most 1 MiB of UTF-8, checked on every operation", () => {
  const half = "x".repeat(512 * 1024);
  assert.equal(length(evaluate("s + s", { s: half })), 1024 * 1024);
  const message = "a string longer than 1048576 bytes (1 MiB) would be made here";
  assertFails("s + s + 'x'", message, 7, undefined, { s: half });
  // 349,526 "é" are under 1 Mi UTF-16 units but two of them are over 1 MiB of UTF-8.
  assertFails("s + s", message, 3, undefined, { s: "é".repeat(349_526) });
  assertFails("replace(s, 'x', 'yy')", message, 1, undefined, { s: half + "x" });
  assertFails("join([s, s, s], '')", message, 1, undefined, { s: half });
  assertFails("format('{0}{0}{0}', s)", message, 1, undefined, { s: half });
  assertFails("upper(s)", message, 1, undefined, { s: "ß".repeat(600_000) });
  assertFails("shell(s)", message, 1, undefined, { s: "'".repeat(300_000) });
  assertFails("s", message, 1, undefined, { s: half + half + "x" });
  assertFails(
    "toJSON([s, s])",
    "the JSON text of this value would be longer than 1048576 bytes",
    1,
    undefined,
    { s: half },
  );
});

Deno.test("limit: lists are at most 10,000 items", () => {
  assert.equal(
    (evaluate("split(s, ',')", { s: "a,".repeat(9999) + "a" }) as Value[]).length,
    10_000,
  );
  const message = "a list of more than 10000 items would be made here";
  assertFails("split(s, ',')", message, 1, undefined, { s: "a,".repeat(10_000) });
  assertFails("split(s, '')", message, 1, undefined, { s: "x".repeat(10_001) });
  assertFails("l", message, 1, undefined, { l: new Array(10_001).fill(0) });
});

Deno.test("limit: deep comparisons of large shared values stop after a bounded number of steps", () => {
  const rowA = new Array(1000).fill(1);
  const rowB = new Array(1000).fill(1);
  const scope = { a: new Array(5000).fill(rowA), b: new Array(5000).fill(rowB) };
  const started = performance.now();
  assertFails(
    "a == b",
    "this comparison needs more than 1048576 steps",
    3,
    "compare smaller values",
    scope,
  );
  assertFails(
    "contains([a], b)",
    "this comparison needs more than 1048576 steps",
    1,
    undefined,
    scope,
  );
  assert.ok(performance.now() - started < 1000);
  // Shared parts compare in one step.
  assert.equal(evaluate("a == a", scope), true);
});

Deno.test("values nested deeper than 64 levels are refused where they are walked", () => {
  const scope = { deep: nestedList(100) };
  assertFails(
    "toJSON(deep)",
    "a value nested more than 64 levels deep is not allowed",
    1,
    undefined,
    scope,
  );
  assertFails(
    "[deep]",
    "a value nested more than 64 levels deep is not allowed",
    1,
    undefined,
    scope,
  );
  assertFails(
    "deep == deep2",
    "a value nested more than 64 levels deep is not allowed",
    6,
    undefined,
    {
      ...scope,
      deep2: nestedList(100),
    },
  );
});

Deno.test("closestNames: typos, swaps and case, best first, nothing when far", () => {
  assert.deepEqual(closestNames("pakage", ["package", "vars", "host"]), ["package"]);
  assert.deepEqual(closestNames("hsot", ["host", "vars"]), ["host"]);
  assert.deepEqual(closestNames("Package", ["vars", "package"]), ["package"]);
  assert.deepEqual(closestNames("vers", ["vars", "version", "ver"]), ["vars", "ver"]);
  assert.deepEqual(closestNames("zzz", ["package", "vars"]), []);
  assert.deepEqual(closestNames("a", ["b", "ab"]), []);
  assert.deepEqual(closestNames("ab", ["b", "abc", "xy"]), ["b", "abc"]);
  assert.deepEqual(closestNames("", ["a"]), []);
  assert.deepEqual(closestNames("build", ["biuld", "buidl", "built", "guild"], 2), [
    "biuld",
    "buidl",
  ]);
  assert.deepEqual(closestNames("x".repeat(1000), ["x".repeat(999)]), []);
});
