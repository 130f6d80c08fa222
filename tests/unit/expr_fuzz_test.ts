/**
 * Seeded fuzzing: random text and random well-formed expressions (generated from
 * the grammar), plus mutations of them, never hang, never throw anything but
 * ExprError, give the same result twice, and stay within the limits.
 * Set FUZZ_ITERATIONS for a longer run.
 */
import assert from "node:assert/strict";
import {
  BUILTINS,
  evaluateExpression,
  expandTemplate,
  ExprError,
  MAX_LIST_LENGTH,
  MAX_STRING_BYTES,
  type Scope,
  type TextLocator,
  type Value,
} from "../../lib/expr/mod.ts";

const ITERATIONS = Number(Deno.env.get("FUZZ_ITERATIONS") ?? 3000);

/** Seeded generator (mulberry32): the same seed gives the same run everywhere. */
function random(seed: number): () => number {
  return () => {
    seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const SCOPE: Scope = {
  package: { slug: "m4", version: "1.4.19", name: "GNU M4" },
  vars: {
    big: "x".repeat(300_000),
    list: Array.from({ length: 5000 }, (_, i) => i),
    words: ["a", "b c", "'q'"],
    n: 3,
    none: null,
  },
  deps: { "gcc-libs": { version: "13.2.0", slug: "gcc" } },
  host: { arch: "x86_64" },
  target: "x86_64-linux-gnu",
};

const LOCATOR: TextLocator = {
  file: "fuzz.yaml",
  locate: (offset) => ({ line: 1, col: offset + 1 }),
};

const NAMES = [
  "package.version",
  "package.slug",
  "vars.big",
  "vars.list",
  "vars.words",
  "vars.n",
  "vars.none",
  'deps["gcc-libs"].version',
  "host.arch",
  "target",
  "package",
  "vars",
  "nope",
  "vars.nope",
  "vars.list[4999]",
  "vars.words[1]",
];
const STRINGS = [
  '""',
  '"a"',
  "'b c'",
  '"1.2.3"',
  '"{0}-{1}"',
  '"\\n\\t\\\\"',
  "'it\\'s'",
  '"/usr/lib/x"',
  '"é😀"',
];
const BINARY = ["+", "-", "==", "!=", "<", "<=", ">", ">=", "&&", "||"];
const FUNCTIONS = [...BUILTINS.entries()];

/** A random expression from the grammar; mostly well-typed pieces, sometimes not. */
function generate(next: () => number, depth: number): string {
  const pick = <T>(items: readonly T[]): T => items[Math.floor(next() * items.length)];
  const choice = depth <= 0 ? Math.floor(next() * 4) : Math.floor(next() * 11);
  switch (choice) {
    case 0:
      return String(Math.floor(next() * 20) - 2) + (next() < 0.2 ? ".5" : "");
    case 1:
      return pick(STRINGS);
    case 2:
      return pick(NAMES);
    case 3:
      return pick(["true", "false", "null"]);
    case 4: {
      const [name, builtin] = pick(FUNCTIONS);
      const min = builtin.minArgs;
      const max = Math.min(builtin.maxArgs, min + 2);
      const count = next() < 0.1
        ? Math.floor(next() * 4)
        : min + Math.floor(next() * (max - min + 1));
      const args = Array.from({ length: count }, () => generate(next, depth - 1));
      return `${name}(${args.join(", ")})`;
    }
    case 5:
      return `${generate(next, depth - 1)} ${pick(BINARY)} ${generate(next, depth - 1)}`;
    case 6:
      return `${pick(["!", "-"])}${generate(next, depth - 1)}`;
    case 7:
      return `(${generate(next, depth - 1)})`;
    case 8:
      return `[${
        Array.from({ length: Math.floor(next() * 4) }, () => generate(next, depth - 1)).join(", ")
      }]`;
    case 9:
      return `${generate(next, depth - 1)} ? ${generate(next, depth - 1)} : ${
        generate(next, depth - 1)
      }`;
    default:
      return `${generate(next, depth - 1)}[${generate(next, depth - 1)}]`;
  }
}

const ALPHABET = "()[]{}.,?:!+-=<>&|\"'\\$ \n\tabcxyz019_é😀";

function randomText(next: () => number): string {
  const length = Math.floor(next() * 60);
  let text = "";
  for (let i = 0; i < length; i++) {
    text += next() < 0.3
      ? String.fromCharCode(Math.floor(next() * 256))
      : ALPHABET[Math.floor(next() * ALPHABET.length)];
  }
  return text;
}

function mutate(next: () => number, text: string): string {
  const chars = [...text];
  const edits = 1 + Math.floor(next() * 3);
  for (let i = 0; i < edits; i++) {
    const at = Math.floor(next() * (chars.length + 1));
    const kind = next();
    if (kind < 0.4) chars.splice(at, 1);
    else if (kind < 0.8) chars.splice(at, 0, ALPHABET[Math.floor(next() * ALPHABET.length)]);
    else chars.splice(at, 0, ...chars.slice(0, at));
  }
  return chars.join("");
}

function utf8Length(text: string): number {
  return new TextEncoder().encode(text).length;
}

function checkWithinLimits(value: Value, input: string): void {
  if (typeof value === "string") assert.ok(utf8Length(value) <= MAX_STRING_BYTES, input);
  if (Array.isArray(value)) assert.ok(value.length <= MAX_LIST_LENGTH, input);
}

/** Runs one input: only ExprError may escape; results are limited and reproducible. */
function probe(
  run: () => Value,
  input: string,
  stats: { ok: number; errors: number; slowest: number },
) {
  const started = performance.now();
  let first: Value | ExprError;
  try {
    first = run();
    checkWithinLimits(first, input);
    stats.ok++;
  } catch (error) {
    if (!(error instanceof ExprError)) {
      throw new Error(`not an ExprError for ${JSON.stringify(input)}: ${error}`);
    }
    assert.ok(error.position && error.position.line >= 1 && error.position.col >= 1, input);
    assert.ok(error.message.length > 0);
    first = error;
    stats.errors++;
  }
  const elapsed = performance.now() - started;
  stats.slowest = Math.max(stats.slowest, elapsed);
  assert.ok(elapsed < 1000, `${elapsed.toFixed(0)} ms for ${JSON.stringify(input).slice(0, 200)}`);
  // Determinism: the same input gives the same value or the same error.
  let second: Value | ExprError;
  try {
    second = run();
  } catch (error) {
    second = error as ExprError;
  }
  if (first instanceof ExprError) {
    assert.ok(second instanceof ExprError, input);
    assert.equal(second.message, first.message, input);
    assert.deepEqual(second.position, first.position, input);
  } else assert.deepEqual(second, first, input);
}

Deno.test(`fuzz: ${ITERATIONS} random texts as expressions and templates`, () => {
  const next = random(1);
  const stats = { ok: 0, errors: 0, slowest: 0 };
  for (let i = 0; i < ITERATIONS; i++) {
    const text = randomText(next);
    probe(() => evaluateExpression(text, SCOPE, LOCATOR), text, stats);
    probe(() => expandTemplate(text, SCOPE, LOCATOR), text, stats);
    const wrapped = `a \${{ ${text} }} b`;
    probe(() => expandTemplate(wrapped, SCOPE, LOCATOR), wrapped, stats);
  }
  assert.ok(stats.errors > 0 && stats.ok > 0);
});

Deno.test(`fuzz: ${ITERATIONS} generated expressions and mutations of them`, () => {
  const next = random(2);
  const stats = { ok: 0, errors: 0, slowest: 0 };
  for (let i = 0; i < ITERATIONS; i++) {
    const text = generate(next, 1 + Math.floor(next() * 5));
    probe(() => evaluateExpression(text, SCOPE, LOCATOR), text, stats);
    const template = `\${{ ${text} }}`;
    probe(() => expandTemplate(template, SCOPE, LOCATOR), template, stats);
    const mutated = mutate(next, text);
    probe(() => evaluateExpression(mutated, SCOPE, LOCATOR), mutated, stats);
  }
  // The generator mostly makes valid expressions: many must evaluate.
  assert.ok(stats.ok > ITERATIONS / 2, `only ${stats.ok} evaluated`);
});

Deno.test("fuzz: deeply generated expressions hit the depth or size limits cleanly", () => {
  const next = random(3);
  const stats = { ok: 0, errors: 0, slowest: 0 };
  for (let i = 0; i < Math.max(50, ITERATIONS / 20); i++) {
    const text = generate(next, 12);
    probe(() => evaluateExpression(text, SCOPE, LOCATOR), text.slice(0, 300), stats);
  }
  assert.ok(stats.errors > 0);
});
