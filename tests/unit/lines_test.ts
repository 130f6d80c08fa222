/**
 * Line and column positions (lib/util/lines.ts), and that diagnostics and
 * expression positions, which both use them, agree on one text.
 */
import assert from "node:assert/strict";
import { lineStarts, positionAt } from "../../lib/util/lines.ts";
import { DiagnosticBag } from "../../lib/manifest/diagnostics.ts";
import { sourcePosition } from "../../lib/expr/scalar_map.ts";

Deno.test("lineStarts gives 0 and one past every newline", () => {
  assert.deepEqual(lineStarts(""), [0]);
  assert.deepEqual(lineStarts("a\nbc\n"), [0, 2, 5]);
  assert.deepEqual(lineStarts("\n\n"), [0, 1, 2]);
});

Deno.test("positionAt counts 1-based lines and UTF-16 columns, a newline ends its own line", () => {
  const text = "a: 1\nname: é😀x\n\nlast";
  const starts = lineStarts(text);
  const at = (needle: string) => positionAt(starts, text.indexOf(needle));
  assert.deepEqual(positionAt(starts, 0), { line: 1, col: 1 });
  assert.deepEqual(positionAt(starts, 4), { line: 1, col: 5 });
  assert.deepEqual(at("name"), { line: 2, col: 1 });
  assert.deepEqual(at("x"), { line: 2, col: 10 });
  assert.deepEqual(at("last"), { line: 4, col: 1 });
  assert.deepEqual(positionAt(starts, text.length), { line: 4, col: 5 });
});

Deno.test("a diagnostic and an expression position agree on every offset", () => {
  const text = 'package:\n  slug: m4\n  version: "${{ x }}"\n';
  const bag = new DiagnosticBag("m4.yaml", text);
  for (let offset = 0; offset <= text.length; offset++) {
    assert.deepEqual(bag.position(offset), sourcePosition(text, offset));
  }
});
