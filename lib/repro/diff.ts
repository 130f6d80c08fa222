/**
 * File-level comparison of two directory trees: what `build --rounds`, `build --check`
 * and `2nex diff` show when two results differ. Each entry's type, permission bits,
 * size, sha256 and symlink target are compared; for regular files whose content
 * differs, the offset of the first differing byte is found by reading both files side
 * by side in chunks, so no file is ever held in memory whole.
 *
 * Speed: Deno's asynchronous file calls cost about 0.2 ms each here, its synchronous
 * ones a tenth of that, so metadata and small files (up to 64 KiB) are read with
 * synchronous calls, yielding to the event loop every few hundred entries; only large
 * files are streamed asynchronously, where the call overhead no longer matters.
 *
 * Why this file is over 400 lines: the walk, the metadata comparison and the
 * streamed byte comparison share one entry type and one yielding loop; split,
 * each part would need the others' internals.
 *
 * @example
 * ```ts
 * const diff = await compareTrees("/tmp/round1/out", "/tmp/round2/out");
 * if (diff.changed.length > 0) console.log(diff.changed[0].path);
 * ```
 * @module
 */
import { createHash, type Hash } from "node:crypto";
import { FailureError, InvalidInputError } from "../util/mod.ts";
import { compareBytewise } from "./order.ts";
import { mapLimit } from "./pool.ts";

/** The kinds of entries a tree can hold; `other` is a fifo, socket or device node. */
export type EntryType = "file" | "dir" | "symlink" | "other";

/** One entry of a tree, as compared. */
export interface Entry {
  /** Path relative to the tree's root, `/`-separated, no leading `./`. */
  path: string;
  type: EntryType;
  /** Permission bits (`st_mode & 0o7777`, after the comparison's mode mask). */
  mode: number;
  /** Bytes for regular files, the target's length for symlinks, 0 for the rest. */
  size: number;
  /** Hex sha256 of a regular file's content. */
  sha256?: string;
  /** Target of a symlink. */
  target?: string;
}

/** The facts that can differ between two entries at the same path. */
export type Difference = "type" | "mode" | "size" | "content" | "target";

/** An entry present in both trees that differs. */
export interface Change {
  path: string;
  /** What differs, in the fixed order type, mode, size, content, target. */
  differs: Difference[];
  a: Entry;
  b: Entry;
  /**
   * For two regular files whose content differs: the offset of the first byte that
   * differs. When one file is a prefix of the other it is the shorter file's length.
   */
  firstDifference?: number;
}

/** The result of comparing tree `a` with tree `b`; every list is sorted by path, byte-wise. */
export interface TreeDiff {
  roots: { a: string; b: string };
  /** In `b` only. */
  added: Entry[];
  /** In `a` only. */
  removed: Entry[];
  changed: Change[];
  /** Entries (the roots not counted) equal in both trees. */
  identical: number;
}

/** Options of {@link compareTrees}. */
export interface CompareOptions {
  /**
   * Permission bits that count. Default `0o7777` (all of them). Pass `0o755` to
   * compare as `ostree commit --canonical-permissions` hashes, so that a difference
   * the output hash ignores is not reported either.
   */
  modeMask?: number;
  /** Large files read at once. Default 4. */
  concurrency?: number;
  /** Bytes read from each file per step. Default 64 KiB. */
  chunkSize?: number;
}

const DEFAULT_CHUNK = 64 * 1024;
const DEFAULT_CONCURRENCY = 4;
/** Longest stretch of synchronous calls before timers and other I/O get a turn. */
const MAX_BLOCKING_MS = 40;
/** Files up to this size are read in one call; larger ones strictly in chunks. */
const SMALL_FILE = 64 * 1024;

/** What a walk records before contents are read. */
interface Stat {
  type: EntryType;
  mode: number;
  size: number;
  target?: string;
}

/**
 * Compares two directory trees entry by entry. Throws InvalidInputError when either
 * root is not a directory, FailureError when an entry cannot be read.
 */
