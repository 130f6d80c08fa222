/**
 * Errors in templates point at the exact line and column in the manifest, whatever
 * YAML did to the text: escapes, quotes, folding, block indentation, CRLF.
 */
import assert from "node:assert/strict";
import { Document, parseDocument, type Scalar, visit } from "yaml";
import {
  expandTemplate,
  ExprError,
  scalarLocator,
  type Scope,
  type TextLocator,
} from "../../lib/expr/mod.ts";

const SCOPE: Scope = { package: { slug: "m4", version: "1.4.19" } };

const MANIFEST = [
  "package:", // 1
  "  schema: 1", // 2
  "  slug: m4", // 3
  '  version: "1.4.19"', // 4
  "vars:", // 5
  "  tarball: m4-${{ package.version }}.tar.xz", // 6
  '  quoted: "say \\"hi\\" \\x41 ${{ pakage.slug }}"', // 7
  "  single: 'it''s ${{ pakage.slug }}'", // 8
  '  inner: "${{ lower(\\"X\\") + nope }}"', // 9
  "build:", // 10
  "  script: |", // 11
  "    make PREFX=${{ pakage.version }}", // 12
  "    make install", // 13
  "",
].join("\n");

function scalarAt(source: string, path: (string | number)[]): Scalar {
  const doc = parseDocument(source);
  assert.deepEqual(doc.errors, []);
  return doc.getIn(path, true) as Scalar;
}

function errorIn(source: string, path: (string | number)[], scope: Scope = SCOPE): ExprError {
  const scalar = scalarAt(source, path);
  try {
    expandTemplate(scalar.value as string, scope, scalarLocator("m4.yaml", source, scalar));
  } catch (error) {
    if (error instanceof ExprError) return error;
    throw error;
  }
  throw new Error(`no error at ${path.join(".")}`);
}

/** The error's [line, col], checking that the file has the failing name right there. */
function positionIn(source: string, path: (string | number)[], scope?: Scope) {
  const error = errorIn(source, path, scope);
  const { line, col } = error.position!;
  const name = /unknown name "([^"]+)"/.exec(error.message)![1];
  assert.equal(source.split("\n")[line - 1].slice(col - 1, col - 1 + name.length), name);
  return [line, col];
}

Deno.test("an expression in a block scalar: the error is at its line and column in the file", () => {
  const error = errorIn(MANIFEST, ["build", "script"]);
  assert.equal(error.message, 'unknown name "pakage"; did you mean "package"?');
  assert.deepEqual(error.position, { file: "m4.yaml", line: 12, col: 20 });
});

Deno.test("double-quoted scalars: escapes before the expression do not shift the column", () => {
  // `\"` twice and `\x41` before: the decoded text is 7 characters shorter than the source.
  assert.deepEqual(positionIn(MANIFEST, ["vars", "quoted"]), [7, 32]);
  // Escaped quotes inside the expression itself, then the failing name.
  const error = errorIn(MANIFEST, ["vars", "inner"]);
  assert.equal(error.message, 'unknown name "nope"');
  assert.deepEqual(error.position, { file: "m4.yaml", line: 9, col: 30 });
});

Deno.test("single-quoted scalars: '' before the expression", () => {
  assert.deepEqual(positionIn(MANIFEST, ["vars", "single"]), [8, 22]);
});

Deno.test("double-quoted escapes of every kind, and folded lines", () => {
  const source = [
    'a: "\\t\\n\\\\\\u00e9\\U0001F600\\/\\ \\_ ${{ nope }}"', // 1
    'b: "line one',
    '   line two ${{ nope }}"', // 3
    'c: "joined\\',
    '     here ${{ nope }}"', // 5
    'd: "para',
    "",
    '     after ${{ nope }}"', // 8
    'e: "trailing   ',
    '  \\t ${{ nope }}"', // 10
    "",
  ].join("\n");
  assert.deepEqual(positionIn(source, ["a"]), [1, 38]);
  assert.deepEqual(positionIn(source, ["b"]), [3, 17]);
  assert.deepEqual(positionIn(source, ["c"]), [5, 15]);
  assert.deepEqual(positionIn(source, ["d"]), [8, 16]);
  assert.deepEqual(positionIn(source, ["e"]), [10, 10]);
});

Deno.test("plain multi-line scalars and flow collections", () => {
  const source = [
    "description: first part",
    "  second ${{ nope }}", // 2
    "list: [ 'plain ${{ nope }}', \"q ${{ nope }}\" ]", // 3
    'map: { k: "${{ nope }}" }', // 4
    "",
  ].join("\n");
  assert.deepEqual(positionIn(source, ["description"]), [2, 14]);
  assert.deepEqual(positionIn(source, ["list", 0]), [3, 20]);
  assert.deepEqual(positionIn(source, ["list", 1]), [3, 37]);
  assert.deepEqual(positionIn(source, ["map", "k"]), [4, 16]);
});

