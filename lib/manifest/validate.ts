/**
 * Validates a parsed manifest document against schema 1 (SPEC section 4) and
 * evaluates its `${{ }}` templates (EXPRESSIONS.md), producing a typed Manifest.
 * Every problem of the file is reported, not only the first. The keys, types,
 * patterns and hints are in schema_table.ts; each section is read by its own
 * module (validate_package.ts, validate_sources.ts, validate_build.ts).
 * @module
 */
import type { DiagnosticBag } from "./diagnostics.ts";
import { isNullNode, type NodeReader, offsetOf } from "./yaml.ts";
import type { BuildSpec, Manifest } from "./types.ts";
import type { Scope, Value } from "../expr/mod.ts";
import { FieldReader, type YamlNode } from "./field_reader.ts";
import { MANIFEST_TYPE } from "./schema_table.ts";
import { fieldsOf, keysOf, requiredHint } from "./schema_types.ts";
import { readPackage, readVars } from "./validate_package.ts";
import { readDependencies, readSources } from "./validate_sources.ts";
import { readBuild, readBundles, readOutputs } from "./validate_build.ts";
import {
  depsValue,
  hostScope,
  packageValue,
  sourcesValue,
  type ValidateOptions,
} from "./scope_values.ts";

export {
  type DependencyScopeEntry,
  manifestScope,
  sourceSandboxPath,
  type ValidateOptions,
} from "./scope_values.ts";

const SECTIONS = fieldsOf(MANIFEST_TYPE);

/** Validates and evaluates one manifest; returns undefined when `bag` got errors. */
export function validateManifest(
  path: string,
  text: string,
  root: YamlNode | null,
  reader: NodeReader,
  bag: DiagnosticBag,
  options: ValidateOptions = {},
): Manifest | undefined {
  const r = new FieldReader(path, text, reader, bag);
  const top = reader.map(root, "a manifest");
  if (!top) {
    if (isNullNode(root)) {
      bag.error(0, "empty manifest", "a manifest needs at least a `package:` section");
    }
    return undefined;
  }
  const sections = new Map<string, YamlNode | null>();
  for (const entry of reader.entries(top, "the manifest", keysOf(MANIFEST_TYPE))) {
    sections.set(entry.key, entry.value);
  }
  if (!sections.has("package")) {
    bag.error(
      offsetOf(top),
      "missing required section `package`",
      requiredHint(SECTIONS.package),
    );
    return undefined;
  }
  const host = hostScope(options);
  const pkg = readPackage(r, sections.get("package") ?? null, host);
  if (!pkg) return undefined;

  const packageScope: Scope = { package: packageValue(pkg), ...host };
  const vars = readVars(r, sections.get("vars"), packageScope);
  const scope: Scope = { ...packageScope, vars: vars as Value };
  const sources = readSources(r, sections.get("sources"), scope);
  scope.sources = sourcesValue(sources);
  const dependencies = readDependencies(r, sections.get("dependencies"), scope);
  scope.deps = depsValue(dependencies, options);
  let build: BuildSpec | undefined;
  if (!sections.has("build")) {
    bag.error(offsetOf(top), "missing required section `build`", requiredHint(SECTIONS.build));
  } else {
    build = readBuild(r, sections.get("build") ?? null, scope);
  }
  const outputs = readOutputs(r, sections.get("outputs"), scope);
  const bundles = readBundles(r, sections.get("bundles"), scope, outputs);
  if (bag.hasErrors || !build) return undefined;
  return {
    path,
    package: pkg,
    vars,
    sources,
    dependencies,
    build,
    outputs: outputs.values,
    bundles,
  };
}
