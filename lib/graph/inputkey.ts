/**
 * Input keys (SPEC section 6): a sha256 over everything that can change a
 * package's result, and nothing else. Two builds with the same input key are
 * expected to produce the same output, so a key with a commit is not rebuilt.
 *
 * @example
 * ```ts
 * import type { Manifest } from "../manifest/types.ts";
 * declare const manifest: Manifest;
 * const key = computeInputKey({
 *   manifest, dependencies: [], workspaceEnv: {}, sourceDateEpoch: 0, arch: "x86_64",
 * });
 * ```
 * @module
 */
import { createHash } from "node:crypto";
import type { Manifest } from "../manifest/mod.ts";
import { sourceFileName } from "../source/mod.ts";

/** Bumped whenever the way 2nex builds changes what a build produces. */
export const BUILD_PROTOCOL_VERSION = 1;

export interface DependencyInput {
  /** The name the manifest gives the dependency. */
  name: string;
  /** e.g. "bundles/dev" or "tree": which part the build sees. */
  part: string;
  /** Output hash (content checksum) of the dependency's result. */
  outputHash: string;
}

export interface InputKeyParts {
  manifest: Manifest;
  dependencies: DependencyInput[];
  workspaceEnv: Record<string, string>;
  /** The effective SOURCE_DATE_EPOCH (manifest override, else the workspace's). */
  sourceDateEpoch: number;
  arch: string;
  target?: string;
  /**
   * With `semantics: original`, the original builder's mode of the package: its
   * environment and layout replace 2nex's, so the key must differ.
   */
  originalMode?: string;
}

/** The effective build environment: the workspace's, then the manifest's. */
export function effectiveEnv(
  workspaceEnv: Record<string, string>,
  buildEnv: Record<string, string>,
): Record<string, string> {
  return { ...workspaceEnv, ...buildEnv };
}

/** The canonical document that is hashed; exposed for `show` and for tests. */
export function inputDocument(parts: InputKeyParts): Record<string, unknown> {
  const m = parts.manifest;
  const env = effectiveEnv(parts.workspaceEnv, m.build.env);
  return {
    protocol: BUILD_PROTOCOL_VERSION,
    arch: parts.arch,
    target: parts.target ?? `${parts.arch}-pc-linux-gnu`,
    slug: m.package.slug,
    version: m.package.version,
    flavor: m.package.flavor,
    sandbox: m.build.sandbox,
    // Only present with the original semantics: the keys of other workspaces stay as they were.
    ...(parts.originalMode !== undefined && { semantics: "original", mode: parts.originalMode }),
    shell: m.build.shell ?? null,
    script: m.build.script,
    sourceDateEpoch: parts.sourceDateEpoch,
    env: sortedEntries(env),
    sources: m.sources.map((s) => [s.name, s.sha256, sourceFileName(s)]),
    dependencies: parts.dependencies.map((d) => [d.name, d.part, d.outputHash]),
    outputs: sortedEntries(m.outputs),
    bundles: sortedEntries(m.bundles),
  };
}

/** The input key: sha256 of the canonical JSON of {@link inputDocument}. */
export function computeInputKey(parts: InputKeyParts): string {
  return createHash("sha256").update(JSON.stringify(inputDocument(parts))).digest("hex");
}

function sortedEntries<T>(record: Record<string, T>): Array<[string, T]> {
  return Object.entries(record).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
}
