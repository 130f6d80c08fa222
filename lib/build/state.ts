/**
 * Exclusive use of a workspace's repository and caches by one 2nex process:
 * the lock, the repository, and the clean-up of leftovers of killed runs.
 * @module
 */
import { join } from "node:path";
import type { Workspace } from "../workspace/mod.ts";
import { RefSnapshot, Store } from "../store/mod.ts";
import {
  acquireLock,
  guardChildrenWith,
  removeTree,
  waitForLeftoverChildren,
} from "../util/mod.ts";
import { cacheLayout, KEEP_MARKER } from "./layout.ts";
import { cleanTemp } from "../source/mod.ts";

export interface WorkspaceState {
  store: Store;
  /** What this run reads of the refs and result records; saved by release for the next run. */
  snapshot: RefSnapshot;
  release(): void;
}

/** Locks the workspace, opens (creating) the repository and removes leftovers of killed runs. */
export async function openWorkspaceState(
  ws: Workspace,
  out: { info(text: string): void },
): Promise<WorkspaceState> {
  const layout = cacheLayout(ws.config.cache);
  const lock = await acquireLock(
    layout.lock,
    () => out.info(`waiting for another 2nex process (lock ${layout.lock})`),
  );
  let snapshot: RefSnapshot | undefined;
  const release = () => {
    snapshot?.save();
    guardChildrenWith(undefined);
    lock.release();
  };
  try {
    // A killed 2nex's lock is free at once, but what it started may still be writing.
    await waitForLeftoverChildren(
      layout.childrenLock,
      () => out.info(`waiting for processes of a killed 2nex to end (lock ${layout.childrenLock})`),
    );
    guardChildrenWith(layout.childrenLock);
    const store = await Store.open(ws.config.repo, { create: true });
    snapshot = RefSnapshot.open(layout.refSnapshot, store.path);
    store.useSnapshot(snapshot);
    await removeLeftoverBuilds(layout.builds);
    await cleanTemp(ws.config.cache, { minAgeMs: 0 });
    return { store, snapshot, release };
  } catch (error) {
    release();
    throw error;
  }
}

/** Build trees not kept on purpose belong to runs that were killed: we hold the lock, so none is in use. */
async function removeLeftoverBuilds(buildsDir: string): Promise<void> {
  let entries: Deno.DirEntry[];
  try {
    entries = await Array.fromAsync(Deno.readDir(buildsDir));
  } catch {
    return;
  }
  for (const entry of entries) {
    const path = join(buildsDir, entry.name);
    try {
      await Deno.lstat(join(path, KEEP_MARKER));
    } catch {
      await removeTree(path);
    }
  }
}
