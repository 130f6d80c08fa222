/**
 * The writable root of a build with the original semantics, prepared on the
 * host before the sandbox starts. It is 2nex's own copy of the dependencies
 * (never hardlinks into the repository), so the build may change anything in
 * it; what the build leaves there is thrown away with the build tree.
 * @module
 */
import { join } from "node:path";
import { FailureError, linkOrCopyNew, makeSymlink, removeTree } from "../util/mod.ts";
import { HOST_SYSTEM_DIRS, WRITABLE_ROOT_RESERVED } from "../sandbox/mod.ts";
import { MERGED_USR_LINKS, ORIGINAL_BOOTSTRAP_SYSROOT, type OriginalMode } from "./semantics.ts";

/**
 * Removes the entries of `root` the sandbox mounts over (in bootstrap mode
 * also the system directories the host provides, with a warning), then adds
 * the plain `/bootstrap` (bootstrap mode) or the merged-/usr links that are
 * missing (chroot mode). Returns warnings for the user.
 */
export async function prepareOriginalRoot(root: string, mode: OriginalMode): Promise<string[]> {
  const warnings: string[] = [];
  for (const name of WRITABLE_ROOT_RESERVED) await removeTree(join(root, name));
  if (mode === "bootstrap") {
    for (const name of HOST_SYSTEM_DIRS) {
      if (await lstat(join(root, name))) {
        warnings.push(`bootstrap mode: a dependency's /${name} is hidden by the host's`);
        await removeTree(join(root, name));
      }
    }
    const sysroot = join(root, ORIGINAL_BOOTSTRAP_SYSROOT);
    const info = await lstat(sysroot);
    if (!info) await Deno.mkdir(sysroot, { mode: 0o755 });
    else if (!info.isDirectory) {
      throw new FailureError(
        `a dependency provides ${ORIGINAL_BOOTSTRAP_SYSROOT} as something else than a directory`,
        { hint: "BOOTSTRAP_SYSROOT must be a plain directory" },
      );
    }
    return warnings;
  }
  if (!await lstat(join(root, "usr"))) await Deno.mkdir(join(root, "usr"), { mode: 0o755 });
  for (const [path, target] of MERGED_USR_LINKS) {
    const parent = join(root, path, "..");
    // Never create a link through a symlink a dependency made: it could point anywhere on the host.
    const parentInfo = await lstat(parent);
    if (!parentInfo?.isDirectory || await lstat(join(root, path))) continue;
    await makeSymlink(target, join(root, path));
  }
  return warnings;
}

/**
 * Fills `dir` with a hardlink (or copy) of each source under its file name, for
 * `/inputs`. A file name two sources share goes to the first; returns a
 * warning for each later one.
 */
export async function fillInputsDir(
  dir: string,
  sources: ReadonlyArray<{ name: string; fileName: string; hostPath: string }>,
): Promise<string[]> {
  const warnings: string[] = [];
  await Deno.mkdir(dir, { recursive: true });
  const taken = new Map<string, string>();
  for (const source of sources) {
    if (source.fileName.includes("/") || source.fileName === "." || source.fileName === "..") {
      warnings.push(`source "${source.name}" has no usable file name for /inputs`);
      continue;
    }
    const first = taken.get(source.fileName);
    if (first !== undefined) {
      warnings.push(
        `sources "${first}" and "${source.name}" have the same file name; /inputs/${source.fileName} is "${first}"`,
      );
      continue;
    }
    taken.set(source.fileName, source.name);
    // Never through an existing entry: the file names are distinct, and the directory new.
    await linkOrCopyNew(source.hostPath, join(dir, source.fileName));
  }
  return warnings;
}

async function lstat(path: string): Promise<Deno.FileInfo | undefined> {
  try {
    return await Deno.lstat(path);
  } catch (error) {
    if (error instanceof Deno.errors.NotFound) return undefined;
    throw error;
  }
}
