/**
 * Where a workspace keeps its state under the cache directory.
 * @module
 */
import { join } from "node:path";
import { unshareHardLinks } from "../util/mod.ts";

export interface CacheLayout {
  /** Build trees of running (or kept failed) builds. */
  builds: string;
  logs: string;
  reports: string;
  lock: string;
  /** Held (shared) by every process 2nex starts while it holds `lock` (lib/util/child_lock.ts). */
  childrenLock: string;
  /** Loaded manifests, keyed by path and content (lib/manifest/cache.ts). */
  manifests: string;
  /** The refs and result records the last build read (lib/store/ref_snapshot.ts). */
  refSnapshot: string;
  /** The sandbox helpers that passed their probe on this host (lib/sandbox/probe_memo.ts). */
  sandboxProbe: string;
}

export function cacheLayout(cacheDir: string): CacheLayout {
  return {
    builds: join(cacheDir, "builds"),
    logs: join(cacheDir, "logs"),
    reports: join(cacheDir, "reports"),
    lock: join(cacheDir, "lock"),
    childrenLock: join(cacheDir, "children.lock"),
    manifests: join(cacheDir, "manifests.json"),
    refSnapshot: join(cacheDir, "ref-snapshot"),
    sandboxProbe: join(cacheDir, "sandbox-probe.json"),
  };
}

/** The directory of a package's build logs: one per input key (and round), and `latest.log`. */
export function packageLogDir(
  cacheDir: string,
  pkg: { slug: string; version: string; flavor: string },
): string {
  return join(cacheLayout(cacheDir).logs, pkg.slug, pkg.version, pkg.flavor.replaceAll("/", "_"));
}

/** The log of a package's latest build. */
export function latestLogPath(
  cacheDir: string,
  slug: string,
  version: string,
  flavor: string,
): string {
  return join(packageLogDir(cacheDir, { slug, version, flavor }), "latest.log");
}

/** A marker file in a build tree kept by --keep-failed; trees without it are leftovers of killed runs. */
export const KEEP_MARKER = ".2nex-kept";

/** The directory of a build tree that holds the dependencies (lib/build/dependency_root.ts). */
export const DEPENDENCY_ROOT = "root";

/**
 * Marks a build tree as kept on purpose, so the next run does not clean it up.
 * A hermetic build's dependency root hard-links the repository's files (the
 * sandbox shows them read-only); a kept tree is there for people to look into
 * and change, so it gets copies of its own first.
 */
export async function markKept(buildDir: string): Promise<void> {
  await unshareHardLinks(join(buildDir, DEPENDENCY_ROOT));
  await Deno.writeTextFile(join(buildDir, KEEP_MARKER), "");
}
