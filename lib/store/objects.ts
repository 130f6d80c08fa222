/**
 * Loose metadata objects of an ostree repository read and written directly:
 * commits, dirtrees and dirmetas are plain GVariant files at
 * `objects/XX/REST.TYPE`. Writing goes to a temporary file in `repo/tmp`, then a
 * rename, so a reader (or an interrupted writer) never sees a partial object.
 * File objects are left to the `ostree` CLI.
 *
 * @example
 * ```ts
 * declare const checksum: string;
 * const commit = await readCommitObject("/repo", checksum);
 * console.log(commit.subject, commit.metadata);
 * ```
 * @module
 */
import { createHash } from "node:crypto";
import { decodeVariant, encodeVariant, type GValue, type Variant } from "./gvariant.ts";
import { contentChecksumOf, fromHex, type RawChecksum, toHex } from "./checksum.ts";
import { FailureError } from "../util/mod.ts";

/** Kinds of metadata objects handled here. */
export type MetadataType = "commit" | "dirtree" | "dirmeta";

/** Prefix of temporary files 2nex writes into `repo/tmp` (gc removes stale ones). */
export const TEMP_PREFIX = "2nex-tmp-";

const COMMIT_TYPE = "(a{sv}aya(say)sstayay)";
const DIRTREE_TYPE = "(a(say)a(sayay))";

/** Path of a loose object inside the repository. */
export function objectPath(repo: string, checksum: string, type: string): string {
  return `${repo}/objects/${checksum.slice(0, 2)}/${checksum.slice(2)}.${type}`;
}

/** True when the repository holds this object. */
export async function hasObject(repo: string, checksum: string, type: string): Promise<boolean> {
  try {
    await Deno.lstat(objectPath(repo, checksum, type));
    return true;
  } catch (error) {
    if (error instanceof Deno.errors.NotFound) return false;
    throw error;
  }
}

/** Reads a metadata object; throws FailureError when it is missing. */
export async function readObject(
  repo: string,
  checksum: string,
  type: MetadataType,
): Promise<Uint8Array> {
  try {
    return await Deno.readFile(objectPath(repo, checksum, type));
  } catch (error) {
    if (error instanceof Deno.errors.NotFound) {
      throw new FailureError(`the repository has no ${type} ${checksum}`);
    }
    throw error;
  }
}

let tempCounter = 0;

/** A unique temporary path in the repository's tmp dir. */
export function tempPath(repo: string): string {
  tempCounter++;
  const random = crypto.getRandomValues(new Uint32Array(1))[0].toString(36);
  return `${repo}/tmp/${TEMP_PREFIX}${Deno.pid}-${tempCounter}-${random}`;
}

/**
 * Writes `data` to a new temporary file in `repo/tmp` and returns its path.
 * With `fsync`, the data is on disk when this returns.
 */
export async function writeTemp(repo: string, data: Uint8Array, fsync: boolean): Promise<string> {
  const temp = tempPath(repo);
  try {
    using file = await Deno.open(temp, { write: true, createNew: true, mode: 0o644 });
    let written = 0;
    while (written < data.length) written += await file.write(data.subarray(written));
    if (fsync) await file.syncData();
  } catch (error) {
    await Deno.remove(temp).catch(() => {});
    throw error;
  }
  return temp;
}

/** Renames a temporary file into place (atomic), removing it if that fails. */
export async function renameInto(temp: string, finalPath: string): Promise<void> {
  try {
    await Deno.rename(temp, finalPath);
  } catch (error) {
    await Deno.remove(temp).catch(() => {});
    throw error;
  }
}

/** Flushes files or directories to disk, all at once (the journal batches them). */
export async function syncPaths(paths: Iterable<string>): Promise<void> {
  await Promise.all([...paths].map(async (path) => {
    using file = await Deno.open(path);
    await file.syncData();
  }));
}

/**
 * Stores a metadata object (if new) and returns its hex checksum. The write is
 * atomic; it is not flushed: the path goes into `unsynced`, and whoever makes the
 * object reachable (a ref) flushes first.
 */
