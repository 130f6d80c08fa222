/** Templates in strings: substitution, typing, escapes, caching, var references, budget. */
import assert from "node:assert/strict";
import {
  Budget,
  expandTemplate,
  ExprError,
  formatValue,
  hasTemplate,
  plainLocator,
  referencedVars,
  type Scope,
  type TextLocator,
  type Value,
} from "../../lib/expr/mod.ts";

const SCOPE: Scope = {
  package: { slug: "m4", version: "1.4.19" },
  vars: { tarball: "m4-1.4.19.tar.xz", jobs: 4, flags: ["--a", "--b"], none: null },
  host: { arch: "x86_64" },
};

/** A locator for a template that is a whole one-line file. */
function at(file = "m.yaml"): TextLocator {
  return { file, locate: (offset) => ({ line: 7, col: offset + 1 }) };
}

function expand(text: string, scope: Scope = SCOPE, budget?: Budget): Value {
  return expandTemplate(text, scope, at(), budget);
}

function errorOf(run: () => unknown): ExprError {
  try {
    run();
  } catch (error) {
    if (error instanceof ExprError) return error;
    throw error;
  }
  throw new Error("no error");
}

function assertFails(text: string, message: string, col: number, scope?: Scope) {
  const error = errorOf(() => expand(text, scope));
  assert.equal(error.message, message, text);
  assert.deepEqual(error.position, { file: "m.yaml", line: 7, col }, text);
}

Deno.test("hasTemplate: only text holding ${{ (or its escape) needs work", () => {
  assert.equal(hasTemplate("plain text"), false);
  assert.equal(hasTemplate("${ not } {{ either }}"), false);
  assert.equal(hasTemplate("a ${{ b }}"), true);
  assert.equal(hasTemplate("$${{ escaped"), true);
  assert.equal(expand("plain text"), "plain text");
});

Deno.test("a string that is exactly one ${{ }} takes the value's type", () => {
  assert.equal(expand("${{ vars.jobs }}"), 4);
  assert.equal(expand("${{vars.jobs}}"), 4);
  assert.equal(expand("${{ \n vars.jobs \t }}"), 4);
  assert.deepEqual(expand("${{ vars.flags }}"), ["--a", "--b"]);
  assert.deepEqual(expand("${{ package }}"), { slug: "m4", version: "1.4.19" });
  assert.equal(expand("${{ vars.none }}"), null);
  assert.equal(expand("${{ true }}"), true);
  assert.equal(expand("${{ package.version }}"), "1.4.19");
});

Deno.test("anything else is text: numbers as written, null empty, lists and maps as JSON", () => {
  assert.equal(expand(" ${{ vars.jobs }}"), " 4");
  assert.equal(expand("${{ vars.jobs }}\n"), "4\n");
  assert.equal(expand("-j${{ vars.jobs }}"), "-j4");
  assert.equal(expand("a${{ vars.none }}b"), "ab");
  assert.equal(expand("${{ 1 }} ${{ 2 }}"), "1 2");
  assert.equal(expand("${{ 1 }}${{ 2 }}"), "12");
  assert.equal(expand("flags=${{ vars.flags }}"), 'flags=["--a","--b"]');
  assert.equal(expand("p=${{ package }}"), 'p={"slug":"m4","version":"1.4.19"}');
  assert.equal(expand("${{ true }}!"), "true!");
  assert.equal(expand("${{ 1.5 }} "), "1.5 ");
  assert.equal(
    expand("https://example.org/m4/${{ vars.tarball }}"),
    "https://example.org/m4/m4-1.4.19.tar.xz",
  );
  assert.equal(
    expand('${{ format("{0}-{1}.tar.xz", package.slug, package.version) }}'),
    "m4-1.4.19.tar.xz",
  );
});

Deno.test("$${{ writes a literal ${{; }} inside string literals does not end the expression", () => {
  assert.equal(expand("$${{ x }}"), "${{ x }}");
  assert.equal(expand("a $${{ x }} ${{ package.slug }}"), "a ${{ x }} m4");
  assert.equal(expand("${{ package.slug }}$${{"), "m4${{");
  // Only the "$" right before "${{" escapes it; an earlier one stays.
  assert.equal(expand("$$${{ x }}"), "$${{ x }}");
  assert.equal(expand("$ ${{ package.slug }}"), "$ m4");
  assert.equal(expand('${{ "}}" }}'), "}}");
  assert.equal(expand("${{ '}} ${{' + package.slug }}"), "}} ${{m4");
  assert.equal(expand('${{ format("{{}}") }}'), "{}");
  assert.equal(expand("}} ${ {{ x"), "}} ${ {{ x");
});

Deno.test("template errors point at the expression inside the text", () => {
  assertFails("abc ${{ pakage.version }}", 'unknown name "pakage"; did you mean "package"?', 9);
  assertFails("a ${{ x", 'unterminated "${{": no "}}" closes it', 3);
  assertFails("a ${{ 'x }}", "unterminated string: no closing '", 7);
  assertFails("${{ 1 }} and ${{ }}", "empty expression", 18);
  assertFails("${{ 1 } }}", 'unexpected character "}" in expression', 7);
  assertFails("${{ 1 2 }}", "unexpected number 2 after a complete expression", 7);
  assertFails("x ${{ (1 }}", 'expected ")" to close the parenthesis, found "}}"', 10);
  assertFails("${{ vars.jobs + [1] }}", '"+" cannot add a number and a list', 15);
  const error = errorOf(() => expand("${{ lowr(1) }}"));
  assert.equal(error.hint?.startsWith("functions: lower, upper, trim"), true);
});

