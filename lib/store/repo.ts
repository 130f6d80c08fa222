/**
 * The ostree repository where 2nex keeps build results (SPEC section 6).
 *
 * Everything on the build path is read and written here directly, with no
 * process: file objects of a committed directory (write_tree.ts), commits,
 * dirtrees, dirmetas and refs (objects.ts, compose.ts), checkouts
 * (checkout.ts) and the repository's creation. A cached build of hundreds of
 * packages must not spawn a process per lookup, and a build must not need the
 * `ostree` program. Output hashes of directories are computed natively (see
 * checksum.ts), equal to what `ostree show` prints as `ContentChecksum:`.
 * The `ostree` program is still used off the build path: `fsck` and `gc`.
 *
 * Why this file is over 400 lines: `Store` is the one door to the repository
 * (commit, refs, checkout, lookups, fsck, gc) so that callers never learn its
 * layout; each method is short and the larger work lives in the modules named
 * above.
 *
 * Every write is a temporary file plus rename, so a killed 2nex leaves the
 * repository consistent (`ostree fsck` clean).
 *
 * @example
 * ```ts
 * import { inputKeyRef, packageRefs } from "./refs.ts";
 * const key = "b0d8bd2c4ac1f0a1e1d1cf8a7cb1edab5f3b3e52e6e0d23f0bc27aeb2b0c8a17";
 * const id = { arch: "x86_64", slug: "m4", version: "1.4.19", flavor: "main" };
 * const store = await Store.open(".2nex/repo", { create: true });
 * const { commit, contentChecksum } = await store.commit("out", {
 *   subject: "m4 1.4.19", metadata: { "2nex.input-key": key }, timestamp: 1704067200,
 * });
 * await store.setRefs({ [packageRefs(id).tree]: commit, [inputKeyRef(key)]: commit });
 * ```
 * @module
 */
import { basename, dirname } from "node:path";
import {
  asIoError,
  asToolIoError,
  FailureError,
  InvalidInputError,
  removeTree,
  run,
} from "../util/mod.ts";
import { contentChecksumOf, hashTree } from "./checksum.ts";
import { checkoutTree } from "./checkout.ts";
import { writeTree } from "./write_tree.ts";
import type { FileChecksums } from "./file_checksums.ts";
import {
  type Collision,
  findCollisions,
  subsetTree,
  type TreeRoot,
  unionTrees,
} from "./compose.ts";
import {
  type CommitObject,
  encodeCommit,
  hasObject,
  objectPath,
  readCommitObject,
  readDirTree,
  renameInto,
  syncPaths,
  TEMP_PREFIX,
  toHex,
  writeObject,
  writeTemp,
} from "./objects.ts";
import { INPUT_KEY_PREFIX, refProblem, validateRef } from "./refs.ts";
import { type RefSnapshot, removeDeadRefWriteMarkers, withRefWriteMarker } from "./ref_snapshot.ts";

/** What a new commit carries besides its tree. */
export interface CommitOptions {
  /** Also point this ref at the commit. Without it the commit is an orphan until setRefs. */
  ref?: string;
  subject: string;
  body?: string;
  /** String metadata, e.g. `2nex.input-key`, `2nex.output-hash`, `2nex.manifest`, `2nex.version`. */
  metadata: Record<string, string>;
  /** Commit time in seconds since the epoch (SOURCE_DATE_EPOCH). */
  timestamp: number;
  /**
   * Also record the commit's own content checksum under this metadata key (for
   * native commits, whose tree is known only here).
   */
  contentChecksumKey?: string;
}

/** Options of {@link Store.commit}. */
export interface DirectoryCommitOptions extends CommitOptions {
  /**
   * Move files into the repository where that is safe (one link, same file
   * system) instead of copying them, like `ostree commit --consume`: no copy of
   * the content, but `dir` is gone afterwards.
   */
  consume?: boolean;
  /**
   * Checksums a {@link Store.hashDirectory} of `dir` noted: the files it saw,
   * unchanged since, are stored without being read again.
   */
  files?: FileChecksums;
}

/** A commit and its content checksum (the output hash of its tree). */
export interface CommitResult {
  commit: string;
  contentChecksum: string;
}

