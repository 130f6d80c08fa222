/**
 * The Slurm executor: `build` plans the graph as usual, takes what is cached
 * or substitutable, and submits one job per remaining package with `afterok`
 * dependencies on its dependencies' jobs. Each job runs `2nex node-build` on
 * its node (lib/cli/node_build.ts): it substitutes the dependencies from the
 * executor's signed cache, builds and verifies the package in the node's
 * sandbox and publishes the result there. This process follows the jobs,
 * reports them as a local build would, and finally takes every result from the
 * cache, checking signatures and hashes as for any substituter: no node's file
 * system is trusted for more than the manifests.
 * @module
 */
import { join } from "node:path";
import type { GraphNode } from "../graph/mod.ts";
import {
  buildLimitsOf,
  type BuildServices,
  cachedResult,
  cacheLayout,
  dependencyResults,
  describe,
  hasCachedResult,
  inputKeyOf,
  type NodeReport,
  type SchedulerEvent,
  substitutePlan,
  timeoutSecondsOf,
} from "../build/mod.ts";
import { publishRefs, readSecretKeyFile } from "../store/mod.ts";
import { errorMessage, FailureError, run, VerificationError } from "../util/mod.ts";
import type { SubstituterConfig } from "../workspace/mod.ts";
import type { SlurmOptions } from "./types.ts";
import {
  isFinal,
  type JobPlan,
  type JobState,
  parseJobId,
  parseSacct,
  planJobs,
  sbatchArgv,
} from "./slurm_jobs.ts";

/** How long `sacct` may take to answer before the next look. */
const SACCT_TIMEOUT_MS = 60_000;

/** Lines of a failed job's log shown in its error. */
const LOG_TAIL_LINES = 20;

export interface SlurmRunOptions {
  /** The argv that runs this 2nex on a node. */
  self: string[];
  /** Nodes that must be built even when cached or substitutable (--rebuild). */
  rebuild: Set<GraphNode>;
  /** Ask the workspace's own substituters too (not with --no-substitute or --offline). */
  useSubstituters: boolean;
  onEvent?: (event: SchedulerEvent) => void;
  warn(text: string): void;
  info(text: string): void;
}

/** Builds `order` (dependencies first) on the cluster; one report per node, in order. */
export async function buildOnSlurm(
  order: GraphNode[],
  base: BuildServices,
  slurm: SlurmOptions,
  options: SlurmRunOptions,
): Promise<NodeReport[]> {
  const key = await readSecretKeyFile(slurm.key);
  const cluster: SubstituterConfig = { url: slurm.cache, keys: [key.publicKey], timeout: 60 };
  const services = withSubstituters(base, [
    ...(options.useSubstituters ? base.ws.config.substituters : []),
    cluster,
  ]);
  const reports = new Map<GraphNode, NodeReport>();

  // What is already here, or in a cache, is not submitted.
  const substituted = await substitutePlan(order, services, {
    exclude: options.rebuild,
    warn: options.warn,
    info: options.info,
  });
  const toBuild: GraphNode[] = [];
  for (const node of order) {
    const status = substituted.has(node)
      ? "substituted"
      : !options.rebuild.has(node) && await hasCachedResult(node, services)
      ? "cached"
      : undefined;
    if (status === undefined) {
      toBuild.push(node);
      continue;
    }
    const report = await reportOf(node, services, status, 0);
    reports.set(node, report);
    options.onEvent?.({ kind: "finish", report });
  }

  if (toBuild.length > 0) {
    // An empty, signed cache from the start: the first jobs' substituters find a summary.
    await publishRefs(base.store, slurm.cache, {}, key);
    const runDir = join(
      cacheLayout(base.ws.config.cache).builds,
      `slurm-${Date.now()}-${Deno.pid}`,
    );
    await Deno.mkdir(runDir, { recursive: true });
    const jobs = planJobs(toBuild, { self: options.self, workspace: base.ws.root, runDir });
    const ids = await submit(jobs, slurm, base);
    const finalStates = await follow(jobs, ids, slurm, options);
    // Results come only through the signed cache, verified like any substitute.
    const completed = jobs.filter((_, i) => finalStates[i].phase === "completed").map((j) =>
      j.node
    );
    const pulled = await substitutePlan(completed, withSubstituters(base, [cluster]), {
      exclude: new Set(),
      warn: options.warn,
      info: () => {},
    });
    for (const [i, job] of jobs.entries()) {
      const report: NodeReport = {
        ...await jobReport(job, ids[i], finalStates[i], pulled, jobs, finalStates, services),
        job: ids[i],
      };
      reports.set(job.node, report);
      options.onEvent?.({ kind: "finish", report });
    }
  }
  return order.map((node) => reports.get(node)!);
}

