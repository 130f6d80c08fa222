/**
 * The limits of lib/manifest/limits.ts on hostile YAML: nesting thousands of
 * levels deep (flow and block, directly and through aliases), files past the
 * size and node limits, and many aliases are each one diagnostic with a
 * position, never a thrown error, and on both parsers.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { type Diagnostic, DiagnosticBag } from "../../lib/manifest/diagnostics.ts";
import { fastParseDocument } from "../../lib/manifest/fast_yaml.ts";
import {
  MAX_MANIFEST_FILE_BYTES,
  MAX_YAML_ALIASES,
  MAX_YAML_DEPTH,
  MAX_YAML_NODES,
} from "../../lib/manifest/limits.ts";
import { loadManifestFile, loadManifestText } from "../../lib/manifest/load.ts";
import { NodeReader, parseYaml } from "../../lib/manifest/yaml.ts";
import { loadYamlLibrary } from "../../lib/manifest/yaml_library.ts";

await loadYamlLibrary();

const HEAD = 'package:\n  schema: 1\n  slug: deep\n  version: "1.0"\n';
const BODY = 'build:\n  sandbox: host\n  script: "true"\noutputs:\n  all: ["/**"]\n' +
  "bundles:\n  default: [all]\n";

/** A valid manifest with `vars` text inserted (its lines start at line 6). */
function manifest(vars: string): string {
  return `${HEAD}vars:\n${vars}${BODY}`;
}

/** Loads `text`; fails when loading throws instead of reporting. */
async function load(text: string): Promise<{ ok: boolean; diagnostics: Diagnostic[] }> {
  const result = await loadManifestText("/ws/m.yaml", text);
  return { ok: result.manifest !== undefined, diagnostics: result.diagnostics };
}

/** The one error whose message starts with `message`, with its position. */
function theError(diagnostics: Diagnostic[], message: string): Diagnostic {
  const found = diagnostics.filter((d) => d.severity === "error" && d.message.startsWith(message));
  assert.equal(
    found.length,
    1,
    `one "${message}" error expected, got:\n${
      diagnostics.map((d) => `${d.line}:${d.col}: ${d.message}`).join("\n")
    }`,
  );
  return found[0];
}

/** `levels` nested flow lists around a scalar. */
function flowNest(levels: number): string {
  return `${"[".repeat(levels)}x${"]".repeat(levels)}`;
}

/** A block map nested `levels` deep (each level one key deeper), starting at `indent` spaces. */
function blockNest(levels: number, indent: number): string {
  let text = "";
  for (let i = 0; i < levels; i++) text += `${" ".repeat(indent + i)}k:\n`;
  return `${text}${" ".repeat(indent + levels)}v\n`;
}

const DEEP = `YAML nested deeper than ${MAX_YAML_DEPTH} levels`;

Deno.test("3,000 levels of flow lists: one error at the first level too deep", async () => {
  const { ok, diagnostics } = await load(manifest(`  x: ${flowNest(3000)}\n`));
  assert.equal(ok, false);
  const error = theError(diagnostics, DEEP);
  // The top-level map and `vars` are two levels: the list opened at column 6 is the third.
  assert.equal(error.line, 6);
  assert.equal(error.col, 6 + MAX_YAML_DEPTH - 2);
});

Deno.test("3,000 levels of block maps: one error on the first line too deep", async () => {
  const { ok, diagnostics } = await load(manifest(blockNest(3000, 2)));
  assert.equal(ok, false);
  const error = theError(diagnostics, DEEP);
  // vars's map (level 2) starts on line 6 at column 3, each next level one line and column on.
  const refused = MAX_YAML_DEPTH + 1;
  assert.equal(error.line, 6 + refused - 2);
  assert.equal(error.col, 3 + refused - 2);
});

Deno.test("3,000 levels of block lists on one line and of flow maps: errors, no throw", async () => {
  const seq = await load(manifest(`  x:\n    ${"- ".repeat(3000)}y\n`));
  assert.equal(theError(seq.diagnostics, DEEP).line, 7);
  const maps = await load(manifest(`  x: ${"{a: ".repeat(3000)}1${"}".repeat(3000)}\n`));
  assert.equal(theError(maps.diagnostics, DEEP).line, 6);
});

