/**
 * Questions about a resolved graph that users ask of Nix and Guix too: what
 * depends on a package (`graph --reverse`), and why one package depends on
 * another (`why-depends`). Pure functions over {@link Graph}.
 * @module
 */
import type { Graph, GraphNode } from "./resolve.ts";

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
  // graph.nodes is not in build order; a depth-first order over the reached
  // nodes restricted to them is.
  const order: GraphNode[] = [];
  const done = new Set<GraphNode>();
  const visit = (start: GraphNode) => {
    const stack: Array<[GraphNode, number]> = [[start, 0]];
    done.add(start);
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
      if (next && reached.has(next) && !done.has(next)) {
        done.add(next);
        stack.push([next, 0]);
      }
    }
  };
  for (const node of graph.nodes) if (reached.has(node) && !done.has(node)) visit(node);
  return order;
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