Deno.test("block scalars: |, |-, |+, >, >-, explicit indentation, nested in lists", () => {
  const source = [
    "literal: |-", // 1
    "  first",
    "    indented ${{ nope }}", // 3
    "keep: |+",
    "  x",
    "",
    "  ${{ nope }}", // 7
    "",
    "folded: >",
    "  folded",
    "  text",
    "",
    "    more ${{ nope }}", // 13
    "  back ${{ nope }}", // 14 (unused: first error wins)
    "steps:",
    "  - run: |2", // 16
    "       two extra ${{ nope }}", // 17
    "  - >-",
    "    a",
    "    b ${{ nope }}", // 20
    "",
  ].join("\n");
  assert.deepEqual(positionIn(source, ["literal"]), [3, 18]);
  assert.deepEqual(positionIn(source, ["keep"]), [7, 7]);
  assert.deepEqual(positionIn(source, ["folded"]), [13, 14]);
  assert.deepEqual(positionIn(source, ["steps", 0, "run"]), [17, 22]);
  assert.deepEqual(positionIn(source, ["steps", 1]), [20, 11]);
});

Deno.test("CRLF line endings", () => {
  const source = 'a: |\r\n  one\r\n  two ${{ nope }}\r\nb: "x\r\n  y ${{ nope }}"\r\n';
  assert.deepEqual(positionIn(source, ["a"]), [3, 11]);
  assert.deepEqual(positionIn(source, ["b"]), [5, 9]);
});

Deno.test("anchors and tags before a scalar do not shift it", () => {
  const source = 'a: &x !!str "q ${{ nope }}"\nb: *x\n';
  assert.deepEqual(positionIn(source, ["a"]), [1, 20]);
});

Deno.test("scalarLocator is lazy: making one does no work; without a range it points at the start", () => {
  let reads = 0;
  const scalar = {
    get range(): [number, number, number] {
      reads++;
      return [0, 3, 3];
    },
    type: "PLAIN",
    value: "abc",
  };
  const where = scalarLocator("f", "abc\n", scalar);
  assert.equal(reads, 0);
  assert.deepEqual(where.locate(2), { line: 1, col: 3 });
  assert.deepEqual(where.locate(3), { line: 1, col: 4 });
  assert.equal(reads, 1);
  const noRange = scalarLocator("f", "x: abc\n", { range: null, value: "abc" });
  assert.deepEqual(noRange.locate(2), { line: 1, col: 1 });
});

/** Seeded generator (mulberry32). */
function random(seed: number): () => number {
  return () => {
    seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const PIECES = [
  "word",
  "x",
  "${{",
  "}}",
  " ",
  " ",
  "  ",
  "\n",
  "\n\n",
  "\t",
  "'",
  '"',
  "\\",
  "é",
  "😀",
  "#",
  ": ",
  "- ",
  "a1",
  "$",
  "{",
  "}",
];
const STYLES = ["PLAIN", "QUOTE_DOUBLE", "QUOTE_SINGLE", "BLOCK_LITERAL", "BLOCK_FOLDED"] as const;

Deno.test("property: every letter or digit of a scalar's value maps to the same character in the file", () => {
  const next = random(20240607);
  const iterations = Number(Deno.env.get("FUZZ_ITERATIONS") ?? 400);
  let checked = 0;
  for (let n = 0; n < iterations; n++) {
    const parts: string[] = [];
    const count = 1 + Math.floor(next() * 14);
    for (let i = 0; i < count; i++) parts.push(PIECES[Math.floor(next() * PIECES.length)]);
    const value = parts.join("");
    const doc = new Document({ top: { key: value, list: [value] } });
    const style = STYLES[Math.floor(next() * STYLES.length)];
    visit(doc, {
      Scalar(_key, node) {
        if (node.value === value) node.type = style;
      },
    });
    const source = doc.toString({ lineWidth: 12 + Math.floor(next() * 30), minContentWidth: 4 });
    const parsed = parseDocument(source);
    const starts = [0];
    for (let i = 0; i < source.length; i++) if (source[i] === "\n") starts.push(i + 1);
    visit(parsed, {
      Scalar(_key, node) {
        if (typeof node.value !== "string") return;
        const where: TextLocator = scalarLocator("f", source, node);
        const text = node.value;
        for (let offset = 0; offset < text.length; offset++) {
          if (!/[A-Za-z0-9]/.test(text[offset])) continue;
          const { line, col } = where.locate(offset);
          const at = starts[line - 1] + col - 1;
          checked++;
          assert.equal(
            source[at],
            text[offset],
            `offset ${offset} of ${JSON.stringify(text)} in ${JSON.stringify(source)}`,
          );
        }
      },
    });
  }
  assert.ok(checked > iterations);
});

Deno.test("locating in a large, deeply indented block scalar stays fast", () => {
  const indent = " ".repeat(2000);
  const lines = Array.from({ length: 100 }, (_, i) => `${indent}line ${i} ${"x".repeat(1000)}`);
  const source = `script: |\n${lines.join("\n")}\n${indent}\${{ nope }}\n`;
  const started = performance.now();
  assert.deepEqual(positionIn(source, ["script"]), [102, 2005]);
  assert.ok(performance.now() - started < 1000);
});
