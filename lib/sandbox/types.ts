/**
 * The sandbox interface (SPEC section 5): one build script run in fresh user,
 * mount, pid, network, uts, ipc (and, where the kernel allows, cgroup)
 * namespaces, as uid 0 inside, seeing nothing of the host but what a request
 * lists. Two implementations share this interface: bubblewrap (`bwrap.ts`) and
 * util-linux `unshare` (`unshare.ts`); `select.ts` picks one.
 *
 * Layout inside every sandbox:
 *
 * | path | what |
 * |---|---|
 * | `/` | a read-only tmpfs holding the entries below |
 * | hermetic: every top-level entry of `rootDir` | read-only binds (symlinks recreated) |
 * | host: `/usr`, `/bin`, `/sbin`, `/lib`, `/lib64` | the host's, read-only (symlinks recreated) |
 * | host: `readOnlyMounts`, `writableMounts` | at their `sandboxPath`, in the given order |
 * | `/2nex/sources` | `sourcesDir`, read-only |
 * | `/2nex/work`, `/2nex/out` | `workDir`, `outDir`, writable; `/2nex/work` is the working directory |
 * | `/2nex/script` | `scriptPath`, read-only |
 * | `/tmp` | private tmpfs (mode 1777) |
 * | `/dev`, `/proc` | read-only: null zero full random urandom tty, pts, a writable tmpfs shm; the sandbox's own procfs |
 *
 * With `writableRoot` (the original builder's layout), `/` is `rootDir` itself,
 * writable, and everything above is mounted on it; `/inputs` (`inputsDir`) and
 * `/dev/console` (`consoleDevice`) are added when asked for.
 *
 * The script runs as `shell -euo pipefail /2nex/script` with umask 022 and its
 * stderr merged into stdout (so the log keeps the order of both), hostname
 * `2nex`, the environment exactly `env`, no capabilities beyond what the
 * helper needs (bwrap: none; unshare: CAP_SYS_CHROOT only), a network
 * namespace whose only interface is a loopback that is down.
 *
 * Where the helpers differ (nothing a build should depend on):
 * - bwrap: pid 1 is bwrap's own init (its command line, with host paths, is
 *   readable in /proc/1/cmdline) and the script is pid 2; no capabilities.
 * - unshare: the script's shell is pid 1; it keeps CAP_SYS_CHROOT (needed to
 *   enter the root; escaping a chroot leads back to the same root, see
 *   unshare.ts); setting up costs about 4 times as long (about 35 host tool runs).
 * @module
 */
import type { BuildLimits, LimitHit } from "./limits.ts";

/** A host path shown at another path inside the sandbox. */
export interface Mount {
  /** Path on the host. */
  hostPath: string;
  /** Absolute, normalised path inside the sandbox. */
  sandboxPath: string;
}

// The mode is the manifest's `build.sandbox`: one definition, in the manifest's types.
export type { SandboxMode } from "../manifest/mod.ts";
import type { SandboxMode } from "../manifest/mod.ts";

/** Everything one sandboxed build needs. The caller creates the directories. */
export interface SandboxRequest {
  mode: SandboxMode;
  /** Hermetic: a directory holding the union of the dependencies' bundles, shown read-only at "/". Never written to. */
  rootDir?: string;
  /**
   * Host mode: dependency top-level dirs mounted read-only at their own paths (e.g. /opt/x).
   * Never over `/`, `/usr`, `/bin`, `/sbin`, `/lib`, `/lib64`, `/2nex`, `/tmp`, `/dev`, `/proc`.
   * Must be empty in hermetic mode.
   */
  readOnlyMounts: Mount[];
  /** Host mode: writable dirs, e.g. /bootstrap (BOOTSTRAP_SYSROOT), pre-filled by the caller. Same rules. */
  writableMounts: Mount[];
  /** Read-only at /2nex/sources. */
  sourcesDir: string;
  /** Writable at /2nex/work (the caller passes it empty); the working directory. */
  workDir: string;
  /** Writable at /2nex/out (the caller passes it empty); what is here at the end is the result. */
  outDir: string;
  /**
   * Host file holding the bash script; shown read-only at /2nex/script. Its
   * directory belongs to this build: a sandbox may keep its own scratch entries there.
   */
  scriptPath: string;
  /**
   * Path INSIDE the sandbox of the shell. Host mode: the host's /bin/bash. Hermetic: the
   * dependencies' own /usr/bin/bash or /bin/bash (never the host's).
   */
  shell: string;
  /** The complete environment, in this order (see `fixedEnvironment` in env.ts). */
  env: Array<[string, string]>;
  /** The whole sandbox is killed when this passes. */
  timeoutMs: number;
  /** stdout+stderr of the build (and any message of the helper) are appended here. */
  logPath: string;
  /** Called with each chunk of output as it arrives (for `-v`). */
  onOutput?: (chunk: Uint8Array) => void;
  /** Aborting kills the whole sandbox; run() then resolves with `aborted: true`. */
  signal?: AbortSignal;
  /**
   * `rootDir` is bound writable at "/" as a whole (the original builder's
   * layout) instead of its entries read-only on a tmpfs; in host mode it holds
   * the build's own top-level directories. The caller owns it, and leaves no
   * entry at a path the sandbox mounts (2nex, tmp, dev, proc, inputs; in host
   * mode the host's system directories).
   */
  writableRoot?: boolean;
  /** Read-only at /inputs: each source by its file name (the original builder's layout). */
  inputsDir?: string;
  /** A /dev/console that behaves like /dev/null (the original builder's /dev has one). */
  consoleDevice?: boolean;
  /** Hostname inside; default SANDBOX_HOSTNAME. */
  hostname?: string;
  /** Options the shell gets before `-c`; default `-euo pipefail`. */
  shellOptions?: readonly string[];
  /** Memory and process limits of the build; none when absent. */
  limits?: BuildLimits;
  /** Reproducibility variation: the build sees only this many CPUs (`nproc`). */
  cpus?: number;
  /** Reproducibility variation: address space layout randomisation off. */
  disableAslr?: boolean;
}

/** How a sandboxed build ended. */
export interface SandboxResult {
  /** Exit code of the script (128+N when killed by signal N). */
  code: number;
  /** The time limit passed and the sandbox was killed. */
  timedOut: boolean;
  /** The request's signal aborted the build and the sandbox was killed. */
  aborted: boolean;
  /** Wall-clock time from spawn to the end of every sandboxed process. */
  durationMs: number;
  /**
   * What the helper itself (bwrap, the unshare setup) printed, if anything: a failure to
   * set up the sandbox rather than of the script. The build's own output is in the log.
   */
  helperMessage?: string;
  /** The limit the kernel counted the build running into (cgroup limits only). */
  limitHit?: LimitHit;
  /** Each limit and what enforces it, for `--verbose`; empty without limits. */
  limitsDescription: string;
}

/** A way to run a build in a sandbox. */
export interface Sandbox {
  readonly name: "bwrap" | "unshare";
  /**
   * Runs the request's script. Resolves once every process of the build is gone.
   * Throws FailureError when the request is unusable (e.g. the shell does not exist)
   * or the helper cannot be started.
   */
  run(request: SandboxRequest): Promise<SandboxResult>;
}
