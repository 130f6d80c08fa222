/** Hostile inputs fail fast (each well under a second) with a clear ExprError. */
import assert from "node:assert/strict";
import {
  Budget,
  evaluateExpression,
  evaluateVars,
  expandTemplate,
  ExprError,
  plainLocator,
  type Scope,
  type Value,
  type VarInput,
} from "../../lib/expr/mod.ts";
import { loadManifestText } from "../../lib/manifest/load.ts";
import { loadYamlLibrary } from "../../lib/manifest/yaml_library.ts";

const MiB = 1024 * 1024;

/** Runs `run`, expects an ExprError within a second, returns its message. */
function failsFast(run: () => unknown): string {
  const started = performance.now();
  let message: string | undefined;
  try {
    run();
  } catch (error) {
    if (!(error instanceof ExprError)) throw error;
    message = error.message;
  }
  const elapsed = performance.now() - started;
  assert.ok(elapsed < 1000, `took ${elapsed.toFixed(0)} ms`);
  assert.ok(message !== undefined, "no error");
  return message;
}

const where = plainLocator("h.yaml", "");
const expr = (text: string, scope: Scope = {}) => () => evaluateExpression(text, scope);
const template = (text: string, scope: Scope = {}) => () => expandTemplate(text, scope, where);

Deno.test("a 1 MiB expression fails on the 4 KiB limit without being read whole", () => {
  const long = "1+".repeat(MiB / 2) + "1";
  assert.equal(failsFast(expr(long)), "expression longer than 4096 bytes");
  assert.equal(failsFast(template("${{ " + long + " }}")), "expression longer than 4096 bytes");
  assert.equal(failsFast(expr(`"${"x".repeat(MiB)}"`)), "expression longer than 4096 bytes");
  assert.equal(
    failsFast(template("${{ " + "x".repeat(MiB))),
    'unterminated "${{": no "}}" closes it',
  );
});

Deno.test("10,000 nested parentheses, brackets, calls or operators fail at depth 64", () => {
  const message = "expression nested more than 64 levels deep";
  assert.equal(failsFast(expr("(".repeat(10_000) + "1" + ")".repeat(10_000))), message);
  assert.equal(failsFast(expr("(".repeat(10_000))), message);
  assert.equal(failsFast(template("${{ " + "(".repeat(10_000) + " }}")), message);
  assert.equal(failsFast(expr("[".repeat(10_000))), message);
  assert.equal(failsFast(expr("!".repeat(10_000) + "true")), message);
  assert.equal(failsFast(expr("-".repeat(10_000) + "1")), message);
  assert.equal(failsFast(expr("lower(".repeat(10_000))), message);
  assert.equal(failsFast(expr("true?".repeat(10_000))), message);
});

Deno.test("40 vars each doubling the previous fail on the 1 MiB string limit", () => {
  const vars: VarInput[] = [{ name: "v0", value: "0123456789abcdef", where: () => where }];
  for (let i = 1; i < 40; i++) {
    vars.push({
      name: `v${i}`,
      value: `\${{ vars.v${i - 1} + vars.v${i - 1} }}`,
      where: () => where,
    });
  }
  assert.equal(
    failsFast(() => evaluateVars(vars, {}, new Budget())),
    "a string longer than 1048576 bytes (1 MiB) would be made here",
  );
  // The same with format() and join() doing the doubling.
  const viaFormat = vars.map((v, i) =>
    i === 0 ? v : { ...v, value: `\${{ format("{0}{0}", vars.v${i - 1}) }}` }
  );
  assert.equal(
    failsFast(() => evaluateVars(viaFormat, {})),
    "a string longer than 1048576 bytes (1 MiB) would be made here",
  );
});

Deno.test("a 1 MiB template of many expressions or escapes is handled in bounded time", () => {
  const many = "${{ 1 }}".repeat(MiB / 8);
  const started = performance.now();
  assert.equal((expandTemplate(many, {}, where) as string).length, MiB / 8);
  assert.equal((expandTemplate("$${{".repeat(MiB / 4), {}, where) as string).length, 3 * MiB / 4);
  assert.ok(performance.now() - started < 2000);
  assert.equal(
    failsFast(template("x".repeat(MiB) + "${{ 1 }}")),
    "a string longer than 1048576 bytes (1 MiB) would be made here",
  );
});

Deno.test("built-ins that could blow up refuse before building the result", () => {
  const scope: Scope = { s: "a".repeat(MiB / 2), t: "a".repeat(2000) };
  const tooLong = "a string longer than 1048576 bytes (1 MiB) would be made here";
  assert.equal(failsFast(expr("replace(s, 'a', s)", scope)), tooLong);
  assert.equal(failsFast(expr("replace(t, 'a', t)", scope)), tooLong);
  assert.equal(failsFast(expr("format('{0}{0}{0}{0}{0}{0}{0}{0}', s)", scope)), tooLong);
  assert.equal(failsFast(expr("join([s, s, s, s, s, s, s, s], s)", scope)), tooLong);
  assert.equal(
    failsFast(expr("split(s, '')", scope)),
    "a list of more than 10000 items would be made here",
  );
  assert.equal(failsFast(expr("shell(s + s)", { s: "'".repeat(MiB / 2) })), tooLong);
});

Deno.test("values sharing structure (2^40 leaves) are bounded when printed, compared or charged", () => {
  let a: Value = "leaf";
  let b: Value = "leaf";
  for (let i = 0; i < 40; i++) {
    a = [a, a];
    b = [b, b];
  }
  const scope: Scope = { a, b };
  assert.equal(
    failsFast(expr("toJSON(a)", scope)),
    "the JSON text of this value would be longer than 1048576 bytes",
  );
  assert.equal(
    failsFast(template("x${{ a }}", scope)),
    "the JSON text of this value would be longer than 1048575 bytes",
  );
  assert.equal(failsFast(expr("a == b", scope)), "this comparison needs more than 1048576 steps");
  assert.equal(
    failsFast(() => expandTemplate("${{ a }}", scope, where, new Budget())),
    "the manifest's templates expand to more than 16777216 bytes in total",
  );
  assert.equal(evaluateExpression("a == a", scope), true);
  assert.equal(evaluateExpression("length(a[0][1][0])", scope), 2);
});

Deno.test("a YAML billion-laughs document fails on the node budget within a second", async () => {
  // Nine levels of ten aliases each: 10^9 nodes if expanded.
  const levels = "abcdefghi".split("");
  const lines = levels.map((name, i) =>
    i === 0
      ? `  ${name}: &${name} [${Array(10).fill("x").join(", ")}]`
      : `  ${name}: &${name} [${Array(10).fill(`*${levels[i - 1]}`).join(", ")}]`
  );
  const text = `package:\n  schema: 1\n  slug: lol\n  version: "1"\nvars:\n${
    lines.join("\n")
  }\nbuild: { script: "true" }\n`;
  await loadYamlLibrary(); // aliases need the library; loading it is not what is timed
  const started = performance.now();
  const result = await loadManifestText("/lol.yaml", text);
  const elapsed = performance.now() - started;
  assert.ok(elapsed < 1000, `took ${elapsed.toFixed(0)} ms`);
  assert.equal(result.manifest, undefined);
  assert.match(result.diagnostics[0].message, /document expands to more than 1000000 nodes/);
});
