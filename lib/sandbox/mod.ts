/**
 * The build sandbox (SPEC section 5): pick a helper with `selectSandbox`, build
 * the environment with `fixedEnvironment`, run a `SandboxRequest`.
 *
 * @example
 * ```ts
 * declare const request: Omit<SandboxRequest, "env">;
 * const sandbox = await selectSandbox("auto");
 * const env = fixedEnvironment({
 *   mode: "hermetic", sourceDateEpoch: 1704067200, jobs: 2, sources: [],
 *   workspaceEnv: [], buildEnv: [],
 * });
 * const result = await sandbox.run({ ...request, env });
 * ```
 * @module
 */
export type { Mount, Sandbox, SandboxMode, SandboxRequest, SandboxResult } from "./types.ts";
export {
  BASE_PATH,
  DEFAULT_TARGET,
  fixedEnvironment,
  type FixedEnvironmentOptions,
  SandboxPaths,
  type SourceVariable,
} from "./env.ts";
export {
  createSandbox,
  probe,
  type SandboxFactory,
  type SandboxPreference,
  type SelectOptions,
  selectSandbox,
} from "./select.ts";
export { ProbeMemo } from "./probe_memo.ts";
export { BuildCgroup } from "./cgroup.ts";
export {
  type BuildLimits,
  DEFAULT_LIMITS,
  formatSize,
  LIMIT_KEYS,
  type LimitHit,
  limitHitInLog,
  MIN_MEMORY,
  MIN_PROCESSES,
  parseSize,
  SIZE_PATTERN,
} from "./limits.ts";
export { type HostModeMounts, hostModeMounts, WRITABLE_ROOT_RESERVED } from "./layout.ts";
export { HOST_SYSTEM_DIRS } from "./host_dirs.ts";
