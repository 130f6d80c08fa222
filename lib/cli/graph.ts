/** `2nex graph [PKG…] [--format text|dot|json]`: the dependency graph. */
import type { Command } from "./command.ts";
import { loadSelected } from "./packages.ts";
import { buildOrder, dependentsOf, type GraphNode, type ResultPart } from "../graph/mod.ts";
import { ExitCode, InvalidInputError } from "../util/mod.ts";

export const graphCommand: Command = {
  name: "graph",
  summary: "print the dependency graph; text gives a build order",
  usage: "2nex graph [PKG…] [--reverse] [--flavor F] [--format text|dot|json]",
  help: `Prints the packages (all, or PKG and what it depends on) in build order,
dependencies first, each with its direct dependencies. With --reverse, PKG and
every package that depends on it instead: what a change to PKG rebuilds.

Options:
      --reverse    the packages that depend on PKG, not those PKG depends on
      --format F   text (default), dot (Graphviz) or json
      --flavor F   narrow package selectors to flavor F

Example:
  2nex graph hello
  2nex graph --reverse m4
  2nex graph --format dot | dot -Tsvg > graph.svg`,
  options: {
    format: { type: "string" },
    flavor: { type: "string" },
    reverse: { type: "boolean" },
  },
  maxPositionals: Infinity,
  async run(context, positionals, options) {
    const format = (options.json ? "json" : options.format ?? "text") as string;
    if (!["text", "dot", "json"].includes(format)) {
      throw new InvalidInputError(`unknown --format "${format}"`, {
        hint: "use text, dot or json",
      });
    }
    if (options.reverse && positionals.length === 0) {
      throw new InvalidInputError("graph --reverse needs at least one PKG", {
        hint: "e.g. 2nex graph --reverse m4",
      });
    }
    const { loaded, selected } = await loadSelected(
      context,
      positionals,
      options.flavor as string | undefined,
    );
    if (positionals.length === 0) {
      const errors = [...loaded.diagnostics, ...loaded.graphDiagnostics].filter((d) =>
        d.severity === "error"
      );
      for (const d of loaded.graphDiagnostics) context.out.diagnostic(d);
      if (errors.length > 0) {
        throw new InvalidInputError(
          `${errors.length} error${errors.length === 1 ? "" : "s"} in the workspace`,
          {
            hint: "run `2nex lint` for the details",
          },
        );
      }
    }
    const order = options.reverse
      ? dependentsOf(loaded.graph, selected)
      : buildOrder(loaded.graph, positionals.length > 0 ? selected : undefined);
    // Made once per package: a package is named once for itself and once per dependent.
    const labels = new Map<GraphNode, string>();
    const label = (n: GraphNode) => {
      let text = labels.get(n);
      if (text === undefined) {
        const { slug, version, flavor } = n.manifest.package;
        text = `${slug}@${version}:${flavor}`;
        labels.set(n, text);
      }
      return text;
    };
    if (format === "json") {
      context.out.json({
        packages: order.map((n) => ({
          slug: n.manifest.package.slug,
          version: n.manifest.package.version,
          flavor: n.manifest.package.flavor,
          manifest: n.id,
          dependencies: n.deps.map((d) => ({
            name: d.spec.name,
            package: d.target ? label(d.target) : null,
            part: partName(d.part),
            ref: d.externalRef ?? null,
          })),
        })),
      });
    } else if (format === "dot") {
      // A DOT ID that starts with a digit must be a number or a quoted string:
      // an unquoted `2nex` is a syntax error for Graphviz.
      const lines = ['digraph "2nex" {', "  rankdir=LR;"];
      for (const n of order) {
        lines.push(`  ${JSON.stringify(label(n))};`);
        for (const d of n.deps) {
          const to = d.target ? label(d.target) : d.externalRef!;
          lines.push(
            `  ${JSON.stringify(label(n))} -> ${JSON.stringify(to)} [label=${
              JSON.stringify(partName(d.part))
            }];`,
          );
        }
      }
      lines.push("}");
      context.out.print(lines.join("\n"));
    } else {
      const text = order.map((n, i) => {
        const deps = n.deps.map((d) =>
          d.target ? `${label(d.target)}[${partName(d.part)}]` : `ref ${d.externalRef}`
        );
        return `${String(i + 1).padStart(String(order.length).length)}. ${label(n)}${
          deps.length ? `  <- ${deps.join(", ")}` : ""
        }`;
      });
      if (text.length > 0) context.out.print(text.join("\n"));
    }
    return ExitCode.ok;
  },
};

function partName(part: ResultPart): string {
  return part.kind === "tree" ? "tree" : `${part.kind}/${part.name}`;
}
