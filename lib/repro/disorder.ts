/**
 * Directory-listing order varied through disorderfs: a FUSE filesystem that shows a
 * directory's entries in a shuffled order on every listing. The host mounts the
 * round's real work directory through it, and the build engine hands the mount point
 * to the sandbox as the work directory: a plain bind mount, so the sandbox needs
 * nothing new. Checked here: works as root and as an unprivileged user (through the
 * setuid fusermount3), seen from inside bwrap's user namespace.
 *
 * @example
 * ```ts
 * import { detectTools } from "./detect.ts";
 * const tools = await detectTools();
 * const mount = await mountDisorder(tools, "/cache/rounds/2/work-real", "/cache/rounds/2/work");
 * try {
 *   console.log([...Deno.readDirSync(mount.mountPoint)]);
 * } finally {
 *   await mount.unmount();
 * }
 * ```
 * @module
 */
import { FailureError, run } from "../util/mod.ts";
import type { DetectedTools } from "./detect.ts";

/** A live disorderfs mount. */
export interface DisorderMount {
  /** What to use as the work directory: the real directory's content in shuffled order. */
  mountPoint: string;
  /** Where the files really are; still there after unmounting (e.g. for --keep-failed). */
  realDir: string;
  /** Unmounts; safe to call twice. */
  unmount(): Promise<void>;
}

const MOUNT_TIMEOUT_MS = 15_000;

/**
 * Mounts `realDir` at `mountPoint` (both created if missing) with shuffled listing
 * order. Throws FailureError when disorderfs or fusermount is missing or the mount fails.
 */
export async function mountDisorder(
  tools: DetectedTools,
  realDir: string,
  mountPoint: string,
): Promise<DisorderMount> {
  const { disorderfs, fusermount } = tools;
  if (!disorderfs || !fusermount) {
    throw new FailureError("cannot vary listing order: disorderfs or FUSE is not available", {
      hint: "install disorderfs and fuse3, or switch the variation off with --no-vary=disorder",
    });
  }
  await Deno.mkdir(realDir, { recursive: true });
  await Deno.mkdir(mountPoint, { recursive: true });
  // disorderfs daemonises once the mount is in place, so the call returns when it is usable.
  await run([disorderfs, "--quiet", "--shuffle-dirents=yes", realDir, mountPoint], {
    timeoutMs: MOUNT_TIMEOUT_MS,
    detaches: true,
  });
  let mounted = true;
  return {
    mountPoint,
    realDir,
    async unmount() {
      if (!mounted) return;
      const result = await run([fusermount, "-u", mountPoint], {
        check: false,
        timeoutMs: MOUNT_TIMEOUT_MS,
      });
      if (result.code !== 0) {
        // A process that outlived the build may still hold a file open; detach lazily so
        // the mount goes away as soon as it lets go.
        await run([fusermount, "-u", "-z", mountPoint], { timeoutMs: MOUNT_TIMEOUT_MS });
      }
      mounted = false;
    },
  };
}

/**
 * Whether disorderfs really works here: mounts an empty scratch directory, lists it
 * and unmounts. Nothing cheaper can tell (a container may have disorderfs but no
 * /dev/fuse, and Deno may not look at /dev), and a build round should not be the first
 * to find out. Call
 * once per run, before planning rounds; `scratch` is created and removed.
 */
export async function probeDisorder(tools: DetectedTools, scratch: string): Promise<boolean> {
  let mount: DisorderMount | undefined;
  try {
    if (!tools.disorderfs || !tools.fusermount) return false;
    mount = await mountDisorder(tools, `${scratch}/real`, `${scratch}/mnt`);
    for await (const _ of Deno.readDir(mount.mountPoint)) {
      // Listing an empty directory through the mount proves it answers.
    }
    return true;
  } catch {
    return false;
  } finally {
    await mount?.unmount().catch(() => {});
    await Deno.remove(scratch, { recursive: true }).catch(() => {});
  }
}
