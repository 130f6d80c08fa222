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
 * `create ROOT PID SERIAL MAX`: for each cgroup of this process
 * (/proc/self/cgroup, `ID:CONTROLLERS:PATH`) that can hold a pids limit (v2
 * with `pids` in its subtree_control, or the v1 `pids` hierarchy), tries to
 * make child `2nex-build-PIDNS-PID-SERIAL` with pids.max MAX; prints the first
 * one made, or nothing. First it removes the build cgroups that 2nex processes
 * of this pid namespace which no longer exist (killed ones) left there: nobody
 * can join those any more, and rmdir leaves any that still hold a process.
 * `finish DIR`: prints how often the limit refused a fork, removes DIR (a
 * cgroup left behind costs an empty directory, so failing to is no error).
 */
const CGROUP_SCRIPT = `set -eu
case $1 in
create)
  root=$2 pid=$3 serial=$4 max=$5
  ns=$(readlink /proc/self/ns/pid) ns=\${ns#*[} ns=\${ns%]}
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
  rmdir "$2" 2>/dev/null || true ;;
esac
`;

let created = 0;

function cgroupScript(args: string[]): Promise<string | undefined> {
  return run(["setpriv", "--", "/bin/sh", "-c", CGROUP_SCRIPT, "2nex-cgroup", ...args], {
    check: false,
  }).then((result) => result.code === 0 ? result.stdout.trim() : undefined, () => undefined);
}

/** One build's cgroup, limited to a number of processes. */
export class BuildCgroup {
  private constructor(readonly dir: string) {}

  /** A new cgroup limited to `processes`, or undefined where none can be made. */
  static async create(processes: number, root = CGROUP_ROOT): Promise<BuildCgroup | undefined> {
    const args = [root, String(Deno.pid), String(++created), String(processes)];
    const dir = await cgroupScript(["create", ...args]);
    return dir ? new BuildCgroup(dir) : undefined;
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