/** Options of {@link Store.open}. */
export interface StoreOpenOptions {
  /** Create the repository (mode bare-user-only) when it is missing. */
  create?: boolean;
  /**
   * Flush writes to disk before they become visible (default true). Without it a
   * killed process still leaves a consistent repository, but a power cut may not.
   */
  fsync?: boolean;
}

/** Options of {@link Store.checkout}. */
export interface CheckoutOptions {
  /**
   * true: hardlinks to the repository's objects or fail (like `--require-hardlinks`);
   * false: copies (like `--force-copy`), safe to modify; undefined: hardlinks when possible.
   * Hardlinked files must never be modified: they are the repository's objects.
   */
  hardlink?: boolean;
}

/** What a path of a committed tree is. */
export type EntryType = "directory" | "file" | "symlink";

/** Staging leftovers older than this are removed by gc. */
const STALE_TEMP_MS = 60 * 60 * 1000;

const HEX64 = /^[0-9a-f]{64}$/;

/** An ostree repository in mode bare-user-only. */
export class Store {
  /** Objects written natively and not yet flushed; setRefs flushes them first. */
  readonly #unsynced = new Set<string>();
  /** What the last run read of the refs, when the caller attached it (a build run). */
  #snapshot: RefSnapshot | undefined;

  private constructor(
    /** The repository directory. */
    readonly path: string,
    private readonly fsync: boolean,
  ) {}

  /**
   * Opens the repository at `path`; with `create`, initialises it when missing
   * (in a temporary directory beside it, then a rename, so an interrupted init
   * never leaves a half repository).
   */
  static async open(path: string, opts: StoreOpenOptions = {}): Promise<Store> {
    const store = new Store(path.replace(/\/+$/, "") || "/", opts.fsync ?? true);
    const mode = await readRepoMode(store.path);
    if (mode === undefined) {
      if (!opts.create) {
        throw new FailureError(`no 2nex repository at ${path}`, {
          hint: "run `2nex init` to create it",
        });
      }
      await initAtomically(store.path);
    } else if (mode !== "bare-user-only") {
      throw new FailureError(`the repository at ${path} has mode ${mode}`, {
        hint: "2nex needs an ostree repository of mode bare-user-only",
      });
    }
    return store;
  }

  /**
   * Commits the directory `dir` as `ostree commit --canonical-permissions
   * --no-xattrs` would, with the timestamp and string metadata given. Written
   * natively (see write_tree.ts): no process runs.
   */
  async commit(dir: string, opts: DirectoryCommitOptions): Promise<CommitResult> {
    checkCommitOptions(opts);
    const root = await writeTree(this.path, dir, {
      consume: opts.consume ?? false,
      fsync: this.fsync,
      unsynced: this.#unsynced,
      files: opts.files,
    }).catch((error) => {
      throw asIoError(error, "committing to the repository", this.path);
    });
    if (opts.consume) await removeTree(dir);
    return await this.#writeCommit(root, opts);
  }