Deno.test("nesting up to the limit loads, on the fast parser; one level more is refused", async () => {
  // vars and x are two levels of the document: MAX - 2 lists fill it.
  const fits = manifest(`  x: ${flowNest(MAX_YAML_DEPTH - 2)}\n`);
  assert.ok(fastParseDocument(fits), "the fast parser takes a text within the limits");
  const loaded = await load(fits);
  assert.equal(loaded.ok, true, JSON.stringify(loaded.diagnostics));
  const over = manifest(`  x: ${flowNest(MAX_YAML_DEPTH - 1)}\n`);
  assert.equal(fastParseDocument(over), undefined, "past the limit the library's path reports");
  theError((await load(over)).diagnostics, DEEP);
});

Deno.test("a deep 2nex.yaml-like document is refused by parseYaml itself", async () => {
  const bag = new DiagnosticBag("/ws/2nex.yaml", `env: ${flowNest(5000)}\n`);
  assert.equal(await parseYaml(bag.text, bag), undefined);
  assert.equal(bag.items.length, 1);
  assert.equal(bag.items[0].message, DEEP);
});

Deno.test("an alias inside its own anchor is refused once expanded, without a throw", async () => {
  const { ok, diagnostics } = await load(manifest("  a: &x [*x]\n"));
  assert.equal(ok, false);
  const error = theError(diagnostics, `${DEEP} once its aliases are expanded`);
  assert.equal(error.line, 6);
});

Deno.test("aliases that nest each other past the depth limit are refused", async () => {
  // Each anchor holds the previous one 20 levels down: 5 of them nest 100 deep.
  let vars = `  a0: &a0 ${flowNest(20)}\n`;
  for (let i = 1; i < 5; i++) {
    vars += `  a${i}: &a${i} ${"[".repeat(20)}*a${i - 1}${"]".repeat(20)}\n`;
  }
  const { ok, diagnostics } = await load(manifest(vars));
  assert.equal(ok, false);
  assert.ok(diagnostics.some((d) => d.message.startsWith(`${DEEP} once its aliases`)));
});

Deno.test("more than the node limit is refused with a position; the fast parser leaves it", async () => {
  const items = new Array(MAX_YAML_NODES + 10).fill("1").join(",");
  const text = `${HEAD}x-junk: [${items}]\n${BODY}`;
  assert.equal(fastParseDocument(text), undefined);
  const { ok, diagnostics } = await load(text);
  assert.equal(ok, false);
  const error = theError(diagnostics, `YAML document has more than ${MAX_YAML_NODES} nodes`);
  assert.equal(error.line, 5);
});

Deno.test("a file past the size limit is refused before it is read", async () => {
  const dir = await Deno.makeTempDir({ prefix: "2nex-limits-" });
  try {
    const path = join(dir, "huge.yaml");
    // Sparse: the size is what counts, the content is never read.
    using file = await Deno.open(path, { write: true, create: true });
    await file.truncate(MAX_MANIFEST_FILE_BYTES + 1);
    const { manifest: loaded, diagnostics } = await loadManifestFile(path);
    assert.equal(loaded, undefined);
    assert.equal(diagnostics.length, 1);
    assert.match(diagnostics[0].message, /^file is too large/);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("more aliases than the limit are refused at the first one past it", async () => {
  const list = new Array(MAX_YAML_ALIASES + 1).fill("*a").join(", ");
  const { ok, diagnostics } = await load(manifest(`  a: &a 1\n  l: [${list}]\n`));
  assert.equal(ok, false);
  const error = theError(diagnostics, `YAML document has more than ${MAX_YAML_ALIASES} aliases`);
  assert.equal(error.line, 7);
  // The column of the last `*a`: "  l: [" then MAX items of "*a, ".
  assert.equal(error.col, 7 + 4 * MAX_YAML_ALIASES);
});

Deno.test("aliases up to the limit resolve to the last anchor before each", async () => {
  const list = new Array(MAX_YAML_ALIASES - 2).fill("*a").join(", ");
  const text = `a: &a 1\nb: *a\nc: &a 2\nd: *a\nl: [${list}]\n`;
  const bag = new DiagnosticBag("/ws/m.yaml", text);
  const parsed = await parseYaml(text, bag);
  assert.ok(parsed, JSON.stringify(bag.items));
  const reader = new NodeReader(bag);
  const data = reader.toData(parsed.root, 0) as Record<string, unknown>;
  assert.equal(data.b, 1);
  assert.equal(data.d, 2);
  assert.equal((data.l as number[]).length, MAX_YAML_ALIASES - 2);
  assert.ok((data.l as number[]).every((value) => value === 2));
  assert.deepEqual(bag.items, []);
});