export async function compareTrees(
  a: string,
  b: string,
  options: CompareOptions = {},
): Promise<TreeDiff> {
  const modeMask = options.modeMask ?? 0o7777;
  const concurrency = options.concurrency ?? DEFAULT_CONCURRENCY;
  const chunkSize = options.chunkSize ?? DEFAULT_CHUNK;
  await requireDirectory(a);
  await requireDirectory(b);
  const pause = new Pauser();
  const treeA = await walkTree(a, modeMask, pause);
  const treeB = await walkTree(b, modeMask, pause);
  const paths = [...new Set([...treeA.keys(), ...treeB.keys()])].sort(compareBytewise);

  // Small entries are settled at once; large files are queued for streaming.
  const results: Compared[] = new Array(paths.length);
  const large: number[] = [];
  for (let i = 0; i < paths.length; i++) {
    const path = paths[i];
    const statA = treeA.get(path);
    const statB = treeB.get(path);
    const small = (!statA || isSmall(statA)) && (!statB || isSmall(statB));
    if (!small) large.push(i);
    else if (statA && statB) results[i] = compareSmallEntry(a, b, path, statA, statB);
    else if (statA) results[i] = { removed: toSmallEntry(a, path, statA) };
    else results[i] = { added: toSmallEntry(b, path, statB!) };
    if (pause.due()) await pause.yield();
  }
  await mapLimit(large, concurrency, async (i) => {
    const path = paths[i];
    const statA = treeA.get(path);
    const statB = treeB.get(path);
    if (statA && statB) results[i] = await compareEntry(a, b, path, statA, statB, chunkSize);
    else if (statA) results[i] = { removed: await toEntry(a, path, statA) };
    else results[i] = { added: await toEntry(b, path, statB!) };
  });

  const diff: TreeDiff = { roots: { a, b }, added: [], removed: [], changed: [], identical: 0 };
  for (const result of results) {
    if ("added" in result) diff.added.push(result.added);
    else if ("removed" in result) diff.removed.push(result.removed);
    else if (result.change) diff.changed.push(result.change);
    else if (result.path !== ".") diff.identical++;
  }
  return diff;
}

/** True when the trees hold the same entries with the same facts. */
export function treesEqual(diff: TreeDiff): boolean {
  return diff.added.length === 0 && diff.removed.length === 0 && diff.changed.length === 0;
}

async function requireDirectory(root: string): Promise<void> {
  let info: Deno.FileInfo;
  try {
    info = await Deno.stat(root);
  } catch (error) {
    if (error instanceof Deno.errors.NotFound) {
      throw new InvalidInputError(`cannot compare "${root}": it does not exist`);
    }
    throw new FailureError(`cannot read "${root}": ${(error as Error).message}`);
  }
  if (!info.isDirectory) {
    throw new InvalidInputError(`cannot compare "${root}": it is not a directory`);
  }
}

/**
 * Every entry under root, keyed by relative path; the root itself is recorded as
 * "." so that a change of its mode (which the output hash covers) is reported.
 */
async function walkTree(
  root: string,
  modeMask: number,
  pause: Pauser,
): Promise<Map<string, Stat>> {
  const tree = new Map<string, Stat>();
  tree.set(".", statEntry(root, modeMask));
  const pending = [""];
  while (pending.length > 0) {
    const dir = pending.pop()!;
    for (const name of listDirectory(root, dir)) {
      const path = dir === "" ? name : `${dir}/${name}`;
      const stat = statEntry(join(root, path), modeMask);
      tree.set(path, stat);
      if (stat.type === "dir") pending.push(path);
      if (pause.due()) await pause.yield();
    }
  }
  return tree;
}

function listDirectory(root: string, dir: string): string[] {
  try {
    return [...Deno.readDirSync(join(root, dir))].map((item) => item.name);
  } catch (error) {
    throw readError(join(root, dir), error);
  }
}

function statEntry(full: string, modeMask: number): Stat {
  try {
    const info = Deno.lstatSync(full);
    const mode = (info.mode ?? 0) & 0o7777 & modeMask;
    if (info.isSymlink) {
      const target = Deno.readLinkSync(full);
      return { type: "symlink", mode, size: new TextEncoder().encode(target).length, target };
    }
    if (info.isFile) return { type: "file", mode, size: info.size };
    // A directory's size depends on the filesystem, not on what the build made.
    if (info.isDirectory) return { type: "dir", mode, size: 0 };
    return { type: "other", mode, size: 0 };
  } catch (error) {
    throw readError(full, error);
  }
}

