/**
 * What `2nex show` says about a package's state: its input key (once its
 * dependencies are built), expected and last built hash, and whether a build
 * would be needed.
 * @module
 */
import type { Graph, GraphNode } from "../graph/mod.ts";
import type { Workspace } from "../workspace/mod.ts";
import { refsOfPackage, Store } from "../store/mod.ts";
import { ResultIndex } from "./results.ts";
import { cachedResult, inputKeyOf } from "./package.ts";
import { dependencyResults } from "./node_results.ts";
import { exists, TwonexError } from "../util/mod.ts";

export interface PackageStatus {
  inputKey: string | null;
  inputKeyUnknownReason?: string;
  expectedHash: string | null;
  lastBuiltHash: string | null;
  status: "cached" | "needs build" | "dependencies not built" | "not built";
}

/** Computes the status of `node` without building or writing anything. */
export async function describePackageStatus(
  ws: Workspace,
  _graph: Graph,
  node: GraphNode,
): Promise<PackageStatus> {
  const expectedHash = node.manifest.package.checksum ?? null;
  if (!(await exists(ws.config.repo))) {
    return {
      inputKey: null,
      inputKeyUnknownReason: "no repository yet",
      expectedHash,
      lastBuiltHash: null,
      status: "not built",
    };
  }
  const store = await Store.open(ws.config.repo);
  const m = node.manifest;
  const treeRef = refsOfPackage(m.package).tree;
  const lastCommit = await store.resolveRef(treeRef);
  const lastBuiltHash = lastCommit ? await store.contentChecksum(lastCommit) : null;
  const services = { ws, store, index: new ResultIndex(ws.config.cache) };
  try {
    const deps = await dependencyResults(node, services);
    const inputKey = inputKeyOf(ws, m, deps);
    const cached = await cachedResult(services, inputKey);
    return {
      inputKey,
      expectedHash,
      // With `semantics: original` the expected hash is the original checksum: show that one.
      lastBuiltHash: cached?.checkedHash ?? lastBuiltHash,
      status: cached ? "cached" : "needs build",
    };
  } catch (error) {
    if (!(error instanceof TwonexError)) throw error;
    return {
      inputKey: null,
      inputKeyUnknownReason: error.message,
      expectedHash,
      lastBuiltHash,
      status: "dependencies not built",
    };
  }
}
