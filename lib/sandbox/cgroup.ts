/**
 * A cgroup per build for its process limit, where this process may create one:
 * cgroup v2 where the `pids` controller is delegated to 2nex's own cgroup, or
 * the cgroup v1 `pids` hierarchy where it is writable (as root in many
 * containers). The `pids.max`, `pids.events` and `cgroup.procs` files are the
 * same in both versions.
 *
 * Why a cgroup and not only RLIMIT_NPROC: the kernel ignores RLIMIT_NPROC for
 * processes whose real user is the host's root, and a sandbox run by root has
 * exactly that user; a cgroup limit binds everyone.
 *
 * Deno may not touch /proc or /sys without --allow-all, so a fixed shell script
 * (CGROUP_SCRIPT, run by setpriv, which only execs it) creates, reads and
 * removes the cgroup. The helper's first process joins it itself (writing 0,
 * "myself", to `cgroup.procs`) before it starts anything, so every process of
 * the build is counted from the first fork on.
 * @module
 */
import { run } from "../util/mod.ts";

/** Where the cgroup file systems are mounted. */
export const CGROUP_ROOT = "/sys/fs/cgroup";

/**
 * `create ROOT PID SERIAL MAX [NS]`: for each cgroup of this process
 * (/proc/self/cgroup, `ID:CONTROLLERS:PATH`) that can hold a pids limit (v2
 * with `pids` in its subtree_control, or the v1 `pids` hierarchy), tries to
 * make child `2nex-build-PIDNS-PID-SERIAL` with pids.max MAX; prints the first
 * one made, or nothing. NS is the id of this process's pid namespace when the
 * caller knows it (the name of its last cgroup says it), else it is read from
 * /proc with readlink. First it removes the build cgroups that 2nex processes
 * of this pid namespace which no longer exist (killed ones) left there: nobody
 * can join those any more, and rmdir leaves any that still hold a process.
 * `finish DIR`: prints how often the limit refused a fork, removes DIR (a
 * cgroup left behind costs an empty directory, so failing to is no error).
 * The last processes of a build may still be leaving the cgroup when its
 * helper has exited (rmdir then fails with EBUSY): then it tries again for up
 * to half a second.
 */
const CGROUP_SCRIPT = `set -eu
case $1 in
create)
  root=$2 pid=$3 serial=$4 max=$5 ns=\${6:-}
  if [ -z "$ns" ]; then ns=$(readlink /proc/self/ns/pid) ns=\${ns#*[} ns=\${ns%]}; fi
  while IFS=: read -r id controllers path; do
    if [ "$id" = 0 ] && [ -z "$controllers" ]; then
      dir=$root$path
      subtree=
      read -r subtree < "$dir/cgroup.subtree_control" 2>/dev/null || true
      case " $subtree " in *" pids "*) ;; *) continue ;; esac
    else
      case ",$controllers," in *,pids,*) dir=$root/pids$path ;; *) continue ;; esac
    fi
    dir=\${dir%/}
    for old in "$dir/2nex-build-$ns-"*; do
      owner=\${old##*/2nex-build-$ns-} owner=\${owner%%-*}
      if [ -d "$old" ] && [ ! -d "/proc/$owner" ]; then rmdir "$old" 2>/dev/null || true; fi
    done
    new=$dir/2nex-build-$ns-$pid-$serial
    mkdir "$new" 2>/dev/null || continue
    if printf '%s\\n' "$max" > "$new/pids.max"; then printf '%s\\n' "$new"; exit 0; fi
    rmdir "$new"
  done < /proc/self/cgroup ;;
finish)
  refused=0
  while read -r key value; do
    if [ "$key" = max ]; then refused=$value; fi
  done < "$2/pids.events"
  printf '%s\\n' "$refused"
  tries=0
  until err=$(LC_ALL=C rmdir "$2" 2>&1); do
    case $err in *busy*) ;; *) break ;; esac
    tries=$((tries + 1))
    if [ "$tries" -gt 50 ]; then break; fi
    sleep 0.01
  done ;;
esac
`;

let created = 0;

/** This process's pid namespace id, from the name of the first cgroup it made (it never changes). */
let pidNamespace: string | undefined;

/** `2nex-build-NS-PID-SERIAL`: the pid namespace id in a cgroup's name. */
const BUILD_CGROUP_NAME = /\/2nex-build-(\d+)-\d+-\d+$/;

/**
 * Runs the script without the children lock's guard: making or removing a
 * build cgroup is harmless should it outlive a killed 2nex (the next build
 * removes the cgroups of dead 2nex processes), and the guard would add three
 * programs to the five or six each build runs for its cgroup.
 */
function cgroupScript(args: string[]): Promise<string | undefined> {
  return run(["setpriv", "--", "/bin/sh", "-c", CGROUP_SCRIPT, "2nex-cgroup", ...args], {
    check: false,
    unguarded: true,
  }).then((result) => result.code === 0 ? result.stdout.trim() : undefined, () => undefined);
}

/** One build's cgroup, limited to a number of processes. */
export class BuildCgroup {
  private constructor(readonly dir: string) {}

  /** A new cgroup limited to `processes`, or undefined where none can be made. */
  static async create(processes: number, root = CGROUP_ROOT): Promise<BuildCgroup | undefined> {
    const args = [root, String(Deno.pid), String(++created), String(processes)];
    const dir = await cgroupScript(["create", ...args, ...(pidNamespace ? [pidNamespace] : [])]);
    if (!dir) return undefined;
    pidNamespace ??= BUILD_CGROUP_NAME.exec(dir)?.[1];
    return new BuildCgroup(dir);
  }

  /** The file the helper writes 0 to, to join. */
  get procsFile(): string {
    return `${this.dir}/cgroup.procs`;
  }

  /**
   * Once the build is over (the cgroup is empty): removes it and tells whether
   * the limit refused a fork. A cgroup a killed 2nex left behind is removed by
   * the next build that creates one.
   */
  async finish(): Promise<{ hitLimit: boolean }> {
    const refused = await cgroupScript(["finish", this.dir]);
    return { hitLimit: refused !== undefined && Number(refused) > 0 };
  }
}
