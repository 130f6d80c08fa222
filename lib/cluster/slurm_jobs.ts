/**
 * The Slurm executor's pure parts: one job per package with `afterok`
 * dependencies on its dependencies' jobs, the `sbatch` command lines, and the
 * reading of `sacct`'s answers. No process is started here.
 * @module
 */
import { join } from "node:path";
import type { GraphNode } from "../graph/mod.ts";
import type { SlurmOptions } from "./types.ts";

/** One package's job. */
export interface JobPlan {
  node: GraphNode;
  /** Indexes (into the plan) of the jobs this one waits for. */
  after: number[];
  /** The job's name in `squeue`/`sacct`: `2nex:SLUG@VERSION:FLAVOR`. */
  name: string;
  /** The batch script, run on the node. */
  script: string;
  scriptPath: string;
  logPath: string;
}

/** What planning needs besides the packages. */
export interface PlanContext {
  /** The argv that runs this 2nex on a node (deno and its flags and main.ts, or the binary). */
  self: string[];
  /** The workspace root: the manifests are read there, on the shared file system. */
  workspace: string;
  /** A directory of this run on the shared file system: scripts and job logs. */
  runDir: string;
}

/** Extra minutes a job gets beyond the build's own time limit: substituting and publishing. */
export const JOB_OVERHEAD_MINUTES = 15;

/**
 * Jobs for `nodes` (dependencies first), each waiting only for the jobs of
 * its own dependencies that are in the plan (the others are already built).
 */
export function planJobs(nodes: GraphNode[], context: PlanContext): JobPlan[] {
  const index = new Map(nodes.map((node, i) => [node, i]));
  return nodes.map((node, i) => {
    const { slug, version, flavor } = node.manifest.package;
    const after = [
      ...new Set(node.deps.flatMap((d) => {
        const j = d.target ? index.get(d.target) : undefined;
        return j === undefined ? [] : [j];
      })),
    ].sort((a, b) => a - b);
    const file = `${String(i).padStart(4, "0")}-${slug}`;
    const argv = [...context.self, "-C", context.workspace, "node-build", node.id];
    return {
      node,
      after,
      name: `2nex:${slug}@${version}:${flavor}`,
      script:
        `#!/bin/bash\n# 2nex: build ${slug}@${version}:${flavor} on this node, publish it to the cache\n` +
        `exec ${argv.map(shellQuote).join(" ")}\n`,
      scriptPath: join(context.runDir, `${file}.sh`),
      logPath: join(context.runDir, `${file}.log`),
    };
  });
}

/** The `sbatch` argv that submits `job` once its dependencies have the given job ids. */
export function sbatchArgv(
  job: JobPlan,
  dependencyIds: string[],
  options: SlurmOptions,
  limits: { timeoutSeconds: number; memoryBytes: number },
): string[] {
  const argv = [
    "sbatch",
    "--parsable",
    `--job-name=${job.name}`,
    `--output=${job.logPath}`,
    `--time=${Math.ceil(limits.timeoutSeconds / 60) + JOB_OVERHEAD_MINUTES}`,
    // The build's memory limit, as the job's request (Slurm counts megabytes).
    `--mem=${Math.ceil(limits.memoryBytes / 1024 ** 2)}M`,
  ];
  if (dependencyIds.length > 0) {
    // A failed dependency cancels the job at once instead of leaving it pending forever.
    argv.push(`--dependency=afterok:${dependencyIds.join(":")}`, "--kill-on-invalid-dep=yes");
  }
  if (options.partition) argv.push(`--partition=${options.partition}`);
  if (options.account) argv.push(`--account=${options.account}`);
  argv.push(...options.sbatchArgs, job.scriptPath);
  return argv;
}

/** The job id `sbatch --parsable` printed (`ID` or `ID;CLUSTER`). */
export function parseJobId(stdout: string): string | undefined {
  const id = stdout.trim().split(";")[0];
  return /^\d+$/.test(id) ? id : undefined;
}

/** Where a job is, as 2nex reports it. */
export type JobPhase = "pending" | "running" | "completed" | "failed" | "mismatch" | "cancelled";

export interface JobState {
  phase: JobPhase;
  /** Slurm's own word (COMPLETED, FAILED, CANCELLED by 0, TIMEOUT, …). */
  state: string;
  /** The batch script's exit code, when it ended. */
  exitCode?: number;
}

/** 2nex's exit code for a verification failure: the job's build produced another hash. */
const VERIFICATION_EXIT = 3;

/**
 * Reads `sacct -X -n -P --format=JobID,State,ExitCode` output: one line per
 * job, `ID|STATE|CODE:SIGNAL`.
 */
export function parseSacct(text: string): Map<string, JobState> {
  const states = new Map<string, JobState>();
  for (const line of text.split("\n")) {
    const [id, rawState, exit] = line.trim().split("|");
    if (!id || !rawState || !/^\d+$/.test(id)) continue;
    const state = rawState.split(" ")[0];
    const exitCode = exit ? Number(exit.split(":")[0]) : undefined;
    states.set(id, { phase: phaseOf(state, exitCode), state: rawState, exitCode });
  }
  return states;
}

function phaseOf(state: string, exitCode: number | undefined): JobPhase {
  switch (state) {
    case "PENDING":
    case "REQUEUED":
    case "RESIZING":
    case "SUSPENDED":
      return "pending";
    case "RUNNING":
    case "COMPLETING":
      return "running";
    case "COMPLETED":
      return "completed";
    case "CANCELLED":
      return "cancelled";
    case "FAILED":
      return exitCode === VERIFICATION_EXIT ? "mismatch" : "failed";
    default:
      // TIMEOUT, OUT_OF_MEMORY, NODE_FAIL, PREEMPTED, BOOT_FAIL, DEADLINE: the build did not finish.
      return "failed";
  }
}

/** True once a job will not change any more. */
export function isFinal(phase: JobPhase): boolean {
  return phase !== "pending" && phase !== "running";
}

/** `word` quoted for bash when it needs it. */
export function shellQuote(word: string): string {
  return /^[A-Za-z0-9_@%+=:,./-]+$/.test(word) ? word : `'${word.replaceAll("'", `'\\''`)}'`;
}