Deno.test("a cached template replays its errors at each scalar's own position", () => {
  const text = "v=${{ package.verison }}";
  for (const line of [3, 9, 3]) {
    const where: TextLocator = { file: "x.yaml", locate: (offset) => ({ line, col: offset + 5 }) };
    const error = errorOf(() => expandTemplate(text, SCOPE, where));
    assert.deepEqual(error.position, { file: "x.yaml", line, col: 19 });
  }
  // A syntax error is cached too, and still located per use.
  const broken = "v=${{ 1 + }}";
  for (const line of [1, 2]) {
    const where: TextLocator = { file: "y.yaml", locate: (offset) => ({ line, col: offset + 1 }) };
    assert.deepEqual(errorOf(() => expandTemplate(broken, SCOPE, where)).position, {
      file: "y.yaml",
      line,
      col: 11,
    });
  }
  // Same text, different scope: evaluated anew.
  assert.equal(expandTemplate("${{ a }}", { a: 1 }, at()), 1);
  assert.equal(expandTemplate("${{ a }}", { a: 2 }, at()), 2);
});

Deno.test("limits in templates: expression size, string size, list size", () => {
  // The limit is on the text between "${{" and "}}", spaces included.
  assert.equal((expand(`\${{"${"a".repeat(4094)}"}}`) as string).length, 4094);
  assert.equal((expand(`\${{ "${"a".repeat(4092)}" }}`) as string).length, 4092);
  assertFails(`x \${{"${"a".repeat(4095)}"}}`, "expression longer than 4096 bytes", 3);
  assertFails(`x \${{ "${"a".repeat(4093)}" }}`, "expression longer than 4096 bytes", 3);
  const half = "x".repeat(512 * 1024);
  assert.equal((expand("${{ s }}${{ s }}", { s: half }) as string).length, 1024 * 1024);
  assertFails(
    "${{ s }}${{ s }}!",
    "a string longer than 1048576 bytes (1 MiB) would be made here",
    9,
    { s: half },
  );
  assertFails(
    "a${{ l }}",
    "the JSON text of this value would be longer than 1048575 bytes",
    2,
    { l: [half, half] },
  );
  assertFails("${{ l }}", "a list of more than 10000 items would be made here", 1, {
    l: new Array(10_001).fill(1),
  });
});

Deno.test("Budget: the total expanded size of a manifest is limited", () => {
  const budget = new Budget(100);
  assert.equal(budget.maxTotalBytes, 100);
  const scope = { s: "x".repeat(60), l: ["a", "b"] };
  assert.equal(expandTemplate("${{ s }}", scope, at(), budget), scope.s);
  assert.equal(budget.used, 60);
  const error = errorOf(() => expandTemplate("ab${{ s }}", scope, at(), budget));
  assert.equal(error.message, "the manifest's templates expand to more than 100 bytes in total");
  assert.deepEqual(error.position, { file: "m.yaml", line: 7, col: 3 });
  // Lists count by their JSON size; UTF-8 counts bytes.
  const small = new Budget(1000);
  expandTemplate("${{ l }}", scope, at(), small);
  assert.equal(small.used, 9); // ["a","b"]
  expandTemplate("${{ 'é' }}", scope, at(), small);
  assert.equal(small.used, 11);
  assert.equal(new Budget().maxTotalBytes, 16 * 1024 * 1024);
});

Deno.test('referencedVars: names used as vars.X or vars["X"], once each, in order', () => {
  assert.deepEqual(
    referencedVars("${{ vars.b }}-${{ vars['a'] + vars.b }} ${{ lower(vars.c) }} ${{ vars[x] }}"),
    ["b", "a", "c"],
  );
  assert.deepEqual(
    referencedVars("${{ true ? [vars.x][0] : format('{0}', vars.y.z, !vars.w) == vars.v }}"),
    ["x", "y", "w", "v"],
  );
  assert.deepEqual(referencedVars("${{ package.vars }} ${{ vars }}"), []);
  assert.deepEqual(referencedVars("$${{ vars.a }}"), []);
  assert.deepEqual(referencedVars("no templates"), []);
  assert.deepEqual(referencedVars("${{ vars.a + }}"), []);
});

Deno.test("formatValue: text as is, everything else as JSON", () => {
  assert.equal(formatValue("a b"), "a b");
  assert.equal(formatValue(3), "3");
  assert.equal(formatValue(null), "null");
  assert.equal(formatValue(true), "true");
  assert.equal(formatValue([1, "x", { a: null }]), '[1,"x",{"a":null}]');
});

Deno.test("plainLocator counts lines and columns of multi-line text", () => {
  const where = plainLocator("e", "ab\ncd\n");
  assert.deepEqual(where.locate(0), { line: 1, col: 1 });
  assert.deepEqual(where.locate(4), { line: 2, col: 2 });
  assert.deepEqual(where.locate(6), { line: 3, col: 1 });
});
