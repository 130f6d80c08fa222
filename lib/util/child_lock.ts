/**
 * Keeps the workspace busy until the last process 2nex started for it is gone,
 * even when 2nex itself is killed with SIGKILL.
 *
 * The workspace lock (lock.ts) is an flock held by 2nex alone: Deno opens every
 * file close-on-exec, so children cannot inherit it, and the kernel frees it the
 * moment 2nex dies. A child such as `ostree commit` would then go on writing the
 * repository for seconds while the next 2nex already holds the lock. So, while
 * a workspace is locked, each child (except the short ones `run` is told are
 * harmless to outlive 2nex: `unguarded` in process.ts) is started as
 *
 *     setpriv --pdeathsig KILL -- flock --shared CHILDREN_LOCK \
 *       setpriv --pdeathsig KILL -- PROGRAM ARGS…
 *
 * flock(1) takes a shared lock on a second file and passes that descriptor on to
 * PROGRAM; each setpriv makes its process die with its parent. When 2nex dies,
 * flock is killed, then PROGRAM; the shared lock goes away only when PROGRAM has
 * exited and closed the descriptor, however long its last system call takes.
 * The next 2nex, once it holds the workspace lock, takes the children lock
 * exclusively (and drops it at once): that waits for every such leftover.
 *
 * Why not parent-death signals alone: the kernel frees 2nex's locks before it
 * signals its children, and a killed process finishes its current system call
 * (say a large write or fsync) first, so the lock would be free while a child
 * still writes.
 * @module
 */

/** Where the children lock of the workspace locked by this process lives, if any. */
let childrenLock: string | undefined;

/** Starts (path) or stops (undefined) guarding the children this process starts. */
export function guardChildrenWith(path: string | undefined): void {
  childrenLock = path;
}

/** The exit code setpriv(1) and flock(1) use when they cannot execute their program. */
export const CANNOT_EXECUTE = 127;

/**
 * `argv` behind the guard described above, or `argv` itself when no workspace
 * is locked. A program that detaches (a FUSE daemon) must not be guarded: it
 * would hold the children lock for as long as it runs.
 */
export function guardedArgv(argv: string[]): string[] {
  if (childrenLock === undefined) return argv;
  return [
    "setpriv",
    "--pdeathsig",
    "KILL",
    "--",
    "flock",
    "--shared",
    childrenLock,
    "setpriv",
    "--pdeathsig",
    "KILL",
    "--",
    ...argv,
  ];
}

/**
 * Waits until no process started under the children lock at `path` (by an
 * earlier, killed 2nex) is left. Call it while holding the workspace lock.
 * `onWait` is called once if it has to wait.
 */
export async function waitForLeftoverChildren(path: string, onWait?: () => void): Promise<void> {
  const file = await Deno.open(path, { read: true, write: true, create: true });
  try {
    const timer = setTimeout(() => onWait?.(), 200);
    try {
      await file.lock(true);
    } finally {
      clearTimeout(timer);
    }
    file.unlockSync();
  } finally {
    file.close();
  }
}