  /**
   * Commits the part of commit `base` made of `paths` (relative paths of files,
   * symlinks or directories, as listed by an output plan) — the commit of an
   * output. No file is copied and no process runs; the result equals an
   * `ostree commit` of a directory holding just those paths.
   */
  async commitPaths(
    base: string,
    paths: Iterable<string>,
    opts: CommitOptions,
  ): Promise<CommitResult> {
    checkCommitOptions(opts);
    const root = await this.#root(base);
    const subset = await subsetTree(this.path, root, paths, this.#unsynced);
    return await this.#writeCommit(subset, opts);
  }

  /**
   * Commits the union of `commits`, later ones overlaying earlier ones — the
   * commit of a bundle. Like `ostree commit --tree=ref=A --tree=ref=B`, with no
   * process and no file copied.
   */
  async commitUnion(commits: string[], opts: CommitOptions): Promise<CommitResult> {
    checkCommitOptions(opts);
    const roots = await Promise.all(commits.map((commit) => this.#root(commit)));
    const union = await unionTrees(this.path, roots, this.#unsynced);
    return await this.#writeCommit(union, opts);
  }

  /**
   * Where the trees of `commits` disagree (different files, or a file and a
   * directory, at one path): what a union checkout of them in this order
   * would silently overwrite. At most `limit` paths.
   */
  async collisions(commits: string[], limit?: number): Promise<Collision[]> {
    const roots = await Promise.all(commits.map((commit) => this.#root(commit)));
    return await findCollisions(this.path, roots, limit);
  }

  /**
   * What the tree of `commit` holds at `path` (absolute, "/"-separated), read
   * from its dirtrees without checking anything out and without following a
   * symlink at any step: undefined when nothing is there.
   */
  async entryType(commit: string, path: string): Promise<EntryType | undefined> {
    let dir = (await this.#root(commit)).tree;
    const names = path.split("/").filter((name) => name !== "");
    for (const [depth, name] of names.entries()) {
      const tree = await readDirTree(this.path, dir);
      const subdir = tree.dirs.get(name);
      if (subdir !== undefined) {
        if (depth === names.length - 1) return "directory";
        dir = subdir.tree;
        continue;
      }
      const file = tree.files.get(name);
      if (file === undefined || depth < names.length - 1) return undefined;
      // bare-user-only keeps a symlink's object as a symlink.
      const info = await Deno.lstat(objectPath(this.path, toHex(file), "file"));
      return info.isSymlink ? "symlink" : "file";
    }
    return "directory";
  }

  async #root(commit: string): Promise<TreeRoot> {
    const object = await this.readCommit(commit);
    return { tree: object.rootTree, meta: object.rootMeta };
  }

  async #writeCommit(root: TreeRoot, opts: CommitOptions): Promise<CommitResult> {
    const metadata = opts.contentChecksumKey === undefined ? opts.metadata : {
      ...opts.metadata,
      [opts.contentChecksumKey]: contentChecksumOf(root.tree, root.meta),
    };
    const bytes = encodeCommit({
      metadata,
      subject: opts.subject,
      body: opts.body,
      timestamp: opts.timestamp,
      rootTree: root.tree,
      rootMeta: root.meta,
    });
    const commit = await writeObject(this.path, "commit", bytes, this.#unsynced);
    return await this.#finish(commit, opts.ref);
  }

  async #finish(commit: string, ref: string | undefined): Promise<CommitResult> {
    const { contentChecksum } = await this.readCommit(commit);
    if (ref !== undefined) await this.setRefs({ [ref]: commit });
    return { commit, contentChecksum };
  }

  /** Subject, body, timestamp, string metadata and root of a commit. */
  async readCommit(commit: string): Promise<CommitObject> {
    if (!HEX64.test(commit)) throw new InvalidInputError(`"${commit}" is not a commit checksum`);
    return await readCommitObject(this.path, commit);
  }

  /** Exactly what `ostree show` prints on the commit's `ContentChecksum:` line. */
  async contentChecksum(commit: string): Promise<string> {
    return (await this.readCommit(commit)).contentChecksum;
  }

  /** The commit's string metadata. */
  async readMetadata(commit: string): Promise<Record<string, string>> {
    return (await this.readCommit(commit)).metadata;
  }

  /** True when the repository holds this commit. */
  async hasCommit(commit: string): Promise<boolean> {
    return HEX64.test(commit) && await hasObject(this.path, commit, "commit");
  }

  /**
   * The output hash `dir` would get as a build result: the content checksum of a
   * commit of it with `--canonical-permissions --no-xattrs`, computed without
   * writing anything. Note that the mode of `dir` itself is part of the hash.
   * With `files`, notes each file's checksum there for a commit of `dir` (`files`
   * of {@link DirectoryCommitOptions}).
   */
  async hashDirectory(dir: string, files?: FileChecksums): Promise<string> {
    return (await hashTree(dir, false, {}, files)).contentChecksum;
  }

  /**
   * Answers ref lookups from `snapshot` while it is trusted, and records in it
   * the refs read and written from now on; the caller saves it.
   */
  useSnapshot(snapshot: RefSnapshot): void {
    this.#snapshot = snapshot;
  }

  /** The commit `ref` points at, or undefined. Reads the ref file; no process. */
  resolveRef(ref: string): Promise<string | undefined> {
    try {
      return Promise.resolve(this.resolveRefSync(ref));
    } catch (error) {
      return Promise.reject(error);
    }
  }

  /**
   * {@link resolveRef} without the promise: synchronous on purpose, since a
   * 65-byte read costs less than an async op's round trip (cache lookups of
   * hundreds of packages).
   */
  resolveRefSync(ref: string): string | undefined {
    // The snapshot holds only names that passed refProblem when they were read.
    const known = this.#snapshot?.ref(ref);
    if (known !== undefined) return known ?? undefined;
    if (refProblem(ref) !== undefined) return undefined;
    const commit = this.#readRef(ref);
    this.#snapshot?.noteRef(ref, commit ?? null);
    return commit;
  }

  #readRef(ref: string): string | undefined {
    let text: string;
    try {
      text = Deno.readTextFileSync(`${this.path}/refs/heads/${ref}`);
    } catch (error) {
      if (error instanceof Deno.errors.NotFound || error instanceof Deno.errors.IsADirectory) {
        return undefined;
      }
      // A ref that is a prefix of others is a directory: reading it fails with EISDIR.
      if (error instanceof Error && /EISDIR|directory/i.test(error.message)) return undefined;
      throw error;
    }
    const commit = text.trim();
    return HEX64.test(commit) ? commit : undefined;
  }

  /**
   * Points each ref at its commit (which must exist). Each ref file is replaced
   * atomically; refs under `2nex/inputs/` are written last, so a cache index entry
   * never exists without the package refs it stands for. With fsync, the objects
   * the refs reach and the refs themselves are flushed in two batched rounds,
   * not one flush per file: the objects with the new ref files (still under
   * temporary names), then, after the renames, the ref directories.
   */
  async setRefs(refs: Record<string, string>): Promise<void> {
    const entries = Object.entries(refs);
    for (const [ref, commit] of entries) {
      validateRef(ref);
      if (!await this.hasCommit(commit)) {
        throw new FailureError(`cannot point ${ref} at ${commit}: no such commit`);
      }
    }
    const objects = this.fsync ? [...this.#unsynced] : [];
    const isIndex = ([ref]: [string, string]) => ref.startsWith(INPUT_KEY_PREFIX);
    const ordered = [...entries.filter((e) => !isIndex(e)), ...entries.filter(isIndex)];
    const heads = `${this.path}/refs/heads`;
    const encoder = new TextEncoder();
    // The new ref files stay invisible under temporary names until the renames
    // below, so they are written and flushed in the same round as the objects.
    const [written, flushed] = await Promise.allSettled([
      Promise.all(ordered.map(async ([ref, commit]) => {
        await Deno.mkdir(dirname(`${heads}/${ref}`), { recursive: true }).catch((error) => {
          throw refWriteError(ref, error);
        });
        return await writeTemp(this.path, encoder.encode(`${commit}\n`), this.fsync);
      })),
      objects.length > 0
        ? syncPaths([...objects, ...new Set(objects.map((path) => dirname(path)))])
        : undefined,
    ]);
    if (flushed.status === "rejected") {
      if (written.status === "fulfilled") {
        await Promise.all(written.value.map((temp) => Deno.remove(temp).catch(() => {})));
      }
      throw flushed.reason;
    }
    if (written.status === "rejected") throw written.reason;
    const temps = written.value;
    for (const path of objects) this.#unsynced.delete(path);
    await withRefWriteMarker(this.path, async () => {
      for (let i = 0; i < ordered.length; i++) {
        const [ref, commit] = ordered[i];
        await renameInto(temps[i], `${heads}/${ref}`).catch((error) => {
          throw refWriteError(ref, error);
        });
        this.#snapshot?.wroteRef(ref, commit);
      }
    });
    if (this.fsync) await syncPaths(new Set(ordered.map(([ref]) => dirname(`${heads}/${ref}`))));
  }

  /** Removes a ref (a missing ref is fine), and parent directories left empty. */
  async deleteRef(ref: string): Promise<void> {
    validateRef(ref);
    const heads = `${this.path}/refs/heads`;
    const removed = await withRefWriteMarker(this.path, async () => {
      try {
        await Deno.remove(`${heads}/${ref}`);
        this.#snapshot?.wroteRef(ref, null);
        return true;
      } catch (error) {
        if (error instanceof Deno.errors.NotFound) return false;
        throw error;
      }
    });
    if (!removed) return;
    let dir = dirname(ref);
    while (dir !== "." && dir !== "/") {
      try {
        await Deno.remove(`${heads}/${dir}`);
      } catch {
        break; // Not empty: other refs live here.
      }
      dir = dirname(dir);
    }
  }

  /** All refs (or those starting with `prefix`) and their commits. No process. */
  async listRefs(prefix = ""): Promise<Record<string, string>> {
    const heads = `${this.path}/refs/heads`;
    // Walk only the deepest directory the prefix fully names.
    const slash = prefix.lastIndexOf("/");
    const start = slash < 0 ? "" : prefix.slice(0, slash);
    if (start !== "" && refProblem(start) !== undefined) return {};
    const found: Record<string, string> = {};
    const walk = async (relative: string): Promise<void> => {
      let entries: Deno.DirEntry[];
      try {
        entries = await Array.fromAsync(Deno.readDir(relative ? `${heads}/${relative}` : heads));
      } catch (error) {
        if (error instanceof Deno.errors.NotFound) return;
        throw error;
      }
      for (const entry of entries) {
        const ref = relative ? `${relative}/${entry.name}` : entry.name;
        if (entry.isDirectory) {
          if (ref.startsWith(prefix) || prefix.startsWith(`${ref}/`)) await walk(ref);
        } else if (ref.startsWith(prefix)) {
          const commit = await this.resolveRef(ref);
          if (commit !== undefined) found[ref] = commit;
        }
      }
    };
    await walk(start);
    return Object.fromEntries(Object.entries(found).sort(([a], [b]) => (a < b ? -1 : 1)));
  }

  /**
   * Writes a commit (or the commit a ref points at) into `dest`, which must not
   * exist, in user mode. There is no checkout into an existing directory: one
   * over another opens the later tree's directories through the earlier one's
   * symlinks; check out a union commit ({@link commitUnion}) instead.
   */
  async checkout(commitOrRef: string, dest: string, opts: CheckoutOptions = {}): Promise<void> {
    let commit = commitOrRef;
    if (!HEX64.test(commitOrRef)) {
      validateRef(commitOrRef);
      const resolved = this.resolveRefSync(commitOrRef);
      if (resolved === undefined) throw new FailureError(`no ref ${commitOrRef} in ${this.path}`);
      commit = resolved;
    }
    const root = await this.#root(commit);
    await createParent(dest);
    await checkoutTree(this.path, root, dest, { hardlink: opts.hardlink }).catch((error) => {
      throw asIoError(error, "checking out into", dest);
    });
  }

  /** Runs `ostree fsck`; ok when it finds nothing wrong. */
  async fsck(): Promise<{ ok: boolean; output: string }> {
    const result = await run(["ostree", "fsck", `--repo=${this.path}`], { check: false });
    return { ok: result.code === 0, output: (result.stdout + result.stderr).trim() };
  }

  /**
   * Deletes objects no ref reaches (`ostree prune --refs-only`) and stale
   * temporary files of interrupted writes. Must not run while a build of the same
   * repository is between its commit and its setRefs.
   */
  async gc(): Promise<PruneSummary> {
    const { stdout } = await run(["ostree", "prune", `--repo=${this.path}`, "--refs-only"])
      .catch((error) => {
        throw asToolIoError(error, "pruning the repository", this.path);
      });
    const staleTemporaries = await this.#removeStaleTemporaries() +
      removeDeadRefWriteMarkers(this.path);
    return { ...parsePrune(stdout), staleTemporaries };
  }

  /** Removes our temporary files and ostree staging dirs nobody touched for an hour. */
  async #removeStaleTemporaries(): Promise<number> {
    const tmp = `${this.path}/tmp`;
    let removed = 0;
    for await (const entry of Deno.readDir(tmp)) {
      const ours = entry.name.startsWith(TEMP_PREFIX);
      const staging = entry.name.startsWith("staging-");
      if (!ours && !staging) continue;
      try {
        const info = await Deno.lstat(`${tmp}/${entry.name}`);
        const age = Date.now() - (info.mtime?.getTime() ?? Date.now());
        if (age < STALE_TEMP_MS) continue;
        await Deno.remove(`${tmp}/${entry.name}`, { recursive: true });
        removed++;
      } catch (error) {
        if (!(error instanceof Deno.errors.NotFound)) throw error;
      }
    }
    return removed;
  }
}

function refWriteError(ref: string, error: unknown): FailureError {
  return new FailureError(`cannot write ref ${ref}: ${(error as Error).message}`, {
    hint: "a ref cannot also be the prefix of another ref",
  });
}

function checkCommitOptions(opts: CommitOptions): void {
  if (!Number.isSafeInteger(opts.timestamp) || opts.timestamp < 0) {
    throw new InvalidInputError(`commit timestamp ${opts.timestamp} is not a time in seconds`);
  }
  for (const key of Object.keys(opts.metadata)) {
    if (key === "" || key.includes("=")) {
      throw new InvalidInputError(`metadata key "${key}" must be non-empty and without "="`);
    }
  }
  if (opts.ref !== undefined) validateRef(opts.ref);
}

/** The `mode=` of the repository's config, or undefined when there is no repository. */
async function readRepoMode(path: string): Promise<string | undefined> {
  let config: string;
  try {
    config = await Deno.readTextFile(`${path}/config`);
  } catch (error) {
    if (error instanceof Deno.errors.NotFound) return undefined;
    throw error;
  }
  return /^mode\s*=\s*(\S+)\s*$/m.exec(config)?.[1] ?? "bare";
}

async function initAtomically(path: string): Promise<void> {
  const parent = dirname(path);
  await Deno.mkdir(parent, { recursive: true });
  const temp = await Deno.makeTempDir({ dir: parent, prefix: `.${basename(path)}.init-` });
  try {
    await initRepository(temp);
    await Deno.chmod(temp, 0o755);
    try {
      // Replaces `path` only when it is missing or an empty directory.
      await Deno.rename(temp, path);
    } catch (error) {
      if (await readRepoMode(path) !== undefined) return; // Someone else created it first.
      throw new FailureError(
        `cannot create the repository at ${path}: ${(error as Error).message}`,
        { hint: "the directory exists and is not empty; choose another path" },
      );
    }
  } finally {
    await Deno.remove(temp, { recursive: true }).catch(() => {});
  }
}

/** The directories of a new repository, as `ostree init` makes them. */
const REPO_DIRS = [
  "tmp",
  "extensions",
  "state",
  "refs",
  "refs/heads",
  "refs/mirrors",
  "refs/remotes",
  "objects",
];

/** Lays out an empty bare-user-only repository in the existing directory `path`. */
async function initRepository(path: string): Promise<void> {
  for (const dir of REPO_DIRS) await Deno.mkdir(`${path}/${dir}`, { mode: 0o755 });
  await Deno.writeTextFile(`${path}/config`, "[core]\nrepo_version=1\nmode=bare-user-only\n");
}

/** What `Store.gc` removed. */
export interface PruneSummary {
  /** Objects in the repository before pruning (ostree's count), when it said. */
  totalObjects: number | null;
  deletedObjects: number;
  /** ostree's own words for the space freed, e.g. "1.2 MB"; null when nothing was deleted. */
  freed: string | null;
  /** Temporary files of interrupted writes that were removed. */
  staleTemporaries: number;
}

/**
 * Reads `ostree prune`'s report: "Total objects: N" and "Deleted N objects,
 * SIZE freed", or "No unreachable objects".
 */
export function parsePrune(text: string): Omit<PruneSummary, "staleTemporaries"> {
  const total = /Total objects:\s*(\d+)/.exec(text);
  const deleted = /Deleted (\d+) objects?, (.+?) freed/.exec(text);
  return {
    totalObjects: total ? Number(total[1]) : null,
    deletedObjects: deleted ? Number(deleted[1]) : 0,
    freed: deleted ? deleted[2] : null,
  };
}

/**
 * Creates the missing directories above `path`. 2nex may be allowed to write a
 * path the command line names but not the existing directory it lies in (the
 * launcher grants exactly the directories it will create), and Deno refuses even
 * a no-op mkdir there: that refusal means the parent exists.
 */
async function createParent(path: string): Promise<void> {
  try {
    await Deno.mkdir(dirname(path), { recursive: true });
  } catch (error) {
    if (!(error instanceof Deno.errors.NotCapable)) throw error;
  }
}
