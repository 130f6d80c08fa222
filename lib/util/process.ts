/**
 * The one way 2nex runs a subprocess: an argv array (never a shell string built
 * from data), stderr kept for the error message, an optional timeout, and the
 * whole process group killed on timeout or cancel. While a workspace is locked,
 * the subprocess dies with 2nex and keeps the workspace busy until it is gone
 * (child_lock.ts).
 *
 * @example
 * ```ts
 * const { stdout } = await run(["ostree", "--version"]);
 * ```
 * @module
 */
import { CANNOT_EXECUTE, guardedArgv } from "./child_lock.ts";
import { FailureError } from "./errors.ts";

export interface RunOptions {
  cwd?: string;
  /** Replaces the environment entirely when `clearEnv` is set, else adds to it. */
  env?: Record<string, string>;
  clearEnv?: boolean;
  /** Milliseconds; the process group is killed with SIGKILL when it passes. */
  timeoutMs?: number;
  stdin?: string | Uint8Array;
  /** Aborting kills the process group. */
  signal?: AbortSignal;
  /** When false, a non-zero exit does not throw; the caller inspects `code`. */
  check?: boolean;
  /**
   * The program leaves a daemon behind (a FUSE file system): it is run as it
   * is, not behind the children lock, which the daemon would hold for its lifetime.
   */
  detaches?: boolean;
  /**
   * Runs the program as it is, without the three programs the children lock's
   * guard adds, for a short program that can leave nothing behind that a later
   * 2nex would trip over were it to outlive a killed 2nex: one that only reads,
   * or makes or removes a build cgroup (the next build removes a stray one).
   */
  unguarded?: boolean;
}

export interface RunResult {
  code: number;
  stdout: string;
  stderr: string;
  timedOut: boolean;
}

/** Runs argv to completion and returns its output. Throws FailureError on a non-zero exit unless `check: false`. */
export async function run(argv: string[], options: RunOptions = {}): Promise<RunResult> {
  const program = argv[0];
  const guarded = options.detaches || options.unguarded ? argv : guardedArgv(argv);
  let child: Deno.ChildProcess;
  try {
    child = spawn(guarded, options);
  } catch (error) {
    // Without setpriv or flock (or leave to run them) the program runs unguarded.
    const guardUnavailable = guarded !== argv &&
      (error instanceof Deno.errors.NotFound || error instanceof Deno.errors.NotCapable);
    if (!guardUnavailable) throw spawnError(program, error);
    try {
      child = spawn(argv, options);
    } catch (error) {
      throw spawnError(program, error);
    }
  }
  const stop = new ProcessStopper(child, options.timeoutMs, options.signal);
  try {
    if (options.stdin !== undefined) {
      const writer = child.stdin.getWriter();
      const data = typeof options.stdin === "string"
        ? new TextEncoder().encode(options.stdin)
        : options.stdin;
      await writer.write(data);
      await writer.close();
    }
    const output = await child.output();
    const result: RunResult = {
      code: output.code,
      stdout: new TextDecoder().decode(output.stdout),
      stderr: new TextDecoder().decode(output.stderr),
      timedOut: stop.timedOut,
    };
    if (
      guarded !== argv && result.code === CANNOT_EXECUTE && /failed to execute/.test(result.stderr)
    ) {
      // The guard's setpriv found no such program: say so as a spawn of the program would.
      throw spawnError(program, new Deno.errors.NotFound(result.stderr.trim()));
    }
    if (options.check !== false && result.code !== 0) {
      const why = result.timedOut ? "timed out" : `exited with code ${result.code}`;
      const detail = result.stderr.trim().split("\n").slice(-5).join("\n");
      throw new FailureError(`${program} ${why}${detail ? `: ${detail}` : ""}`);
    }
    return result;
  } finally {
    stop.dispose();
  }
}

function spawn([program, ...args]: string[], options: RunOptions): Deno.ChildProcess {
  return new Deno.Command(program, {
    args,
    cwd: options.cwd,
    env: options.env,
    clearEnv: options.clearEnv,
    stdin: options.stdin === undefined ? "null" : "piped",
    stdout: "piped",
    stderr: "piped",
  }).spawn();
}

/** Turns a spawn failure into an error that says what to install. */
export function spawnError(program: string, error: unknown): FailureError {
  if (error instanceof Deno.errors.NotFound) {
    return new FailureError(`${program} is not installed`, {
      hint: `install it (on Debian: apt-get install ${debianPackageOf(program)})`,
    });
  }
  if (error instanceof Deno.errors.NotCapable || error instanceof Deno.errors.PermissionDenied) {
    return new FailureError(`not allowed to run ${program}: ${(error as Error).message}`);
  }
  return new FailureError(`cannot run ${program}: ${(error as Error).message}`);
}

function debianPackageOf(program: string): string {
  const packages: Record<string, string> = { bwrap: "bubblewrap", unshare: "util-linux" };
  return packages[program] ?? program;
}

/**
 * Kills a child's whole process group (children are spawned as their own group
 * leaders by the helpers that need it; otherwise the child alone) on timeout or abort.
 */
export class ProcessStopper {
  timedOut = false;
  #timer?: ReturnType<typeof setTimeout>;
  #onAbort?: () => void;

  constructor(
    private readonly child: Deno.ChildProcess,
    timeoutMs?: number,
    private readonly signal?: AbortSignal,
  ) {
    if (timeoutMs !== undefined) {
      this.#timer = setTimeout(() => {
        this.timedOut = true;
        this.kill();
      }, timeoutMs);
    }
    if (signal) {
      this.#onAbort = () => this.kill();
      if (signal.aborted) this.kill();
      else signal.addEventListener("abort", this.#onAbort, { once: true });
    }
  }

  kill(): void {
    try {
      this.child.kill("SIGKILL");
    } catch {
      // Already exited.
    }
  }

  dispose(): void {
    if (this.#timer !== undefined) clearTimeout(this.#timer);
    if (this.#onAbort) this.signal?.removeEventListener("abort", this.#onAbort);
  }
}
