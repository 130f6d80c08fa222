/**
 * New trees made from trees already in the repository, without touching any file:
 * a subset of a tree (an output: some paths of the result) and the union of trees
 * (a bundle: several outputs). Only dirtree objects are written; files and
 * dirmetas are shared with the source trees. The union follows
 * `ostree commit --tree=ref=A --tree=ref=B`: later trees win for files and
 * directory metadata, and a file/directory clash is an error.
 *
 * @example
 * ```ts
 * declare const root: TreeRoot;
 * const bin = await subsetTree(".2nex/repo", root, ["usr/bin/m4"], new Set());
 * ```
 * @module
 */
import {
  compareEntries,
  type DirEntry,
  dirTreeBytes,
  type FileEntry,
  fromHex,
  type RawChecksum,
  toHex,
} from "./checksum.ts";
import { type DirTree, readDirTree, writeObject } from "./objects.ts";
import { FailureError } from "../util/mod.ts";

/** A directory of the repository: its dirtree and dirmeta checksums. */
export interface TreeRoot {
  tree: RawChecksum;
  meta: RawChecksum;
}

/** Which parts of a directory a subset keeps. */
interface Selection {
  /** The whole directory, everything under it. */
  whole: boolean;
  children: Map<string, Selection>;
}

const textEncoder = new TextEncoder();

/** Reads dirtrees once per operation. */
class TreeReader {
  #cache = new Map<string, Promise<DirTree>>();
  constructor(private readonly repo: string) {}
  read(checksum: RawChecksum): Promise<DirTree> {
    const key = toHex(checksum);
    let tree = this.#cache.get(key);
    if (tree === undefined) {
      tree = readDirTree(this.repo, checksum);
      this.#cache.set(key, tree);
    }
    return tree;
  }
}

/** Writes the dirtree of these entries and returns its checksum. */
async function storeDirTree(
  repo: string,
  files: Map<string, RawChecksum>,
  dirs: Map<string, TreeRoot>,
  unsynced: Set<string>,
): Promise<RawChecksum> {
  const fileEntries: FileEntry[] = [...files].map(([name, checksum]) => ({
    name,
    nameBytes: textEncoder.encode(name),
    checksum,
  }));
  const dirEntries: DirEntry[] = [...dirs].map(([name, root]) => ({
    name,
    nameBytes: textEncoder.encode(name),
    tree: root.tree,
    meta: root.meta,
  }));
  fileEntries.sort(compareEntries);
  dirEntries.sort(compareEntries);
  const hex = await writeObject(repo, "dirtree", dirTreeBytes(fileEntries, dirEntries), unsynced);
  return fromHex(hex);
}

/**
 * The tree holding only `paths` (relative, "/"-separated) of `root`, with their
 * parent directories (keeping their metadata). A path naming a directory keeps
 * everything under it. Throws FailureError for a path `root` does not have.
 */
export async function subsetTree(
  repo: string,
  root: TreeRoot,
  paths: Iterable<string>,
  unsynced: Set<string>,
): Promise<TreeRoot> {
  const selection: Selection = { whole: false, children: new Map() };
  for (const path of paths) {
    let node = selection;
    for (const segment of path.split("/")) {
      if (segment === "" || node.whole) continue;
      let child = node.children.get(segment);
      if (child === undefined) {
        child = { whole: false, children: new Map() };
        node.children.set(segment, child);
      }
      node = child;
    }
    node.whole = true;
    node.children.clear();
  }
  return await keep(repo, new TreeReader(repo), root, selection, "", unsynced);
}

async function keep(
  repo: string,
  reader: TreeReader,
  dir: TreeRoot,
  selection: Selection,
  path: string,
  unsynced: Set<string>,
): Promise<TreeRoot> {
  if (selection.whole) return dir;
  const source = await reader.read(dir.tree);
  const files = new Map<string, RawChecksum>();
  const dirs = new Map<string, TreeRoot>();
  for (const [name, child] of selection.children) {
    const childPath = path ? `${path}/${name}` : name;
    const file = source.files.get(name);
    const subdir = source.dirs.get(name);
    if (file !== undefined && child.whole) {
      files.set(name, file);
    } else if (subdir !== undefined) {
      dirs.set(name, await keep(repo, reader, subdir, child, childPath, unsynced));
    } else {
      throw new FailureError(`the tree has no ${file ? "directory" : "entry"} /${childPath}`);
    }
  }
  return { tree: await storeDirTree(repo, files, dirs, unsynced), meta: dir.meta };
}

/**
 * One tree has a file (or symlink) where another has a directory: the trees
 * cannot be combined without one of them reaching through the other's entry.
 */
