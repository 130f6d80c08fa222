import assert from "node:assert/strict";
import { join } from "node:path";
import * as Yaml from "yaml";
import { isAlias, isMap, isPair, isScalar, isSeq } from "../../lib/manifest/yaml_library.ts";
import { repoRoot } from "../helpers/cli.ts";

/** Every node and pair below `node`, itself included. */
function allNodes(node: unknown): unknown[] {
  const found = [node];
  if (Yaml.isPair(node)) found.push(...allNodes(node.key), ...allNodes(node.value));
  if (Yaml.isMap(node) || Yaml.isSeq(node)) {
    for (const item of node.items) found.push(...allNodes(item));
  }
  return found;
}

Deno.test("yaml_library: the kind tests agree with the library's on its nodes and other values", () => {
  const text = "a: &x [1, {b: c}]\nd: *x\ne: |\n  text\nf: null\n";
  const values = [
    ...allNodes(Yaml.parseDocument(text).contents),
    null,
    undefined,
    0,
    "",
    "map",
    {},
    [],
    new Map(),
  ];
  type KindTest = (node: unknown) => boolean;
  const kinds: Array<[KindTest, KindTest]> = [
    [isMap, Yaml.isMap],
    [isSeq, Yaml.isSeq],
    [isScalar, Yaml.isScalar],
    [isAlias, Yaml.isAlias],
    [isPair, Yaml.isPair],
  ];
  for (const [ours, theirs] of kinds) {
    for (const value of values) assert.equal(ours(value), theirs(value), `${ours.name}`);
    // Each kind is seen at least once, so that a test answering false always would fail.
    assert.ok(values.some((value) => theirs(value)), `no ${theirs.name} node in the sample`);
  }
});

Deno.test("yaml_library: the repository's manifests never load the library; a text outside the subset does", async () => {
  // In a process of its own, whose module state is fresh: every manifest of
  // the repository lies in the fast parser's subset, so a lint of a workspace
  // like it costs no thread the library's loading.
  const lib = (path: string) => JSON.stringify(new URL(`lib/${path}`, `file://${repoRoot}/`).href);
  const script = `
    const { discoverManifests, loadManifests } = await import(${lib("workspace/discover.ts")});
    const { yamlLibraryRequested } = await import(${lib("manifest/yaml_library.ts")});
    const { loadManifestText } = await import(${lib("manifest/load.ts")});
    const loaded = await loadManifests(discoverManifests([${
    JSON.stringify(join(repoRoot, "manifests"))
  }]));
    const libraryLoaded = yamlLibraryRequested();
    // An alias is outside the fast parser's subset: the library is loaded for it, once asked.
    const text = 'package: {schema: 1, slug: &s a, version: "1"}\\nvars: {name: *s}\\nbuild: {script: "true"}\\n';
    const aliased = await loadManifestText("/ws/a.yaml", text);
    console.log(JSON.stringify({
      manifests: loaded.manifests.length,
      libraryLoaded,
      aliasVar: aliased.manifest?.vars.name,
      libraryLoadedAfter: yamlLibraryRequested(),
    }));
  `;
  const output = await new Deno.Command(Deno.execPath(), {
    args: ["eval", "--config", join(repoRoot, "deno.json"), script],
    stdout: "piped",
    stderr: "piped",
  }).output();
  assert.equal(output.code, 0, new TextDecoder().decode(output.stderr));
  const result = JSON.parse(new TextDecoder().decode(output.stdout));
  assert.ok(result.manifests >= 10, `only ${result.manifests} manifests loaded`);
  assert.equal(result.libraryLoaded, false);
  assert.equal(result.aliasVar, "a");
  assert.equal(result.libraryLoadedAfter, true);
});
