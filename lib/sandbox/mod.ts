/**
 * The build sandbox (SPEC section 5): pick a helper with `selectSandbox`, build
 * the environment with `fixedEnvironment`, run a `SandboxRequest`.
 *
 * @example
 * ```ts
 * const sandbox = await selectSandbox(config.sandbox);
 * const env = fixedEnvironment({ mode: "hermetic", sourceDateEpoch, sources, jobs, workspaceEnv, buildEnv });
 * const result = await sandbox.run({ mode: "hermetic", rootDir, env, ... });
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
export { HOST_SYSTEM_DIRS, type HostModeMounts, hostModeMounts } from "./layout.ts";
export { createSandbox, type SandboxPreference, selectSandbox } from "./select.ts";
