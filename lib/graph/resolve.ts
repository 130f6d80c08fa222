/**
 * Dependency resolution (SPEC section 4): by slug / version / flavor / bundle,
 * and by `commit:` ref. Reports missing, ambiguous and bundle-less dependencies
 * and cycles as diagnostics, and yields a deterministic build order.
 *
 * @example
 * ```ts
 * import type { Manifest } from "../manifest/types.ts";
 * declare const manifests: Manifest[];
 * const { graph, diagnostics } = resolveGraph(manifests);
 * for (const node of buildOrder(graph)) console.log(node.manifest.package.slug);
 * ```
 * @module
 */
import type { DependencySpec, Diagnostic, Manifest, ManifestSummary } from "../manifest/mod.ts";
import { closestNames } from "../expr/mod.ts";
import { parsePackageRef } from "../store/mod.ts";

/** Which part of a dependency's result the dependent sees. */
export type ResultPart =
  | { kind: "tree" }
  | { kind: "bundles"; name: string }
  | { kind: "outputs"; name: string };

export interface ResolvedDependency<M extends ManifestSummary = Manifest> {
  spec: DependencySpec;
  /** The workspace manifest this dependency is; absent for a ref that must already be in the repository. */
  target?: GraphNode<M>;
  part: ResultPart;
  /** For `commit:` dependencies that no manifest matches. */
  externalRef?: string;
}

/**
 * A package of the graph. Resolving reads only a manifest's summary, so a
 * command that builds nothing (lint) resolves the summaries it kept.
 */
export interface GraphNode<M extends ManifestSummary = Manifest> {
  manifest: M;
  /** Stable identity: the manifest path. */
  id: string;
  deps: ResolvedDependency<M>[];
}

export interface Graph<M extends ManifestSummary = Manifest> {
  nodes: GraphNode<M>[];
  byPath: Map<string, GraphNode<M>>;
}

export interface ResolveOptions {
  arch?: string;
}

/** Resolves every dependency of every manifest. */
export function resolveGraph<M extends ManifestSummary = Manifest>(
  manifests: M[],
  options: ResolveOptions = {},
): { graph: Graph<M>; diagnostics: Diagnostic[] } {
  const arch = options.arch ?? "x86_64";
  const sorted = [...manifests].sort(compareManifests);
  const nodes: GraphNode<M>[] = sorted.map((manifest) => ({
    manifest,
    id: manifest.path,
    deps: [],
  }));
  const byPath = new Map<string, GraphNode<M>>();
  const bySlug = new Map<string, GraphNode<M>[]>();
  for (const node of nodes) {
    byPath.set(node.id, node);
    const slug = node.manifest.package.slug;
    const list = bySlug.get(slug);
    if (list) list.push(node);
    else bySlug.set(slug, [node]);
  }
  const diagnostics: Diagnostic[] = [];
  const defaults = new DefaultParts();

  for (const node of nodes) {
    // A dependency's position is in its dependent's file.
    const error = (spec: DependencySpec, message: string, hint?: string) =>
      diagnostics.push({ file: node.id, ...spec.position, severity: "error", message, hint });
    for (const spec of node.manifest.dependencies) {
      const resolved = spec.commit !== undefined
        ? resolveCommit(spec, spec.commit, bySlug, arch, error)
        : resolveBySlug(spec, bySlug, defaults, error);
      if (resolved) node.deps.push(resolved);
    }
  }
  const graph = { nodes, byPath };
  diagnostics.push(...findCycles(graph));
  return { graph, diagnostics };
}

type ErrorSink = (spec: DependencySpec, message: string, hint?: string) => void;

