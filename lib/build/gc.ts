/**
 * `2nex gc`: what Nix users expect of garbage collection. The roots are the
 * packages' refs (`ARCH/SLUG/…`); a cache-index ref `2nex/inputs/KEY` whose
 * result no package ref holds any more (an older build of a changed manifest)
 * is dropped with its index record; then ostree prunes unreachable objects.
 * Sources no manifest of the workspace names, leftover build trees and stale
 * downloads are removed too.
 * @module
 */
import { join } from "node:path";
import { INPUT_KEY_PREFIX, type PruneSummary, type Store } from "../store/mod.ts";
import { ResultIndex } from "./results.ts";
import { cacheLayout } from "./layout.ts";
import { removeTree } from "../util/mod.ts";
import { sourcesDir } from "../source/mod.ts";

export interface GcSummary {
  inputRefsRemoved: number;
  sourcesRemoved: number;
  buildTreesRemoved: number;
  prune: PruneSummary;
}

/** Collects garbage; the caller holds the workspace lock. */
export async function collectGarbage(
  store: Store,
  cacheDir: string,
  neededSources: Set<string>,
): Promise<GcSummary> {
  const refs = await store.listRefs();
  const rooted = new Set(
    Object.entries(refs).filter(([ref]) => !ref.startsWith(INPUT_KEY_PREFIX)).map(([, commit]) =>
      commit
    ),
  );
  const index = new ResultIndex(cacheDir);
  let inputRefsRemoved = 0;
  for (const [ref, commit] of Object.entries(refs)) {
    if (!ref.startsWith(INPUT_KEY_PREFIX) || rooted.has(commit)) continue;
    await store.deleteRef(ref);
    await index.remove(ref.slice(INPUT_KEY_PREFIX.length));
    inputRefsRemoved++;
  }
  const prune = await store.gc();
  const sourcesRemoved = await removeUnneededSources(cacheDir, neededSources);
  const buildTreesRemoved = await removeAll(cacheLayout(cacheDir).builds);
  return { inputRefsRemoved, sourcesRemoved, buildTreesRemoved, prune };
}

async function removeUnneededSources(cacheDir: string, needed: Set<string>): Promise<number> {
  const dir = join(sourcesDir(cacheDir), "sha256");
  let removed = 0;
  try {
    for await (const entry of Deno.readDir(dir)) {
      if (!needed.has(entry.name)) {
        await Deno.remove(join(dir, entry.name));
        removed++;
      }
    }
  } catch (error) {
    if (!(error instanceof Deno.errors.NotFound)) throw error;
  }
  return removed;
}

async function removeAll(dir: string): Promise<number> {
  let removed = 0;
  try {
    for await (const entry of Deno.readDir(dir)) {
      await removeTree(join(dir, entry.name));
      removed++;
    }
  } catch (error) {
    if (!(error instanceof Deno.errors.NotFound)) throw error;
  }
  return removed;
}
