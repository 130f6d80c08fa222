/**
 * What 2nex's own code may touch for one command line: the Deno permissions of
 * the worker that runs the command (launch.ts). A pure function of the parsed
 * command line and the workspace's paths, so that tests can see every set.
 *
 * The sets follow the product's promise: 2nex writes only the workspace's
 * repository and cache, its private temporary directory and the paths the
 * command line names; it reads those, the workspace, the mirror directories, and
 * on the host only the system directories host mode mounts and the tools it looks for; it has network only for commands that fetch.
 * Programs it runs (ostree, bwrap, …) are outside Deno's reach: the sandbox, not
 * these permissions, is what confines a build.
 * @module
 */
import { dirname, resolve } from "node:path";

/**
 * Environment variables 2nex itself reads (the yaml library reads the LOG_ ones).
 * Named here rather than imported from their modules, which the launcher would
 * then load for nothing; a unit test checks the list against them.
 */
export const ENV_VARIABLES = [
  "PATH",
  "NO_COLOR",
  "TMPDIR",
  "TWONEX_LOAD_THREADS",
  "LOG_TOKENS",
  "LOG_STREAM",
  // node-build names its job directory after the Slurm job.
  "SLURM_JOB_ID",
] as const;

/**
 * The options of any command that take a value (the others are flags), so that
 * the launcher can tell positionals without loading the commands' modules. A
 * unit test keeps this equal to the commands' own option tables.
 */
export const VALUE_OPTIONS = {
  workspace: { type: "string", short: "C" },
  repo: { type: "string" },
  flavor: { type: "string" },
  format: { type: "string" },
  package: { type: "string" },
  jobs: { type: "string", short: "j" },
  rounds: { type: "string" },
  vary: { type: "string" },
  "no-vary": { type: "string" },
  output: { type: "string" },
  algorithm: { type: "string" },
  key: { type: "string" },
  executor: { type: "string" },
} as const;

/** Options whose value is a file 2nex reads (`eval --package`, `publish --key`). */
const READ_OPTIONS = ["package", "key"] as const;

/** Commands that download sources or substitutes (unless --offline). */
const FETCHING_COMMANDS = new Set(["fetch", "vendor", "build", "node-build"]);

/**
 * What each command's positionals are, for every command 2nex has (a unit test
 * checks the list against the command table, so a new command must say): paths
 * it reads (selectors too, which may be manifest paths), no paths at all, or
 * paths it reads of which one, at `writes`, it also writes. A command missing
 * here runs with the permissions of no command.
 */
export const POSITIONALS: Record<string, "read" | "none" | { writes: number }> = {
  init: { writes: 0 },
  lint: "read",
  show: "read",
  graph: "read",
  "why-depends": "read",
  eval: "none",
  fetch: "read",
  vendor: { writes: 0 },
  build: "read",
  hash: "read",
  checkout: { writes: 1 },
  log: "read",
  diff: "read",
  gc: "none",
  // `key generate FILE`
  key: { writes: 1 },
  publish: { writes: 0 },
  provenance: "read",
  "node-build": "read",
  doctor: "none",
  completions: "none",
};

/** Commands that write the Slurm executor's cache. */
const EXECUTOR_COMMANDS = new Set(["build", "node-build"]);

/** Commands that ask the kernel about file systems (free space: statfs, a `sys` permission). */
const STATFS_COMMANDS = new Set(["doctor"]);

/** A selector that names a manifest file rather than a slug. */
const MANIFEST_FILE = /\.ya?ml$/;

/** Where rounds put a work directory on tmpfs when disorderfs is not available (repro/). */
export const SHM_DIR = "/dev/shm";

/** The paths of the workspace that the permissions name. */
export interface WorkspacePaths {
  root: string;
  repo: string;
  cache: string;
  /** Mirror directories (URL mirrors are not paths). */
  mirrorDirs: string[];
  /** Directory substituters and the Slurm executor's cache, key and node directory. */
  sharedPaths: string[];
  /**
   * What `build` and `node-build` write for the Slurm executor: its signed cache
   * (the submitting build starts it, jobs publish to it) and the node directory.
   */
  executorWrites: string[];
  manifestDirs: string[];
  /** The repository does not exist yet: it is created next to itself, atomically. */
  repoMissing: boolean;
}

/** Everything the permission sets depend on. */
export interface PermissionInput {
  /** Undefined for `--help`, `--version` or a command line that does not parse. */
  command?: string;
  positionals: string[];
  options: Record<string, string | boolean | string[] | undefined>;
  cwd: string;
  workspace: WorkspacePaths;
  /** The private temporary directory of this run. */
  tempDir: string;
  /**
   * 2nex's own files, when it runs from them: lib/ (read to fingerprint the
   * manifest cache) and deno.json (whose task a Slurm job runs).
   */
  codePaths: string[];
  /** The running executable (deno, or the compiled 2nex). */
  executable: string;
  /**
   * The outermost missing directory on the way to `path` (`path` itself when its
   * parent exists): what 2nex creates to write a path the command line names.
   */
  createdBy(path: string): string;
  /** Host files and directories 2nex looks at: system directories host mode mounts, tools. */
  hostPaths: string[];
}

