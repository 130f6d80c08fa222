/**
 * Atomic file writes and small filesystem helpers. A file written here is either
 * absent or complete, even if the process is killed mid-way.
 * @module
 */
import { dirname, join } from "node:path";
import { asIoError } from "./io_error.ts";

/** Writes `data` to `path` through a temporary file in the same directory and a rename. */
export async function writeFileAtomic(path: string, data: string | Uint8Array): Promise<void> {
  const dir = dirname(path);
  const temp = join(dir, `.tmp-${crypto.randomUUID()}`);
  try {
    await Deno.mkdir(dir, { recursive: true });
    if (typeof data === "string") await Deno.writeTextFile(temp, data);
    else await Deno.writeFile(temp, data);
    await Deno.rename(temp, path);
  } catch (error) {
    await Deno.remove(temp).catch(() => {});
    throw asIoError(error, "writing", path);
  }
}

/** Removes a path recursively; missing is fine. Makes read-only trees removable first. */
export async function removeTree(path: string): Promise<void> {
  try {
    await Deno.remove(path, { recursive: true });
  } catch (error) {
    if (error instanceof Deno.errors.NotFound) return;
    if (error instanceof Deno.errors.PermissionDenied) {
      await makeWritable(path);
      await Deno.remove(path, { recursive: true });
      return;
    }
    throw error;
  }
}

async function makeWritable(path: string): Promise<void> {
  const info = await Deno.lstat(path).catch(() => undefined);
  if (!info || info.isSymlink) return;
  if (info.isDirectory) {
    await Deno.chmod(path, 0o755).catch(() => {});
    for await (const entry of Deno.readDir(path)) await makeWritable(join(path, entry.name));
  }
}

/** True when `path` exists (without following a final symlink). */
export async function exists(path: string): Promise<boolean> {
  try {
    await Deno.lstat(path);
    return true;
  } catch {
    return false;
  }
}

/**
 * Puts a copy of the file `from` at `to`, a name that must not exist yet: a
 * hard link, or across file systems a copy. Neither writes through anything
 * already at `to`: link() fails on any existing name, a symlink included, and
 * the copy is created with O_EXCL, which refuses a symlink too. Throws
 * Deno.errors.AlreadyExists when `to` exists, NotFound when `from` does not.
 */
export async function linkOrCopyNew(from: string, to: string): Promise<void> {
  try {
    await Deno.link(from, to);
    return;
  } catch (error) {
    if (error instanceof Deno.errors.NotFound || error instanceof Deno.errors.AlreadyExists) {
      throw error;
    }
  }
  using output = await Deno.open(to, { write: true, createNew: true, mode: 0o444 });
  using input = await Deno.open(from, { read: true });
  const buffer = new Uint8Array(1024 * 1024);
  for (let count = await input.read(buffer); count !== null; count = await input.read(buffer)) {
    for (let offset = 0; offset < count;) {
      offset += await output.write(buffer.subarray(offset, count));
    }
  }
}

/**
 * Gives every regular file under `dir` that has other hard links a copy of its
 * own (same content and mode), so that changing it changes nothing elsewhere.
 * Symlinks are left as they are and never followed; a missing `dir` is fine.
 */
export async function unshareHardLinks(dir: string): Promise<void> {
  let entries: Deno.DirEntry[];
  try {
    entries = await Array.fromAsync(Deno.readDir(dir));
  } catch (error) {
    if (error instanceof Deno.errors.NotFound || error instanceof Deno.errors.NotADirectory) {
      return;
    }
    throw error;
  }
  for (const entry of entries) {
    const path = join(dir, entry.name);
    if (entry.isDirectory) {
      await unshareHardLinks(path);
      continue;
    }
    const info = await Deno.lstat(path);
    if (!info.isFile || (info.nlink ?? 1) < 2) continue;
    const temp = join(dir, `.tmp-${crypto.randomUUID()}`);
    await withWritableDirectory(dir, async () => {
      try {
        await Deno.copyFile(path, temp);
        await Deno.rename(temp, path);
      } catch (error) {
        await Deno.remove(temp).catch(() => {});
        throw error;
      }
    });
  }
}

/** Runs `change` on entries of `dir`; if `dir` is read-only, makes it writable for the moment. */
async function withWritableDirectory(dir: string, change: () => Promise<void>): Promise<void> {
  const mode = ((await Deno.lstat(dir)).mode ?? 0o755) & 0o7777;
  const writable = (mode & 0o200) !== 0;
  if (!writable) await Deno.chmod(dir, mode | 0o200);
  try {
    await change();
  } finally {
    if (!writable) await Deno.chmod(dir, mode);
  }
}
