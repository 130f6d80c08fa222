/**
 * An exclusive lock on a workspace, so two 2nex processes cannot write its
 * repository and caches at once. It is an advisory flock(2) on a file: the
 * kernel drops it when the process dies, even by SIGKILL, so a killed 2nex
 * never leaves a stale lock.
 *
 * @example
 * ```ts
 * const lock = await acquireLock("/ws/.2nex/lock", () => console.error("waiting"));
 * try {
 *   await Deno.writeTextFile("/ws/.2nex/state", "busy");
 * } finally {
 *   lock.release();
 * }
 * ```
 * @module
 */
import { dirname } from "node:path";
import { guardIo } from "./io_error.ts";

export interface Lock {
  release(): void;
}

/** Takes the lock, waiting for another holder; `onWait` is called once if it has to wait. */
export async function acquireLock(path: string, onWait?: () => void): Promise<Lock> {
  const file = await guardIo("opening the workspace lock", path, async () => {
    await Deno.mkdir(dirname(path), { recursive: true });
    return await Deno.open(path, { read: true, write: true, create: true });
  });
  const locking = file.lock(true);
  const timer = setTimeout(() => onWait?.(), 200);
  try {
    await locking;
  } finally {
    clearTimeout(timer);
  }
  return {
    release() {
      try {
        file.unlockSync();
      } finally {
        file.close();
      }
    },
  };
}
