/**
 * The util-linux `unshare` sandbox, for hosts without bubblewrap.
 *
 * How it works (all with the HOST's tools, because a hermetic root may have
 * nothing but a shell):
 *
 * 1. `unshare --user --map-root-user --mount --pid --fork --kill-child --net
 *    --uts --ipc --cgroup` starts the host's /bin/sh as pid 1 of the new pid
 *    namespace, running SETUP_SCRIPT below. The script is fixed text; every
 *    path and value arrives as a positional argument.
 * 2. The script mounts a tmpfs on an empty host directory (the stage) and
 *    carries out the layout steps on it with `mount --bind`, `mount -o
 *    remount,ro,bind`, `ln -s`, tmpfs, devpts and a procfs of the new pid
 *    namespace; sets the hostname; remounts the stage read-only.
 * 3. It moves the stage mount onto `/` (`mount --move`), which covers the
 *    host's root for the rest of this mount namespace, and execs the chain
 *    `setsid setpriv env -i NAME=VALUE… unshare --root=. --wd=/2nex/work --
 *    SHELL …`: a new session (no terminal), every capability dropped except
 *    CAP_SYS_CHROOT (which `unshare --root` needs to enter the stage), the
 *    environment replaced exactly, and finally chroot into the stage and exec
 *    of the build's shell. Each step execs the next, so the shell is pid 1 and
 *    nothing holding the host's root stays in the namespace.
 *
 * Escaping that chroot only leads to the top of the mount namespace, which the
 * moved stage covers; uncovering it (umount, mount --move, pivot_root) needs
 * CAP_SYS_ADMIN, which the build does not have; so do read-only binds.
 * @module
 */
import { dirname } from "node:path";
import { innerCommand, SANDBOX_HOSTNAME } from "./command.ts";
import { SandboxPaths } from "./env.ts";
import type { LayoutStep } from "./layout.ts";
import { enforceLimits, type Enforcement } from "./enforce.ts";
import { prepareRun } from "./prepare.ts";
import { initPidPath, runHelper } from "./runner.ts";
import type { Sandbox, SandboxRequest, SandboxResult } from "./types.ts";

/**
 * Words separating the parts of the setup script's arguments. They hold no "=",
 * so they never equal an environment entry.
 */
const EXEC_MARK = "--2nex-exec--";
const CHROOT_MARK = "--2nex-chroot--";

/**
 * The setup script (POSIX sh, run by the host's /bin/sh). Arguments: PIDFILE,
 * CGROUP_PROCS (may be empty), STAGE, then steps (`dir MODE DST`, `ro-bind SRC DST`, `bind SRC DST`, `symlink TARGET DST`, `tmpfs
 * MODE DST`, `proc DST`, `dev DST`, `remount-ro DST`, `hostname NAME`), then
 * EXEC_MARK, CHROOT_MARK, the NAME=VALUE environment, CHROOT_MARK, and the
 * command to run in the sandbox. DST paths are inside the sandbox.
 */
const SETUP_SCRIPT = `set -eu
# Our pid as the host sees it (the host's procfs is still mounted here), so
# that 2nex can kill this namespace's init, i.e. this process and the build it
# becomes. It goes to a host file the build never sees, not to stderr, which
# the build could write a forged pid to.
read -r self_stat < /proc/self/stat
printf '%s\n' "\${self_stat%% *}" > "$1"
# Join the build's cgroup, if any, before anything forks.
if [ -n "$2" ]; then echo 0 > "$2"; fi
shift 2
fail() { printf '2nex sandbox setup: %s\\n' "$*" >&2; exit 125; }
need() { command -v "$1" || fail "$1 not found (install util-linux / coreutils)"; }
unshare_bin=$(need unshare); setpriv_bin=$(need setpriv); setsid_bin=$(need setsid)
env_bin=$(need env)
stage=$1; shift
mount -n -t tmpfs -o mode=0755 2nex-root "$stage"
place() { # DST KIND: create a mount point for a directory or a file on the stage
  if [ "$2" = dir ]; then mkdir -p "$stage$1"; else mkdir -p "$stage\${1%/*}"; : > "$stage$1"; fi
}
while [ $# -gt 0 ]; do
  step=$1; shift
  case $step in
  dir)
    mkdir -p "$stage$2"; chmod "$1" "$stage$2"; shift 2 ;;
  ro-bind|bind)
    if [ -d "$1" ]; then place "$2" dir; else place "$2" file; fi
    mount -n --bind "$1" "$stage$2"
    if [ "$step" = ro-bind ]; then mount -n -o remount,ro,bind "$stage$2"; fi
    shift 2 ;;
  symlink)
    mkdir -p "$stage\${2%/*}"; ln -s "$1" "$stage$2"; shift 2 ;;
  tmpfs)
    place "$2" dir; mount -n -t tmpfs -o "mode=$1" 2nex-tmpfs "$stage$2"; shift 2 ;;
  proc)
    place "$1" dir; mount -n -t proc proc "$stage$1"; shift ;;
  dev)
    dev=$stage$1; shift
    mkdir -p "$dev"
    mount -n -t tmpfs -o mode=0755 2nex-dev "$dev"
    for node in null zero full random urandom tty; do
      : > "$dev/$node"; mount -n --bind "/dev/$node" "$dev/$node"
    done
    mkdir -m 0755 "$dev/pts" "$dev/shm"
    mount -n -t devpts -o newinstance,ptmxmode=0666,mode=620 devpts "$dev/pts"
    ln -s pts/ptmx "$dev/ptmx"; ln -s /proc/self/fd "$dev/fd"; ln -s /proc/kcore "$dev/core"
    ln -s /proc/self/fd/0 "$dev/stdin"; ln -s /proc/self/fd/1 "$dev/stdout"
    ln -s /proc/self/fd/2 "$dev/stderr" ;;
  remount-ro)
    mount -n -o remount,ro,bind "$stage$1"; shift ;;
  hostname)
    # sethostname(2) through hostname(1); writing the sysctl file needs the
    # host's root when 2nex runs as a normal user.
    if command -v hostname > /dev/null; then hostname "$1"
    else printf '%s' "$1" > "$stage/proc/sys/kernel/hostname"; fi
    shift ;;
  ${EXEC_MARK})
    break ;;
  *)
    fail "unknown step $step" ;;
  esac
done
cd "$stage"
mount -n --move "$stage" /
mark=$1; shift; seen=
for arg do
  shift
  if [ -z "$seen" ] && [ "$arg" = "$mark" ]; then
    seen=1; set -- "$@" "$unshare_bin" --root=. "--wd=${SandboxPaths.work}" --
  else
    set -- "$@" "$arg"
  fi
done
exec "$setsid_bin" "$setpriv_bin" --inh-caps=-all --bounding-set=-all,+sys_chroot -- \\
  "$env_bin" -i "$@"
`;

