/**
 * Runs a sandbox helper process (bwrap or unshare, possibly behind setarch and
 * taskset, which exec it): streams its output to the log, enforces the time
 * limit and the abort signal, and returns once the sandbox is gone.
 *
 * Why every sandboxed process is gone by then: both helpers run the build in a
 * new pid namespace whose init is the helper's child, and wait for that init.
 * The kernel kills every process of a pid namespace when its init dies, and
 * the init becomes a zombie (what the helper waits for) only after all of them
 * are reaped. So on a normal end, the helper's exit comes last.
 *
 * To stop a build we kill the init rather than the helper, so that the helper
 * still waits for the namespace to empty: the helper writes the init's host pid
 * into a file of the build tree (bwrap through `--info-fd`, the unshare setup
 * script with printf) before any build code runs, and we run `kill -s KILL
 * PID`. (Deno itself may not read /proc or signal processes it did not spawn.)
 * That file is the only channel trusted for a pid: the sandbox cannot reach it
 * (it is not mounted there and its descriptor is closed before the build
 * starts), whereas the helper's stdout and stderr are pipes a build can write
 * to (say through /proc/1/fd/2), so a pid read from them could name any host
 * process. If there is no pid (not written yet, or `kill` may not be run), we
 * SIGKILL the helper; the helpers then SIGKILL the init as their parent-death
 * signal, and the namespace dies a moment after run() returns.
 * @module
 */
import { dirname, join } from "node:path";
import { asIoError, FailureError, spawnError } from "../util/mod.ts";
import type { Enforcement } from "./enforce.ts";
import type { SandboxRequest, SandboxResult } from "./types.ts";

/** Where hosts keep util-linux and bwrap. */
const SYSTEM_PATH = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";

/**
 * PATH for the helper itself (never the build's): 2nex's own PATH first, then
 * the system's. Deno resolves an allowed program (`--allow-run=unshare`) on
 * 2nex's PATH when it starts, and a spawn on the child's PATH: a helper found
 * elsewhere than the system directories must be found the same way both times.
 */
export const HELPER_PATH = [
  ...(Deno.env.get("PATH") ?? "").split(":").filter((dir) => dir.startsWith("/")),
  SYSTEM_PATH,
].join(":");

/** How much of the helper's own stderr is kept for `helperMessage`. */
const HELPER_MESSAGE_LIMIT = 8192;

/** After killing the init, how long the helper gets to notice before it is killed too. */
const HELPER_GRACE_MS = 5_000;

/** setTimeout fires at once for delays above 2^31-1 ms (about 24.8 days); longer limits are capped. */
const MAX_TIMER_MS = 2 ** 31 - 1;

/**
 * Runs `argv` (a helper command line built by an implementation) for `request`.
 * The helper writes the sandbox init's host pid into `initPidFile` (see
 * readInitPid). When 2nex may not run argv[0] (Deno's --allow-run list),
 * `fallbackArgv`, if given, is run instead.
 */
