/**
 * What results exist for a node, in this process: its dependencies' results
 * (their parts, commits and hashes), its input key computed once for them,
 * and whether that key has a result already. The scheduler, the fetch plan,
 * the Slurm executor, substitution and `status` ask the same questions here,
 * so each node's answer is computed once.
 * @module
 */
import type { GraphNode, ResultPart } from "../graph/mod.ts";
import type { Manifest } from "../manifest/mod.ts";
import { refsOfPackage } from "../store/mod.ts";
import { FailureError, TwonexError } from "../util/mod.ts";
import { cachedResult, inputKeyOf, partKey } from "./package.ts";
import { describe } from "./describe.ts";
import type { ResultRecord } from "./results.ts";
import type { BuildServices, DependencyResult } from "./types.ts";

/** What looking up results needs: no sandbox. */
export type ResultServices = Pick<BuildServices, "ws" | "store" | "index">;

/** Results of the parts of each dependency that `node` sees. */
export async function dependencyResults(
  node: GraphNode,
  services: ResultServices,
): Promise<DependencyResult[]> {
  const out: DependencyResult[] = [];
  for (const dep of node.deps) {
    if (dep.target) {
      const record = await lastResult(dep.target, services);
      if (!record) {
        throw new FailureError(`dependency ${describe(dep.target.manifest)} is not built`);
      }
      const commit = record.parts[partKey(dep.part)];
      if (!commit) {
        throw new FailureError(
          `dependency ${describe(dep.target.manifest)} has no ${partKey(dep.part)}`,
        );
      }
      out.push({
        part: dep.part,
        name: dep.spec.name,
        commit,
        outputHash: record.outputHash,
        ref: partRef(dep.target.manifest, dep.part),
      });
    } else {
      const ref = dep.externalRef!;
      const commit = await services.store.resolveRef(ref);
      if (!commit) {
        throw new FailureError(`dependency ${dep.spec.name}: ref ${ref} is not in the repository`, {
          hint:
            "no manifest of this workspace builds it; import it into the repository or add its manifest",
        });
      }
      out.push({
        part: dep.part,
        name: dep.spec.name,
        commit,
        outputHash: await services.store.contentChecksum(commit),
        ref,
      });
    }
  }
  return out;
}

/** True when the node's current input key already has a result (its dependencies too). */
export async function hasCachedResult(node: GraphNode, services: ResultServices): Promise<boolean> {
  try {
    return await lastResult(node, services) !== undefined;
  } catch (error) {
    // A dependency that is not built yet: neither is this.
    if (error instanceof TwonexError) return false;
    throw error;
  }
}

/** The ref of one part of a package's result. */
function partRef(manifest: Manifest, part: ResultPart): string {
  const refs = refsOfPackage(manifest.package);
  if (part.kind === "tree") return refs.tree;
  return part.kind === "outputs" ? refs.output(part.name) : refs.bundle(part.name);
}

/** The result of the last successful build of a node in this process, or its cached one. */
const lastResults = new WeakMap<GraphNode, ResultRecord>();

/** Input keys computed in this process: the fetch plan and the scheduler ask for each twice. */
const inputKeys = new WeakMap<
  GraphNode,
  { ws: ResultServices["ws"]; dependencies: string; key: string }
>();

/** The input key of `node` with these dependency results, computed once for the same ones. */
export function nodeInputKey(
  node: GraphNode,
  services: ResultServices,
  deps: DependencyResult[],
): string {
  // What inputKeyOf reads of the dependencies; the workspace is compared by identity.
  const dependencies = deps.map((d) => `${d.name}\0${partKey(d.part)}\0${d.outputHash}`)
    .join("\n");
  const known = inputKeys.get(node);
  if (known && known.ws === services.ws && known.dependencies === dependencies) return known.key;
  const key = inputKeyOf(services.ws, node.manifest, deps);
  inputKeys.set(node, { ws: services.ws, dependencies, key });
  return key;
}

/** Records the result `node` has now (built or taken from the cache) for its dependents. */
export function rememberResult(node: GraphNode, record: ResultRecord): void {
  lastResults.set(node, record);
}

async function lastResult(
  node: GraphNode,
  services: ResultServices,
): Promise<ResultRecord | undefined> {
  const known = lastResults.get(node);
  if (known) return known;
  // Not built in this run: valid only if its current input key is cached.
  const deps = await dependencyResults(node, services);
  const record = await cachedResult(services, nodeInputKey(node, services, deps));
  if (record) lastResults.set(node, record);
  return record;
}
