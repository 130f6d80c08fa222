/**
 * Stage 2 of a package build: run the script in the sandbox over an
 * assembled build tree, and, when it fails, say why (exit code, time limit,
 * memory or process limit) with the end of its log.
 * @module
 */
import { join } from "node:path";
import type { GraphNode } from "../graph/mod.ts";
import type { Manifest } from "../manifest/mod.ts";
import {
  type BuildLimits,
  formatSize,
  type LimitHit,
  limitHitInLog,
  type SandboxMode,
  type SandboxResult,
} from "../sandbox/mod.ts";
import { FailureError } from "../util/mod.ts";
import { ORIGINAL_HOSTNAME, ORIGINAL_SHELL_OPTIONS, type OriginalMode } from "../original/mod.ts";
import type { BuildTree } from "./build_tree.ts";
import { describe } from "./describe.ts";
import { buildEnvironment, buildLimitsOf, sandboxModeOf, timeoutSecondsOf } from "./mode.ts";
import type { BuildServices, RunVariation } from "./types.ts";

/** Runs the build script of `node` in the sandbox over `tree`; resolves once the sandbox is gone. */
export async function runScript(
  node: GraphNode,
  tree: BuildTree,
  services: BuildServices,
  original: OriginalMode | undefined,
  buildDir: string,
  variation: RunVariation,
): Promise<SandboxResult> {
  const manifest = node.manifest;
  const { ws } = services;
  const { dirs, readOnlyMounts, writableMounts, logPath } = tree;
  const jobs = variation.jobs ?? services.jobsPerBuild;
  let env = buildEnvironment(ws, manifest, jobs);
  if (variation.reorderEnv) env = variation.reorderEnv(env);
  const sandbox = await services.sandbox();
  const limits = buildLimitsOf(ws, manifest);
  const work = variation.workDir
    ? await variation.workDir(dirs.work, buildDir)
    : { path: dirs.work, release: async () => {} };
  const mode = sandboxModeOf(manifest, original);
  return await sandbox.run({
    mode,
    rootDir: original || mode === "hermetic" ? dirs.root : undefined,
    readOnlyMounts,
    writableMounts,
    sourcesDir: dirs.sources,
    workDir: work.path,
    outDir: dirs.out,
    scriptPath: dirs.script,
    shell: manifest.build.shell ?? await defaultShell(manifest, mode, dirs.root),
    ...(original && {
      writableRoot: true,
      hostname: ORIGINAL_HOSTNAME,
      shellOptions: ORIGINAL_SHELL_OPTIONS,
    }),
    ...(original === "chroot" && { inputsDir: dirs.inputs, consoleDevice: true }),
    env,
    timeoutMs: timeoutSecondsOf(ws, manifest) * 1000,
    logPath,
    onOutput: services.onOutput
      ? (chunk: Uint8Array) => services.onOutput!(node, chunk)
      : undefined,
    signal: services.signal,
    cpus: variation.cpus,
    disableAslr: variation.disableAslr,
    limits,
  }).finally(() => work.release());
}

/** True when the script did not finish with exit code 0 in time. */
export function scriptFailed(result: SandboxResult): boolean {
  return result.code !== 0 || result.timedOut;
}

/**
 * The error for a failed run: why (exit code, time limit, a limit it ran
 * into), the end of the log, and where the build tree was kept if it was.
 */
export async function scriptFailure(
  manifest: Manifest,
  result: SandboxResult,
  services: Pick<BuildServices, "ws">,
  logPath: string,
  keptTree: string | undefined,
): Promise<FailureError> {
  const { ws } = services;
  const limits = buildLimitsOf(ws, manifest);
  const tail = await logTail(logPath);
  // The kernel's count (cgroup) is certain; the log's messages (rlimits) are evidence.
  const counted = result.limitHit;
  const hit = result.timedOut || result.aborted ? undefined : counted ?? limitHitInLog(tail);
  const why = result.timedOut
    ? `timed out after ${timeoutSecondsOf(ws, manifest)} s`
    : hit
    ? `the script exited with code ${result.code}; ${
      counted ? "it ran into" : "its log says it ran into"
    } its ${describeLimit(hit, limits)}`
    : `the script exited with code ${result.code}`;
  return new FailureError(`build of ${describe(manifest)} failed: ${why}`, {
    hint: `${tail}\nfull log: ${logPath}` +
      (hit ? `\nraise limits.${hit} in 2nex.yaml or build.limits.${hit} in the manifest` : "") +
      (keptTree ? `\nbuild tree kept at ${keptTree}` : ""),
  });
}

/** The dependencies' own bash in hermetic mode; the host's in host mode. */
async function defaultShell(manifest: Manifest, mode: SandboxMode, root: string): Promise<string> {
  if (mode === "host") return "/bin/bash";
  for (const candidate of ["/usr/bin/bash", "/bin/bash"]) {
    try {
      await Deno.stat(join(root, candidate));
      return candidate;
    } catch {
      // Not provided by the dependencies.
    }
  }
  throw new FailureError(
    `${describe(manifest)} is hermetic, but no dependency provides /usr/bin/bash or /bin/bash`,
    {
      hint:
        "add a dependency that provides bash, or set `build.shell` to a shell the dependencies provide",
    },
  );
}

/** "memory limit (memory: 512 MiB)" or "process limit (processes: 64)". */
function describeLimit(hit: LimitHit, limits: BuildLimits): string {
  return hit === "memory"
    ? `memory limit (memory: ${formatSize(limits.memory)})`
    : `process limit (processes: ${limits.processes})`;
}

async function logTail(logPath: string, lines = 25): Promise<string> {
  try {
    const file = await Deno.open(logPath);
    const size = (await file.stat()).size;
    const length = Math.min(size, 16 * 1024);
    await file.seek(size - length, Deno.SeekMode.Start);
    const buffer = new Uint8Array(length);
    let read = 0;
    while (read < length) {
      const n = await file.read(buffer.subarray(read));
      if (n === null) break;
      read += n;
    }
    file.close();
    const text = new TextDecoder().decode(buffer.subarray(0, read)).trimEnd().split("\n");
    return `last lines of the log:\n${text.slice(-lines).map((l) => `  | ${l}`).join("\n")}`;
  } catch {
    return "(no log)";
  }
}
