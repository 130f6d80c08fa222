/**
 * Loads one manifest file: read, parse with positions, validate, evaluate.
 *
 * Asynchronous because a text outside the fast parser's subset needs the YAML
 * library, which is imported only when the first such text comes.
 *
 * @example
 * ```ts
 * const { manifest, diagnostics } = await loadManifestFile("/ws/manifests/hello.yaml");
 * ```
 * @module
 */
import { type Diagnostic, DiagnosticBag } from "./diagnostics.ts";
import { decodeUtf8, readFileBytes } from "./read.ts";
import { digestBytes } from "./cache.ts";
import { NodeReader, parseYaml } from "./yaml.ts";
import type { Manifest } from "./types.ts";
import type { ManifestSummary } from "./summary.ts";
import { validateManifest, type ValidateOptions } from "./validate.ts";
import { errorMessage } from "../util/mod.ts";

export interface LoadResult<M extends ManifestSummary = Manifest> {
  /** Present when the manifest has no errors (it may have warnings). */
  manifest?: M;
  diagnostics: Diagnostic[];
}

/**
 * Where results are looked up and kept by path and the sha256 of the file's
 * bytes: the ManifestCache, or a worker's record of the digest it validated.
 */
export interface ResultStore {
  lookup(path: string, digest: string): LoadResult | undefined;
  store(path: string, digest: string, result: LoadResult): void;
}

/**
 * Loads and validates the manifest at `path` (absolute). With a `cache`
 * (which must hold results of the same `options`), a file whose bytes did not
 * change since the cache was written is neither parsed nor validated again.
 */
export async function loadManifestFile(
  path: string,
  options: ValidateOptions = {},
  cache?: ResultStore,
): Promise<LoadResult> {
  const read = readFileBytes(path);
  if (!read.ok) return { diagnostics: read.bag.items };
  const digest = cache ? digestBytes(read.bytes) : "";
  const cached = cache?.lookup(path, digest);
  if (cached) return cached;
  const result = await loadManifestBytes(path, read.bytes, options);
  cache?.store(path, digest, result);
  return result;
}

/** Validates a manifest whose bytes were read already. */
export async function loadManifestBytes(
  path: string,
  bytes: Uint8Array,
  options: ValidateOptions = {},
): Promise<LoadResult> {
  const decoded = decodeUtf8(path, bytes);
  return decoded.ok
    ? await loadManifestText(path, decoded.text, options)
    : { diagnostics: decoded.bag.items };
}

/** Validates manifest text already in memory. */
export async function loadManifestText(
  path: string,
  text: string,
  options: ValidateOptions = {},
): Promise<LoadResult> {
  const bag = new DiagnosticBag(path, text);
  try {
    const parsed = await parseYaml(text, bag);
    if (!parsed) return { diagnostics: bag.items };
    const reader = new NodeReader(bag);
    const manifest = validateManifest(path, text, parsed.root, reader, bag, options);
    return { manifest: bag.hasErrors ? undefined : manifest, diagnostics: bag.items };
  } catch (error) {
    // A file the limits did not foresee (the stack ran out, say) fails alone:
    // one broken manifest must never stop the loading of the others.
    bag.add({
      file: path,
      line: 0,
      col: 0,
      severity: "error",
      message: `could not be loaded: ${errorMessage(error)}`,
      hint: "2nex should have reported this with a position; please report it with the file",
    });
    return { diagnostics: bag.items };
  }
}