/** Entries handled with synchronous calls: anything but a regular file above SMALL_FILE. */
function isSmall(stat: Stat): boolean {
  return stat.type !== "file" || stat.size <= SMALL_FILE;
}

/**
 * Lets timers and other I/O run between stretches of synchronous calls. A yield costs
 * a timer tick (about 2 ms here), so it happens by elapsed time, not by entry count.
 */
class Pauser {
  #since = performance.now();

  /** True when the last yield is long enough ago; the caller then awaits {@link yield}. */
  due(): boolean {
    return performance.now() - this.#since >= MAX_BLOCKING_MS;
  }

  async yield(): Promise<void> {
    await new Promise((resolve) => setTimeout(resolve, 0));
    this.#since = performance.now();
  }
}

type Compared =
  | { added: Entry }
  | { removed: Entry }
  | { path: string; change?: Change };

function toSmallEntry(root: string, path: string, stat: Stat): Entry {
  const entry: Entry = { path, ...stat };
  if (stat.type === "file") entry.sha256 = sha256Hex(readSmall(join(root, path)));
  return entry;
}

/** {@link compareEntry} for entries that are not large files, with synchronous reads. */
function compareSmallEntry(
  rootA: string,
  rootB: string,
  path: string,
  statA: Stat,
  statB: Stat,
): Compared {
  const a: Entry = { path, ...statA };
  const b: Entry = { path, ...statB };
  const differs: Difference[] = [];
  let firstDifference: number | undefined;
  const contentA = a.type === "file" ? readSmall(join(rootA, path)) : undefined;
  const contentB = b.type === "file" ? readSmall(join(rootB, path)) : undefined;
  if (contentA) a.sha256 = sha256Hex(contentA);
  if (contentB) b.sha256 = sha256Hex(contentB);
  if (a.type !== b.type) {
    differs.push("type");
  } else {
    if (a.mode !== b.mode) differs.push("mode");
    if (contentA && contentB) {
      if (a.size !== b.size) differs.push("size");
      firstDifference = firstMismatch(contentA, contentB);
      if (firstDifference !== undefined) differs.push("content");
    }
    if (a.type === "symlink" && a.target !== b.target) differs.push("target");
  }
  if (differs.length === 0) return { path };
  const change: Change = { path, differs, a, b };
  if (firstDifference !== undefined) change.firstDifference = firstDifference;
  return { path, change };
}

function readSmall(path: string): Uint8Array {
  try {
    return Deno.readFileSync(path);
  } catch (error) {
    throw readError(path, error);
  }
}

function sha256Hex(content: Uint8Array): string {
  return createHash("sha256").update(content).digest("hex");
}

async function toEntry(root: string, path: string, stat: Stat): Promise<Entry> {
  const entry: Entry = { path, ...stat };
  if (stat.type === "file") entry.sha256 = await hashFile(join(root, path));
  return entry;
}

async function compareEntry(
  rootA: string,
  rootB: string,
  path: string,
  statA: Stat,
  statB: Stat,
  chunkSize: number,
): Promise<Compared> {
  const a: Entry = { path, ...statA };
  const b: Entry = { path, ...statB };
  const differs: Difference[] = [];
  let firstDifference: number | undefined;
  if (a.type !== b.type) {
    differs.push("type");
    if (a.type === "file") a.sha256 = await hashFile(join(rootA, path));
    if (b.type === "file") b.sha256 = await hashFile(join(rootB, path));
  } else {
    if (a.mode !== b.mode) differs.push("mode");
    if (a.type === "file") {
      if (a.size !== b.size) differs.push("size");
      const content = await compareFiles(join(rootA, path), join(rootB, path), chunkSize);
      a.sha256 = content.sha256A;
      b.sha256 = content.sha256B;
      if (content.firstDifference !== undefined) {
        differs.push("content");
        firstDifference = content.firstDifference;
      }
    }
    if (a.type === "symlink" && a.target !== b.target) differs.push("target");
  }
  if (differs.length === 0) return { path };
  const change: Change = { path, differs, a, b };
  if (firstDifference !== undefined) change.firstDifference = firstDifference;
  return { path, change };
}

