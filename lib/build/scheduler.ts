/**
 * Builds a set of packages in dependency order, `jobs` at a time, like
 * BuildStream's queues: sources are fetched first (then the network permission
 * is dropped), each package waits for its dependencies, and a failure stops only
 * what depends on it.
 * @module
 */
import type { GraphNode } from "../graph/mod.ts";
import type { BuildRun, BuildServices } from "./types.ts";
import { cachedResult, runBuild } from "./package.ts";
import { dependencyResults, nodeInputKey, rememberResult } from "./node_results.ts";
import { commitRun, restoreRefs } from "./commit.ts";
import { describe } from "./describe.ts";
import {
  FailureError,
  ioErrorFromUnknown,
  removeTree,
  TwonexError,
  VerificationError,
} from "../util/mod.ts";
import { updateManifestHash } from "../manifest/mod.ts";
import { markKept } from "./layout.ts";
import { reportAgainstCommit, type RoundHook } from "./rounds.ts";
import { builtVerdict, cachedVerdict, type VerdictInput } from "./verdict.ts";
import { refsOfPackage } from "../store/mod.ts";

/** `checked`: rebuilt by --check and identical to the committed result (nothing committed). */
/** `substituted`: taken from a substituter (verified) in this run instead of being built. */
export type NodeStatus =
  | "built"
  | "cached"
  | "substituted"
  | "checked"
  | "failed"
  | "skipped"
  | "mismatch";

export interface NodeReport {
  node: GraphNode;
  status: NodeStatus;
  inputKey?: string;
  outputHash?: string;
  expectedHash?: string;
  durationMs: number;
  error?: TwonexError;
  warnings: string[];
  /** The manifest got the hash written by --update-hash. */
  hashUpdated?: boolean;
  /** The cluster job that built it (the Slurm executor). */
  job?: string;
}

export interface ScheduleOptions {
  /** Packages built at once. */
  jobs: number;
  /** Nodes whose cache is ignored (--rebuild of the named packages). */
  rebuild: Set<GraphNode>;
  /** Write computed hashes into the manifests of these nodes (--update-hash). */
  updateHash: Set<GraphNode>;
  onEvent?: (event: SchedulerEvent) => void;
  /** Packages whose sources could not be fetched: they fail without building. */
  fetchFailures?: Map<GraphNode, TwonexError>;
  /** --check / --rounds: the round hook of a node, or undefined for a normal build. */
  roundsFor?: (node: GraphNode) => RoundHook | undefined;
  /** Nodes whose results substituters provided in this run: reported as `substituted`. */
  substituted?: Set<GraphNode>;
}

export type SchedulerEvent =
  | { kind: "start"; node: GraphNode }
  | { kind: "finish"; report: NodeReport };

/** Builds `order` (dependencies first); returns one report per node, in order. */
export async function schedule(
  order: GraphNode[],
  services: BuildServices,
  options: ScheduleOptions,
): Promise<NodeReport[]> {
  const results = new Map<GraphNode, Promise<NodeReport>>();
  const slots = new Semaphore(options.jobs);
  const inPlan = new Set(order);
  for (const node of order) {
    results.set(
      node,
      (async () => {
        const depReports = await Promise.all(
          node.deps.filter((d) => d.target && inPlan.has(d.target)).map((d) =>
            results.get(d.target!)!
          ),
        );
        const failed = depReports.find((r) =>
          r.status === "failed" || r.status === "skipped" || r.status === "mismatch"
        );
        if (failed) {
          const report: NodeReport = {
            node,
            status: "skipped",
            durationMs: 0,
            warnings: [],
            error: new FailureError(
              `not built: dependency ${describe(failed.node.manifest)} ${
                failed.status === "skipped" ? "was not built" : "failed"
              }`,
            ),
          };
          options.onEvent?.({ kind: "finish", report });
          return report;
        }
        const fetchFailure = options.fetchFailures?.get(node);
        const report: NodeReport = fetchFailure
          ? { node, status: "failed", durationMs: 0, warnings: [], error: fetchFailure }
          : await buildNode(node, services, options, slots);
        options.onEvent?.({ kind: "finish", report });
        return report;
      })(),
    );
  }
  return await Promise.all(order.map((node) => results.get(node)!));
}

