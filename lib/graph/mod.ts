/**
 * The dependency graph (SPEC section 4): resolving dependencies between
 * manifests, build order, queries over the graph (`why-depends`, dependents),
 * and input keys.
 *
 * @example
 * ```ts
 * import type { Manifest } from "../manifest/mod.ts";
 * declare const manifests: Manifest[];
 * const { graph } = resolveGraph(manifests);
 * for (const node of buildOrder(graph)) console.log(node.manifest.package.slug);
 * ```
 * @module
 */
export { computeInputKey, type DependencyInput } from "./inputkey.ts";
export {
  buildOrder,
  type Graph,
  type GraphNode,
  resolveGraph,
  type ResultPart,
} from "./resolve.ts";
export { dependencyPath, dependentsOf } from "./query.ts";
