/**
 * Stage 1 of a package build: assemble the build tree. Creates the
 * directories the sandbox will show (sources, work, out, script), links the
 * verified sources in, lays out the dependency root, decides the host-mode
 * mounts, and creates the log. Nothing runs yet; warnings (colliding
 * dependency files, hidden directories) are collected for the report.
 * @module
 */
import { dirname, join } from "node:path";
import type { Manifest } from "../manifest/mod.ts";
import { cachedPath, isPathSegment, sourceFileName } from "../source/mod.ts";
import { hostModeMounts, type SandboxRequest } from "../sandbox/mod.ts";
import { FailureError, linkOrCopyNew } from "../util/mod.ts";
import { fillInputsDir, type OriginalMode, prepareOriginalRoot } from "../original/mod.ts";
import { DEPENDENCY_ROOT, latestLogPath, packageLogDir } from "./layout.ts";
import { assembleDependencyRoot, HOST_MODE_WRITABLE } from "./dependency_root.ts";
import { describe } from "./describe.ts";
import type { BuildServices, DependencyResult } from "./types.ts";

/** The host paths of a build tree. */
export interface BuildTreeDirs {
  sources: string;
  work: string;
  out: string;
  /** The dependency root (DEPENDENCY_ROOT). */
  root: string;
  script: string;
  /** The original builder's /inputs (chroot mode). */
  inputs: string;
}

/** An assembled build tree: what the run stage hands the sandbox. */
export interface BuildTree {
  dirs: BuildTreeDirs;
  readOnlyMounts: SandboxRequest["readOnlyMounts"];
  writableMounts: SandboxRequest["writableMounts"];
  logPath: string;
  warnings: string[];
}

/** Fills `buildDir` (an empty directory) for a build of `manifest` and creates its log. */
export async function assembleBuildTree(
  manifest: Manifest,
  deps: DependencyResult[],
  services: Pick<BuildServices, "ws" | "store">,
  buildDir: string,
  original: OriginalMode | undefined,
  logName: string,
): Promise<BuildTree> {
  const { ws, store } = services;
  const dirs: BuildTreeDirs = {
    sources: join(buildDir, "sources"),
    work: join(buildDir, "work"),
    out: join(buildDir, "out"),
    root: join(buildDir, DEPENDENCY_ROOT),
    script: join(buildDir, "script"),
    inputs: join(buildDir, "inputs"),
  };
  await Promise.all(
    [dirs.sources, dirs.work, dirs.out].map((d) => Deno.mkdir(d, { recursive: true })),
  );
  await linkSources(manifest, ws.config.cache, dirs.sources);
  await Deno.writeTextFile(dirs.script, manifest.build.script);

  const readOnlyMounts: SandboxRequest["readOnlyMounts"] = [];
  const writableMounts: SandboxRequest["writableMounts"] = [];
  const warnings: string[] = [];
  if (original || deps.length > 0 || manifest.build.sandbox === "hermetic") {
    // Host mode and the original semantics copy (their roots are writable); hermetic
    // mode hardlinks, and the sandbox mounts the root read-only so no build can alter
    // the repository.
    await assembleDependencyRoot(store, deps, dirs.root, {
      hardlink: !original && manifest.build.sandbox === "hermetic",
      writableDir: !original && manifest.build.sandbox === "host" ? HOST_MODE_WRITABLE : undefined,
    });
    warnings.push(...await collisionWarnings(store, deps));
  }
  if (original) {
    warnings.push(...await prepareOriginalRoot(dirs.root, original));
    if (original === "chroot") {
      warnings.push(
        ...await fillInputsDir(
          dirs.inputs,
          manifest.sources.map((s) => ({
            name: s.name,
            fileName: sourceFileName(s),
            hostPath: cachedPath(ws.config.cache, s.sha256),
          })),
        ),
      );
    }
  } else if (manifest.build.sandbox === "host") {
    const host = await mountHostModeDependencies(dirs.root, deps.length > 0, buildDir);
    readOnlyMounts.push(...host.readOnlyMounts);
    writableMounts.push(...host.writableMounts);
    warnings.push(...host.warnings);
  }
  const logPath = join(packageLogDir(ws.config.cache, manifest.package), logName);
  await Deno.mkdir(join(logPath, ".."), { recursive: true });
  await Deno.writeTextFile(logPath, "");
  await pointLatestLog(ws.config.cache, manifest, logPath);
  return { dirs, readOnlyMounts, writableMounts, logPath, warnings };
}

/** Most colliding paths named per group of dependencies. */
const COLLISIONS_SHOWN = 5;
/** Most colliding paths looked for: past this, the warning says the count stopped. */
const COLLISIONS_COUNTED = 100;

/**
 * Paths that several dependencies provide with different contents: the union
 * of their trees keeps the last one's (see dependency_root.ts), and
 * the user learns which files were hidden instead of finding out in a broken
 * build.
 */
