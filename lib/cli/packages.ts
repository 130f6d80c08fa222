/**
 * Loading the workspace's packages for a command: discovery, validation, the
 * dependency graph, and selector resolution, with diagnostics printed.
 * @module
 */
import type { CommandContext } from "./command.ts";
import {
  codeFingerprint,
  type Diagnostic,
  displayPath,
  type Manifest,
  ManifestCache,
  type ManifestSummary,
  sortDiagnostics,
} from "../manifest/mod.ts";
import {
  discoverManifests,
  type LoadedManifests,
  loadManifestsInParallel,
  loadSummariesInParallel,
  type PlainValidateOptions,
  selectPackage,
  type Workspace,
} from "../workspace/mod.ts";
import { type Graph, type GraphNode, resolveGraph } from "../graph/mod.ts";
import { InvalidInputError } from "../util/mod.ts";
import { cacheLayout } from "../build/light.ts";

/** The workspace's packages: whole manifests, or (for lint) their summaries. */
export interface LoadedPackages<M extends ManifestSummary = Manifest> {
  ws: Workspace;
  manifests: M[];
  failed: string[];
  /** Manifest diagnostics (errors and warnings). */
  diagnostics: Diagnostic[];
  graph: Graph<M>;
  graphDiagnostics: Diagnostic[];
}

/** Loads every manifest of the workspace and resolves the graph. */
export function loadPackages(context: CommandContext): Promise<LoadedPackages> {
  return loadWorkspace(context, loadManifestsInParallel);
}

/**
 * Loads and validates every manifest of the workspace like loadPackages, but
 * keeps only the summary of each: for lint, which checks the graph and builds
 * nothing (80,000 manifests: 94 MB of summaries instead of 240 MB).
 */
export function loadPackageSummaries(
  context: CommandContext,
): Promise<LoadedPackages<ManifestSummary>> {
  return loadWorkspace(context, loadSummariesInParallel);
}

async function loadWorkspace<M extends ManifestSummary>(
  context: CommandContext,
  load: (
    paths: string[],
    options: PlainValidateOptions,
    cache?: ManifestCache,
  ) => Promise<LoadedManifests<M>>,
): Promise<LoadedPackages<M>> {
  const ws = await context.workspace();
  const paths = discoverManifests(ws.config.manifests);
  const cache = openManifestCache(ws);
  const { manifests, diagnostics, failed } = await load(paths, {}, cache);
  // The cache file is written while the graph is resolved.
  const saved = cache?.save();
  const { graph, diagnostics: graphDiagnostics } = resolveGraph(manifests);
  await saved;
  return { ws, manifests, failed, diagnostics, graph, graphDiagnostics };
}

/** The workspace's cache of loaded manifests (for the default validation options). */
function openManifestCache(ws: Workspace): ManifestCache | undefined {
  const fingerprint = codeFingerprint();
  if (fingerprint === undefined) return undefined;
  return ManifestCache.open(cacheLayout(ws.config.cache).manifests, fingerprint);
}

/**
 * Loads the workspace and insists that it is sound enough to act on `selectors`:
 * prints the diagnostics and throws (exit 2) when a selected package or a
 * dependency of one has errors.
 */
export async function loadSelected(
  context: CommandContext,
  selectors: string[],
  flavor?: string,
): Promise<{ loaded: LoadedPackages; selected: GraphNode[] }> {
  const loaded = await loadPackages(context);
  const selected = selectors.map((selector) => {
    const manifest = selectPackage(loaded.manifests, selector, {
      cwd: context.cwd,
      flavor,
      failed: loaded.failed,
    });
    return loaded.graph.byPath.get(manifest.path)!;
  });
  const relevant = relevantDiagnostics(loaded, selected);
  if (selectors.length > 0) warnAboutBroken(context, loaded.failed);
  for (const d of sortDiagnostics(relevant)) context.out.diagnostic(d);
  const errors = relevant.filter((d) => d.severity === "error");
  if (errors.length > 0) {
    throw new InvalidInputError(
      `${errors.length} error${
        errors.length === 1 ? "" : "s"
      } in the selected packages or their dependencies`,
      // A dependency on a manifest that could not be loaded reads as a missing package.
      loaded.failed.length > 0 && selectors.length > 0
        ? { hint: "a missing dependency may be one of the manifests left out above" }
        : {},
    );
  }
  return { loaded, selected };
}

/** Most broken manifests named in the warning; `2nex lint` lists them all. */
const BROKEN_NAMED = 5;

/**
 * One warning line for the manifests that failed to load. They are not in the
 * graph, so none of them is a selected package or a dependency of one (a
 * dependency on one is an error of its dependent): they are left out and the
 * others go on.
 */
function warnAboutBroken(context: CommandContext, failed: string[]): void {
  if (failed.length === 0 || context.out.options.quiet) return;
  const names = failed.slice(0, BROKEN_NAMED).map((path) => displayPath(path, context.cwd));
  const more = failed.length > BROKEN_NAMED ? ` and ${failed.length - BROKEN_NAMED} more` : "";
  context.out.warn(
    failed.length === 1
      ? `${names[0]} has errors and was left out (\`2nex lint ${names[0]}\` shows them)`
      : `${failed.length} manifests have errors and were left out: ${
        names.join(", ")
      }${more} (\`2nex lint\` shows them)`,
  );
}

/** Graph diagnostics of the selected packages and everything they reach. */
function relevantDiagnostics(loaded: LoadedPackages, selected: GraphNode[]): Diagnostic[] {
  const files = new Set<string>();
  const stack = [...selected];
  while (stack.length > 0) {
    const node = stack.pop()!;
    if (files.has(node.id)) continue;
    files.add(node.id);
    for (const dep of node.deps) if (dep.target) stack.push(dep.target);
  }
  return [
    ...loaded.diagnostics.filter((d) => files.has(d.file) && d.severity === "warning"),
    ...loaded.graphDiagnostics.filter((d) => files.has(d.file)),
  ];
}