function resolveBySlug<M extends ManifestSummary>(
  spec: DependencySpec,
  bySlug: Map<string, GraphNode<M>[]>,
  defaults: DefaultParts,
  error: ErrorSink,
): ResolvedDependency<M> | undefined {
  const sameSlug = bySlug.get(spec.name) ?? [];
  if (sameSlug.length === 0) {
    const close = closestNames(spec.name, [...bySlug.keys()]);
    error(
      spec,
      `dependency "${spec.name}" is not a package of this workspace`,
      close.length > 0 ? `did you mean ${close.map((c) => `"${c}"`).join(" or ")}?` : undefined,
    );
    return undefined;
  }
  const candidates = spec.version === undefined && spec.flavor === undefined
    ? sameSlug
    : sameSlug.filter((n) =>
      (spec.version === undefined || n.manifest.package.version === spec.version) &&
      (spec.flavor === undefined || n.manifest.package.flavor === spec.flavor)
    );
  const list = (nodes: GraphNode<M>[]) =>
    nodes.map((n) => `${describe(n.manifest)} (${n.id})`).join(", ");
  if (candidates.length === 0) {
    error(
      spec,
      `no package "${spec.name}"${spec.version ? ` at version ${spec.version}` : ""}${
        spec.flavor ? ` in flavor ${spec.flavor}` : ""
      }`,
      `candidates: ${list(sameSlug)}`,
    );
    return undefined;
  }
  if (candidates.length > 1) {
    error(
      spec,
      `dependency "${spec.name}" is ambiguous: ${candidates.length} packages match`,
      `add \`version:\` or \`flavor:\`; candidates: ${list(candidates)}`,
    );
    return undefined;
  }
  const target = candidates[0];
  const part = spec.bundle === undefined
    ? defaults.of(target)
    : bundlePart(target.manifest, spec.bundle);
  if (!part) {
    const bundles = Object.keys(target.manifest.bundles);
    const close = closestNames(spec.bundle ?? "", bundles);
    error(
      spec,
      `package ${describe(target.manifest)} has no bundle "${spec.bundle}"`,
      close.length > 0
        ? `did you mean "${close[0]}"?`
        : bundles.length > 0
        ? `its bundles: ${bundles.join(", ")}`
        : "it declares no bundles; omit `bundle:` to use its whole result",
    );
    return undefined;
  }
  return { spec, target, part };
}

/** The named bundle of `manifest`, or undefined when it has none of that name. */
function bundlePart(manifest: ManifestSummary, bundle: string): ResultPart | undefined {
  return Object.hasOwn(manifest.bundles, bundle) ? { kind: "bundles", name: bundle } : undefined;
}

/**
 * The part a dependency without `bundle:` gets: "default", else the only
 * bundle, else the whole result. Worked out once per package, as most
 * packages are depended on many times; dependents share the (read-only) object.
 */
class DefaultParts {
  readonly #parts = new Map<GraphNode<ManifestSummary>, ResultPart>();

  of(node: GraphNode<ManifestSummary>): ResultPart {
    let part = this.#parts.get(node);
    if (part === undefined) {
      const bundles = Object.keys(node.manifest.bundles);
      part = bundles.includes("default")
        ? { kind: "bundles", name: "default" }
        : bundles.length === 1
        ? { kind: "bundles", name: bundles[0] }
        : { kind: "tree" };
      this.#parts.set(node, part);
    }
    return part;
  }
}

function resolveCommit<M extends ManifestSummary>(
  spec: DependencySpec,
  ref: string,
  bySlug: Map<string, GraphNode<M>[]>,
  arch: string,
  error: ErrorSink,
): ResolvedDependency<M> | undefined {
  const parsed = parsePackageRef(ref);
  if (!parsed) {
    // Not in the package layout: an arbitrary ref that must exist in the repository.
    return { spec, part: { kind: "tree" }, externalRef: ref };
  }
  const part: ResultPart = parsed.kind === "tree"
    ? { kind: "tree" }
    : { kind: parsed.kind, name: parsed.name ?? "" };
  const matches = (bySlug.get(parsed.slug) ?? []).filter((n) =>
    n.manifest.package.version === parsed.version && n.manifest.package.flavor === parsed.flavor
  );
  if (parsed.arch !== arch || matches.length === 0) {
    return { spec, part, externalRef: ref };
  }
  const target = matches[0];
  if (part.kind === "bundles" && !(part.name in target.manifest.bundles)) {
    error(
      spec,
      `ref ${ref} names bundle "${part.name}", which ${describe(target.manifest)} does not declare`,
      `its bundles: ${Object.keys(target.manifest.bundles).join(", ") || "none"}`,
    );
    return undefined;
  }
  if (part.kind === "outputs" && !(part.name in target.manifest.outputs)) {
    error(
      spec,
      `ref ${ref} names output "${part.name}", which ${describe(target.manifest)} does not declare`,
      `its outputs: ${Object.keys(target.manifest.outputs).join(", ") || "none"}`,
    );
    return undefined;
  }
  return { spec, target, part };
}

