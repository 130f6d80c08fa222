/** `2nex why-depends A B`: the chain of dependencies that makes A need B. */
import type { Command } from "./command.ts";
import { loadSelected } from "./packages.ts";
import { dependencyPath, type GraphNode } from "../graph/mod.ts";
import { ExitCode } from "../util/mod.ts";

export const whyDependsCommand: Command = {
  name: "why-depends",
  summary: "show the chain of dependencies through which PKG needs DEP",
  usage: "2nex why-depends PKG DEP [--flavor F]",
  help: `Prints a shortest chain of dependencies from PKG to DEP, one package a line,
each with the part of the next one it uses. Exits 1 when PKG does not depend on
DEP at all (directly or not).

Options:
      --flavor F   narrow package selectors to flavor F

Example:
  2nex why-depends hello m4`,
  options: { flavor: { type: "string" } },
  minPositionals: 2,
  maxPositionals: 2,
  async run(context, positionals, options) {
    const { selected } = await loadSelected(
      context,
      positionals,
      options.flavor as string | undefined,
    );
    const [from, to] = selected;
    const path = dependencyPath(from, to);
    if (context.out.options.json) {
      context.out.json({
        from: fullName(from),
        to: fullName(to),
        path: path?.map(fullName) ?? null,
      });
    } else if (path) {
      const lines = path.map((node, i) => {
        if (i === 0) return fullName(node);
        const edge = path[i - 1].deps.find((d) => d.target === node)!;
        const part = edge.part.kind === "tree" ? "tree" : `${edge.part.kind}/${edge.part.name}`;
        return `${"  ".repeat(i - 1)}└─ ${fullName(node)} [${part}]`;
      });
      context.out.print(lines.join("\n"));
    } else {
      context.out.print(`${fullName(from)} does not depend on ${fullName(to)}`);
    }
    return path ? ExitCode.ok : ExitCode.failure;
  },
};

/** The name `graph` prints, which is also a selector. */
function fullName(node: GraphNode): string {
  const { slug, version, flavor } = node.manifest.package;
  return `${slug}@${version}:${flavor}`;
}
