/**
 * The checksums of a tree's regular files as hashing it found them, so that a
 * commit of the same tree right after (a build's output: hashed to decide
 * whether to accept it, then committed) need not read every file again.
 *
 * A noted checksum is used only for the same file unchanged: same device,
 * inode, size, mode, modification time (ms) and change time, as lstat reports
 * them at the commit. Anything else is hashed again. A build's output
 * directory has no writer left by then (its sandbox is gone), so this is a
 * guard against 2nex's own mistakes rather than against a race.
 *
 * @example
 * ```ts
 * import { hashTree } from "./checksum.ts";
 * const files = new FileChecksums();
 * const { contentChecksum } = await hashTree("/tmp/out", false, {}, files);
 * // store.commit("/tmp/out", { ..., files }) then reuses them.
 * ```
 * @module
 */
import type { RawChecksum } from "./checksum.ts";

/** What must be unchanged for a noted checksum to stand. */
function identityOf(info: Deno.FileInfo): string {
  return `${info.dev}:${info.ino}:${info.size}:${info.mode}:${info.mtime?.getTime()}:${info.ctime?.getTime()}`;
}

/** Regular files' object checksums by path, each with the identity of the file hashed. */
export class FileChecksums {
  #byPath = new Map<string, { identity: string; checksum: RawChecksum }>();

  /** Notes that the file at `path`, as `info` describes it, has object checksum `checksum`. */
  note(path: string, info: Deno.FileInfo, checksum: RawChecksum): void {
    this.#byPath.set(path, { identity: identityOf(info), checksum: checksum.slice() });
  }

  /** The checksum noted for `path`, if the file is still the one hashed (`info`: its lstat now). */
  get(path: string, info: Deno.FileInfo): RawChecksum | undefined {
    const noted = this.#byPath.get(path);
    return noted !== undefined && info.isFile && noted.identity === identityOf(info)
      ? noted.checksum
      : undefined;
  }

  get size(): number {
    return this.#byPath.size;
  }
}
