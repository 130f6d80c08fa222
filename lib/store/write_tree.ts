/**
 * Commits a directory's content natively: every file becomes a loose file
 * object of the bare-user-only repository, every directory a dirtree and a
 * dirmeta, exactly as `ostree commit --canonical-permissions --no-xattrs` would
 * store them (so stock `ostree fsck` accepts them), with no process spawned.
 *
 * A bare-user-only file object is the file itself: a regular file holding the
 * content with the canonical mode (uid, gid and xattrs are not stored: they
 * read back as 0 and none), or a symlink with the target. Its checksum covers
 * the file header then the content (see checksum.ts). Like ostree, objects get
 * mtime 0, so hardlinked checkouts have a constant mtime.
 *
 * Crash safety: a file object appears under `objects/` only by a rename, after
 * its data is flushed (files are flushed in batches, concurrently, not one by
 * one); the caller writes the commit object only after {@link writeTree}
 * returns, so a commit never names a missing object. Directory entries of the
 * renames are flushed later, by whoever makes the commit reachable (the paths
 * go into `unsynced`, as for metadata objects).
 *
 * @example
 * ```ts
 * const unsynced = new Set<string>();
 * const root = await writeTree("/repo", "/tmp/out", { consume: true, fsync: true, unsynced });
 * ```
 * @module
 */
import { dirname } from "node:path";
import {
  canonicalMode,
  compareEntries,
  type DirEntry,
  dirMetaBytes,
  dirTreeBytes,
  type FileEntry,
  fromHex,
  hashFile,
  type RawChecksum,
  S_IFDIR,
  S_IFREG,
  toHex,
  Yielder,
} from "./checksum.ts";
import type { TreeRoot } from "./compose.ts";
import type { FileChecksums } from "./file_checksums.ts";
import { objectPath, tempPath, writeObject } from "./objects.ts";
import { FailureError, makeSymlink } from "../util/mod.ts";

/** Options of {@link writeTree}. */
export interface WriteTreeOptions {
  /**
   * Move files into the repository instead of copying them where that is safe
   * (a file with one link, on the repository's file system): `dir` is left
   * incomplete and should be removed afterwards.
   */
  consume: boolean;
  /** Flush file objects before they become visible. */
  fsync: boolean;
  /** Paths (objects, directories) written but not flushed; the caller flushes them. */
  unsynced: Set<string>;
  /** Checksums of files as a hashTree of `dir` found them: such files are not read again. */
  files?: FileChecksums;
}

/**
 * File objects staged before a flush: enough to overlap many flushes in the
 * journal, few enough to bound open files and lost work on a kill.
 */
const STAGE_BATCH = 128;

/** A file object written under a temporary name, waiting for its flush and rename. */
interface Staged {
  /** Its current path: a temporary file in `repo/tmp`, or an adopted source file. */
  path: string;
  /** Its final path under `objects/`. */
  dest: string;
  /** A regular file (symlinks cannot be flushed by themselves). */
  regular: boolean;
  /** For an adopted source file: makes a temporary copy instead, if the rename fails. */
  copy?: () => Promise<string>;
}

/** Writes missing file objects in batches: stage, flush all, rename all. */
class FileObjectWriter {
  #pending: Staged[] = [];
  /** Checksums already stored or staged by this writer. */
  #seen = new Set<string>();
  /** `objects/XX` directories known to exist. */
  #objectDirs = new Set<string>();

  constructor(private readonly repo: string, private readonly opts: WriteTreeOptions) {}

