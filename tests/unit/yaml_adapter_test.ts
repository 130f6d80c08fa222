/**
 * Tests of lib/manifest/yaml_adapter.ts on what only the library's path sees:
 * anchors and aliases (their targets, a cycle), tags, complex keys, empty
 * documents, multi-line scalars, and the errors it reports. The agreement of
 * the adapter with the fast parser on the subset is fast_yaml_test.ts's.
 */
import assert from "node:assert/strict";
import { parseDocument } from "yaml";
import { adaptDocument, parseWithLibrary } from "../../lib/manifest/yaml_adapter.ts";
import { loadYamlLibrary } from "../../lib/manifest/yaml_library.ts";
import { DiagnosticBag } from "../../lib/manifest/diagnostics.ts";
import type { YamlMap, YamlNode } from "../../lib/manifest/yaml_node.ts";

function adapt(text: string): YamlNode | null {
  return adaptDocument(parseDocument(text, { uniqueKeys: true, strict: true }));
}

function valueOf(map: YamlNode | null, key: string): YamlNode | null {
  assert.ok(map?.kind === "map", "a map");
  const pair = map.pairs.find((p) => p.key?.kind === "scalar" && p.key.value === key);
  assert.ok(pair, `no key ${key}`);
  return pair.value;
}

Deno.test("yaml adapter: an alias's target is the node with its anchor, the very object", () => {
  const text = "a: &x [1, 2]\nb: *x\nc: &x three\nd: *x\n";
  const root = adapt(text);
  const a = valueOf(root, "a");
  const b = valueOf(root, "b");
  assert.ok(b?.kind === "alias" && b.name === "x");
  assert.equal(b.target, a, "the first *x stands for the list");
  assert.deepEqual(b.range, [text.indexOf("*x"), text.indexOf("*x") + 2, text.indexOf("\nc") + 1]);
  const d = valueOf(root, "d");
  assert.ok(d?.kind === "alias");
  assert.equal(d.target, valueOf(root, "c"), "a later anchor of the same name wins after it");
  assert.ok(d.target?.kind === "scalar" && d.target.value === "three");
  const unknown = valueOf(adapt("a: *nope\n"), "a");
  assert.ok(unknown?.kind === "alias" && unknown.target === undefined);
});

Deno.test("yaml adapter: an alias inside its own anchored collection is a cycle, not an error", () => {
  const root = adapt("a: &x [1, *x]\n");
  const list = valueOf(root, "a");
  assert.ok(list?.kind === "seq");
  const inner = list.items[1];
  assert.ok(inner?.kind === "alias");
  assert.equal(inner.target, list);
});

Deno.test("yaml adapter: scalars keep their value, source text and style", () => {
  const root = adapt(
    "v: 1.10\nq: \"1.10\"\ns: 'it''s'\nt: !!str 12\nl: |\n  x\n  y\nm: one\n  two\nn:\n",
  );
  const expect: Array<[string, unknown, string, string]> = [
    ["v", 1.1, "1.10", "PLAIN"],
    ["q", "1.10", "1.10", "QUOTE_DOUBLE"],
    ["s", "it's", "it's", "QUOTE_SINGLE"],
    ["t", "12", "12", "PLAIN"],
    ["l", "x\ny\n", "x\ny\n", "BLOCK_LITERAL"],
    ["m", "one two", "one two", "PLAIN"],
    ["n", null, "", "PLAIN"],
  ];
  for (const [key, value, source, style] of expect) {
    const node = valueOf(root, key);
    assert.ok(node?.kind === "scalar", key);
    assert.deepEqual([node.value, node.source, node.style], [value, source, style], key);
  }
});

Deno.test("yaml adapter: complex keys, flow and an empty document", () => {
  const root = adapt("? [a, b]\n: c\nd: {e: f}\n") as YamlMap;
  assert.equal(root.kind, "map");
  assert.equal(root.pairs[0].key?.kind, "seq");
  const d = valueOf(root, "d");
  assert.ok(d?.kind === "map" && d.flow);
  assert.equal(root.flow, false);
  assert.equal(adapt("# only a comment\n"), null);
  const list = adapt("[a: b, c]\n");
  assert.ok(list?.kind === "seq" && list.items[0]?.kind === "map" && list.items[0].flow);
  assert.equal(list.items[0].pairs.length, 1);
  assert.equal(list.items[1]?.kind, "scalar");
});

Deno.test("yaml adapter: parseWithLibrary reports errors and gives no tree for them", async () => {
  const library = await loadYamlLibrary();
  const bag = new DiagnosticBag("m.yaml", "a: 1\na: 2\n");
  assert.equal(parseWithLibrary(bag.text, bag, library), undefined);
  assert.equal(bag.items.length, 1);
  assert.match(bag.items[0].message, /duplicate key/);
  const good = new DiagnosticBag("m.yaml", "a: &x 1\nb: *x\n");
  const parsed = parseWithLibrary(good.text, good, library);
  assert.equal(good.items.length, 0);
  const b = valueOf(parsed?.root ?? null, "b");
  assert.ok(b?.kind === "alias" && b.target?.kind === "scalar" && b.target.value === 1);
});