/** Allow-lists; absent kinds (run, sys, ffi, import) follow launch.ts's rules. */
export interface CommandPermissions {
  read: string[];
  write: string[];
  env: string[];
  net: boolean;
  /** The parent's `sys` grant (deno.json: statfs only), for the commands that need it. */
  sys: boolean;
}

/** The permissions of `input`'s command. */
export function commandPermissions(input: PermissionInput): CommandPermissions {
  const { command, workspace: ws, cwd } = input;
  const at = (path: string) => resolve(cwd, path);
  const write = new Set<string>([input.tempDir]);
  const read = new Set<string>([input.tempDir, input.executable, ...input.hostPaths]);
  for (const path of input.codePaths) read.add(path);
  // findWorkspaceRoot looks for 2nex.yaml in every directory upward of cwd.
  for (let dir = resolve(cwd);; dir = dirname(dir)) {
    read.add(resolve(dir, "2nex.yaml"));
    if (dirname(dir) === dir) break;
  }
  const positionals = command === undefined ? undefined : POSITIONALS[command];
  if (command === undefined || positionals === undefined) return finish(read, write, false, false);

  for (const path of [ws.root, ...ws.manifestDirs, ...ws.mirrorDirs, ...ws.sharedPaths]) {
    read.add(path);
  }
  if (EXECUTOR_COMMANDS.has(command)) {
    for (const path of ws.executorWrites) write.add(path);
  }
  for (const path of [ws.repo, ws.cache]) {
    read.add(path);
    write.add(path);
  }
  if (ws.repoMissing) write.add(dirname(ws.repo));

  const pathPositionals = positionals === "none" ? [] : input.positionals.map(at);
  for (const path of pathPositionals) read.add(path);
  if (typeof positionals === "object") {
    // `init` without DIR writes the workspace itself.
    const target = pathPositionals[positionals.writes] ??
      (command === "init" ? ws.root : undefined);
    if (target !== undefined) {
      read.add(target);
      write.add(input.createdBy(target));
    }
  }
  for (const name of READ_OPTIONS) {
    const value = input.options[name];
    if (typeof value === "string") read.add(at(value));
  }

  if (command === "build") {
    if (input.options["update-hash"]) {
      // The edited manifests: in the workspace's manifest directories, or named by path.
      const named = pathPositionals.filter((path) => MANIFEST_FILE.test(path));
      for (const path of [...ws.manifestDirs, ...named]) write.add(path);
    }
    if (input.options.check || input.options.rounds !== undefined) write.add(SHM_DIR);
  }
  const net = FETCHING_COMMANDS.has(command) && !input.options.offline;
  return finish(read, write, net, STATFS_COMMANDS.has(command));
}

function finish(
  read: Set<string>,
  write: Set<string>,
  net: boolean,
  sys: boolean,
): CommandPermissions {
  return { read: [...read].sort(), write: [...write].sort(), env: [...ENV_VARIABLES], net, sys };
}

/**
 * A parent's answer to "may the worker have this kind for exactly these paths
 * (or, with none, all of it)?".
 */
export type ParentGrants = (name: "read" | "write" | "env" | "net", paths?: string[]) => boolean;

/**
 * Deno's worker permission options for `wanted`. A worker may not hold more than
 * its parent: where the parent (run with narrower flags than 2nex's own, e.g. a
 * test's `--deny-read=FILE` inside the workspace) does not grant a wanted path
 * in full, the worker inherits the parent's narrower grant of that kind instead.
 */
export function workerPermissions(
  wanted: CommandPermissions,
  parentGrants: ParentGrants,
): Deno.PermissionOptionsObject {
  const list = (name: "read" | "write" | "env", entries: string[]) =>
    parentGrants(name, entries) ? entries : "inherit" as const;
  return {
    read: list("read", wanted.read),
    write: list("write", wanted.write),
    env: list("env", wanted.env),
    net: wanted.net ? "inherit" : false,
    // The parent's own list of programs (deno.json), already narrow.
    run: "inherit",
    sys: wanted.sys ? "inherit" : false,
    ffi: false,
    import: false,
  };
}

/**
 * ParentGrants of the running process. A kind can be partly denied even under a
 * plain --allow-write: Deno denies writing the programs --allow-run lists; so
 * each wanted entry is asked for on its own.
 */
export function currentParentGrants(
  name: "read" | "write" | "env" | "net",
  entries: string[] = [],
): boolean {
  const granted = (status: Deno.PermissionStatus) => status.state === "granted" && !status.partial;
  if (entries.length === 0) return granted(Deno.permissions.querySync({ name }));
  return entries.every((entry) =>
    granted(Deno.permissions.querySync(
      name === "env" ? { name, variable: entry } : name === "net" ? { name, host: entry } : {
        name,
        path: entry,
      },
    ))
  );
}
