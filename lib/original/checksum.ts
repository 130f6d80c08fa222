/**
 * The checksum the original builder recorded in `checksum:` / `sha256:`: not an
 * ostree checksum, but the sha256 of, for every regular file under a directory
 * in sorted path order, its path relative to the directory, a NUL byte, its
 * bytes and a NUL byte. Symlinks and directories do not count; nothing is
 * followed.
 *
 * @example
 * ```ts
 * const hex = await originalChecksum("/tmp/out");
 * ```
 * @module
 */
import { createHash, type Hash } from "node:crypto";
import { FailureError } from "../util/mod.ts";

const encoder = new TextEncoder();
const NUL = new Uint8Array([0]);
/** Read buffer: files are streamed, never read whole. */
const CHUNK = 1 << 20;

/** The original builder's checksum of `dir`, as 64 lowercase hex digits. */
export async function originalChecksum(dir: string): Promise<string> {
  const files = await regularFiles(dir);
  const hash = createHash("sha256");
  const buffer = new Uint8Array(CHUNK);
  for (const file of files) {
    hash.update(file.bytes);
    hash.update(NUL);
    await hashFile(hash, `${dir}/${file.path}`, buffer);
    hash.update(NUL);
  }
  return hash.digest("hex");
}

interface RelativeFile {
  path: string;
  /** UTF-8 of `path`: what is hashed, and what the order is taken from. */
  bytes: Uint8Array;
}

/**
 * Every regular file under `dir`, relative, in byte order of the UTF-8 paths
 * (code point order, the order of a sorted list of path strings in the
 * original builder's language, where UTF-16 order would differ).
 */
async function regularFiles(dir: string): Promise<RelativeFile[]> {
  const files: RelativeFile[] = [];
  const pending = [""];
  while (pending.length > 0) {
    const relative = pending.pop()!;
    const absolute = relative === "" ? dir : `${dir}/${relative}`;
    for await (const entry of Deno.readDir(absolute)) {
      const path = relative === "" ? entry.name : `${relative}/${entry.name}`;
      // readDir reports the entry itself: a symlink is never a directory or file here.
      if (entry.isDirectory) pending.push(path);
      else if (entry.isFile) files.push({ path, bytes: encoder.encode(path) });
    }
  }
  return files.sort((a, b) => compareBytes(a.bytes, b.bytes));
}

function compareBytes(a: Uint8Array, b: Uint8Array): number {
  const length = Math.min(a.length, b.length);
  for (let i = 0; i < length; i++) {
    if (a[i] !== b[i]) return a[i] - b[i];
  }
  return a.length - b.length;
}

async function hashFile(hash: Hash, path: string, buffer: Uint8Array): Promise<void> {
  let file: Deno.FsFile;
  try {
    // A file swapped for a symlink after the listing must not be followed.
    const info = await Deno.lstat(path);
    if (!info.isFile) throw new FailureError(`${path} changed while it was hashed`);
    file = await Deno.open(path, { read: true });
  } catch (error) {
    if (error instanceof FailureError) throw error;
    throw new FailureError(`cannot read ${path}: ${(error as Error).message}`);
  }
  try {
    while (true) {
      const n = await file.read(buffer);
      if (n === null) break;
      hash.update(buffer.subarray(0, n));
    }
  } finally {
    file.close();
  }
}
