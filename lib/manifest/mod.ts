/**
 * Manifests (SPEC section 3): reading files, YAML with positions (the fast
 * subset parser, or the `yaml` library imported when a text needs it),
 * validation into a typed `Manifest` against the schema table, diagnostics,
 * the result cache, and rewriting a manifest's hash in place.
 *
 * @example
 * ```ts
 * const { diagnostics } = await loadManifestFile("/ws/manifests/hello.yaml");
 * for (const diagnostic of sortDiagnostics(diagnostics)) {
 *   console.error(formatDiagnostic(diagnostic));
 * }
 * ```
 * @module
 */
export type { DependencySpec, Manifest, PackageId, SandboxMode } from "./types.ts";
export {
  type Diagnostic,
  DiagnosticBag,
  displayPath,
  formatDiagnostic,
  sortDiagnostics,
} from "./diagnostics.ts";
export {
  codeFingerprint,
  digestBytes,
  EntriesPart,
  isCacheable,
  ManifestCache,
  type SerializedEntries,
} from "./cache.ts";
export { type ManifestSummary, summarizeManifest, summaryJson } from "./summary.ts";
export { loadManifestBytes, loadManifestFile, type LoadResult, type ResultStore } from "./load.ts";
export { describeNode, isNullNode, NodeReader, offsetOf, parseYaml, scalarText } from "./yaml.ts";
export { manifestScope, sourceSandboxPath, type ValidateOptions } from "./validate.ts";
export { isScalar, loadYamlLibrary } from "./yaml_library.ts";
export { readFileBytes, readTextFile } from "./read.ts";
export { readLimits } from "./limits_field.ts";
export { updateManifestHash } from "./update_hash.ts";
export { ENV_NAME_RULE, LIMITS_TYPE, MANIFEST_TYPE } from "./schema_table.ts";
export {
  type Field,
  fieldsOf,
  HEX64_PATTERN,
  keysOf,
  requiredHint,
  ruleProblem,
  type ValueType,
} from "./schema_types.ts";
export { isYamlScalar, type YamlNode } from "./yaml_node.ts";