/** `services` with another list of substituters. */
function withSubstituters(
  services: BuildServices,
  substituters: SubstituterConfig[],
): BuildServices {
  const ws = { ...services.ws, config: { ...services.ws.config, substituters } };
  return { ...services, ws };
}

async function reportOf(
  node: GraphNode,
  services: BuildServices,
  status: NodeReport["status"],
  durationMs: number,
): Promise<NodeReport> {
  const deps = await dependencyResults(node, services);
  const inputKey = inputKeyOf(services.ws, node.manifest, deps);
  const record = await cachedResult(services, inputKey);
  return {
    node,
    status,
    inputKey,
    outputHash: record?.outputHash,
    expectedHash: node.manifest.package.checksum,
    durationMs,
    warnings: [],
  };
}

/** Submits every job in order, each after its dependencies' jobs; cancels all on a failure. */
async function submit(
  jobs: JobPlan[],
  slurm: SlurmOptions,
  services: BuildServices,
): Promise<string[]> {
  const ids: string[] = [];
  try {
    for (const job of jobs) {
      await Deno.writeTextFile(job.scriptPath, job.script, { mode: 0o755 });
      const { manifest } = job.node;
      const argv = sbatchArgv(job, job.after.map((i) => ids[i]), slurm, {
        timeoutSeconds: timeoutSecondsOf(services.ws, manifest),
        memoryBytes: buildLimitsOf(services.ws, manifest).memory,
      });
      const result = await run(argv, { check: false, timeoutMs: SACCT_TIMEOUT_MS });
      const id = parseJobId(result.stdout);
      if (result.code !== 0 || id === undefined) {
        throw new FailureError(
          `sbatch refused the job of ${describe(job.node.manifest)}: ${
            result.stderr.trim() || `exit ${result.code}`
          }`,
          { hint: "check the executor's partition, account and sbatch_args in 2nex.yaml" },
        );
      }
      ids.push(id);
    }
  } catch (error) {
    await cancel(ids);
    throw error;
  }
  return ids;
}

/** Polls the jobs until every one has ended; reports starts and ends; Ctrl-C cancels them. */
async function follow(
  jobs: JobPlan[],
  ids: string[],
  slurm: SlurmOptions,
  options: SlurmRunOptions,
): Promise<JobState[]> {
  const states: JobState[] = jobs.map(() => ({ phase: "pending", state: "PENDING" }));
  const started = new Set<number>();
  let interrupted = false;
  const onInterrupt = () => {
    interrupted = true;
  };
  const signals = listenForInterrupt(onInterrupt);
  try {
    while (true) {
      if (interrupted) {
        await cancel(ids);
        throw new FailureError(
          `interrupted: cancelled ${ids.length} Slurm jobs (${ids.join(", ")})`,
        );
      }
      const result = await run(
        ["sacct", "-X", "-n", "-P", "--format=JobID,State,ExitCode", `--jobs=${ids.join(",")}`],
        { check: false, timeoutMs: SACCT_TIMEOUT_MS },
      );
      if (result.code === 0) {
        const seen = parseSacct(result.stdout);
        for (const [i, id] of ids.entries()) {
          // A job sacct does not list yet is still pending for us.
          const state = seen.get(id);
          if (!state) continue;
          states[i] = state;
          // A job cancelled while pending never started.
          const ran = state.phase !== "pending" &&
            !(state.phase === "cancelled" && !started.has(i));
          if (ran && !started.has(i)) {
            started.add(i);
            options.onEvent?.({ kind: "start", node: jobs[i].node });
          }
        }
      } else {
        options.warn(
          `sacct failed (${result.stderr.trim() || `exit ${result.code}`}); trying again`,
        );
      }
      if (states.every((s) => isFinal(s.phase))) return states;
      await sleep(slurm.pollSeconds * 1000, () => interrupted);
    }
  } finally {
    signals();
  }
}

