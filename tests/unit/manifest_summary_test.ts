import assert from "node:assert/strict";
import { join } from "node:path";
import { type Graph, resolveGraph } from "../../lib/graph/resolve.ts";
import { discoverManifests, loadManifests } from "../../lib/workspace/discover.ts";
import { loadManifestText } from "../../lib/manifest/load.ts";
import { type Manifest, type ManifestSummary, summarizeManifest } from "../../lib/manifest/mod.ts";
import { localSourceDiagnostics } from "../../lib/source/local.ts";
import { repoRoot } from "../helpers/cli.ts";

/** A summary as lint keeps it: read back from its JSON text. */
function summary(manifest: Manifest): ManifestSummary {
  return JSON.parse(JSON.stringify(summarizeManifest(manifest)));
}

/** What a graph says: each node's dependencies, resolved or not, and the diagnostics. */
function described(resolved: { graph: Graph<ManifestSummary>; diagnostics: unknown[] }) {
  return {
    nodes: resolved.graph.nodes.map((node) => ({
      id: node.id,
      deps: node.deps.map((dep) => [dep.spec.name, dep.target?.id, dep.part, dep.externalRef]),
    })),
    diagnostics: resolved.diagnostics,
  };
}

/** Manifests whose dependencies pick bundles and outputs, rightly and wrongly. */
async function bundleManifests(): Promise<Manifest[]> {
  const texts: Record<string, string> = {
    lib: `package: {schema: 1, slug: lib, version: "1"}
build: {script: "true"}
outputs: {bin: [/usr/bin/**], dev: [/usr/include/**]}
bundles: {default: [bin], dev: [bin, dev]}
`,
    single: `package: {schema: 1, slug: single, version: "1"}
build: {script: "true"}
outputs: {bin: [/usr/bin/**]}
bundles: {only: [bin]}
`,
    whole: `package: {schema: 1, slug: whole, version: "1"}
build: {script: "true"}
`,
    app: `package: {schema: 1, slug: app, version: "1"}
build: {script: "true"}
dependencies:
  - name: lib
  - name: single
  - name: whole
`,
    wrong: `package: {schema: 1, slug: wrong, version: "1"}
build: {script: "true"}
dependencies:
  - name: lib
    bundle: devel
  - name: by-bundle
    commit: x86_64/lib/1/main/bundles/nope
  - name: by-output
    commit: x86_64/lib/1/main/outputs/nope
  - name: missing
  - name: elsewhere
    commit: x86_64/other/1/main/bundles/dev
`,
    right: `package: {schema: 1, slug: right, version: "1"}
build: {script: "true"}
dependencies:
  - name: lib
    bundle: dev
  - name: by-output
    commit: x86_64/lib/1/main/outputs/dev
  - name: by-bundle
    commit: x86_64/lib/1/main/bundles/dev
`,
  };
  const manifests: Manifest[] = [];
  for (const [name, text] of Object.entries(texts)) {
    const loaded = await loadManifestText(`/ws/manifests/${name}.yaml`, text);
    assert.ok(loaded.manifest, `${name}: ${JSON.stringify(loaded.diagnostics)}`);
    manifests.push(loaded.manifest);
  }
  return manifests;
}

Deno.test("summary: the graph of the summaries is the graph of the whole manifests", async () => {
  const sets: Array<[string, Manifest[]]> = [["bundles", await bundleManifests()]];
  for (const name of ["ambiguous", "cycle", "flavors", "missing", "original"]) {
    const dir = join(repoRoot, "tests/fixtures/workspaces", name, "manifests");
    sets.push([name, (await loadManifests(discoverManifests([dir]))).manifests]);
  }
  let diagnostics = 0;
  for (const [name, manifests] of sets) {
    const whole = described(resolveGraph(manifests));
    assert.deepEqual(described(resolveGraph(manifests.map(summary))), whole, name);
    diagnostics += whole.diagnostics.length;
  }
  // Every kind of graph error: a wrong bundle, bundle or output in a ref, a
  // missing and an ambiguous dependency, a cycle (so a summary that lost a
  // field the graph reads would show above).
  assert.equal(diagnostics, 7);
});

Deno.test("summary: keeps the file sources with their positions, and nothing to build with", async () => {
  const loaded = await loadManifestText(
    "/ws/manifests/app.yaml",
    `package: {schema: 1, slug: app, version: "1", description: a long description}
sources:
  - name: remote
    url: https://example.org/app.tar.gz
    sha256: ${"a".repeat(64)}
  - name: local
    file: app.patch
    sha256: ${"b".repeat(64)}
vars: {flags: --fast}
build: {script: "make \${{ vars.flags }}"}
outputs: {bin: [/usr/bin/**]}
bundles: {default: [bin]}
`,
  );
  const whole = loaded.manifest!;
  assert.deepEqual(summary(whole), {
    path: "/ws/manifests/app.yaml",
    package: { slug: "app", version: "1", flavor: "main" },
    sources: [JSON.parse(JSON.stringify(whole.sources[1]))],
    dependencies: [],
    outputs: { bin: true },
    bundles: { default: true },
  });
});

Deno.test("summary: lint's check of file sources finds on summaries what it finds on whole manifests", async () => {
  const dir = await Deno.makeTempDir({ prefix: "2nex-summary-" });
  const outside = await Deno.makeTempDir({ prefix: "2nex-outside-" });
  try {
    await Deno.mkdir(join(dir, "manifests"));
    await Deno.writeTextFile(join(outside, "secret"), "not for builds\n");
    await Deno.writeTextFile(join(dir, "manifests", "inside.patch"), "fine\n");
    await Deno.symlink(join(outside, "secret"), join(dir, "manifests", "leak.patch"));
    const text = `package: {schema: 1, slug: app, version: "1"}
sources:
  - name: inside
    file: inside.patch
    sha256: ${"a".repeat(64)}
  - name: leak
    file: leak.patch
    sha256: ${"b".repeat(64)}
build: {script: "true"}
`;
    const { manifest } = await loadManifestText(join(dir, "manifests", "app.yaml"), text);
    const whole = await localSourceDiagnostics([manifest!], dir, []);
    assert.deepEqual(whole.map((d) => [d.line, d.col]), [[6, 5]]);
    assert.deepEqual(await localSourceDiagnostics([summary(manifest!)], dir, []), whole);
  } finally {
    await Deno.remove(dir, { recursive: true });
    await Deno.remove(outside, { recursive: true });
  }
});