/** Sandbox implementation on util-linux unshare. */
export class UnshareSandbox implements Sandbox {
  readonly name = "unshare" as const;

  async run(request: SandboxRequest): Promise<SandboxResult> {
    const { steps, prefix } = await prepareRun(request);
    // An empty host directory to mount the stage on; it stays empty on the host
    // because the mount happens in the sandbox's private mount namespace. It is
    // made in the build tree (next to the script), so that if 2nex is killed the
    // next run's removal of leftover build trees takes it too.
    const stage = await Deno.makeTempDir({ dir: dirname(request.scriptPath), prefix: "stage-" });
    try {
      const pidFile = initPidPath(request);
      const limits = await enforceLimits(request.limits);
      const argv = unshareArgv(stage, steps, request, pidFile, limits);
      // Unlike bwrap's --die-with-parent, unshare does not die with 2nex; setpriv
      // (util-linux, like unshare) gives it that parent-death signal where 2nex may run it.
      return await runHelper(
        [...prefix, "setpriv", "--pdeathsig", "KILL", "--", ...argv],
        request,
        pidFile,
        limits,
        [...prefix, ...argv],
      );
    } finally {
      await Deno.remove(stage).catch(() => {});
    }
  }
}

/**
 * The helper command line (without variation prefix); the setup writes its pid
 * into `initPidFile`, and the build runs under `limits`.
 */
export function unshareArgv(
  stage: string,
  steps: readonly LayoutStep[],
  request: Pick<SandboxRequest, "env" | "shell" | "hostname" | "shellOptions">,
  initPidFile: string,
  limits: Pick<Enforcement, "shellArgs" | "cgroupProcs"> = { shellArgs: [], cgroupProcs: "" },
): string[] {
  const argv = [
    "unshare",
    "--user",
    "--map-root-user",
    "--mount",
    "--propagation",
    "private",
    "--pid",
    "--fork",
    "--kill-child",
    "--net",
    "--uts",
    "--ipc",
    "--cgroup",
    "--",
    "/bin/sh",
    "-c",
    SETUP_SCRIPT,
    "2nex-sandbox-setup",
    initPidFile,
    limits.cgroupProcs,
    stage,
  ];
  for (const step of steps) {
    argv.push(...setupWords(step));
    // Without hostname(1) the setup writes the sandbox's own procfs, so this follows the proc step.
    if (step.kind === "proc") argv.push("hostname", request.hostname ?? SANDBOX_HOSTNAME);
  }
  argv.push(EXEC_MARK, CHROOT_MARK);
  for (const [name, value] of request.env) argv.push(`${name}=${value}`);
  argv.push(CHROOT_MARK, ...innerCommand(request.shell, request.shellOptions, limits.shellArgs));
  return argv;
}

function setupWords(step: LayoutStep): string[] {
  switch (step.kind) {
    case "dir":
      return ["dir", step.mode, step.path];
    case "ro-bind":
      return ["ro-bind", step.source, step.path];
    case "bind":
    case "dev-bind":
      // Binds in the user namespace keep the host's device access (as the /dev nodes do).
      return ["bind", step.source, step.path];
    case "symlink":
      return ["symlink", step.target, step.path];
    case "tmpfs":
      return ["tmpfs", step.mode, step.path];
    case "proc":
      return ["proc", step.path];
    case "dev":
      return ["dev", step.path];
    case "remount-ro":
      return ["remount-ro", step.path];
  }
}
