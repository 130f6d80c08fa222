/**
 * Ostree's checksums computed natively, bit for bit: file objects (a
 * length-prefixed `(uuuusa(ayay))` header, then the content), dirmeta
 * `(uuua(ayay))`, dirtree `(a(say)a(sayay))`, and a commit's content checksum
 * (sha256 of the root dirtree and dirmeta checksums). Modes are canonicalised the
 * way `ostree commit --canonical-permissions --no-xattrs` does: uid and gid 0, no
 * xattrs, regular files and directories keep only their `0755` bits, symlinks are
 * `0777`. So `hashDirectory(dir)` equals the `ContentChecksum:` ostree would show
 * for a commit of `dir` with those options, without writing anything.
 *
 * @example
 * ```ts
 * const { contentChecksum } = await hashTree("/tmp/out");
 * ```
 * @module
 */
import { createHash } from "node:crypto";
import { encodeVariant } from "./gvariant.ts";
import { asIoError, FailureError } from "../util/mod.ts";
import { type FileJob, hashFileJobs, type HashThreadOptions, Pauses } from "./parallel_hash.ts";
import type { FileChecksums } from "./file_checksums.ts";

/** File type bits of a mode, and the three types ostree stores. */
export const S_IFMT = 0o170000;
export const S_IFREG = 0o100000;
export const S_IFDIR = 0o040000;
export const S_IFLNK = 0o120000;

/** Files are read in chunks of this size. */
const READ_CHUNK = 1 << 20;

/** A checksum as 32 raw bytes. */
export type RawChecksum = Uint8Array;

/** Hex form of a raw checksum. */
export function toHex(raw: RawChecksum): string {
  let hex = "";
  for (const byte of raw) hex += byte.toString(16).padStart(2, "0");
  return hex;
}

/** Raw form of a 64-digit hex checksum. */
export function fromHex(hex: string): RawChecksum {
  if (!/^[0-9a-f]{64}$/.test(hex)) throw new Error(`not a sha256 checksum: "${hex}"`);
  const raw = new Uint8Array(32);
  for (let i = 0; i < 32; i++) raw[i] = parseInt(hex.slice(2 * i, 2 * i + 2), 16);
  return raw;
}

/** Ostree stores its integers big-endian inside GVariant's little-endian `u` (its own inverse). */
export function be32(n: number): number {
  return (((n & 0xff) << 24) | ((n & 0xff00) << 8) | ((n >>> 8) & 0xff00) | (n >>> 24)) >>> 0;
}

function sha256(...parts: Uint8Array[]): RawChecksum {
  const hash = createHash("sha256");
  for (const part of parts) hash.update(part);
  return new Uint8Array(hash.digest());
}

/** The mode ostree records for an entry under `--canonical-permissions`. */
export function canonicalMode(mode: number): number {
  switch (mode & S_IFMT) {
    case S_IFREG:
      return S_IFREG | (mode & 0o755);
    case S_IFDIR:
      return S_IFDIR | (mode & 0o755);
    case S_IFLNK:
      return S_IFLNK | 0o777;
    default:
      throw new Error(`unsupported file type (mode ${mode.toString(8)})`);
  }
}

/** The header that precedes a file object's content in its checksum. */
export function fileHeader(mode: number, symlinkTarget: string): Uint8Array {
  const variant = encodeVariant("(uuuusa(ayay))", [0, 0, be32(mode), 0, symlinkTarget, []]);
  // A big-endian u32 length and four NULs of padding (so the variant is 8-aligned).
  const header = new Uint8Array(8 + variant.length);
  new DataView(header.buffer).setUint32(0, variant.length, false);
  header.set(variant, 8);
  return header;
}

/** Serialised dirmeta object of a directory with this (canonical) mode. */
export function dirMetaBytes(mode: number): Uint8Array {
  return encodeVariant("(uuua(ayay))", [0, 0, be32(mode), []]);
}

