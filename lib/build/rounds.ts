/**
 * `build --check` and `build --rounds N` (like `nix-build --check`, `guix
 * challenge` and reprotest): build again under varied conditions and compare.
 * A difference is exit 3 with a file-level report; nothing is committed then.
 * @module
 */
import { join } from "node:path";
import type { GraphNode } from "../graph/mod.ts";
import {
  awaitRoundStart,
  compareTrees,
  type DetectedTools,
  detectTools,
  fakeTimeEnv,
  mountDisorder,
  planRounds,
  probeDisorder,
  reorderEnv,
  roundCapabilities,
  type RoundPlan,
  summarize,
  treesEqual,
  type Variation,
  writeReport,
} from "../repro/mod.ts";
import type { BuildRun, BuildServices, DependencyResult, RunVariation } from "./types.ts";
import { cachedResult, runBuild } from "./package.ts";
import { describe } from "./describe.ts";
import { cacheLayout, markKept } from "./layout.ts";
import { FailureError, removeTree, VerificationError } from "../util/mod.ts";
import type { Store } from "../store/mod.ts";

/** What the scheduler asks of a node built under --check or --rounds. */
export interface RoundHook {
  /** Conditions of the first run. */
  first: RunVariation;
  /** Runs the further rounds after the first; true when the first run should be committed. Throws VerificationError on a difference. */
  verify(run: BuildRun, deps: DependencyResult[], inputKey: string): Promise<boolean>;
}

export interface RoundSettings {
  /** --check: rebuild and compare with the committed result; never commit. */
  check: boolean;
  /** --rounds N (1: a normal build). */
  rounds: number;
  variations: Set<Variation>;
  info: (text: string) => void;
}

/** Plans and runs the rounds of the nodes named on the command line. */
export class RoundRunner {
  private constructor(
    private readonly services: BuildServices,
    private readonly settings: RoundSettings,
    private readonly tools: DetectedTools,
    private readonly disorderWorks: boolean,
  ) {}

  static async create(services: BuildServices, settings: RoundSettings): Promise<RoundRunner> {
    const tools = await detectTools();
    let disorderWorks = false;
    if (settings.variations.has("disorder") && tools.disorderfs && tools.fusermount) {
      const scratch = join(
        cacheLayout(services.ws.config.cache).builds,
        `probe-${crypto.randomUUID()}`,
      );
      disorderWorks = await probeDisorder(tools, scratch).catch(() => false);
    }
    return new RoundRunner(services, settings, tools, disorderWorks);
  }

  /** The plans of a node's rounds: --check is one varied rebuild. */
  plans(node: GraphNode): RoundPlan[] {
    const caps = roundCapabilities(this.tools, node.manifest.build.sandbox, {
      disorderfsWorks: this.disorderWorks,
    });
    const count = this.settings.check ? 2 : Math.max(1, this.settings.rounds);
    const plans = planRounds(count, this.settings.variations, caps);
    return this.settings.check ? plans.slice(1) : plans;
  }

  hookFor(node: GraphNode): RoundHook {
    const plans = this.plans(node);
    const first = this.variation(plans[0]);
    return {
      first,
      verify: (run, deps, inputKey) =>
        this.settings.check
          ? this.check(node, run, inputKey, plans[0])
          : this.moreRounds(node, run, deps, inputKey, plans),
    };
  }

  /** --check: compare the rebuild with the committed result of the same input key. */
  private async check(
    node: GraphNode,
    run: BuildRun,
    inputKey: string,
    plan: RoundPlan,
  ): Promise<boolean> {
    const committed = await cachedResult(this.services, inputKey);
    if (!committed) {
      throw new FailureError(
        `--check: ${describe(node.manifest)} has no committed result for its inputs`,
        {
          hint: "build it first without --check",
        },
      );
    }
    this.settings.info(`check ${describe(node.manifest)}: ${plan.description.join("; ")}`);
    if (committed.outputHash === run.outputHash) return false;
    const report = await reportAgainstCommit(this.services, node, committed.commit, run, {
      labelA: `committed ${committed.commit.slice(0, 12)}`,
      labelB: "rebuild",
      notes: [`rebuild: ${plan.description.join("; ")}`],
    });
    throw new VerificationError(
      `${
        describe(node.manifest)
      } is not reproducible: the rebuild differs from the committed result\n` +
        `  committed: ${committed.outputHash}\n  rebuild:   ${run.outputHash}\n${report.summary}`,
      { hint: `report: ${report.path}${this.keepHint(run)}` },
    );
  }

