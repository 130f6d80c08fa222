import assert from "node:assert/strict";
import { join } from "node:path";
import { buildOrder, resolveGraph } from "../../lib/graph/resolve.ts";
import { discoverManifests, loadManifests } from "../../lib/workspace/discover.ts";
import { copyFixture, repoRoot, twonex } from "../helpers/cli.ts";

async function loadFixture(name: string) {
  const dir = join(repoRoot, "tests/fixtures/workspaces", name);
  const loaded = await loadManifests(discoverManifests([join(dir, "manifests")]));
  assert.deepEqual(loaded.diagnostics.filter((d) => d.severity === "error"), []);
  return { dir, ...resolveGraph(loaded.manifests) };
}

Deno.test("original format: commit: deps resolve to manifests, same slug in two flavors", async () => {
  const { dir, graph, diagnostics } = await loadFixture("original");
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
  const dir = join(repoRoot, "tests/fixtures/workspaces/original");
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
  const dir = await copyFixture("original");
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