/** One entry of a directory as a dirtree object records it. */
export interface TreeEntry {
  name: string;
  /** UTF-8 bytes of the name; entries are sorted by these. */
  nameBytes: Uint8Array;
}

/** A file (regular or symlink) entry of a dirtree. */
export interface FileEntry extends TreeEntry {
  checksum: RawChecksum;
}

/** A subdirectory entry of a dirtree. */
export interface DirEntry extends TreeEntry {
  tree: RawChecksum;
  meta: RawChecksum;
}

/** Byte-wise order of UTF-8 names, as ostree (strcmp) sorts them. */
export function compareEntries(a: TreeEntry, b: TreeEntry): number {
  const x = a.nameBytes;
  const y = b.nameBytes;
  const n = Math.min(x.length, y.length);
  for (let i = 0; i < n; i++) if (x[i] !== y[i]) return x[i] - y[i];
  return x.length - y.length;
}

/** Serialised dirtree object; entries must already be sorted. */
export function dirTreeBytes(files: FileEntry[], dirs: DirEntry[]): Uint8Array {
  return encodeVariant("(a(say)a(sayay))", [
    files.map((f) => [f.name, f.checksum]),
    dirs.map((d) => [d.name, d.tree, d.meta]),
  ]);
}

/** The content checksum of a commit whose root has these dirtree and dirmeta. */
export function contentChecksumOf(rootTree: RawChecksum, rootMeta: RawChecksum): string {
  return toHex(sha256(rootTree, rootMeta));
}

/** Metadata objects of a hashed tree, by hex checksum, for writing into a repo. */
export interface MetadataObjects {
  dirtree: Map<string, Uint8Array>;
  dirmeta: Map<string, Uint8Array>;
}

/** The result of hashing a directory tree. */
export interface TreeHash {
  contentChecksum: string;
  rootTree: RawChecksum;
  rootMeta: RawChecksum;
  /** Present when `collect` was set. */
  objects?: MetadataObjects;
  /** Regular files read: each file once, however many hard links name it. */
  filesRead: number;
}

const textEncoder = new TextEncoder();

/**
 * Yields to the event loop now and then. Hashing uses synchronous file calls
 * (five times faster than the async ops for many small files), so other work
 * (progress output, timers of parallel builds) still gets its turn.
 */
