/**
 * Provenance recorded in every commit's metadata (string values; lists as
 * JSON), relative to the workspace so that no host path leaves the machine:
 * what was built from what, by which builder, in which sandbox mode. The
 * `provenance` command reads it back from the repository alone.
 *
 * @example
 * ```ts
 * import type { Manifest } from "../manifest/types.ts";
 * import type { Workspace } from "../workspace/config.ts";
 * declare const ws: Workspace;
 * declare const manifest: Manifest;
 * declare const deps: DependencyInput[];
 * declare const inputKey: string, outputHash: string;
 * const metadata = await provenanceMetadata(ws, manifest, deps, inputKey, outputHash);
 * const back = readProvenance(metadata);
 * ```
 * @module
 */
import { createHash } from "node:crypto";
import { relative } from "node:path";
import type { Manifest } from "../manifest/mod.ts";
import type { Workspace } from "../workspace/mod.ts";
import { VERSION } from "../version.ts";
import { sourceDateEpochOf } from "./mode.ts";

/** Metadata keys of a 2nex commit: one definition for writer and readers. */
export const META = {
  inputKey: "2nex.input-key",
  /** The output hash of the package's whole result (the `tree` commit's content checksum). */
  outputHash: "2nex.output-hash",
  /**
   * With `semantics: original`: the original builder's checksum of the whole
   * result, which the manifest's expected hash is compared with (absent otherwise).
   */
  checkedHash: "2nex.checked-hash",
  /** This commit's own content checksum (an output's or a bundle's differs from the tree's). */
  contentChecksum: "2nex.content-checksum",
  manifest: "2nex.manifest",
  manifestSha256: "2nex.manifest-sha256",
  sources: "2nex.sources",
  dependencies: "2nex.dependencies",
  version: "2nex.version",
  sandbox: "2nex.sandbox",
  sourceDateEpoch: "2nex.source-date-epoch",
} as const;

/** A source as provenance lists it. */
export interface SourceRecord {
  name: string;
  /** The URL, or for a `file:` source its path as written in the manifest. */
  url?: string;
  file?: string;
  sha256: string;
}

/** A dependency as provenance lists it. */
export interface DependencyRecord {
  name: string;
  ref: string;
  commit: string;
  contentChecksum: string;
}

/** Provenance of one commit, read back from its metadata. */
export interface Provenance {
  inputKey: string;
  outputHash: string;
  contentChecksum?: string;
  manifest: string;
  manifestSha256?: string;
  sources: SourceRecord[];
  dependencies: DependencyRecord[];
  builderVersion: string;
  sandbox?: string;
  sourceDateEpoch?: number;
}

/** A dependency's part as the build saw it. */
export interface DependencyInput {
  name: string;
  ref: string;
  commit: string;
  contentChecksum: string;
}

/** The metadata of a package's commits; the manifest path is relative to the workspace. */
export async function provenanceMetadata(
  ws: Workspace,
  manifest: Manifest,
  deps: DependencyInput[],
  inputKey: string,
  outputHash: string,
): Promise<Record<string, string>> {
  const sources: SourceRecord[] = manifest.sources.map((s) => ({
    name: s.name,
    ...(s.url !== undefined ? { url: s.url } : {}),
    ...(s.file !== undefined ? { file: s.file } : {}),
    sha256: s.sha256,
  }));
  const dependencies: DependencyRecord[] = deps.map((d) => ({
    name: d.name,
    ref: d.ref,
    commit: d.commit,
    contentChecksum: d.contentChecksum,
  }));
  return {
    [META.inputKey]: inputKey,
    [META.outputHash]: outputHash,
    [META.manifest]: workspaceRelative(ws.root, manifest.path),
    [META.manifestSha256]: await sha256OfFile(manifest.path),
    [META.sources]: JSON.stringify(sources),
    [META.dependencies]: JSON.stringify(dependencies),
    [META.version]: VERSION,
    [META.sandbox]: manifest.build.sandbox,
    [META.sourceDateEpoch]: String(sourceDateEpochOf(ws, manifest)),
  };
}

/** `path` relative to `root` (a manifest outside the workspace gets `../`, never a host path). */
export function workspaceRelative(root: string, path: string): string {
  return relative(root, path);
}

async function sha256OfFile(path: string): Promise<string> {
  const hash = createHash("sha256");
  using file = await Deno.open(path);
  for await (const chunk of file.readable) hash.update(chunk);
  return hash.digest("hex");
}

/**
 * Provenance read back from a commit's metadata; undefined when the commit
 * lacks the keys every 2nex commit has. Results committed before provenance
 * was recorded read back with empty source and dependency lists.
 */
export function readProvenance(metadata: Record<string, string>): Provenance | undefined {
  const inputKey = metadata[META.inputKey];
  const outputHash = metadata[META.outputHash];
  if (inputKey === undefined || outputHash === undefined) return undefined;
  const epoch = metadata[META.sourceDateEpoch];
  return {
    inputKey,
    outputHash,
    contentChecksum: metadata[META.contentChecksum],
    manifest: metadata[META.manifest] ?? "",
    manifestSha256: metadata[META.manifestSha256],
    sources: parseList<SourceRecord>(metadata[META.sources], isSourceRecord),
    dependencies: parseList<DependencyRecord>(metadata[META.dependencies], isDependencyRecord),
    builderVersion: metadata[META.version] ?? "unknown",
    sandbox: metadata[META.sandbox],
    sourceDateEpoch: epoch !== undefined && /^\d+$/.test(epoch) ? Number(epoch) : undefined,
  };
}

function parseList<T>(text: string | undefined, accept: (value: unknown) => value is T): T[] {
  if (text === undefined) return [];
  try {
    const value: unknown = JSON.parse(text);
    return Array.isArray(value) ? value.filter(accept) : [];
  } catch {
    return [];
  }
}

const HEX64 = /^[0-9a-f]{64}$/;

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null;
}

function isSourceRecord(value: unknown): value is SourceRecord {
  return isRecord(value) && typeof value.name === "string" && typeof value.sha256 === "string" &&
    HEX64.test(value.sha256);
}

function isDependencyRecord(value: unknown): value is DependencyRecord {
  return isRecord(value) && typeof value.name === "string" && typeof value.ref === "string" &&
    typeof value.commit === "string" && HEX64.test(value.commit) &&
    typeof value.contentChecksum === "string" && HEX64.test(value.contentChecksum);
}