interface ContentComparison {
  sha256A: string;
  sha256B: string;
  firstDifference?: number;
}

/**
 * Reads two files side by side, hashing both and noting the first offset where
 * they differ, in one pass and with two chunk buffers of memory.
 */
async function compareFiles(
  pathA: string,
  pathB: string,
  chunkSize: number,
): Promise<ContentComparison> {
  const hashA = createHash("sha256");
  const hashB = createHash("sha256");
  const fileA = await openFile(pathA);
  let fileB: Deno.FsFile;
  try {
    fileB = await openFile(pathB);
  } catch (error) {
    fileA.close();
    throw error;
  }
  const bufferA = new Uint8Array(chunkSize);
  const bufferB = new Uint8Array(chunkSize);
  let offset = 0;
  let firstDifference: number | undefined;
  try {
    while (true) {
      const lengthA = await fillChunk(fileA, bufferA, pathA);
      const lengthB = await fillChunk(fileB, bufferB, pathB);
      const chunkA = bufferA.subarray(0, lengthA);
      const chunkB = bufferB.subarray(0, lengthB);
      hashA.update(chunkA);
      hashB.update(chunkB);
      if (firstDifference === undefined) {
        const at = firstMismatch(chunkA, chunkB);
        if (at !== undefined) firstDifference = offset + at;
      }
      offset += chunkSize;
      if (lengthA < chunkSize && lengthB < chunkSize) break;
      // One file has ended: the rest of the other only needs hashing.
      if (lengthA < chunkSize) {
        await hashRest(fileB, bufferB, hashB, pathB);
        break;
      }
      if (lengthB < chunkSize) {
        await hashRest(fileA, bufferA, hashA, pathA);
        break;
      }
    }
  } finally {
    fileA.close();
    fileB.close();
  }
  const result: ContentComparison = {
    sha256A: hashA.digest("hex"),
    sha256B: hashB.digest("hex"),
  };
  if (firstDifference !== undefined) result.firstDifference = firstDifference;
  return result;
}

/** Index of the first byte where the chunks differ, counting a length difference. */
function firstMismatch(a: Uint8Array, b: Uint8Array): number | undefined {
  const common = Math.min(a.length, b.length);
  for (let i = 0; i < common; i++) {
    if (a[i] !== b[i]) return i;
  }
  return a.length === b.length ? undefined : common;
}

/** Hex sha256 of a file's content, read in chunks. */
export async function hashFile(path: string): Promise<string> {
  const hash = createHash("sha256");
  const info = await Deno.lstat(path).catch((error) => {
    throw readError(path, error);
  });
  if (info.size <= SMALL_FILE) {
    hash.update(
      await Deno.readFile(path).catch((error) => {
        throw readError(path, error);
      }),
    );
    return hash.digest("hex");
  }
  const file = await openFile(path);
  try {
    await hashRest(file, new Uint8Array(DEFAULT_CHUNK), hash, path);
  } finally {
    file.close();
  }
  return hash.digest("hex");
}

async function hashRest(
  file: Deno.FsFile,
  buffer: Uint8Array,
  hash: Hash,
  path: string,
): Promise<void> {
  while (true) {
    const length = await fillChunk(file, buffer, path);
    hash.update(buffer.subarray(0, length));
    if (length < buffer.length) return;
  }
}

/** Reads until the buffer is full or the file ends; returns the bytes read. */
async function fillChunk(file: Deno.FsFile, buffer: Uint8Array, path: string): Promise<number> {
  let filled = 0;
  while (filled < buffer.length) {
    let read: number | null;
    try {
      read = await file.read(buffer.subarray(filled));
    } catch (error) {
      throw readError(path, error);
    }
    if (read === null) break;
    filled += read;
  }
  return filled;
}

async function openFile(path: string): Promise<Deno.FsFile> {
  try {
    return await Deno.open(path, { read: true });
  } catch (error) {
    throw readError(path, error);
  }
}

function readError(path: string, error: unknown): FailureError {
  return new FailureError(`cannot read "${path}": ${(error as Error).message}`);
}

function join(root: string, path: string): string {
  return path === "" || path === "." ? root : `${root}/${path}`;
}
