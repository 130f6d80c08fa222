/**
 * The workspace (SPEC section 2): finding and reading 2nex.yaml, discovering
 * and loading its manifests (in parallel workers when there are many), and
 * selecting packages by name.
 *
 * @example
 * ```ts
 * const workspace = await loadWorkspace(await findWorkspaceRoot(Deno.cwd()));
 * console.log(workspace.config.manifests);
 * ```
 * @module
 */
export {
  CONFIG_FILE,
  defaultConfig,
  findWorkspaceRoot,
  loadWorkspace,
  STARTER_CONFIG,
  type SubstituterConfig,
  type Workspace,
  WorkspaceConfigError,
} from "./config.ts";
export { discoverManifests, type LoadedManifests, loadManifests } from "./discover.ts";
export {
  loadManifestsInParallel,
  loadSummariesInParallel,
  type PlainValidateOptions,
} from "./parallel_load.ts";
export { selectPackage } from "./select.ts";
export {
  EDITOR_SCHEMAS,
  editorSchemaFile,
  type EditorSchemaName,
  editorSchemaText,
  schemaModeline,
  WORKSPACE_SCHEMA_DIR,
} from "./editor_schema.ts";
