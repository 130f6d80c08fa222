import assert from "node:assert/strict";
import { join } from "node:path";
import { buildOrder, resolveGraph } from "../../lib/graph/resolve.ts";
import { discoverManifests, loadManifests } from "../../lib/workspace/discover.ts";
import { copyFixture, repoRoot, twonex } from "../helpers/cli.ts";
import { loadManifestText } from "../../lib/manifest/load.ts";
import { partKey } from "../../lib/build/package.ts";

function loadText(path: string, text: string) {
  return loadManifestText(path, text);
}

async function loadFixture(name: string) {
  const dir = join(repoRoot, "tests/fixtures/workspaces", name);
  const loaded = await loadManifests(discoverManifests([join(dir, "manifests")]));
  assert.deepEqual(loaded.diagnostics.filter((d) => d.severity === "error"), []);
  return { dir, ...resolveGraph(loaded.manifests) };
}

Deno.test("commit: deps resolve to manifests, same slug in two flavors", async () => {
  const { dir, graph, diagnostics } = await loadFixture("flavors");
  assert.deepEqual(diagnostics, []);
  const phase1 = graph.byPath.get(join(dir, "manifests/phase1/toolchain.yaml"))!;
  assert.deepEqual(
    phase1.deps.map((d) => [d.spec.name, d.target?.id, d.part, d.externalRef]),
    [
      ["bootstrap_tools", join(dir, "manifests/phase0/bootstrap_tools.yaml"), {
        kind: "bundles",
        name: "dev",
      }, undefined],
      [
        "toolchain",
        join(dir, "manifests/phase0/toolchain.yaml"),
        { kind: "bundles", name: "dev" },
        undefined,
      ],
    ],
  );
  const order = buildOrder(graph).map((n) =>
    `${n.manifest.package.slug}:${n.manifest.package.flavor}`
  );
  assert.deepEqual(order, [
    "bootstrap_tools:bootstrap/phase0",
    "toolchain:bootstrap/phase0",
    "toolchain:bootstrap/phase1",
    "many_files:bootstrap/phase1",
  ]);
  const many = graph.nodes.find((n) => n.manifest.package.slug === "many_files")!;
  assert.equal(many.manifest.outputs.data.length, 4000);
  assert.equal(many.manifest.package.version, "1.0", "a number is read as written");
});

Deno.test("a cycle is reported whole, in order, with positions", async () => {
  const { dir, diagnostics } = await loadFixture("cycle");
  assert.equal(diagnostics.length, 1);
  const [d] = diagnostics;
  assert.equal(d.message, "dependency cycle: a -> b -> c -> a");
  assert.equal(d.file, join(dir, "manifests/a.yaml"));
  assert.equal(d.line, 6);
  assert.equal(d.col, 5);
  assert.match(
    d.hint!,
    /a depends on b at .*a\.yaml:6:5; b depends on c at .*b\.yaml:6:5; c depends on a at .*c\.yaml:6:5/,
  );
});

Deno.test("a missing dependency suggests the closest slug", async () => {
  const { dir, diagnostics } = await loadFixture("missing");
  assert.equal(diagnostics.length, 1);
  // At the dependency, in the dependent's file.
  assert.deepEqual(
    [diagnostics[0].file, diagnostics[0].line, diagnostics[0].col],
    [join(dir, "manifests/app.yaml"), 6, 5],
  );
  assert.equal(diagnostics[0].message, 'dependency "libfooo" is not a package of this workspace');
  assert.equal(diagnostics[0].hint, 'did you mean "libfoo"?');
});

Deno.test("an ambiguous dependency lists the candidates", async () => {
  const { diagnostics } = await loadFixture("ambiguous");
  assert.equal(diagnostics.length, 1);
  assert.equal(diagnostics[0].message, 'dependency "libc" is ambiguous: 2 packages match');
  assert.match(diagnostics[0].hint!, /libc@1 \(glibc\).*libc@1 \(musl\)/);
});

Deno.test("build order is deterministic and puts dependencies first", async () => {
  const dir = join(repoRoot, "tests/fixtures/workspaces/flavors");
  const { manifests } = await loadManifests(discoverManifests([join(dir, "manifests")]));
  const forward = buildOrder(resolveGraph(manifests).graph);
  const backward = buildOrder(resolveGraph([...manifests].reverse()).graph);
  assert.deepEqual(forward.map((n) => n.id), backward.map((n) => n.id));
  const ids = forward.map((n) => n.id);
  for (const node of forward) {
    for (const dep of node.deps) {
      if (dep.target) assert(ids.indexOf(dep.target.id) < ids.indexOf(node.id));
    }
  }
});

