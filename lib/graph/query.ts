/**
 * Questions about a resolved graph that users ask of Nix and Guix too: what
 * depends on a package (`graph --reverse`), and why one package depends on
 * another (`why-depends`). Pure functions over {@link Graph}.
 * @module
 */
import { dependenciesFirst, type Graph, type GraphNode } from "./resolve.ts";

/**
 * `roots` and every package that depends on one of them, directly or not, in
 * build order (dependencies first), so the text reads like `graph`'s.
 */
export function dependentsOf(graph: Graph, roots: GraphNode[]): GraphNode[] {
  const dependents = new Map<GraphNode, GraphNode[]>();
  for (const node of graph.nodes) {
    for (const dep of node.deps) {
      if (!dep.target) continue;
      const list = dependents.get(dep.target);
      if (list) list.push(node);
      else dependents.set(dep.target, [node]);
    }
  }
  const reached = new Set<GraphNode>(roots);
  const queue = [...roots];
  while (queue.length > 0) {
    const node = queue.pop()!;
    for (const dependent of dependents.get(node) ?? []) {
      if (reached.has(dependent)) continue;
      reached.add(dependent);
      queue.push(dependent);
    }
  }
  return dependenciesFirst(graph.nodes.filter((n) => reached.has(n)), (n) => reached.has(n));
}

/**
 * A shortest chain of dependencies from `from` to `to`, both included; undefined
 * when `from` does not depend on `to`. Among chains of equal length the one
 * through the earliest-listed dependencies wins, so the answer is stable.
 */
export function dependencyPath(from: GraphNode, to: GraphNode): GraphNode[] | undefined {
  const parent = new Map<GraphNode, GraphNode | undefined>([[from, undefined]]);
  let frontier = [from];
  while (frontier.length > 0 && !parent.has(to)) {
    const next: GraphNode[] = [];
    for (const node of frontier) {
      for (const dep of node.deps) {
        if (!dep.target || parent.has(dep.target)) continue;
        parent.set(dep.target, node);
        next.push(dep.target);
      }
    }
    frontier = next;
  }
  if (!parent.has(to)) return undefined;
  const path: GraphNode[] = [];
  for (let node: GraphNode | undefined = to; node; node = parent.get(node)) path.push(node);
  return path.reverse();
}
