/**
 * The filesystem a sandbox shows, as an ordered list of steps that both
 * helpers carry out on an empty tmpfs root: bwrap translates them into its
 * options, the unshare setup script into mount calls. Building the list is pure
 * (the directory listings it needs are read by `readTopLevel`), so the layout
 * is unit-tested without namespaces.
 * @module
 */
import { FailureError } from "../util/mod.ts";
import { SandboxPaths } from "./env.ts";
import type { Mount, SandboxRequest } from "./types.ts";
import { HOST_SYSTEM_DIRS } from "./host_dirs.ts";

/** One step of building the sandbox's root; paths are inside the sandbox. */
export type LayoutStep =
  | { kind: "dir"; path: string; mode: string }
  | { kind: "ro-bind"; source: string; path: string }
  | { kind: "bind"; source: string; path: string }
  | { kind: "dev-bind"; source: string; path: string }
  | { kind: "symlink"; target: string; path: string }
  | { kind: "tmpfs"; path: string; mode: string }
  | { kind: "proc"; path: string }
  | { kind: "dev"; path: string }
  | { kind: "remount-ro"; path: string };

/** A top-level entry of a directory, as `readTopLevel` finds it. */
export type TopLevelEntry =
  | { name: string; type: "dir" | "file" }
  | { name: string; type: "symlink"; target: string };

/** Where `inputsDir` is shown. */
const INPUTS_PATH = "/inputs";

/** Top-level names the sandbox itself provides; a root's entries of these names are hidden. */
const SANDBOX_OWNED = new Set(["2nex", "tmp", "dev", "proc"]);

/**
 * Top-level names a writable root must not hold: the sandbox mounts there, and
 * a helper making a mount point must not follow a symlink a dependency put there.
 */
export const WRITABLE_ROOT_RESERVED = [...SANDBOX_OWNED, INPUTS_PATH.slice(1)] as const;

/** What a host-mode build sees of its dependency root: `mounts`, and the entries the host's hide. */
export interface HostModeMounts {
  /** Read-only, each top-level entry at its own path. */
  mounts: Mount[];
  /** Top-level names the host's system directories hide (each worth a warning). */
  hidden: string[];
}

/**
 * Host mode: which top-level entries (`names`, in the order given) of the
 * dependency root `depsRoot` the sandbox shows at their own paths, read-only.
 * The host's system directories (HOST_SYSTEM_DIRS) stay the host's, so a
 * dependency's are hidden; names the sandbox provides itself are left out,
 * and so is `writable` (e.g. /bootstrap), which the caller mounts writable.
 */
export function hostModeMounts(
  depsRoot: string,
  names: readonly string[],
  writable: string,
): HostModeMounts {
  const result: HostModeMounts = { mounts: [], hidden: [] };
  const root = depsRoot.replace(/\/+$/, "");
  for (const name of names) {
    if (`/${name}` === writable) continue;
    if ((HOST_SYSTEM_DIRS as readonly string[]).includes(name)) {
      result.hidden.push(name);
      continue;
    }
    if (SANDBOX_OWNED.has(name)) continue;
    result.mounts.push({ hostPath: `${root}/${name}`, sandboxPath: `/${name}` });
  }
  return result;
}

/**
 * Lists the top-level entries of `dir` (only `names` when given, skipping missing
 * ones), sorted by name. Sockets, fifos and devices are left out.
 */
export async function readTopLevel(
  dir: string,
  names?: readonly string[],
): Promise<TopLevelEntry[]> {
  const candidates = names ? [...names] : [];
  if (!names) {
    for await (const entry of Deno.readDir(dir)) candidates.push(entry.name);
  }
  const entries: TopLevelEntry[] = [];
  for (const name of candidates.sort()) {
    const path = `${dir.replace(/\/+$/, "")}/${name}`;
    let info: Deno.FileInfo;
    try {
      info = await Deno.lstat(path);
    } catch (error) {
      if (error instanceof Deno.errors.NotFound) continue;
      throw error;
    }
    if (info.isSymlink) entries.push({ name, type: "symlink", target: await Deno.readLink(path) });
    else if (info.isDirectory) entries.push({ name, type: "dir" });
    else if (info.isFile) entries.push({ name, type: "file" });
  }
  return entries;
}

/**
 * The steps that build the sandbox of `request`. `rootEntries` are the top-level
 * entries of `request.rootDir` (hermetic) or of the host's `/` limited to
 * HOST_SYSTEM_DIRS (host mode). `symlinkedMounts` maps the host paths of extra
 * mounts that are symlinks to their targets; those are recreated as symlinks.
 * Throws FailureError for mounts that would cover what the sandbox provides.
 */