/** The report of one job, once it ended and the completed ones were taken from the cache. */
async function jobReport(
  job: JobPlan,
  id: string,
  state: JobState,
  pulled: Set<GraphNode>,
  jobs: JobPlan[],
  states: JobState[],
  services: BuildServices,
): Promise<NodeReport> {
  const name = describe(job.node.manifest);
  const base = { node: job.node, durationMs: 0, warnings: [] };
  if (state.phase === "completed") {
    if (pulled.has(job.node)) return await reportOf(job.node, services, "built", 0);
    return {
      ...base,
      status: "failed",
      error: new FailureError(
        `job ${id} built ${name}, but its result could not be taken from the cache`,
        { hint: "see the warning above for the reason" },
      ),
    };
  }
  if (state.phase === "cancelled") {
    const failedDep = job.after.find((i) => states[i].phase !== "completed");
    if (failedDep !== undefined) {
      return {
        ...base,
        status: "skipped",
        error: new FailureError(
          `not built: dependency ${describe(jobs[failedDep].node.manifest)} ${
            states[failedDep].phase === "cancelled" ? "was not built" : "failed"
          }`,
        ),
      };
    }
  }
  const log = await tail(job.logPath);
  const message = `job ${id} of ${name} ended ${state.state}${
    state.exitCode !== undefined ? ` (exit ${state.exitCode})` : ""
  }`;
  const hint = `${log ? `last lines of its log:\n${log}\n` : ""}full log: ${job.logPath}`;
  return {
    ...base,
    status: state.phase === "mismatch" ? "mismatch" : "failed",
    error: state.phase === "mismatch"
      ? new VerificationError(message, { hint })
      : new FailureError(message, { hint }),
  };
}

async function tail(path: string): Promise<string> {
  try {
    const lines = (await Deno.readTextFile(path)).trimEnd().split("\n");
    return lines.slice(-LOG_TAIL_LINES).map((l) => `  | ${l}`).join("\n");
  } catch {
    return "";
  }
}

/** scancel of every listed job; Slurm ignores ids that already ended. */
async function cancel(ids: string[]): Promise<void> {
  if (ids.length === 0) return;
  try {
    await run(["scancel", ...ids], { check: false, timeoutMs: SACCT_TIMEOUT_MS });
  } catch (error) {
    console.error(`2nex: could not cancel Slurm jobs ${ids.join(", ")}: ${errorMessage(error)}`);
  }
}

/** Calls `handler` on SIGINT and SIGTERM; returns the function that stops listening. */
function listenForInterrupt(handler: () => void): () => void {
  const signals: Deno.Signal[] = ["SIGINT", "SIGTERM"];
  const added: Deno.Signal[] = [];
  for (const signal of signals) {
    try {
      Deno.addSignalListener(signal, handler);
      added.push(signal);
    } catch {
      // Not available here (e.g. in a worker): Ctrl-C then ends 2nex, and the jobs run on.
    }
  }
  return () => {
    for (const signal of added) Deno.removeSignalListener(signal, handler);
  };
}

/** Waits `ms`, or less once `stop()` turns true. */
async function sleep(ms: number, stop: () => boolean): Promise<void> {
  const step = 200;
  for (let waited = 0; waited < ms && !stop(); waited += step) {
    await new Promise((resolve) => setTimeout(resolve, step));
  }
}