export async function runHelper(
  argv: string[],
  request: SandboxRequest,
  initPidFile: string,
  limits: Enforcement,
  fallbackArgv?: string[],
): Promise<SandboxResult> {
  const started = performance.now();
  // A pid file of an earlier run in this build tree must never be taken for this one's.
  await Deno.remove(initPidFile).catch(() => {});
  const log = await openLog(request.logPath);
  try {
    if (limits.description) {
      request.onOutput?.(new TextEncoder().encode(`2nex: ${limits.description}\n`));
    }
    let child: Deno.ChildProcess;
    try {
      child = spawnHelper(argv);
    } catch (error) {
      if (!fallbackArgv || !(error instanceof Deno.errors.NotCapable)) {
        throw spawnError(argv[0], error);
      }
      try {
        child = spawnHelper(fallbackArgv);
      } catch (error) {
        throw spawnError(fallbackArgv[0], error);
      }
    }

    const stopper = new SandboxStopper(child, initPidFile);
    let timedOut = false;
    let aborted = false;
    const timer = setTimeout(() => {
      timedOut = true;
      stopper.stop();
    }, Math.min(request.timeoutMs, MAX_TIMER_MS));
    const onAbort = () => {
      aborted = true;
      stopper.stop();
    };
    if (request.signal?.aborted) onAbort();
    else request.signal?.addEventListener("abort", onAbort, { once: true });

    const sink = new LogSink(log, request.logPath, request.onOutput);
    const helperStderr = new HelperStderr();
    try {
      let status: Deno.CommandStatus;
      try {
        [status] = await Promise.all([
          child.status,
          sink.pump(child.stdout),
          sink.pump(child.stderr, (chunk) => helperStderr.filter(chunk)),
        ]);
      } catch (error) {
        // The log or the output callback failed: never leave the build running behind us.
        stopper.stop();
        await child.status;
        throw error;
      }
      const message = helperStderr.message().trim();
      const stopped = timedOut || aborted;
      // Every process of the build is gone: the cgroup's counters are final.
      const limitHit = await limits.finish();
      return {
        // Stopped sandboxes end as killed by SIGKILL, whichever helper ran them.
        code: stopped ? 128 + 9 : status.code,
        timedOut,
        aborted,
        durationMs: performance.now() - started,
        ...(message ? { helperMessage: message } : {}),
        ...(limitHit ? { limitHit } : {}),
        limitsDescription: limits.description,
      };
    } finally {
      clearTimeout(timer);
      await stopper.dispose();
      request.signal?.removeEventListener("abort", onAbort);
    }
  } finally {
    log.close();
    // Removes the cgroup also when the run failed before it got that far.
    await limits.finish().catch(() => {});
  }
}

/**
 * Where a helper writes the init pid of the sandbox for `request`: in the
 * directory of the script, which belongs to this build and is never mounted
 * in the sandbox (only the script file itself is).
 */
export function initPidPath(request: Pick<SandboxRequest, "scriptPath">): string {
  return join(dirname(request.scriptPath), "sandbox-init-pid");
}

function spawnHelper([program, ...args]: string[]): Deno.ChildProcess {
  return new Deno.Command(program, {
    args,
    clearEnv: true,
    env: { PATH: HELPER_PATH, LC_ALL: "C" },
    stdin: "null",
    stdout: "piped",
    stderr: "piped",
  }).spawn();
}

async function openLog(path: string): Promise<Deno.FsFile> {
  try {
    return await Deno.open(path, { append: true, create: true });
  } catch (error) {
    const ioError = asIoError(error, "opening the build log", path);
    if (ioError !== error) throw ioError;
    throw new FailureError(`cannot open the build log ${path}: ${(error as Error).message}`);
  }
}

/** Appends chunks from several streams to one file, one whole chunk at a time, with backpressure. */
class LogSink {
  #queue: Promise<void> = Promise.resolve();

  constructor(
    private readonly file: Deno.FsFile,
    private readonly path: string,
    private readonly onOutput?: (chunk: Uint8Array) => void,
  ) {}

  /** Copies `stream` to the log; `transform` may rewrite or drop (empty result) each chunk. */
  async pump(stream: ReadableStream<Uint8Array>, transform?: (chunk: Uint8Array) => Uint8Array) {
    for await (const raw of stream) {
      const chunk = transform ? transform(raw) : raw;
      if (chunk.length === 0) continue;
      this.onOutput?.(chunk);
      await this.#write(chunk);
    }
  }

  #write(chunk: Uint8Array): Promise<void> {
    this.#queue = this.#queue.then(async () => {
      let written = 0;
      try {
        while (written < chunk.length) written += await this.file.write(chunk.subarray(written));
      } catch (error) {
        // Deno's write error names no file: say which one.
        throw asIoError(error, "writing the build log", this.path);
      }
    });
    return this.#queue;
  }
}

/**
 * The helper's stderr: drops known noise and passes everything else on,
 * keeping the start of it as the helper's message. Works on whole lines.
 * Nothing read here is trusted: a build can write to this pipe.
 */