async function collisionWarnings(
  store: BuildServices["store"],
  deps: DependencyResult[],
): Promise<string[]> {
  if (deps.length < 2) return [];
  const collisions = await store.collisions(
    deps.map((dep) => dep.commit),
    COLLISIONS_COUNTED,
  );
  // Grouped by the dependencies involved, which the collision lists in order.
  const byDeps = new Map<string, { names: string[]; paths: string[] }>();
  for (const collision of collisions) {
    const names = collision.trees.map((index) => deps[index].name);
    const key = names.join(", ");
    const group = byDeps.get(key) ?? { names, paths: [] };
    group.paths.push(collision.path);
    byDeps.set(key, group);
  }
  return [...byDeps].map(([key, { names, paths }]) => {
    const shown = paths.slice(0, COLLISIONS_SHOWN).join(", ");
    const more = paths.length > COLLISIONS_SHOWN
      ? ` and ${paths.length - COLLISIONS_SHOWN} more`
      : "";
    return `dependencies ${key} provide different files at ${shown}${more}; the build sees ${
      names.at(-1)
    }'s`;
  }).concat(
    collisions.length >= COLLISIONS_COUNTED
      ? [`(only the first ${COLLISIONS_COUNTED} colliding paths counted)`]
      : [],
  );
}

/**
 * Host mode: the dependencies' top-level directories at their own paths,
 * read-only, except /bootstrap, which is writable (BOOTSTRAP_SYSROOT), and the
 * host's own /usr, /bin, /sbin, /lib, /lib64, which a dependency cannot replace.
 */
async function mountHostModeDependencies(
  depsRoot: string,
  hasDeps: boolean,
  buildDir: string,
): Promise<Pick<BuildTree, "readOnlyMounts" | "writableMounts" | "warnings">> {
  const bootstrap = join(hasDeps ? depsRoot : buildDir, HOST_MODE_WRITABLE);
  await makeOwnDirectory(bootstrap);
  await makeOwnDirectory(join(bootstrap, "tools"));
  const writableMounts = [{ hostPath: bootstrap, sandboxPath: HOST_MODE_WRITABLE }];
  if (!hasDeps) return { readOnlyMounts: [], writableMounts, warnings: [] };
  const names: string[] = [];
  for await (const entry of Deno.readDir(depsRoot)) names.push(entry.name);
  const { mounts, hidden } = hostModeMounts(depsRoot, names, HOST_MODE_WRITABLE);
  return {
    readOnlyMounts: mounts,
    writableMounts,
    warnings: hidden.map((name) => `host mode: a dependency's /${name} is hidden by the host's`),
  };
}

/**
 * Creates `path` unless something is there already: never through a symlink,
 * since only its last component may be missing and its parent was checked.
 * A parent that is anything but a real directory is an internal error: the
 * dependency root is checked for that before it is laid out.
 */
async function makeOwnDirectory(path: string): Promise<void> {
  const parent = await Deno.lstat(dirname(path));
  if (!parent.isDirectory) {
    throw new FailureError(`internal error: ${dirname(path)} is not a directory`);
  }
  try {
    await Deno.mkdir(path);
  } catch (error) {
    if (!(error instanceof Deno.errors.AlreadyExists)) throw error;
  }
}

/**
 * Hardlinks (or, across file systems, copies) each verified source into
 * `<dir>/<name>/<file name>`, both single path segments, never writing
 * through anything already there (see linkOrCopyNew).
 */
async function linkSources(manifest: Manifest, cacheDir: string, dir: string): Promise<void> {
  for (const source of manifest.sources) {
    if (!isPathSegment(source.name)) {
      // Validation refuses such names; this guards the build tree against any other caller.
      throw new FailureError(`source name ${JSON.stringify(source.name)} is no directory name`);
    }
    const target = join(dir, source.name);
    await Deno.mkdir(target);
    try {
      await linkOrCopyNew(
        cachedPath(cacheDir, source.sha256),
        join(target, sourceFileName(source)),
      );
    } catch (error) {
      if (error instanceof Deno.errors.NotFound) {
        throw new FailureError(
          `source ${source.name} of ${describe(manifest)} is not in the cache`,
          {
            hint: "run `2nex fetch` first",
          },
        );
      }
      throw error;
    }
  }
}

/**
 * Makes `latest.log` of a package the same file as `logPath` (a hard link: the
 * log is only ever appended to), atomically. Not a symlink: Deno lets a process
 * whose write permission is limited to some paths make none.
 */
async function pointLatestLog(
  cacheDir: string,
  manifest: Manifest,
  logPath: string,
): Promise<void> {
  const latest = latestLogPath(
    cacheDir,
    manifest.package.slug,
    manifest.package.version,
    manifest.package.flavor,
  );
  const temp = `${latest}.${crypto.randomUUID()}`;
  await Deno.link(logPath, temp);
  await Deno.rename(temp, latest);
}
