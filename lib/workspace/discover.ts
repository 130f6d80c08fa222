/**
 * Finds the manifests of a workspace and loads them all.
 * @module
 */
import { resolve } from "node:path";
import {
  type Diagnostic,
  loadManifestFile,
  type LoadResult,
  type Manifest,
  type ManifestCache,
  type ManifestSummary,
  type ValidateOptions,
} from "../manifest/mod.ts";
import { CONFIG_FILE } from "./config.ts";

/** A manifest's file name: *.yaml or *.yml. */
const MANIFEST_NAME = /\.ya?ml$/;

/**
 * Every *.yaml / *.yml below `dirs` (recursively; hidden entries skipped), sorted, absolute.
 * Synchronous: one call per directory, where the asynchronous reads took an
 * await per entry and were slower even with every directory read at once.
 */
export function discoverManifests(dirs: string[]): string[] {
  const found: string[] = [];
  const walk = (dir: string): void => {
    let entries: Iterable<Deno.DirEntry>;
    try {
      entries = Deno.readDirSync(dir);
    } catch (error) {
      if (error instanceof Deno.errors.NotFound) return;
      throw error;
    }
    // `dir` is absolute and normal, and a name has no "/": joined by hand,
    // which costs a fraction of path.join's normalising for 10,000 entries.
    const prefix = dir.endsWith("/") ? dir : `${dir}/`;
    for (const entry of entries) {
      const name = entry.name;
      if (name.startsWith(".")) continue;
      const path = prefix + name;
      const manifestName = MANIFEST_NAME.test(name);
      // A directory named like a manifest is listed so that loading reports it.
      if (entry.isDirectory) {
        if (manifestName) found.push(path);
        else walk(path);
      } else if (manifestName && (name !== CONFIG_FILE || entry.isSymlink)) found.push(path);
    }
  };
  for (const dir of dirs) walk(resolve(dir));
  // Directories given twice, or one inside another, list a file twice.
  found.sort();
  return found.filter((path, index) => index === 0 || path !== found[index - 1]);
}

export interface LoadedManifests<M extends ManifestSummary = Manifest> {
  manifests: M[];
  /** Every diagnostic of every file, in path order. */
  diagnostics: Diagnostic[];
  /** Paths that failed to load. */
  failed: string[];
}

/** Loads many manifests, through `cache` when given; results are in path order. */
export async function loadManifests(
  paths: string[],
  options: ValidateOptions = {},
  cache?: ManifestCache,
): Promise<LoadedManifests> {
  const results: LoadResult[] = [];
  for (const path of paths) {
    results.push(await loadManifestFile(path, options, cache));
  }
  return gatherResults(paths, results);
}

/** Splits the results of loading `paths` (same order) into manifests, diagnostics and failures. */
export function gatherResults<M extends ManifestSummary>(
  paths: string[],
  results: LoadResult<M>[],
): LoadedManifests<M> {
  const manifests: M[] = [];
  const diagnostics: Diagnostic[] = [];
  const failed: string[] = [];
  results.forEach((result, index) => {
    diagnostics.push(...result.diagnostics);
    if (result.manifest) manifests.push(result.manifest);
    else failed.push(paths[index]);
  });
  return { manifests, diagnostics, failed };
}
