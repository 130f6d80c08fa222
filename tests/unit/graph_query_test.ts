import assert from "node:assert/strict";
import { loadManifestText } from "../../lib/manifest/load.ts";
import { type Graph, type GraphNode, resolveGraph } from "../../lib/graph/resolve.ts";
import { dependencyPath, dependentsOf } from "../../lib/graph/query.ts";

/**
 * A diamond with a tail and a stranger:
 *   app -> lib -> base,  app -> tool -> base,  tool -> m4,  other (alone)
 */
async function diamond(): Promise<Graph> {
  const manifests = await Promise.all([
    ["base", []],
    ["m4", []],
    ["lib", ["base"]],
    ["tool", ["base", "m4"]],
    ["app", ["lib", "tool"]],
    ["other", []],
  ].map(async ([slug, deps]) => {
    const depText = (deps as string[]).map((d) => `  - {name: ${d}}\n`).join("");
    const text = `package: {schema: 1, slug: ${slug}, version: "1", flavor: main}\n` +
      (depText ? `dependencies:\n${depText}` : "") + `build: {script: "true"}\n`;
    const { manifest, diagnostics } = await loadManifestText(`/ws/${slug}.yaml`, text);
    assert.deepEqual(diagnostics, []);
    return manifest!;
  }));
  const { graph, diagnostics } = resolveGraph(manifests);
  assert.deepEqual(diagnostics, []);
  return graph;
}

const node = (graph: Graph, slug: string) =>
  graph.nodes.find((n) => n.manifest.package.slug === slug)!;
const slugs = (nodes: GraphNode[] | undefined) => nodes?.map((n) => n.manifest.package.slug);

Deno.test("dependentsOf: the package and all that depend on it, dependencies first", async () => {
  const graph = await diamond();
  assert.deepEqual(slugs(dependentsOf(graph, [node(graph, "base")])), [
    "base",
    "lib",
    "tool",
    "app",
  ]);
  assert.deepEqual(slugs(dependentsOf(graph, [node(graph, "m4")])), ["m4", "tool", "app"]);
  assert.deepEqual(slugs(dependentsOf(graph, [node(graph, "app")])), ["app"]);
  assert.deepEqual(slugs(dependentsOf(graph, [node(graph, "other")])), ["other"]);
});

Deno.test("dependencyPath: a shortest chain, or undefined when there is none", async () => {
  const graph = await diamond();
  assert.deepEqual(slugs(dependencyPath(node(graph, "app"), node(graph, "m4"))), [
    "app",
    "tool",
    "m4",
  ]);
  // Two chains of equal length: the one through the first-listed dependency.
  assert.deepEqual(slugs(dependencyPath(node(graph, "app"), node(graph, "base"))), [
    "app",
    "lib",
    "base",
  ]);
  assert.deepEqual(slugs(dependencyPath(node(graph, "lib"), node(graph, "lib"))), ["lib"]);
  assert.equal(dependencyPath(node(graph, "base"), node(graph, "app")), undefined);
  assert.equal(dependencyPath(node(graph, "app"), node(graph, "other")), undefined);
});