export class TreeClashError extends FailureError {
  constructor(
    /** Absolute inside the trees, e.g. "/opt/evil". */
    readonly path: string,
    /** Index (in the roots given) of a tree with a file at `path`, and that file's checksum. */
    readonly fileTree: number,
    readonly file: string,
    /** Index of a tree with a directory at `path`. */
    readonly dirTree: number,
  ) {
    super(`cannot combine trees: ${path} is a file in one and a directory in another`);
  }
}

/**
 * The union of `roots`, later ones overlaying earlier ones. Throws TreeClashError
 * when one tree has a file where another has a directory.
 */
export async function unionTrees(
  repo: string,
  roots: TreeRoot[],
  unsynced: Set<string>,
): Promise<TreeRoot> {
  if (roots.length === 0) throw new FailureError("a union needs at least one tree");
  const indexed = roots.map((root, index) => ({ index, root }));
  return await merge(repo, new TreeReader(repo), indexed, "", unsynced);
}

async function merge(
  repo: string,
  reader: TreeReader,
  roots: Array<{ index: number; root: TreeRoot }>,
  path: string,
  unsynced: Set<string>,
): Promise<TreeRoot> {
  const meta = roots[roots.length - 1].root.meta;
  const distinct = new Set(roots.map(({ root }) => toHex(root.tree)));
  if (distinct.size === 1) return { tree: roots[0].root.tree, meta };
  const files = new Map<string, { index: number; checksum: RawChecksum }>();
  const subdirs = new Map<string, Array<{ index: number; root: TreeRoot }>>();
  for (const { index, root } of roots) {
    const tree = await reader.read(root.tree);
    for (const [name, checksum] of tree.files) {
      const dirs = subdirs.get(name);
      if (dirs) throw new TreeClashError(`${path}/${name}`, index, toHex(checksum), dirs[0].index);
      files.set(name, { index, checksum });
    }
    for (const [name, child] of tree.dirs) {
      const file = files.get(name);
      if (file) {
        throw new TreeClashError(`${path}/${name}`, file.index, toHex(file.checksum), index);
      }
      const list = subdirs.get(name) ?? [];
      list.push({ index, root: child });
      subdirs.set(name, list);
    }
  }
  const dirs = new Map<string, TreeRoot>();
  for (const [name, list] of subdirs) {
    dirs.set(name, await merge(repo, reader, list, `${path}/${name}`, unsynced));
  }
  const checksums = new Map([...files].map(([name, file]) => [name, file.checksum]));
  return { tree: await storeDirTree(repo, checksums, dirs, unsynced), meta };
}

/** A path that two or more trees fill differently: different files, or a file and a directory. */
export interface Collision {
  /** Absolute inside the trees, e.g. "/usr/bin/sh". */
  path: string;
  /** Indices of the trees that have something at `path`, in order; the last one wins a union. */
  trees: number[];
}

/**
 * The paths at which `roots` disagree, in sorted order, at most `limit` of
 * them. Identical files (same checksum) at the same path are no collision,
 * and subtrees that are identical in every tree are not walked.
 */
export async function findCollisions(
  repo: string,
  roots: TreeRoot[],
  limit = 100,
): Promise<Collision[]> {
  const found: Collision[] = [];
  const reader = new TreeReader(repo);
  const walk = async (entries: Array<{ index: number; tree: RawChecksum }>, path: string) => {
    if (new Set(entries.map((entry) => toHex(entry.tree))).size === 1) return;
    const files = new Map<string, Array<{ index: number; checksum: string }>>();
    const dirs = new Map<string, Array<{ index: number; tree: RawChecksum }>>();
    for (const { index, tree } of entries) {
      const listing = await reader.read(tree);
      for (const [name, checksum] of listing.files) {
        const list = files.get(name) ?? [];
        list.push({ index, checksum: toHex(checksum) });
        files.set(name, list);
      }
      for (const [name, child] of listing.dirs) {
        const list = dirs.get(name) ?? [];
        list.push({ index, tree: child.tree });
        dirs.set(name, list);
      }
    }
    const names = [...new Set([...files.keys(), ...dirs.keys()])].sort();
    for (const name of names) {
      if (found.length >= limit) return;
      const childPath = `${path}/${name}`;
      const asFiles = files.get(name) ?? [];
      const asDirs = dirs.get(name) ?? [];
      const differentFiles = new Set(asFiles.map((file) => file.checksum)).size > 1;
      if (differentFiles || (asFiles.length > 0 && asDirs.length > 0)) {
        const trees = [...asFiles, ...asDirs].map((entry) => entry.index).sort((a, b) => a - b);
        found.push({ path: childPath, trees: [...new Set(trees)] });
      } else if (asDirs.length > 1) {
        await walk(asDirs, childPath);
      }
    }
  };
  await walk(roots.map((root, index) => ({ index, tree: root.tree })), "");
  return found;
}