export function sandboxLayout(
  request: Pick<
    SandboxRequest,
    | "mode"
    | "rootDir"
    | "readOnlyMounts"
    | "writableMounts"
    | "sourcesDir"
    | "workDir"
    | "outDir"
    | "scriptPath"
    | "writableRoot"
    | "inputsDir"
    | "consoleDevice"
  >,
  rootEntries: readonly TopLevelEntry[],
  symlinkedMounts: ReadonlyMap<string, string> = new Map(),
): LayoutStep[] {
  const steps: LayoutStep[] = [];
  const base = request.mode === "hermetic" ? requireRootDir(request.rootDir) : "";
  if (request.writableRoot) {
    // The whole root, writable, below everything else the sandbox mounts.
    steps.push({ kind: "bind", source: requireRootDir(request.rootDir), path: "/" });
  }
  for (const entry of rootEntries) {
    if (SANDBOX_OWNED.has(entry.name)) continue;
    if (request.writableRoot && request.mode === "hermetic") break;
    if (request.mode === "host" && !(HOST_SYSTEM_DIRS as readonly string[]).includes(entry.name)) {
      continue;
    }
    const path = `/${entry.name}`;
    if (entry.type === "symlink") steps.push({ kind: "symlink", target: entry.target, path });
    else steps.push({ kind: "ro-bind", source: `${base}/${entry.name}`, path });
  }

  if (request.inputsDir !== undefined) {
    steps.push({ kind: "ro-bind", source: request.inputsDir, path: INPUTS_PATH });
  }
  if (request.mode === "hermetic") {
    if (request.readOnlyMounts.length > 0 || request.writableMounts.length > 0) {
      throw new FailureError(
        "internal error: extra mounts are only for host-mode sandboxes; a hermetic root holds every dependency",
      );
    }
  }
  // Parent directories are created explicitly (mode 0755) so that both helpers show the same tree.
  const made = new Set<string>();
  const extra = (kind: "ro-bind" | "bind", mount: Mount) => {
    checkExtraMount(mount);
    const parts = mount.sandboxPath.split("/").slice(1, -1);
    for (let depth = 1; depth <= parts.length; depth++) {
      const parent = `/${parts.slice(0, depth).join("/")}`;
      if (!made.has(parent)) steps.push({ kind: "dir", path: parent, mode: "0755" });
      made.add(parent);
    }
    const target = symlinkedMounts.get(mount.hostPath);
    // A dependency's top-level symlink stays a symlink: binding it would follow it on the host.
    if (target !== undefined) steps.push({ kind: "symlink", target, path: mount.sandboxPath });
    else steps.push({ kind, source: mount.hostPath, path: mount.sandboxPath });
  };
  for (const mount of request.readOnlyMounts) extra("ro-bind", mount);
  for (const mount of request.writableMounts) extra("bind", mount);

  steps.push(
    { kind: "dir", path: "/2nex", mode: "0755" },
    { kind: "ro-bind", source: request.sourcesDir, path: SandboxPaths.sources },
    { kind: "bind", source: request.workDir, path: SandboxPaths.work },
    { kind: "bind", source: request.outDir, path: SandboxPaths.out },
    { kind: "ro-bind", source: request.scriptPath, path: SandboxPaths.script },
    { kind: "tmpfs", path: "/tmp", mode: "1777" },
    { kind: "dev", path: "/dev" },
    // /dev itself read-only; POSIX shared memory needs a writable /dev/shm.
    { kind: "tmpfs", path: "/dev/shm", mode: "1777" },
  );
  if (request.consoleDevice) {
    steps.push({ kind: "dev-bind", source: "/dev/null", path: "/dev/console" });
  }
  steps.push({ kind: "remount-ro", path: "/dev" }, { kind: "proc", path: "/proc" });
  if (!request.writableRoot) steps.push({ kind: "remount-ro", path: "/" });
  return steps;
}

function requireRootDir(rootDir: string | undefined): string {
  if (!rootDir) {
    throw new FailureError("internal error: a hermetic sandbox needs a rootDir");
  }
  return rootDir.replace(/\/+$/, "");
}

/** Paths a dependency mount may neither be nor lie under: the host's system directories and what the sandbox owns. */
const RESERVED = [...HOST_SYSTEM_DIRS, ...SANDBOX_OWNED, INPUTS_PATH.slice(1)].map((name) =>
  `/${name}`
);

function checkExtraMount(mount: Mount): void {
  const path = mount.sandboxPath;
  const normalised = path.startsWith("/") && path.length > 1 && !path.endsWith("/") &&
    path.split("/").slice(1).every((part) => part !== "" && part !== "." && part !== "..");
  if (!normalised) {
    throw new FailureError(
      `internal error: sandbox mount path "${path}" is not an absolute, normalised path`,
    );
  }
  const covered = RESERVED.find((reserved) => path === reserved || path.startsWith(`${reserved}/`));
  if (covered) {
    throw new FailureError(
      `a dependency cannot be mounted at ${path}: ${covered} is provided by the sandbox`,
      { hint: "host-mode dependencies live in their own top-level directories, e.g. /bootstrap" },
    );
  }
}
