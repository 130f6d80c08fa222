/**
 * Pieces of the command line shared by both helpers: what runs inside the
 * sandbox, and the wrappers for the reproducibility variations (CPU count,
 * ASLR) that the helper and everything it starts inherit.
 * @module
 */
import { FailureError, run } from "../util/mod.ts";
import { SandboxPaths } from "./env.ts";

/** Hostname inside every sandbox. */
export const SANDBOX_HOSTNAME = "2nex";

/**
 * Fixed shell text: umask 022, stderr into stdout (one ordered stream for the
 * log), the limits when given (two words after `$0`: KiB of address space and
 * processes, each set as soft and hard rlimit unless the hard one is lower
 * already; then the words are dropped, so the script sees none), then the
 * script, read into this very shell (already under `-euo pipefail` or the
 * request's own shell options). Sourcing rather than `exec`ing a second shell
 * matters: bash passes its environment on in its own order, so a second shell
 * would undo the environment-order variation of --rounds. Nothing of a request
 * is ever part of this text; `$0` is the shell's path.
 */
const SCRIPT_LAUNCHER = "umask 022 && exec 2>&1 && if [ $# = 2 ]; then " +
  'lower() { hard=$(ulimit -H "$1") && ' +
  'if [ "$hard" = unlimited ] || [ "$hard" -gt "$2" ]; then ulimit "$1" "$2"; fi; } && ' +
  // bash and busybox call the process limit -u, dash -p (bash's -p is the pipe size).
  'lower -v "$1" && { lower -u "$2" 2>/dev/null || lower -p "$2"; } && ' +
  "unset -f lower && unset hard && set --; fi && " +
  `. ${SandboxPaths.script}`;

/** The shell options of a 2nex build. */
export const DEFAULT_SHELL_OPTIONS = ["-euo", "pipefail"] as const;

/**
 * argv run inside the sandbox for `shell` (a path inside the sandbox) with
 * shell `options`; `limitArgs` are Enforcement.shellArgs (enforce.ts), or none.
 */
export function innerCommand(
  shell: string,
  options: readonly string[] = DEFAULT_SHELL_OPTIONS,
  limitArgs: readonly string[] = [],
): string[] {
  return [shell, ...options, "-c", SCRIPT_LAUNCHER, shell, ...limitArgs];
}

/** Parses a kernel CPU list such as "0-3,8,10-11" into CPU numbers, ascending. */
export function parseCpuList(list: string): number[] {
  const cpus = new Set<number>();
  for (const part of list.trim().split(",")) {
    if (part === "") continue;
    const match = /^(\d+)(?:-(\d+))?$/.exec(part);
    if (!match) throw new FailureError(`cannot parse CPU list "${list}"`);
    const first = Number(match[1]);
    const last = match[2] === undefined ? first : Number(match[2]);
    for (let cpu = first; cpu <= last; cpu++) cpus.add(cpu);
  }
  return [...cpus].sort((a, b) => a - b);
}

let allowed: Promise<number[]> | undefined;

/**
 * The CPUs this process may run on, asked once from `taskset` (Deno may not
 * read /proc/self/status; taskset is what applies the restriction anyway).
 */
export function allowedCpus(): Promise<number[]> {
  allowed ??= (async () => {
    const { stdout } = await run(["taskset", "--cpu-list", "--pid", String(Deno.pid)]);
    // "pid 123's current affinity list: 0-3"
    return parseCpuList(stdout.slice(stdout.lastIndexOf(":") + 1));
  })();
  allowed.catch(() => allowed = undefined);
  return allowed;
}

export interface VariationOptions {
  /** Restrict to the first `cpus` of `available`; all of them when it is larger. */
  cpus?: number;
  available: readonly number[];
  disableAslr?: boolean;
  /** `uname -m` name, for setarch. */
  arch: string;
}

/**
 * argv prefix that applies the variations: `setarch ARCH -R` (ASLR off) and
 * `taskset --cpu-list LIST` (CPU count). Both exec their argument, so the
 * helper keeps its pid and the settings reach every sandboxed process.
 */
export function variationPrefix(options: VariationOptions): string[] {
  const prefix: string[] = [];
  if (options.disableAslr) prefix.push("setarch", options.arch, "--addr-no-randomize");
  if (options.cpus !== undefined) {
    if (!Number.isSafeInteger(options.cpus) || options.cpus < 1) {
      throw new FailureError(
        `internal error: cpus must be a positive integer, not ${options.cpus}`,
      );
    }
    if (options.available.length === 0) throw new FailureError("no CPU is available");
    const chosen = options.available.slice(0, options.cpus);
    prefix.push("taskset", "--cpu-list", chosen.join(","));
  }
  return prefix;
}
