/**
 * The part of lib/workspace/ that the launcher may load (scripts/check-imports.ts
 * keeps what the launcher loads light): finding the workspace, and the paths its 2nex.yaml
 * names, read without the full reader when the file is plain.
 *
 * @example
 * ```ts
 * import { findWorkspaceRoot, readConfigPaths } from "./light.ts";
 * const paths = await readConfigPaths(await findWorkspaceRoot(Deno.cwd()));
 * ```
 * @module
 */
export {
  CONFIG_FILE,
  type ConfigPaths,
  configPathsOf,
  findWorkspaceRoot,
  readConfigPaths,
} from "./config_paths.ts";
