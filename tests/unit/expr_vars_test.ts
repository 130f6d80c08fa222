/** The manifest's vars: dependency order, unknown vars, cycles, limits, hostile chains. */
import assert from "node:assert/strict";
import { isMap, parseDocument, type Scalar } from "yaml";
import {
  Budget,
  evaluateVars,
  ExprError,
  scalarLocator,
  type Scope,
  type TextLocator,
  type VarInput,
} from "../../lib/expr/mod.ts";

const SCOPE: Scope = { package: { slug: "m4", version: "1.4.19" }, host: { arch: "x86_64" } };

/** The `vars` of a YAML manifest as the loader hands them over, with real locators. */
function varsOf(source: string, file = "m.yaml"): VarInput[] {
  const doc = parseDocument(source);
  assert.deepEqual(doc.errors, []);
  const vars = doc.get("vars", true);
  assert.ok(isMap(vars));
  return vars.items.map((pair) => {
    const name = String((pair.key as Scalar).value);
    return {
      name,
      value: doc.getIn(["vars", name]) && (pair.value as { toJSON(): unknown }).toJSON(),
      where: (path): TextLocator => {
        const node = doc.getIn(["vars", name, ...path], true) as Scalar;
        return scalarLocator(file, source, node);
      },
    };
  });
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

Deno.test("vars are evaluated in dependency order and returned in manifest order", () => {
  const source = [
    "vars:",
    "  url: https://example.org/${{ vars.tarball }}",
    "  tarball: ${{ vars.stem }}.tar.xz",
    "  stem: ${{ package.slug }}-${{ package.version }}",
    "  major: ${{ versionPart(package.version, 0) }}",
    "  jobs: 4",
    "  more: ${{ vars.jobs + 1 }}",
    "  flags: ['--a', '${{ vars.stem }}', { x: '${{ vars.jobs }}' }]",
    "  whole: ${{ split(vars.stem, '-') }}",
    "  literal: $${{ not evaluated }}",
    "  nothing:",
    "",
  ].join("\n");
  const vars = evaluateVars(varsOf(source), SCOPE);
  assert.deepEqual(vars, {
    url: "https://example.org/m4-1.4.19.tar.xz",
    tarball: "m4-1.4.19.tar.xz",
    stem: "m4-1.4.19",
    major: "1",
    jobs: 4,
    more: 5,
    flags: ["--a", "m4-1.4.19", { x: 4 }],
    whole: ["m4", "1.4.19"],
    literal: "${{ not evaluated }}",
    nothing: null,
  });
  assert.deepEqual(Object.keys(vars), [
    "url",
    "tarball",
    "stem",
    "major",
    "jobs",
    "more",
    "flags",
    "whole",
    "literal",
    "nothing",
  ]);
});

Deno.test("a var using a missing var: unknown name with a suggestion, at the reference", () => {
  const source = [
    "vars:",
    "  tarball: m4.tar.xz",
    "  url: https://example.org/${{ vars.tarbal }}",
    "",
  ].join("\n");
  const error = errorOf(() => evaluateVars(varsOf(source), SCOPE));
  assert.equal(error.message, 'unknown name "vars.tarbal"; did you mean "vars.tarball"?');
  assert.equal(error.hint, "vars has: tarball, url");
  assert.deepEqual(error.position, { file: "m.yaml", line: 3, col: 32 });
  // Also inside nested values, and through vars["..."].
  const nested = "vars:\n  a: 1\n  b:\n    - x\n    - '${{ vars[\"c\"] }}'\n";
  const second = errorOf(() => evaluateVars(varsOf(nested), SCOPE));
  assert.equal(second.message, 'unknown name "vars.c"');
  assert.deepEqual(second.position, { file: "m.yaml", line: 5, col: 12 });
});

Deno.test("a cycle names every var in it, in order, at the first one's reference", () => {
  const source = [
    "vars:",
    "  start: ok",
    "  a: x${{ vars.b }}",
    "  b: ${{ vars.c }}",
    "  c: ${{ vars.start + vars.a }}",
    "",
  ].join("\n");
  const error = errorOf(() => evaluateVars(varsOf(source), SCOPE));
  assert.equal(error.message, "vars cycle: a -> b -> c -> a");
  assert.deepEqual(error.position, { file: "m.yaml", line: 3, col: 11 });
  assert.equal(error.hint, "a var cannot depend on itself, directly or through other vars");

  const self = errorOf(() => evaluateVars(varsOf("vars:\n  me: ${{ vars.me }}\n"), SCOPE));
  assert.equal(self.message, "vars cycle: me -> me");
  assert.deepEqual(self.position, { file: "m.yaml", line: 2, col: 11 });

  // Entered from a var outside the cycle: the cycle is still only its members.
  const tail = "vars:\n  x: ${{ vars.p }}\n  p: ${{ vars.q }}\n  q: ${{ [vars.p] }}\n";
  assert.equal(errorOf(() => evaluateVars(varsOf(tail), SCOPE)).message, "vars cycle: p -> q -> p");
});

Deno.test("errors inside vars' templates are at their own position", () => {
  const source = 'vars:\n  a: 1\n  b:\n    k: "v ${{ vars.a + [1] }}"\n';
  const error = errorOf(() => evaluateVars(varsOf(source), SCOPE));
  assert.equal(error.message, '"+" cannot add a number and a list');
  assert.deepEqual(error.position, { file: "m.yaml", line: 4, col: 22 });
  const syntax = errorOf(() => evaluateVars(varsOf("vars:\n  a: ${{ 1 + }}\n"), SCOPE));
  assert.equal(syntax.message, 'expected a value, found "}}"');
  assert.deepEqual(syntax.position, { file: "m.yaml", line: 2, col: 14 });
});

Deno.test("limit: at most 1000 vars", () => {
  const make = (count: number) =>
    Array.from({ length: count }, (_, i): VarInput => ({
      name: `v${i}`,
      value: i === 0 ? "0" : `\${{ vars.v${i - 1} }}`,
      where: () => ({ file: "m.yaml", locate: () => ({ line: i + 2, col: 3 }) }),
    }));
  assert.equal(evaluateVars(make(1000), SCOPE).v999, "0");
  const error = errorOf(() => evaluateVars(make(1001), SCOPE));
  assert.equal(error.message, "too many vars: 1001; the limit is 1000");
  assert.deepEqual(error.position, { file: "m.yaml", line: 1002, col: 3 });
});

Deno.test("limit: var values nested more than 64 levels", () => {
  let value: unknown = "${{ 1 }}";
  for (let i = 0; i < 70; i++) value = [value];
  const where = () => ({ file: "m.yaml", locate: () => ({ line: 2, col: 3 }) });
  const error = errorOf(() => evaluateVars([{ name: "deep", value, where }], SCOPE));
  assert.equal(error.message, 'var "deep" is nested more than 64 levels deep');
});

Deno.test("hostile: 40 vars each doubling the previous fail fast on the 1 MiB string limit", () => {
  const lines = ["vars:", "  v0: 0123456789abcdef"];
  for (let i = 1; i < 40; i++) lines.push(`  v${i}: \${{ vars.v${i - 1} + vars.v${i - 1} }}`);
  const source = lines.join("\n") + "\n";
  const started = performance.now();
  const error = errorOf(() => evaluateVars(varsOf(source), SCOPE, new Budget()));
  assert.ok(performance.now() - started < 1000);
  assert.equal(error.message, "a string longer than 1048576 bytes (1 MiB) would be made here");
  // v17 would be 16 * 2^17 = 2 MiB: the error is at its "+".
  assert.deepEqual(error.position, { file: "m.yaml", line: 19, col: 21 });
});

Deno.test("hostile: vars doubling nested lists fail fast on the manifest budget", () => {
  const lines = ["vars:", "  v0: 0123456789abcdef"];
  for (let i = 1; i < 40; i++) lines.push(`  v${i}: \${{ [vars.v${i - 1}, vars.v${i - 1}] }}`);
  const source = lines.join("\n") + "\n";
  const started = performance.now();
  const error = errorOf(() => evaluateVars(varsOf(source), SCOPE, new Budget()));
  assert.ok(performance.now() - started < 1000);
  assert.equal(
    error.message,
    "the manifest's templates expand to more than 16777216 bytes in total",
  );
  assert.equal(error.position?.line, 21);
  // Without a budget the shared structure is still small; printing it is what is bounded.
  const vars = evaluateVars(varsOf(source.split("\n").slice(0, 25).join("\n") + "\n"), SCOPE);
  assert.ok(Array.isArray(vars.v23));
});