/** Every cycle as one diagnostic naming its members in order with their positions. */
function findCycles<M extends ManifestSummary>(graph: Graph<M>): Diagnostic[] {
  const diagnostics: Diagnostic[] = [];
  const state = new Map<GraphNode<M>, "active" | "done">();
  const reported = new Set<GraphNode<M>>();
  for (const root of graph.nodes) {
    if (state.has(root)) continue;
    // Iterative DFS: a stack of [node, next dependency index].
    const stack: Array<[GraphNode<M>, number]> = [[root, 0]];
    state.set(root, "active");
    while (stack.length > 0) {
      const top = stack[stack.length - 1];
      const [node, index] = top;
      if (index >= node.deps.length) {
        state.set(node, "done");
        stack.pop();
        continue;
      }
      top[1]++;
      const next = node.deps[index].target;
      if (!next) continue;
      const seen = state.get(next);
      if (seen === undefined) {
        state.set(next, "active");
        stack.push([next, 0]);
      } else if (seen === "active") {
        const start = stack.findIndex(([n]) => n === next);
        const members = stack.slice(start);
        if (members.some(([n]) => reported.has(n))) continue;
        members.forEach(([n]) => reported.add(n));
        const steps = members.map(([n, i]) => ({ node: n, dep: n.deps[i - 1] }));
        const names = [
          ...steps.map((s) => s.node.manifest.package.slug),
          next.manifest.package.slug,
        ];
        diagnostics.push({
          file: steps[0].node.id,
          ...steps[0].dep.spec.position,
          severity: "error",
          message: `dependency cycle: ${names.join(" -> ")}`,
          hint: steps
            .map((s) =>
              `${s.node.manifest.package.slug} depends on ${
                s.dep.target!.manifest.package.slug
              } at ${s.node.id}:${s.dep.spec.position.line}:${s.dep.spec.position.col}`
            )
            .join("; "),
        });
      }
    }
  }
  return diagnostics;
}

/**
 * A deterministic build order (dependencies first) of `roots` and everything they
 * depend on; all nodes when `roots` is omitted. The graph must be acyclic.
 */
export function buildOrder(graph: Graph, roots?: GraphNode[]): GraphNode[] {
  return dependenciesFirst(roots ?? graph.nodes);
}

/**
 * `starts` and the dependencies they reach, each after its dependencies, in a
 * deterministic depth-first order; `include` limits which dependencies are
 * followed (and listed).
 */
export function dependenciesFirst(
  starts: Iterable<GraphNode>,
  include: (node: GraphNode) => boolean = () => true,
): GraphNode[] {
  const order: GraphNode[] = [];
  const visited = new Set<GraphNode>();
  for (const root of starts) {
    if (visited.has(root)) continue;
    const stack: Array<[GraphNode, number]> = [[root, 0]];
    visited.add(root);
    while (stack.length > 0) {
      const top = stack[stack.length - 1];
      const [node, index] = top;
      if (index >= node.deps.length) {
        order.push(node);
        stack.pop();
        continue;
      }
      top[1]++;
      const next = node.deps[index].target;
      if (next && !visited.has(next) && include(next)) {
        visited.add(next);
        stack.push([next, 0]);
      }
    }
  }
  return order;
}

/** Orders by slug, version, flavor, then path. */
function compareManifests(a: ManifestSummary, b: ManifestSummary): number {
  return compareText(a.package.slug, b.package.slug) ||
    compareText(a.package.version, b.package.version) ||
    compareText(a.package.flavor, b.package.flavor) ||
    compareText(a.path, b.path);
}

function compareText(a: string, b: string): number {
  return a === b ? 0 : a < b ? -1 : 1;
}

function describe(m: ManifestSummary): string {
  return `${m.package.slug}@${m.package.version} (${m.package.flavor})`;
}