export class HelperStderr {
  #partial = "";
  #kept = "";
  readonly #decoder = new TextDecoder();
  readonly #encoder = new TextEncoder();

  /** Returns the part of `chunk` that belongs in the log (complete lines only). */
  filter(chunk: Uint8Array): Uint8Array {
    const text = this.#partial + this.#decoder.decode(chunk, { stream: true });
    const lines = text.split("\n");
    this.#partial = lines.pop() ?? "";
    let passed = "";
    for (const line of lines) {
      if (isHelperNoise(line)) continue;
      passed += `${line}\n`;
    }
    if (passed && this.#kept.length < HELPER_MESSAGE_LIMIT) {
      this.#kept = (this.#kept + passed).slice(0, HELPER_MESSAGE_LIMIT);
    }
    return this.#encoder.encode(passed);
  }

  /** The first HELPER_MESSAGE_LIMIT characters of what the helper printed, besides noise. */
  message(): string {
    return (this.#kept + this.#partial).slice(0, HELPER_MESSAGE_LIMIT);
  }
}

/**
 * util-linux unshare cannot re-raise SIGKILL on itself after its child died of
 * it, and says so; that is how every stopped unshare sandbox ends, not a problem.
 */
function isHelperNoise(line: string): boolean {
  return line.startsWith("unshare: sigprocmask unblock failed");
}

/**
 * The init pid a helper wrote into its pid file: bwrap's `--info-fd` JSON
 * (`"child-pid": N`) or the unshare setup script's bare number. Undefined while
 * the file is missing, empty or half written.
 */
export function readInitPid(path: string): number | undefined {
  let text: string;
  try {
    text = Deno.readTextFileSync(path);
  } catch {
    return undefined;
  }
  const match = /^\s*(\d+)\s*$/.exec(text) ?? /"child-pid":\s*(\d+)[,\s}]/.exec(text);
  if (!match) return undefined;
  const pid = Number(match[1]);
  return Number.isSafeInteger(pid) && pid > 1 ? pid : undefined;
}

/** Stops a running sandbox: the init first (so the helper waits for the namespace), else the helper. */
class SandboxStopper {
  #stopping = false;
  #exited = false;
  #graceTimer?: ReturnType<typeof setTimeout>;
  #killers: Promise<void>[] = [];

  constructor(private readonly helper: Deno.ChildProcess, private readonly initPidFile: string) {
    helper.status.then(() => this.#exited = true, () => this.#exited = true);
  }

  stop(): void {
    if (this.#stopping) return;
    this.#stopping = true;
    const initPid = readInitPid(this.initPidFile);
    if (initPid !== undefined && this.#killInit(initPid)) {
      this.#graceTimer = setTimeout(() => this.#killHelper(), HELPER_GRACE_MS);
    } else {
      this.#killHelper();
    }
  }

  /** Waits for the `kill` processes started by `stop` and cancels the grace timer. */
  async dispose(): Promise<void> {
    if (this.#graceTimer !== undefined) clearTimeout(this.#graceTimer);
    await Promise.all(this.#killers);
  }

  /** Runs `kill -s KILL PID`; false when that cannot be started (then the helper is killed). */
  #killInit(pid: number): boolean {
    if (this.#exited) return true;
    let killer: Deno.ChildProcess;
    try {
      killer = new Deno.Command("kill", {
        args: ["-s", "KILL", String(pid)],
        clearEnv: true,
        env: { PATH: HELPER_PATH },
        stdin: "null",
        stdout: "null",
        stderr: "null",
      }).spawn();
    } catch {
      return false;
    }
    // If kill fails (say the init just exited), fall back to killing the helper.
    this.#killers.push(killer.status.then((status) => {
      if (!status.success) this.#killHelper();
    }, () => this.#killHelper()));
    return true;
  }

  #killHelper(): void {
    if (this.#exited) return;
    try {
      this.helper.kill("SIGKILL");
    } catch {
      // Already exited.
    }
  }
}