export async function writeObject(
  repo: string,
  type: MetadataType,
  data: Uint8Array,
  unsynced: Set<string>,
): Promise<string> {
  const checksum = createHash("sha256").update(data).digest("hex");
  const path = objectPath(repo, checksum, type);
  if (await hasObject(repo, checksum, type)) return checksum;
  await Deno.mkdir(`${repo}/objects/${checksum.slice(0, 2)}`, { recursive: true });
  await renameInto(await writeTemp(repo, data, false), path);
  unsynced.add(path);
  return checksum;
}

/** What a commit object holds. */
export interface CommitObject {
  metadata: Record<string, string>;
  subject: string;
  body: string;
  /** Seconds since the epoch. */
  timestamp: number;
  rootTree: RawChecksum;
  rootMeta: RawChecksum;
  /** What `ostree show` prints as `ContentChecksum:`. */
  contentChecksum: string;
}

/** Ostree stores the commit timestamp big-endian inside GVariant's little-endian `t`. */
function swap64(value: bigint): bigint {
  let swapped = 0n;
  for (let i = 0n; i < 8n; i++) swapped = (swapped << 8n) | ((value >> (8n * i)) & 0xffn);
  return swapped;
}

/** Parses a commit object. Metadata values that are not strings are left out. */
export function decodeCommit(bytes: Uint8Array): CommitObject {
  const [metadata, , , subject, body, timestamp, rootTree, rootMeta] = decodeVariant(
    COMMIT_TYPE,
    bytes,
  ) as [GValue[][], Uint8Array, GValue[], string, string, bigint, Uint8Array, Uint8Array];
  const strings: Record<string, string> = {};
  for (const [key, boxed] of metadata as [string, Variant][]) {
    if (boxed.type === "s") strings[key] = boxed.value as string;
  }
  return {
    metadata: strings,
    subject,
    body,
    timestamp: Number(swap64(timestamp)),
    rootTree,
    rootMeta,
    contentChecksum: contentChecksumOf(rootTree, rootMeta),
  };
}

/** Reads and parses a commit object of the repository. */
export async function readCommitObject(repo: string, commit: string): Promise<CommitObject> {
  return decodeCommit(await readObject(repo, commit, "commit"));
}

/** What a new commit holds; the root tree and meta objects must already exist. */
export interface NewCommit {
  metadata: Record<string, string>;
  subject: string;
  body?: string;
  timestamp: number;
  rootTree: RawChecksum;
  rootMeta: RawChecksum;
}

/** Serialises a parentless commit object, metadata keys sorted for determinism. */
export function encodeCommit(commit: NewCommit): Uint8Array {
  const metadata = Object.keys(commit.metadata).sort().map((key): GValue => [
    key,
    { type: "s", value: commit.metadata[key] },
  ]);
  return encodeVariant(COMMIT_TYPE, [
    metadata,
    new Uint8Array(0),
    [],
    commit.subject,
    commit.body ?? "",
    swap64(BigInt(commit.timestamp)),
    commit.rootTree,
    commit.rootMeta,
  ]);
}

/** A dirtree object read back: files by name, subdirectories by name. */
export interface DirTree {
  files: Map<string, RawChecksum>;
  dirs: Map<string, { tree: RawChecksum; meta: RawChecksum }>;
}

/** Parses a dirtree object. */
export function decodeDirTree(bytes: Uint8Array): DirTree {
  const [files, dirs] = decodeVariant(DIRTREE_TYPE, bytes) as [
    [string, Uint8Array][],
    [string, Uint8Array, Uint8Array][],
  ];
  return {
    files: new Map(files.map(([name, checksum]) => [name, checksum])),
    dirs: new Map(dirs.map(([name, tree, meta]) => [name, { tree, meta }])),
  };
}

/** Reads a dirtree object of the repository. */
export async function readDirTree(repo: string, checksum: RawChecksum): Promise<DirTree> {
  return decodeDirTree(await readObject(repo, toHex(checksum), "dirtree"));
}

export { fromHex, toHex };
