/**
 * Checks a committed tree out of the bare-user-only repository natively, as
 * `ostree checkout -U` does, with no process spawned: directories are created
 * private, filled, then given their recorded mode (minus the bits ostree drops
 * in user mode: setuid, setgid, sticky, world-write); files are hardlinks to
 * the objects (which are plain files and symlinks in this mode) or copies;
 * a copying checkout still links symlinks, which cannot change in place.
 * Like ostree, a hardlinked checkout's directories get mtime 0 (the objects
 * already have it), so a checkout looks the same every time; copies keep the
 * time they were made.
 *
 * @example
 * ```ts
 * import type { TreeRoot } from "./compose.ts";
 * declare const root: TreeRoot;
 * await checkoutTree("/repo", root, "/tmp/dest", { hardlink: undefined });
 * ```
 * @module
 */
import { be32, toHex, Yielder } from "./checksum.ts";
import type { TreeRoot } from "./compose.ts";
import { decodeDirTree, objectPath } from "./objects.ts";
import { decodeVariant } from "./gvariant.ts";
import { FailureError, makeSymlink } from "../util/mod.ts";

/** Options of {@link checkoutTree}. */
export interface TreeCheckoutOptions {
  /**
   * true: hardlinks or fail; false: copies, safe to modify; undefined:
   * hardlinks, copies where a link is impossible (another file system).
   */
  hardlink?: boolean;
}

/** Mode bits a user-mode checkout keeps on directories (ostree masks with 0775). */
const DIR_MODE_BITS = 0o775;
/** Mode bits a user-mode checkout drops from files: setuid and setgid. */
const FILE_DROPPED_BITS = 0o6000;

/** Writes the tree `root` into `dest`, which must not exist (its parent must). */
export async function checkoutTree(
  repo: string,
  root: TreeRoot,
  dest: string,
  opts: TreeCheckoutOptions,
): Promise<void> {
  const walk = new CheckoutWalk(repo, opts);
  await walk.dir(root, dest);
}

class CheckoutWalk {
  readonly #yielder = new Yielder();
  /** Dirmeta modes by checksum: a tree has few distinct ones. */
  readonly #modes = new Map<string, number>();

  constructor(private readonly repo: string, private readonly opts: TreeCheckoutOptions) {}

  async dir(root: TreeRoot, dest: string): Promise<void> {
    const mode = this.#dirMode(root.meta);
    const tree = decodeDirTree(this.#read(toHex(root.tree), "dirtree"));
    // Private until complete, so nobody writes into a half checkout.
    Deno.mkdirSync(dest, { mode: 0o700 });
    for (const [name, checksum] of tree.files) {
      await this.#yielder.tick();
      await this.#file(toHex(checksum), `${dest}/${name}`);
    }
    for (const [name, child] of tree.dirs) await this.dir(child, `${dest}/${name}`);
    Deno.chmodSync(dest, mode & DIR_MODE_BITS);
    if (this.opts.hardlink !== false) Deno.utimeSync(dest, 0, 0);
  }

  async #file(checksum: string, dest: string): Promise<void> {
    const object = objectPath(this.repo, checksum, "file");
    if (this.opts.hardlink !== false) {
      try {
        // On a symlink object this links the symlink itself (linkat without follow).
        Deno.linkSync(object, dest);
        return;
      } catch (error) {
        if (error instanceof Deno.errors.NotFound) throw missing("file", checksum);
        if (this.opts.hardlink === true) {
          throw new FailureError(
            `cannot hardlink ${dest} to the repository: ${(error as Error).message}`,
            { hint: "check out onto the repository's file system, or ask for a copy" },
          );
        }
      }
    }
    let info: Deno.FileInfo;
    try {
      info = Deno.lstatSync(object);
    } catch (error) {
      if (error instanceof Deno.errors.NotFound) throw missing("file", checksum);
      throw error;
    }
    if (info.isSymlink) {
      // A symlink cannot be modified in place: a link to the object is as good
      // as a copy, and Deno makes no symlink under path-scoped permissions.
      try {
        Deno.linkSync(object, dest);
      } catch {
        await makeSymlink(Deno.readLinkSync(object), dest);
      }
      return;
    }
    Deno.copyFileSync(object, dest);
    Deno.chmodSync(dest, (info.mode ?? 0o644) & 0o7777 & ~FILE_DROPPED_BITS);
  }

  #dirMode(meta: Uint8Array): number {
    const checksum = toHex(meta);
    let mode = this.#modes.get(checksum);
    if (mode === undefined) {
      const [, , raw] = decodeVariant("(uuua(ayay))", this.#read(checksum, "dirmeta")) as number[];
      mode = be32(raw);
      this.#modes.set(checksum, mode);
    }
    return mode;
  }

  #read(checksum: string, type: "dirtree" | "dirmeta"): Uint8Array {
    try {
      return Deno.readFileSync(objectPath(this.repo, checksum, type));
    } catch (error) {
      if (error instanceof Deno.errors.NotFound) throw missing(type, checksum);
      throw error;
    }
  }
}

function missing(type: string, checksum: string): FailureError {
  return new FailureError(`the repository has no ${type} ${checksum}`, {
    hint: "run `ostree fsck` on the repository; rebuild what it reports",
  });
}
