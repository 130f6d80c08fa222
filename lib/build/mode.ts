/**
 * Which mode a package builds in and the environment it gets, from the
 * workspace and the manifest alone (no files read): the sandbox mode, the
 * original builder's mode under `semantics: original`, and the variables.
 * @module
 */
import { type Manifest, sourceSandboxPath } from "../manifest/mod.ts";
import type { Workspace } from "../workspace/mod.ts";
import { hostTarget } from "../util/mod.ts";
import {
  type BuildLimits,
  fixedEnvironment,
  HOST_SYSTEM_DIRS,
  type SandboxMode,
  SandboxPaths,
} from "../sandbox/mod.ts";
import {
  describeOriginalMode,
  originalEnvironment,
  type OriginalMode,
  originalMode,
} from "../original/mod.ts";
import { HOST_MODE_WRITABLE } from "./dependency_root.ts";

/** The complete environment a build of `manifest` gets, with `jobs` in MAKEFLAGS. */
export function buildEnvironment(
  ws: Workspace,
  manifest: Manifest,
  jobs: number,
): Array<[string, string]> {
  const original = originalModeOf(ws, manifest);
  const sources = manifest.sources.map((s, index) => ({
    name: s.name,
    index,
    path: sourceSandboxPath(s),
  }));
  const sourceDateEpoch = sourceDateEpochOf(ws, manifest);
  if (original) {
    return originalEnvironment({
      mode: original,
      sourceDateEpoch,
      jobs,
      sources,
      workDir: SandboxPaths.work,
      outDir: SandboxPaths.out,
      extra: [...Object.entries(ws.config.env), ...Object.entries(manifest.build.env)],
    });
  }
  return fixedEnvironment({
    mode: manifest.build.sandbox,
    sourceDateEpoch,
    sources,
    target: hostTarget(),
    jobs,
    workspaceEnv: Object.entries(ws.config.env),
    buildEnv: Object.entries(manifest.build.env),
  });
}

/** How `show` names the mode a package builds in. */
export function describeBuildMode(ws: Workspace, manifest: Manifest): string {
  const original = originalModeOf(ws, manifest);
  if (original) return `${describeOriginalMode(original)} (semantics: original)`;
  return manifest.build.sandbox === "host"
    ? `host mode: the host's ${
      HOST_SYSTEM_DIRS.map((name) => `/${name}`).join(", ")
    } read-only, a writable ${HOST_MODE_WRITABLE}`
    : "hermetic mode: / is the union of the dependencies, read-only";
}

/** The original builder's mode of `manifest`, when the workspace has its semantics. */
export function originalModeOf(ws: Workspace, manifest: Manifest): OriginalMode | undefined {
  return ws.config.semantics === "original" ? originalMode(manifest.package.flavor) : undefined;
}

/** The sandbox mode a build runs in: the manifest's, or the original mode's counterpart. */
export function sandboxModeOf(manifest: Manifest, original: OriginalMode | undefined): SandboxMode {
  if (original) return original === "bootstrap" ? "host" : "hermetic";
  return manifest.build.sandbox;
}

/** The memory and process limits of a build: the manifest's, over the workspace's. */
export function buildLimitsOf(ws: Workspace, manifest: Manifest): BuildLimits {
  return { ...ws.config.limits, ...manifest.build.limits };
}

/** The time limit of a build in seconds: the manifest's, else the workspace's. */
export function timeoutSecondsOf(ws: Workspace, manifest: Manifest): number {
  return manifest.build.timeout ?? ws.config.timeout;
}

/** SOURCE_DATE_EPOCH of a build (also its commits' time): the manifest's, else the workspace's. */
export function sourceDateEpochOf(ws: Workspace, manifest: Manifest): number {
  return manifest.build.sourceDateEpoch ?? ws.config.sourceDateEpoch;
}