  /** --rounds N: rounds 2..N compared with round 1 (the run given). */
  private async moreRounds(
    node: GraphNode,
    first: BuildRun,
    deps: DependencyResult[],
    inputKey: string,
    plans: RoundPlan[],
  ): Promise<boolean> {
    let previousStart = Date.now() - first.durationMs;
    for (const plan of plans.slice(1)) {
      previousStart = await awaitRoundStart(plan, previousStart);
      this.settings.info(
        `round ${plan.round} of ${describe(node.manifest)}: ${plan.description.join("; ")}`,
      );
      const other = await runBuild(node, deps, this.services, inputKey, this.variation(plan));
      try {
        if (other.outputHash === first.outputHash) continue;
        const diff = await compareTrees(first.outDir, other.outDir, { modeMask: 0o755 });
        const report = await writeNodeReport(this.services, node, diff, {
          labelA: "round 1",
          labelB: `round ${plan.round}`,
          notes: plans.slice(0, plan.round).map((p) =>
            `round ${p.round}: ${p.description.join("; ")}`
          ),
        });
        if (this.services.keepFailed) {
          await markKept(first.buildDir);
          await markKept(other.buildDir);
        }
        throw new VerificationError(
          `${
            describe(node.manifest)
          } is not reproducible: round ${plan.round} differs from round 1\n` +
            `  round 1: ${first.outputHash}\n  round ${plan.round}: ${other.outputHash}\n${
              summarize(diff)
            }`,
          {
            hint: `report: ${report}` +
              (this.services.keepFailed
                ? `\nbuild trees kept at ${first.buildDir} and ${other.buildDir}`
                : ""),
          },
        );
      } finally {
        if (!this.services.keepFailed) await removeTree(other.buildDir);
      }
    }
    return true;
  }

  private keepHint(run: BuildRun): string {
    return this.services.keepFailed ? `\nrebuild kept at ${run.buildDir}` : "";
  }

  /** The sandbox settings of one round. */
  private variation(plan: RoundPlan): RunVariation {
    const tools = this.tools;
    const extraEnv = tools.libfaketime ? fakeTimeEnv(plan, tools.libfaketime) : [];
    return {
      label: `round-${plan.round}`,
      cpus: plan.cpus,
      jobs: plan.jobs,
      disableAslr: plan.disableAslr,
      reorderEnv: (env) => [...reorderEnv(env, plan), ...extraEnv],
      workDir: plan.disorder
        ? async (realWork, buildDir) => {
          const mount = await mountDisorder(tools, realWork, join(buildDir, "work-disorder"));
          return { path: mount.mountPoint, release: () => mount.unmount() };
        }
        : plan.workOnTmpfs
        ? tmpfsWorkDir
        : undefined,
    };
  }
}

/** A work directory on the host's /dev/shm (tmpfs), whose listing order differs from disk's. */
async function tmpfsWorkDir(realWork: string): Promise<{ path: string; release(): Promise<void> }> {
  try {
    const path = await Deno.makeTempDir({ dir: "/dev/shm", prefix: "2nex-work-" });
    return { path, release: () => removeTree(path) };
  } catch {
    return { path: realWork, release: async () => {} };
  }
}

/** Writes a report of `diff` under the cache's reports directory; returns its text file. */
async function writeNodeReport(
  services: Pick<BuildServices, "ws">,
  node: GraphNode,
  diff: Awaited<ReturnType<typeof compareTrees>>,
  labels: { labelA: string; labelB: string; notes: string[] },
): Promise<string> {
  const stamp = new Date().toISOString().replace(/[:.]/g, "-");
  const dir = join(
    cacheLayout(services.ws.config.cache).reports,
    `${node.manifest.package.slug}-${stamp}`,
  );
  const written = await writeReport(diff, { dir, ...labels });
  return written.textPath;
}

/**
 * Compares a run's result with a committed one (checked out into a scratch
 * directory), writes the report and returns its path and terminal summary.
 */
export async function reportAgainstCommit(
  services: Pick<BuildServices, "ws" | "store">,
  node: GraphNode,
  commit: string,
  run: BuildRun,
  labels: { labelA: string; labelB: string; notes: string[] },
): Promise<{ path: string; summary: string; identical: boolean }> {
  const scratch = await Deno.makeTempDir({
    dir: cacheLayout(services.ws.config.cache).builds,
    prefix: "compare-",
  });
  try {
    const committedDir = join(scratch, "committed");
    await (services.store as Store).checkout(commit, committedDir, { hardlink: false });
    const diff = await compareTrees(committedDir, run.outDir, { modeMask: 0o755 });
    const path = await writeNodeReport(services, node, diff, labels);
    return { path, summary: summarize(diff), identical: treesEqual(diff) };
  } finally {
    await removeTree(scratch);
  }
}
