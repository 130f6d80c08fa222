/**
 * The launcher: the process's own permissions (deno.json's `2nex` task, or the
 * flags compiled into the binary) are broad, because which paths a command needs
 * depends on its command line. So the launcher reads the command line and the
 * workspace's 2nex.yaml, computes the exact sets (permissions.ts), and runs the
 * command in a worker that holds only those: a bug in 2nex's own code that tries
 * to write elsewhere meets Deno's permission error.
 *
 * The launcher itself prints nothing and decides nothing: any error in the
 * command line or the workspace is left for the worker's command code to
 * report, with the permissions of a command that touches no workspace.
 * @module
 */
import { fileURLToPath } from "node:url";
import { delimiter, dirname, resolve } from "node:path";
import { parseArgs } from "node:util";
import {
  commandPermissions,
  currentParentGrants,
  type PermissionInput,
  VALUE_OPTIONS,
  workerPermissions,
  type WorkspacePaths,
} from "./permissions.ts";
import {
  type ConfigPaths,
  configPathsOf,
  findWorkspaceRoot,
  readConfigPaths,
} from "../workspace/light.ts";
import { libfaketimeCandidates } from "../repro/light.ts";
import { HOST_SYSTEM_DIRS } from "../sandbox/light.ts";
import type { WorkerRequest, WorkerResult } from "./worker.ts";

/** Runs `argv` in a worker with the permissions its command needs; returns the exit code. */
export async function launch(argv: string[]): Promise<number> {
  const tempDir = await Deno.makeTempDir({ prefix: "2nex-run-" });
  // 2nex's own temporary files (Deno.makeTempDir, the sandbox probe) go here,
  // the only place outside the workspace a command may write without naming it.
  Deno.env.set("TMPDIR", tempDir);
  try {
    const input = await permissionInput(argv, Deno.cwd(), tempDir);
    const permissions = workerPermissions(commandPermissions(input), currentParentGrants);
    const helpers = await hashHelpers(input);
    try {
      return await runWorker(argv, permissions, helpers.ports);
    } finally {
      for (const worker of helpers.workers) worker.terminate();
    }
  } finally {
    await Deno.remove(tempDir, { recursive: true }).catch(() => {});
  }
}

/** What the permissions depend on; never throws for a bad command line or workspace. */
export async function permissionInput(
  argv: string[],
  cwd: string,
  tempDir: string,
): Promise<PermissionInput> {
  const parsed = parseQuietly(argv);
  const globals = parsed?.options ?? {};
  const root = parsed?.command === "init"
    ? resolve(cwd, parsed.positionals[0] ?? (globals.workspace as string | undefined) ?? ".")
    : typeof globals.workspace === "string"
    ? resolve(cwd, globals.workspace)
    : await findWorkspaceRoot(cwd);
  const workspace = await workspacePaths(root, globals.repo, cwd);
  return {
    command: parsed?.command,
    positionals: parsed?.positionals ?? [],
    options: globals,
    cwd,
    workspace,
    tempDir,
    codePaths: codePaths(),
    executable: Deno.execPath(),
    createdBy: outermostMissing,
    hostPaths: [
      // Host mode mounts these; 2nex looks at what they are (directory or symlink).
      ...HOST_SYSTEM_DIRS.map((name) => `/${name}`),
      // Where optional tools are looked for (repro/detect.ts).
      ...(Deno.env.get("PATH") ?? "").split(delimiter).filter((dir) => dir.startsWith("/")),
      ...libfaketimeCandidates(),
    ],
  };
}

/**
 * The command and its arguments, read leniently: only the options that take a
 * value need to be known (to tell their values from positionals); an unknown
 * option or a bad command line is for the command code to report. The command
 * modules are not loaded here: they double the start-up time of the launcher.
 */
function parseQuietly(
  argv: string[],
): { command: string; positionals: string[]; options: PermissionInput["options"] } | undefined {
  try {
    const { positionals, values } = parseArgs({
      args: argv,
      options: VALUE_OPTIONS,
      allowPositionals: true,
      strict: false,
    });
    const [command, ...rest] = positionals;
    if (command === undefined || values.help || values.h) return undefined;
    return { command, positionals: rest, options: values };
  } catch {
    return undefined;
  }
}