  /** Stores the file at `source` (lstat `info`) as object `checksum`, unless it is there. */
  async add(source: string, info: Deno.FileInfo, checksum: RawChecksum): Promise<void> {
    const hex = toHex(checksum);
    if (this.#seen.has(hex)) return;
    this.#seen.add(hex);
    const dest = objectPath(this.repo, hex, "file");
    if (existsSync(dest)) return;
    if (info.isSymlink) {
      // A symlink cannot change in place, so the object may share its inode.
      const copy = () => this.#copySymlink(source);
      if (this.opts.consume) this.#pending.push({ path: source, dest, regular: false, copy });
      else this.#pending.push({ path: await copy(), dest, regular: false });
    } else {
      const mode = canonicalMode(S_IFREG | ((info.mode ?? 0) & 0o7777)) & 0o7777;
      const copy = () => Promise.resolve(this.#copyFile(source, mode));
      // A file with other links may be someone else's (a dependency's object,
      // hardlinked in): moving it or changing its mode would change theirs.
      if (this.opts.consume && info.nlink === 1) {
        this.#pending.push({ path: source, dest, regular: true, copy });
        prepareObjectFile(source, mode);
      } else {
        this.#pending.push({ path: await copy(), dest, regular: true });
      }
    }
    if (this.#pending.length >= STAGE_BATCH) await this.flush();
  }

  /** Flushes the staged objects' data, then renames them into place. */
  async flush(): Promise<void> {
    const batch = this.#pending;
    this.#pending = [];
    if (this.opts.fsync) {
      await Promise.all(batch.filter((s) => s.regular).map((s) => syncFile(s.path)));
    }
    for (const [i, staged] of batch.entries()) {
      const dir = dirname(staged.dest);
      if (!this.#objectDirs.has(dir)) {
        Deno.mkdirSync(dir, { recursive: true });
        this.#objectDirs.add(dir);
      }
      try {
        Deno.renameSync(staged.path, staged.dest);
      } catch (error) {
        if (staged.copy === undefined) {
          this.#pending = batch.slice(i);
          throw error;
        }
        // Another file system, or a directory we may not change: copy instead.
        const copy = await staged.copy();
        if (this.opts.fsync && staged.regular) await syncFile(copy);
        Deno.renameSync(copy, staged.dest);
      }
      if (this.opts.fsync) this.opts.unsynced.add(dir);
    }
  }

  /** Removes staged temporary files (after a failure); adopted sources are left alone. */
  discard(): void {
    for (const staged of this.#pending) {
      if (staged.copy === undefined) {
        try {
          Deno.removeSync(staged.path);
        } catch {
          // Already renamed or gone; gc removes anything left.
        }
      }
    }
    this.#pending = [];
  }

  /** A new temporary copy of the regular file `source` with the object's mode and mtime. */
  #copyFile(source: string, mode: number): string {
    const temp = tempPath(this.repo);
    Deno.copyFileSync(source, temp);
    prepareObjectFile(temp, mode);
    return temp;
  }

  /**
   * A new temporary symlink like `source`: a hardlink to it where possible, as
   * Deno makes no symlink for a process with path-scoped permissions.
   */
  async #copySymlink(source: string): Promise<string> {
    const temp = tempPath(this.repo);
    try {
      Deno.linkSync(source, temp);
    } catch {
      await makeSymlink(Deno.readLinkSync(source), temp);
    }
    return temp;
  }
}

/** Gives a regular file the mode and mtime of a bare-user-only object. */
function prepareObjectFile(path: string, mode: number): void {
  Deno.chmodSync(path, mode);
  Deno.utimeSync(path, 0, 0);
}

async function syncFile(path: string): Promise<void> {
  using file = await Deno.open(path);
  await file.sync();
}

function existsSync(path: string): boolean {
  try {
    Deno.lstatSync(path);
    return true;
  } catch (error) {
    if (error instanceof Deno.errors.NotFound) return false;
    throw error;
  }
}

/** What one walk shares: the object writers and a cache of dirmetas by mode. */
interface WalkContext {
  repo: string;
  files: FileObjectWriter;
  opts: WriteTreeOptions;
  yielder: Yielder;
  dirMetas: Map<number, RawChecksum>;
}

const textEncoder = new TextEncoder();

/**
 * Stores the tree under `dir` in the repository and returns its root dirtree
 * and dirmeta; the content checksum equals `hashTree(dir)`'s. Throws
 * FailureError for entries ostree cannot store (sockets, fifos, devices) and
 * names that are not UTF-8.
 */
export async function writeTree(
  repo: string,
  dir: string,
  opts: WriteTreeOptions,
): Promise<TreeRoot> {
  const info = await Deno.stat(dir);
  if (!info.isDirectory) throw new FailureError(`${dir} is not a directory`);
  const files = new FileObjectWriter(repo, opts);
  const context = { repo, files, opts, yielder: new Yielder(), dirMetas: new Map() };
  try {
    const root = await writeDir(dir, info.mode ?? 0o40755, context);
    await files.flush();
    return root;
  } finally {
    files.discard();
  }
}

async function writeDir(path: string, mode: number, context: WalkContext): Promise<TreeRoot> {
  const files: FileEntry[] = [];
  const dirs: DirEntry[] = [];
  for (const { name } of Deno.readDirSync(path)) {
    if (name.includes("\uFFFD")) {
      throw new FailureError(`cannot store ${path}/${name}: the name is not valid UTF-8`);
    }
    await context.yielder.tick();
    const child = `${path}/${name}`;
    const info = Deno.lstatSync(child);
    const nameBytes = textEncoder.encode(name);
    if (info.isDirectory) {
      const { tree, meta } = await writeDir(child, info.mode ?? 0o40755, context);
      dirs.push({ name, nameBytes, tree, meta });
    } else {
      const checksum = context.opts.files?.get(child, info) ?? await hashFile(child, info);
      await context.files.add(child, info, checksum);
      files.push({ name, nameBytes, checksum });
    }
  }
  files.sort(compareEntries);
  dirs.sort(compareEntries);
  const { repo, opts } = context;
  const tree = fromHex(
    await writeObject(repo, "dirtree", dirTreeBytes(files, dirs), opts.unsynced),
  );
  const canonical = canonicalMode(S_IFDIR | (mode & 0o7777));
  let meta = context.dirMetas.get(canonical);
  if (meta === undefined) {
    meta = fromHex(await writeObject(repo, "dirmeta", dirMetaBytes(canonical), opts.unsynced));
    context.dirMetas.set(canonical, meta);
  }
  return { tree, meta };
}