export class Yielder {
  #count = 0;
  async tick(): Promise<void> {
    if (++this.#count % 512 === 0) await new Promise((resolve) => setTimeout(resolve, 0));
  }
}

/**
 * Hashes `dir` as `ostree commit --canonical-permissions --no-xattrs` would. With
 * `collect`, also returns every dirtree and dirmeta object it computed.
 * Throws FailureError for entries ostree cannot commit (sockets, fifos,
 * devices) and for names that are not UTF-8.
 *
 * The tree is walked first; its regular files, nearly all of the work, are then
 * hashed on as many cores as they are worth (parallel_hash.ts, `threads`).
 * With `files`, each regular file's checksum is noted there, under each of its
 * names, for a commit of the same tree (file_checksums.ts).
 */
export async function hashTree(
  dir: string,
  collect = false,
  threads: HashThreadOptions = {},
  files?: FileChecksums,
): Promise<TreeHash> {
  const objects = collect ? { dirtree: new Map(), dirmeta: new Map() } : undefined;
  const rootInfo = await Deno.stat(dir);
  if (!rootInfo.isDirectory) throw new FailureError(`${dir} is not a directory`);
  const jobs: FileJob[] = [];
  const found: FileJobs = { jobs, links: new Map(), names: files ? [] : undefined };
  const root = await walkDir(dir, rootInfo.mode ?? 0o40755, found, new Pauses());
  const checksums = await hashFileJobs(jobs, (job) => {
    try {
      return regularFileChecksum(job.path, job.mode, job.size);
    } catch (error) {
      throw hashingError(error, job.path);
    }
  }, threads);
  for (const { path, info, job } of found.names ?? []) {
    files?.note(path, info, checksums.subarray(job * 32, job * 32 + 32));
  }
  const { tree, meta } = assemble(root, checksums, objects);
  return {
    contentChecksum: contentChecksumOf(tree, meta),
    rootTree: tree,
    rootMeta: meta,
    objects,
    filesRead: jobs.length,
  };
}

/** A directory as walked: its entries, with the files to hash as positions in the job list. */
interface WalkedDir {
  mode: number;
  /** `job` is the file's position in the job list; symlinks have their checksum already. */
  files: Array<TreeEntry & ({ job: number } | { checksum: RawChecksum })>;
  dirs: Array<TreeEntry & { dir: WalkedDir }>;
}

/** The regular files a walk found to hash, each file once however many names it has. */
interface FileJobs {
  jobs: FileJob[];
  /**
   * Job positions of the files with more than one hard link, by device and
   * inode: every name of a file has its bytes and its mode, so its object
   * checksum is computed once (a tree of hard-linked drivers or tools is read
   * once per file, not once per name). The key also holds what every name of
   * one file shares (size, mode, times), so that a file system with colliding
   * inode numbers (some FUSE and network ones) cannot make two files one.
   */
  links: Map<string, number>;
  /** When asked for: every name of a regular file, as lstat saw it, with its job position. */
  names?: { path: string; info: Deno.FileInfo; job: number }[];
}

async function walkDir(
  path: string,
  mode: number,
  found: FileJobs,
  pauses: Pauses,
): Promise<WalkedDir> {
  const walked: WalkedDir = { mode, files: [], dirs: [] };
  for (const { name } of Deno.readDirSync(path)) {
    if (name.includes("\uFFFD")) {
      throw new FailureError(`cannot hash ${path}/${name}: the name is not valid UTF-8`);
    }
    await pauses.now();
    const child = `${path}/${name}`;
    let info: Deno.FileInfo;
    try {
      info = Deno.lstatSync(child);
    } catch (error) {
      throw hashingError(error, child);
    }
    const nameBytes = textEncoder.encode(name);
    if (info.isDirectory) {
      const dir = await walkDir(child, info.mode ?? 0o40755, found, pauses);
      walked.dirs.push({ name, nameBytes, dir });
    } else if (info.isFile) {
      const job = fileJob(found, child, info);
      walked.files.push({ name, nameBytes, job });
      found.names?.push({ path: child, info, job });
    } else {
      walked.files.push({ name, nameBytes, checksum: await hashFile(child, info) });
    }
  }
  return walked;
}

/**
 * What a failure to read `path` while hashing means, as an error the CLI
 * prints in one line: an entry removed since the tree was listed, or a fault
 * of the machine; anything else is left as it is.
 */
function hashingError(error: unknown, path: string): unknown {
  if (error instanceof Deno.errors.NotFound) {
    return new FailureError(`cannot hash ${path}: it was removed while the tree was hashed`, {
      hint: "hash a tree that nothing else is changing",
      cause: error,
    });
  }
  return asIoError(error, "hashing", path);
}

/** The job position of the regular file at `path`: a new job unless it is a hard link to one. */
function fileJob(found: FileJobs, path: string, info: Deno.FileInfo): number {
  const linked = (info.nlink ?? 1) > 1 && info.ino !== null;
  const key = linked
    ? [info.dev, info.ino, info.size, info.mode, info.mtime?.getTime(), info.ctime?.getTime()]
      .join(":")
    : undefined;
  if (key !== undefined) {
    const known = found.links.get(key);
    if (known !== undefined) return known;
    found.links.set(key, found.jobs.length);
  }
  found.jobs.push({ path, mode: regularMode(info.mode ?? 0), size: info.size });
  return found.jobs.length - 1;
}

/** The dirtree and dirmeta checksums of a walked directory, its files' checksums known. */
function assemble(
  walked: WalkedDir,
  checksums: Uint8Array,
  objects: MetadataObjects | undefined,
): { tree: RawChecksum; meta: RawChecksum } {
  const files: FileEntry[] = walked.files.map((file) => ({
    name: file.name,
    nameBytes: file.nameBytes,
    checksum: "job" in file ? checksums.subarray(file.job * 32, file.job * 32 + 32) : file.checksum,
  }));
  const dirs: DirEntry[] = walked.dirs.map(({ name, nameBytes, dir }) => ({
    name,
    nameBytes,
    ...assemble(dir, checksums, objects),
  }));
  files.sort(compareEntries);
  dirs.sort(compareEntries);
  const treeBytes = dirTreeBytes(files, dirs);
  const metaBytes = dirMetaBytes(canonicalMode(S_IFDIR | (walked.mode & 0o7777)));
  const tree = sha256(treeBytes);
  const meta = sha256(metaBytes);
  if (objects) {
    objects.dirtree.set(toHex(tree), treeBytes);
    objects.dirmeta.set(toHex(meta), metaBytes);
  }
  return { tree, meta };
}

/** Headers of regular files depend only on the mode: a handful, computed once. */
const regularHeaders = new Map<number, Uint8Array>();

/** The canonical mode of a regular file with these mode bits. */
function regularMode(mode: number): number {
  return canonicalMode(S_IFREG | (mode & 0o7777));
}

/** The header of a regular file's object with this canonical mode. */
function regularHeader(canonical: number): Uint8Array {
  let header = regularHeaders.get(canonical);
  if (header === undefined) {
    header = fileHeader(canonical, "");
    regularHeaders.set(canonical, header);
  }
  return header;
}

/** Read buffer of this thread, reused for every file. */
let readBuffer: Uint8Array | undefined;

/** A regular file whose size changed between listing it and reading it. */
export class FileChangedError extends FailureError {
  /** `read`: the bytes read before the change showed (past `listed` if it grew). */
  constructor(path: string, listed: number, read: number) {
    const change = read > listed
      ? `it grew past its ${listed} bytes`
      : `it shrank from ${listed} to ${read} bytes`;
    super(`cannot hash ${path}: ${change} while the tree was hashed`, {
      hint: "hash a tree that nothing else is changing",
    });
  }
}

/**
 * The checksum of a regular file's object with this canonical mode, read
 * synchronously in chunks into one buffer per thread: never whole into memory,
 * and no new buffer per file (allocating one cost more than the read itself
 * for a tree of small headers). Used on this thread and in the hash workers.
 * With `size` (what the walk saw), a file that grew or shrank since is a
 * FileChangedError rather than a checksum of bytes from two moments.
 */
export function regularFileChecksum(path: string, canonical: number, size?: number): RawChecksum {
  const hash = createHash("sha256");
  hash.update(regularHeader(canonical));
  readBuffer ??= new Uint8Array(READ_CHUNK);
  using file = Deno.openSync(path);
  let total = 0;
  for (;;) {
    const n = file.readSync(readBuffer);
    if (n === null) break;
    hash.update(readBuffer.subarray(0, n));
    total += n;
    // Past its listed size it has changed: stop, rather than chase a file that keeps growing.
    if (size !== undefined && total > size) break;
    // A regular file reads short only at its end: no second read to learn that
    // (a tenth of the time of a tree of small files).
    if (n < readBuffer.length) break;
  }
  if (size !== undefined && total !== size) throw new FileChangedError(path, size, total);
  return new Uint8Array(hash.digest());
}

/**
 * The checksum of one non-directory entry, as its ostree file object. An entry
 * removed or changed since `info` was read is a FailureError naming it.
 */
export function hashFile(path: string, info: Deno.FileInfo): Promise<RawChecksum> {
  try {
    if (info.isSymlink) {
      return Promise.resolve(sha256(fileHeader(S_IFLNK | 0o777, Deno.readLinkSync(path))));
    }
    if (!info.isFile) {
      throw new FailureError(`cannot store ${path}: only files, directories and symlinks can be`);
    }
    return Promise.resolve(regularFileChecksum(path, regularMode(info.mode ?? 0), info.size));
  } catch (error) {
    return Promise.reject(hashingError(error, path));
  }
}