async function workspacePaths(
  root: string,
  repoOption: unknown,
  cwd: string,
): Promise<WorkspacePaths> {
  const config = await readConfigPaths(root) ?? await validatedConfigPaths(root);
  const repo = typeof repoOption === "string" ? resolve(cwd, repoOption) : config.repo;
  const slurm = config.slurm;
  const slurmPaths = slurm ? [slurm.cache, ...(slurm.nodeDir ? [slurm.nodeDir] : [])] : [];
  let repoMissing = false;
  try {
    await Deno.lstat(repo);
  } catch {
    repoMissing = true;
  }
  return {
    root,
    repo,
    cache: config.cache,
    mirrorDirs: withRealPaths(config.mirrors.filter((mirror) => mirror.startsWith("/"))),
    sharedPaths: [
      ...config.substituterUrls.filter((url) => url.startsWith("/")),
      ...slurmPaths,
      ...(slurm ? [slurm.key] : []),
    ],
    executorWrites: slurmPaths,
    manifestDirs: config.manifests,
    repoMissing,
  };
}

/**
 * The paths of a 2nex.yaml that readConfigPaths leaves to the full reader,
 * which is loaded only then: it brings most of 2nex's modules with it, and
 * the command's worker loads them again.
 */
async function validatedConfigPaths(root: string): Promise<ConfigPaths> {
  const { defaultConfig, loadWorkspace } = await import("../workspace/mod.ts");
  // An invalid 2nex.yaml is reported by the command; its defaults are as good as any here.
  const config = await loadWorkspace(root).then((ws) => ws.config, () => defaultConfig(root));
  return configPathsOf(config);
}

/**
 * The paths and, for those that go through a symlink, where they lead: a mirror
 * such as `vendor/` linked to a shared directory is read at its resolved path
 * (the fetcher checks containment there), which the command must be allowed to read.
 */
function withRealPaths(paths: string[]): string[] {
  const all = new Set(paths);
  for (const path of paths) {
    try {
      all.add(Deno.realPathSync(path));
    } catch {
      // Missing: nothing to read there; the fetcher reports it if it matters.
    }
  }
  return [...all];
}

/** The outermost directory on the way to `path` that does not exist yet (or `path`). */
function outermostMissing(path: string): string {
  let created = path;
  for (let dir = dirname(path); dir !== created; created = dir, dir = dirname(dir)) {
    try {
      Deno.lstatSync(dir);
      break;
    } catch {
      // Missing too: 2nex creates it.
    }
  }
  return created;
}

/** lib/ and deno.json, when 2nex runs from its source files (not a compiled binary's image). */
function codePaths(): string[] {
  const lib = new URL("../", import.meta.url);
  if (lib.protocol !== "file:") return [];
  return [fileURLToPath(lib), fileURLToPath(new URL("../deno.json", lib))];
}

/**
 * For `hash DIR`: hash workers started here, beside the command's worker, that
 * may read only DIR. One started by the command's worker would take about a
 * second to start (Deno), longer than most trees take to hash.
 */
async function hashHelpers(
  input: PermissionInput,
): Promise<{ workers: Worker[]; ports: MessagePort[] }> {
  const algorithm = input.options.algorithm;
  if (
    input.command !== "hash" || input.positionals.length !== 1 ||
    (algorithm !== undefined && algorithm !== "ostree")
  ) {
    return { workers: [], ports: [] };
  }
  const { hashThreads, startHashWorkers } = await import("../store/mod.ts");
  return startHashWorkers(hashThreads() - 1, resolve(input.cwd, input.positionals[0]));
}

/** Runs the command in a worker and waits for its exit code. */
function runWorker(
  argv: string[],
  permissions: Deno.PermissionOptionsObject,
  hashPorts: MessagePort[],
): Promise<number> {
  const worker = new Worker(new URL("./worker.ts", import.meta.url), {
    type: "module",
    name: "2nex",
    deno: { permissions },
  });
  return new Promise<number>((done) => {
    worker.onmessage = (event: MessageEvent<WorkerResult>) => {
      worker.terminate();
      done(event.data.exitCode);
    };
    worker.onerror = (event) => {
      // Only a bug reaches here: the command code turns every error into an exit code.
      event.preventDefault();
      worker.terminate();
      console.error(`2nex: internal error: ${event.message}`);
      done(1);
    };
    const request: WorkerRequest = { argv, hashPorts };
    worker.postMessage(request, hashPorts);
  });
}
