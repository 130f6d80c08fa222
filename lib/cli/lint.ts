/** `2nex lint [PATH…]`: validate manifests and the dependency graph. */
import { resolve } from "node:path";
import type { Command } from "./command.ts";
import { jsonDiagnostic } from "./output.ts";
import { loadPackageSummaries } from "./packages.ts";
import { type ManifestSummary, sortDiagnostics } from "../manifest/mod.ts";
import { discoverManifests, loadManifests } from "../workspace/mod.ts";
import { ExitCode } from "../util/mod.ts";
import { localSourceDiagnostics, parseMirrors } from "../source/mod.ts";

export const lintCommand: Command = {
  name: "lint",
  summary: "parse and validate manifests; print diagnostics",
  usage: "2nex lint [PATH…]",
  help: `Validates every manifest of the workspace (or the files and directories
given) and the dependency graph between them: unknown keys, types, hashes,
expressions, missing or ambiguous dependencies, cycles, and file: sources that
lead outside the workspace and its mirror directories. All problems of a file
are reported. Exits 0 when there is no error, 2 otherwise.

With --json, prints a list of {file, line, column, severity, message, hint}.

Example:
  2nex lint
  2nex lint manifests/packages/hello.yaml --json`,
  options: {},
  maxPositionals: Infinity,
  async run(context, positionals) {
    const loaded = await loadPackageSummaries(context);
    const mirrors = parseMirrors(loaded.ws.config.mirrors, loaded.ws.root);
    const local = (manifests: ManifestSummary[]) =>
      localSourceDiagnostics(manifests, loaded.ws.root, mirrors);
    let diagnostics = [
      ...loaded.diagnostics,
      ...loaded.graphDiagnostics,
      ...await local(loaded.manifests),
    ];
    let checked = loaded.manifests.length + loaded.failed.length;
    if (positionals.length > 0) {
      const targets = positionals.map((p) => resolve(context.cwd, p));
      const explicit = await expandPaths(targets);
      const known = new Set([...loaded.manifests.map((m) => m.path), ...loaded.failed]);
      // Files outside the workspace's manifest dirs are linted on their own.
      const outside = explicit.filter((p) => !known.has(p));
      const extra = await loadManifests(outside);
      const wanted = new Set(explicit);
      diagnostics = [
        ...diagnostics.filter((d) => wanted.has(d.file)),
        ...extra.diagnostics,
        ...await local(extra.manifests),
      ];
      checked = explicit.length;
    }
    const sorted = sortDiagnostics(diagnostics);
    const errors = sorted.filter((d) => d.severity === "error").length;
    const warnings = sorted.length - errors;
    if (context.out.options.json) {
      context.out.json({
        manifests: checked,
        errors,
        warnings,
        diagnostics: sorted.map(jsonDiagnostic),
      });
    } else {
      for (const d of sorted) context.out.diagnostic(d);
      context.out.info(
        `${checked} manifest${checked === 1 ? "" : "s"} checked: ${errors} error${
          errors === 1 ? "" : "s"
        }, ${warnings} warning${warnings === 1 ? "" : "s"}`,
      );
    }
    return errors > 0 ? ExitCode.invalid : ExitCode.ok;
  },
};

/** Files as they are; directories expanded to the manifests below them. */
async function expandPaths(paths: string[]): Promise<string[]> {
  const out: string[] = [];
  for (const path of paths) {
    let isDir = false;
    try {
      isDir = (await Deno.stat(path)).isDirectory;
    } catch {
      // Missing: the loader reports it as a diagnostic.
    }
    if (isDir && !/\.ya?ml$/.test(path)) out.push(...discoverManifests([path]));
    else out.push(path);
  }
  return [...new Set(out)];
}
