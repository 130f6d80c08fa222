/**
 * What a command that only checks the workspace keeps of each valid manifest
 * once it is validated: what the dependency graph and lint's check of local
 * sources read. For 80,000 manifests the whole `Manifest` objects were about
 * 240 MB of a cold lint's heap; their summaries take 94 MB. A full
 * `Manifest` is a `ManifestSummary` too, so code that reads summaries takes
 * either.
 * @module
 */
import type { LoadResult } from "./load.ts";
import type { DependencySpec, Manifest, PackageInfo, SourceSpec } from "./types.ts";

export interface ManifestSummary {
  /** Absolute path of the manifest file. */
  path: string;
  /** What dependencies are resolved by. */
  package: Pick<PackageInfo, "slug" | "version" | "flavor">;
  /** The `file:` sources (a summary leaves the others out). */
  sources: SourceSpec[];
  dependencies: DependencySpec[];
  /** Output names: the graph reads only the keys. */
  outputs: Readonly<Record<string, unknown>>;
  /** Bundle names: the graph reads only the keys. */
  bundles: Readonly<Record<string, unknown>>;
}

/**
 * The summary of `manifest`. The parts it keeps are the manifest's own
 * objects, not copies: summarise a manifest read back from JSON, whose text
 * holds on to no file's text.
 */
export function summarizeManifest(manifest: ManifestSummary | Manifest): ManifestSummary {
  const { slug, version, flavor } = manifest.package;
  return {
    path: manifest.path,
    package: { slug, version, flavor },
    sources: manifest.sources.filter((source) => source.file !== undefined),
    dependencies: manifest.dependencies,
    outputs: namesOnly(manifest.outputs),
    bundles: namesOnly(manifest.bundles),
  };
}

/** The keys of `record`, each with the value `true` (own properties, whatever the name). */
function namesOnly(record: Readonly<Record<string, unknown>>): Record<string, true> {
  return Object.fromEntries(Object.keys(record).map((name) => [name, true]));
}

/**
 * The JSON text of `result` with its manifest summarised: what a thread that
 * validated the manifest sends to the one that keeps it. JSON always carries
 * a summary exactly (it holds no `vars`), and the copy parsed from it holds on
 * to no file's text.
 */
export function summaryJson(result: LoadResult): string {
  const { manifest, diagnostics } = result;
  return JSON.stringify(manifest ? { manifest: summarizeManifest(manifest), diagnostics } : result);
}
