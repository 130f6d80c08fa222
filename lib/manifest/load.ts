/**
 * Loads one manifest file: read, parse with positions, validate, evaluate.
 *
 * @example
 * ```ts
 * const { manifest, diagnostics } = await loadManifestFile("/ws/manifests/hello.yaml");
 * ```
 * @module
 */
import { type Diagnostic, DiagnosticBag } from "./diagnostics.ts";
import { readTextFile } from "./read.ts";
import { NodeReader, parseYaml } from "./yaml.ts";
import type { Manifest } from "./types.ts";
import { validateManifest, type ValidateOptions } from "./validate.ts";

export interface LoadResult {
  /** Present when the manifest has no errors (it may have warnings). */
  manifest?: Manifest;
  diagnostics: Diagnostic[];
}

/** Loads and validates the manifest at `path` (absolute). */
export function loadManifestFile(path: string, options: ValidateOptions = {}): LoadResult {
  const read = readTextFile(path);
  if (!read.ok) return { diagnostics: read.bag.items };
  return loadManifestText(path, read.text, options);
}

/** Validates manifest text already in memory. */
export function loadManifestText(
  path: string,
  text: string,
  options: ValidateOptions = {},
): LoadResult {
  const bag = new DiagnosticBag(path, text);
  const parsed = parseYaml(text, bag);
  if (!parsed) return { diagnostics: bag.items };
  const reader = new NodeReader(parsed.doc, bag);
  const manifest = validateManifest(path, text, parsed.root, reader, bag, options);
  return { manifest: bag.hasErrors ? undefined : manifest, diagnostics: bag.items };
}