async function buildNode(
  node: GraphNode,
  services: BuildServices,
  options: ScheduleOptions,
  slots: Semaphore,
): Promise<NodeReport> {
  const rounds = options.roundsFor?.(node);
  const started = performance.now();
  const manifest = node.manifest;
  const expectedHash = manifest.package.checksum;
  const base = { node, expectedHash, warnings: [] as string[] };
  let inputKey: string | undefined;
  try {
    const deps = await dependencyResults(node, services);
    inputKey = nodeInputKey(node, services, deps);
    if (!options.rebuild.has(node) && !rounds) {
      const cached = await cachedResult(services, inputKey);
      if (cached) {
        const report: NodeReport = {
          ...base,
          status: options.substituted?.has(node) ? "substituted" : "cached",
          inputKey,
          outputHash: cached.outputHash,
          durationMs: 0,
        };
        const checked = cached.checkedHash ?? cached.outputHash;
        const verdict = cachedVerdict(verdictInput(node, options, checked));
        if (verdict.kind === "refuse") {
          // The manifest's hash changed after this result was committed: refuse it again,
          // without pointing the package's refs at it.
          return mismatchReport(report, checked, expectedHash!);
        }
        if (verdict.kind === "accept" && verdict.writeHash) {
          await updateManifestHash(manifest.path, checked);
          report.hashUpdated = true;
        }
        await restoreRefs(node, cached, services.store);
        rememberResult(node, cached);
        report.durationMs = performance.now() - started;
        return report;
      }
    }
    const release = await slots.acquire();
    try {
      options.onEvent?.({ kind: "start", node });
      const run = await runBuild(node, deps, services, inputKey, rounds?.first);
      let keepTree = false;
      try {
        base.warnings.push(...run.warnings);
        const commitWanted = rounds
          ? await rounds.verify(run, deps, inputKey).catch((error) => {
            // The rounds marked the trees to keep; do not remove this one under them.
            keepTree = services.keepFailed;
            throw error;
          })
          : true;
        const verdict = builtVerdict(verdictInput(node, options, run.checkedHash), commitWanted);
        if (verdict.kind === "checked") {
          return {
            ...base,
            status: "checked",
            inputKey,
            outputHash: run.outputHash,
            durationMs: performance.now() - started,
          };
        }
        if (verdict.kind === "refuse") {
          const report: NodeReport = {
            ...base,
            status: "mismatch",
            inputKey,
            outputHash: run.outputHash,
            durationMs: performance.now() - started,
          };
          keepTree = services.keepFailed;
          if (keepTree) await markKept(run.buildDir);
          const lastGood = await lastGoodReport(node, run, services);
          return mismatchReport(
            report,
            run.checkedHash,
            expectedHash!,
            keepTree ? run.buildDir : undefined,
            lastGood,
          );
        }
        if (verdict.warning) base.warnings.push(verdict.warning);
        if (verdict.writeHash) await updateManifestHash(manifest.path, run.checkedHash);
        const record = await commitRun(node, run, services, inputKey, deps);
        rememberResult(node, record);
        return {
          ...base,
          status: "built",
          inputKey,
          outputHash: run.outputHash,
          durationMs: performance.now() - started,
          hashUpdated: verdict.writeHash,
        };
      } finally {
        if (!keepTree) await removeTree(run.buildDir);
      }
    } finally {
      release();
    }
  } catch (thrown) {
    // A full disk or read-only file system fails this package like any build failure.
    const error = ioErrorFromUnknown(thrown) ?? thrown;
    if (!(error instanceof TwonexError)) throw error;
    const status = error instanceof VerificationError ? "mismatch" : "failed";
    return { ...base, status, inputKey, error, durationMs: performance.now() - started };
  }
}

/** What the accept/refuse decision of `node` looks at, given the hash its result has. */
function verdictInput(node: GraphNode, options: ScheduleOptions, actual: string): VerdictInput {
  const { package: pkg } = node.manifest;
  return {
    subject: describe(node.manifest),
    expected: pkg.checksum,
    actual,
    stableChecksum: pkg.stableChecksum,
    updateHash: options.updateHash.has(node),
  };
}

function mismatchReport(
  report: NodeReport,
  actual: string,
  expected: string,
  keptTree?: string,
  lastGood?: { path: string; summary: string },
): NodeReport {
  const hint = [
    ...(lastGood
      ? [`compared with the last good result:\n${lastGood.summary}`, `report: ${lastGood.path}`]
      : []),
    "the result was not committed to the package's refs",
    "if the change is intended, run `2nex build --update-hash` to record the new hash",
    ...(keptTree ? [`build tree kept at ${keptTree}`] : []),
  ].join("\n");
  return {
    ...report,
    status: "mismatch",
    error: new VerificationError(
      `output hash of ${
        describe(report.node.manifest)
      } differs from the manifest\n  expected: ${expected}\n  actual:   ${actual}`,
      { hint },
    ),
  };
}

/** Bounds how many builds run at once. */
class Semaphore {
  #free: number;
  #waiting: Array<() => void> = [];

  constructor(size: number) {
    this.#free = Math.max(1, size);
  }

  async acquire(): Promise<() => void> {
    if (this.#free > 0) this.#free--;
    else await new Promise<void>((resolve) => this.#waiting.push(resolve));
    let released = false;
    return () => {
      if (released) return;
      released = true;
      const next = this.#waiting.shift();
      if (next) next();
      else this.#free++;
    };
  }
}

/** The file-level comparison with the package's last committed result, when it has one. */
async function lastGoodReport(
  node: GraphNode,
  run: BuildRun,
  services: BuildServices,
): Promise<{ path: string; summary: string } | undefined> {
  const m = node.manifest;
  const ref = refsOfPackage(m.package).tree;
  const commit = await services.store.resolveRef(ref);
  if (!commit) return undefined;
  try {
    return await reportAgainstCommit(services, node, commit, run, {
      labelA: `last good ${commit.slice(0, 12)}`,
      labelB: "this build",
      notes: [`${ref} against the refused build`],
    });
  } catch {
    return undefined;
  }
}