Deno.test("graph prints the build order with each package's dependencies, as text and as dot", async () => {
  // A copy: the command writes its manifest cache into the workspace.
  const dir = await copyFixture("flavors");
  try {
    const text = await twonex(["-C", dir, "graph"]);
    assert.equal(text.code, 0, text.stderr);
    assert.equal(
      text.stdout,
      [
        "1. bootstrap_tools@2.42:bootstrap/phase0",
        "2. toolchain@13.2.0:bootstrap/phase0",
        "3. toolchain@13.2.0:bootstrap/phase1  <- bootstrap_tools@2.42:bootstrap/phase0[bundles/dev], " +
        "toolchain@13.2.0:bootstrap/phase0[bundles/dev]",
        "4. many_files@1.0:bootstrap/phase1  <- toolchain@13.2.0:bootstrap/phase1[bundles/dev]",
        "",
      ].join("\n"),
    );
    const dot = await twonex(["-C", dir, "graph", "--format", "dot"]);
    assert.equal(dot.code, 0, dot.stderr);
    const p1 = '"toolchain@13.2.0:bootstrap/phase1"';
    assert.equal(
      dot.stdout,
      [
        'digraph "2nex" {',
        "  rankdir=LR;",
        '  "bootstrap_tools@2.42:bootstrap/phase0";',
        '  "toolchain@13.2.0:bootstrap/phase0";',
        `  ${p1};`,
        `  ${p1} -> "bootstrap_tools@2.42:bootstrap/phase0" [label="bundles/dev"];`,
        `  ${p1} -> "toolchain@13.2.0:bootstrap/phase0" [label="bundles/dev"];`,
        '  "many_files@1.0:bootstrap/phase1";',
        `  "many_files@1.0:bootstrap/phase1" -> ${p1} [label="bundles/dev"];`,
        "}",
        "",
      ].join("\n"),
    );
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("an original-format tree: no diagnostic at all, one edge per dependency, phases in order", async () => {
  const { dir, graph, diagnostics } = await loadFixture("original");
  assert.deepEqual(diagnostics, []);
  const inetutils = graph.byPath.get(join(dir, "manifests/phase3/inetutils.yaml"))!;
  assert.deepEqual(
    inetutils.deps.map((d) => [d.spec.name, d.target?.id, partKey(d.part)]),
    [
      ["tools", join(dir, "manifests/phase1/tools.yaml"), "bundles/runtime"],
      ["gettext", join(dir, "manifests/phase2/gettext.yaml"), "bundles/default"],
    ],
  );
  assert.deepEqual(buildOrder(graph).map((n) => n.manifest.package.flavor), [
    "bootstrap/phase0",
    "bootstrap/phase1",
    "bootstrap/phase1",
    "bootstrap/phase2",
    "bootstrap/phase3",
  ]);
  const tools = graph.nodes.find((n) => n.manifest.package.slug === "tools")!;
  assert.equal(tools.manifest.package.version, "1.0", "a number is read as written");
  const toolchain = graph.nodes.find((n) => n.manifest.package.slug === "toolchain")!;
  assert.equal(toolchain.manifest.package.homepage, "");
  assert.equal(
    toolchain.manifest.sources[0].name,
    "0001-Disable-replaced-tools-their-man-pages-and-PAM-integ.patch",
  );
});

Deno.test("a dependency listed twice is one edge and a warning; two different ones of one name an error", async () => {
  const head = `package: {schema: 1, slug: app, version: "1"}
build: {script: "true"}
dependencies:
`;
  const twice = await loadText(
    "/ws/manifests/app.yaml",
    `${head}  - name: lib
    commit: x86_64/lib/1/main/bundles/dev
  - name: lib
    commit: x86_64/lib/1/main/bundles/dev
`,
  );
  assert.equal(twice.manifest?.dependencies.length, 1);
  assert.deepEqual(
    twice.diagnostics.map((d) => [d.line, d.col, d.severity, d.message, d.hint]),
    [[
      6,
      5,
      "warning",
      'dependency "lib" is listed twice',
      "the first one is on line 4; it is one dependency",
    ]],
  );
  const clash = await loadText(
    "/ws/manifests/app.yaml",
    `${head}  - name: lib
    commit: x86_64/lib/1/main/bundles/dev
  - name: lib
    commit: x86_64/lib/2/main/bundles/dev
`,
  );
  assert.equal(clash.manifest, undefined);
  assert.deepEqual(clash.diagnostics.map((d) => [d.line, d.severity, d.message]), [
    [6, "error", 'duplicate dependency "lib"'],
  ]);
});

Deno.test("source names: any text but / = NUL and line breaks, not . or ..; homepage may be empty", async () => {
  const manifest = (name: string) =>
    `package: {schema: 1, slug: app, version: "1", homepage: ""}
build: {script: "true"}
sources:
  - name: ${JSON.stringify(name)}
    file: x.patch
    sha256: ${"1".repeat(64)}
`;
  for (
    const name of ["0001-Disable-replaced-tools-their-man-pages-and-PAM-integ.patch", "a b", "x_1"]
  ) {
    const loaded = await loadText("/ws/m.yaml", manifest(name));
    assert.deepEqual(loaded.diagnostics, [], name);
    assert.equal(loaded.manifest?.sources[0].name, name);
    assert.equal(loaded.manifest?.package.homepage, "");
  }
  for (const name of ["a/b", "..", ".", "a=b", "a\nb", "a\u0000b"]) {
    const loaded = await loadText("/ws/m.yaml", manifest(name));
    assert.equal(loaded.manifest, undefined, JSON.stringify(name));
    assert.match(loaded.diagnostics[0].message, /^invalid source name/);
  }
});
