/**
 * The directory holding a build's dependencies (SPEC section 5): the union of
 * their trees, in the order the manifest lists them, later ones winning.
 *
 * Why it never follows a symlink that a build made: the union is computed from
 * the repository's dirtrees (no file is opened), then written by one `ostree
 * checkout` into a directory that does not exist yet. Within one tree no path
 * lies under a symlink, so the checkout follows none. Checking the
 * dependencies out one over the other (`--union`) instead opens a later
 * dependency's directory through an earlier one's symlink at the same path,
 * and writes wherever that points, on the host. So a symlink (or file) in one
 * dependency where another has a directory is an error naming both.
 *
 * @example
 * ```ts
 * import { Store } from "../store/mod.ts";
 * const store = await Store.open(".2nex/repo");
 * declare const commit: string;
 * await assembleDependencyRoot(store, [{ name: "tcc", commit }], "/tmp/build/root", {
 *   hardlink: true,
 * });
 * ```
 * @module
 */
import { type EntryType, type Store, TreeClashError } from "../store/mod.ts";
import { FailureError } from "../util/mod.ts";

/** A dependency as the root shows it: its name in the manifest and the commit of the part used. */
export interface DependencyTree {
  name: string;
  commit: string;
}

/** Where host-mode builds write (BOOTSTRAP_SYSROOT); a dependency can only add to it. */
export const HOST_MODE_WRITABLE = "/bootstrap";

/** How a dependency root is written. */
export interface DependencyRootOptions {
  /**
   * true: hard links to the repository's files, for a root the sandbox shows
   * read-only; false: copies, for a root a build may write to.
   */
  hardlink: boolean;
  /**
   * A path the build writes into (host mode: HOST_MODE_WRITABLE): a dependency
   * may provide it only as a directory.
   */
  writableDir?: string;
}

/**
 * Writes the union of `deps` into `dest`, which must not exist (it is created,
 * empty when there are no dependencies). Throws FailureError when two
 * dependencies cannot be combined, or one provides `writableDir` as anything
 * but a directory.
 */
export async function assembleDependencyRoot(
  store: Store,
  deps: readonly DependencyTree[],
  dest: string,
  options: DependencyRootOptions,
): Promise<void> {
  if (deps.length === 0) {
    await Deno.mkdir(dest);
    return;
  }
  const commit = deps.length === 1 ? deps[0].commit : await unionCommit(store, deps);
  if (options.writableDir !== undefined) {
    await checkWritableDirectory(store, deps, commit, options.writableDir);
  }
  await store.checkout(commit, dest, { hardlink: options.hardlink ? undefined : false });
}

/** An orphan commit of the union (gc drops it); identical inputs give the same commit. */
async function unionCommit(store: Store, deps: readonly DependencyTree[]): Promise<string> {
  try {
    const { commit } = await store.commitUnion(deps.map((dep) => dep.commit), {
      subject: `dependencies ${deps.map((dep) => dep.name).join(", ")}`,
      metadata: {},
      timestamp: 0,
    });
    return commit;
  } catch (error) {
    if (!(error instanceof TreeClashError)) throw error;
    const fileDep = deps[error.fileTree];
    const dirDep = deps[error.dirTree];
    const fileKind = await store.entryType(fileDep.commit, error.path) ?? "file";
    const kinds = [
      {
        dep: fileDep,
        kind: fileKind === "symlink" ? "a symlink" : "a file",
        index: error.fileTree,
      },
      { dep: dirDep, kind: "a directory", index: error.dirTree },
    ].sort((a, b) => a.index - b.index);
    throw new FailureError(
      `dependencies ${kinds[0].dep.name} and ${kinds[1].dep.name} cannot be laid out together: ` +
        `${error.path} is ${kinds[0].kind} in ${kinds[0].dep.name} and ${kinds[1].kind} in ${
          kinds[1].dep.name
        }`,
      {
        hint: "a build's root never writes through a dependency's symlink; " +
          "make both provide the same kind of entry there, or depend on only one of them",
      },
    );
  }
}

/** The build writes into `path`: a dependency may provide it only as a directory. */
async function checkWritableDirectory(
  store: Store,
  deps: readonly DependencyTree[],
  union: string,
  path: string,
): Promise<void> {
  const type = await store.entryType(union, path);
  if (type === undefined || type === "directory") return;
  // The last dependency that has the path is the one whose entry the union kept.
  let provider: { dep: DependencyTree; type: EntryType } | undefined;
  for (const dep of deps) {
    const own = await store.entryType(dep.commit, path);
    if (own !== undefined) provider = { dep, type: own };
  }
  const name = provider?.dep.name ?? deps.map((dep) => dep.name).join(", ");
  throw new FailureError(
    `dependency ${name} provides ${path} as a ${type}, ` +
      `but the build writes into ${path}: it must be a directory`,
    { hint: `the dependency's own files belong under ${path}/, not a link to it` },
  );
}
