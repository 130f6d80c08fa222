/**
 * `graph --format dot` as the help shows it: piped into Graphviz's `dot`, which
 * must accept it and draw one node for each package of the workspace.
 */
import assert from "node:assert/strict";
import { twonex } from "../helpers/cli.ts";
import { e2eTest } from "../helpers/e2e.ts";

const root = new URL("../../", import.meta.url).pathname;

await e2eTest("graph --format dot renders with Graphviz", ["dot"], async () => {
  const graph = await twonex(["-C", root, "graph", "--format", "dot"]);
  assert.equal(graph.code, 0, graph.stderr);
  const names = graph.stdout.split("\n").filter((l) => /^ {2}"[^"]+";$/.test(l));
  assert.ok(names.length > 1, `expected several packages in:\n${graph.stdout}`);

  const dot = new Deno.Command("dot", {
    args: ["-Tsvg"],
    stdin: "piped",
    stdout: "piped",
    stderr: "piped",
  })
    .spawn();
  const writer = dot.stdin.getWriter();
  await writer.write(new TextEncoder().encode(graph.stdout));
  await writer.close();
  const rendered = await dot.output();
  const stderr = new TextDecoder().decode(rendered.stderr);
  assert.equal(rendered.code, 0, `dot refused the graph: ${stderr}`);
  const svg = new TextDecoder().decode(rendered.stdout);
  // Graphviz writes one <g class="node"> per node.
  assert.equal(
    svg.match(/<g id="node\d+" class="node">/g)?.length,
    names.length,
    svg.slice(0, 400),
  );
});
