/**
 * The bubblewrap sandbox. bwrap builds the layout on its own tmpfs root,
 * drops every capability and runs the script as uid 0 in new user, mount,
 * pid, uts, ipc and cgroup namespaces.
 *
 * The network namespace comes from util-linux `unshare --user
 * --map-root-user --net`, which then execs bwrap: bwrap's own `--unshare-net`
 * always brings the loopback interface up, and SPEC section 5 (and the unshare
 * implementation) has it down, so builds behave the same under both helpers.
 * `unshare` (and the host's sh, see BWRAP_LAUNCHER) exec bwrap in place, so
 * bwrap stays our direct child and its `--die-with-parent` keeps working.
 * @module
 */
import { innerCommand, SANDBOX_HOSTNAME } from "./command.ts";
import { SandboxPaths } from "./env.ts";
import type { LayoutStep } from "./layout.ts";
import { enforceLimits, type Enforcement } from "./enforce.ts";
import { prepareRun } from "./prepare.ts";
import { initPidPath, runHelper } from "./runner.ts";
import type { Sandbox, SandboxRequest, SandboxResult } from "./types.ts";

/**
 * Fixed shell text run by the host's /bin/sh between unshare and bwrap.
 * Arguments: PIDFILE, CGROUP_PROCS (may be empty), then bwrap's. It joins the
 * build's cgroup, if any, before bwrap starts anything. bwrap reports the
 * sandbox init's pid on its `--info-fd` (fd 3), which it closes in the
 * sandbox; fd 3 is the pid file, never a copy of stderr: the build can write to
 * stderr through /proc/1/fd/2 and so forge a report there.
 */
const BWRAP_LAUNCHER = 'exec 3>"$1" && if [ -n "$2" ]; then echo 0 > "$2"; fi && shift 2 && ' +
  'exec bwrap --info-fd 3 "$@"';

/** Sandbox implementation on bubblewrap. */
export class BwrapSandbox implements Sandbox {
  readonly name = "bwrap" as const;

  async run(request: SandboxRequest): Promise<SandboxResult> {
    const { steps, prefix } = await prepareRun(request);
    const pidFile = initPidPath(request);
    const limits = await enforceLimits(request.limits);
    const argv = bwrapArgv(steps, request, pidFile, limits);
    return await runHelper([...prefix, ...argv], request, pidFile, limits);
  }
}

/**
 * The helper command line (without variation prefix) for a layout, environment
 * and shell; bwrap writes the init's pid into `initPidFile` and runs under `limits`.
 */
export function bwrapArgv(
  steps: readonly LayoutStep[],
  request: Pick<SandboxRequest, "env" | "shell" | "hostname" | "shellOptions">,
  initPidFile: string,
  limits: Pick<Enforcement, "shellArgs" | "cgroupProcs"> = { shellArgs: [], cgroupProcs: "" },
): string[] {
  const argv = [
    "unshare",
    "--user",
    "--map-root-user",
    "--net",
    "--",
    "/bin/sh",
    "-c",
    BWRAP_LAUNCHER,
    "2nex-bwrap",
    initPidFile,
    limits.cgroupProcs,
    "--unshare-user",
    "--unshare-ipc",
    "--unshare-pid",
    "--unshare-uts",
    "--unshare-cgroup-try",
    "--uid",
    "0",
    "--gid",
    "0",
    "--hostname",
    request.hostname ?? SANDBOX_HOSTNAME,
    "--die-with-parent",
    "--new-session",
    "--cap-drop",
    "ALL",
    "--clearenv",
  ];
  for (const [name, value] of request.env) argv.push("--setenv", name, value);
  for (const step of steps) argv.push(...bwrapOptions(step));
  argv.push(
    "--chdir",
    SandboxPaths.work,
    "--",
    ...innerCommand(request.shell, request.shellOptions, limits.shellArgs),
  );
  return argv;
}

function bwrapOptions(step: LayoutStep): string[] {
  switch (step.kind) {
    case "dir":
      return ["--perms", step.mode, "--dir", step.path];
    case "ro-bind":
      return ["--ro-bind", step.source, step.path];
    case "bind":
      return ["--bind", step.source, step.path];
    case "dev-bind":
      return ["--dev-bind", step.source, step.path];
    case "symlink":
      return ["--symlink", step.target, step.path];
    case "tmpfs":
      return ["--perms", step.mode, "--tmpfs", step.path];
    case "proc":
      return ["--proc", step.path];
    case "dev":
      return ["--dev", step.path];
    case "remount-ro":
      return ["--remount-ro", step.path];
  }
}
