/**
 * Puts a build's limits (limits.ts) into effect with what this host offers,
 * and says which mechanism applies:
 *
 * - memory: RLIMIT_AS (`ulimit -v`), set by the sandbox's shell on itself
 *   before it reads the script, so it binds the script and everything it starts;
 *   without CAP_SYS_RESOURCE in the host's user namespace nothing inside may raise it.
 * - processes: a cgroup `pids` limit where one can be created (cgroup.ts),
 *   and RLIMIT_NPROC (`ulimit -u`) always, which the kernel ignores for the
 *   host's root.
 * @module
 */
import { run } from "../util/mod.ts";
import { BuildCgroup } from "./cgroup.ts";
import { type BuildLimits, formatSize, type LimitHit } from "./limits.ts";

/** The limits of one run, ready for a helper. */
export interface Enforcement {
  /** Words after the shell's `$0`: KiB of address space and processes, for `ulimit` (innerCommand). */
  shellArgs: string[];
  /** The `cgroup.procs` file the helper's first process joins, or "" for none. */
  cgroupProcs: string;
  /** One line for `--verbose`: each limit and what enforces it. */
  description: string;
  /**
   * After the run: the limit the kernel counted as hit, if it counts; removes
   * the cgroup. Later calls return the first call's answer.
   */
  finish(): Promise<LimitHit | undefined>;
}

/** No limits at all (a request without them, such as the helper probe). */
const NONE: Enforcement = {
  shellArgs: [],
  cgroupProcs: "",
  description: "",
  finish: () => Promise.resolve(undefined),
};

/** Prepares `limits` for one run. */
export async function enforceLimits(limits: BuildLimits | undefined): Promise<Enforcement> {
  if (limits === undefined) return NONE;
  const cgroup = await BuildCgroup.create(limits.processes);
  const memory = `memory ${formatSize(limits.memory)} (rlimit: address space of each process)`;
  let processes: string;
  if (cgroup) processes = `processes ${limits.processes} (cgroup pids, ${cgroup.dir})`;
  else if (await runsAsRoot()) {
    processes = `processes ${limits.processes} (rlimit, NOT enforced: the kernel exempts ` +
      "root from it and no cgroup with a pids controller is delegated to 2nex)";
  } else processes = `processes ${limits.processes} (rlimit: processes of the build's user)`;
  let finished: Promise<LimitHit | undefined> | undefined;
  return {
    shellArgs: [String(Math.floor(limits.memory / 1024)), String(limits.processes)],
    cgroupProcs: cgroup?.procsFile ?? "",
    description: `limits: ${memory}, ${processes}`,
    finish() {
      finished ??= (async () => {
        if (!cgroup) return undefined;
        const { hitLimit } = await cgroup.finish();
        return hitLimit ? "processes" : undefined;
      })();
      return finished;
    },
  };
}

/** Whether this process runs as the host's root (Deno may not ask without --allow-sys). */
async function runsAsRoot(): Promise<boolean> {
  const result = await run(["setpriv", "--dump"], { check: false }).catch(() => undefined);
  return result !== undefined && /^uid: 0$/m.test(result.stdout);
}
