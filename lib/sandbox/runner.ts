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
 * still waits for the namespace to empty: the helper reports the init's host
 * pid on its stderr (bwrap through `--info-fd`, the unshare setup script with
 * a `2nex-sandbox-init PID` line) and we run `kill -s KILL PID`. (Deno itself
 * may not read /proc or signal processes it did not spawn.) If that is not
 * possible (no pid yet, or `kill` may not be run), we SIGKILL the helper; the
 * helpers then SIGKILL the init as their parent-death signal, and the namespace
 * dies a moment after run() returns, without running any more code.
 * @module
 */
import { FailureError } from "../util/errors.ts";
import { asIoError } from "../util/io_error.ts";
import { spawnError } from "../util/process.ts";
import type { SandboxRequest, SandboxResult } from "./types.ts";

/** PATH for the helper itself (never the build's): where hosts keep util-linux and bwrap. */
const HELPER_PATH = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";

/** How much of the helper's own stderr is kept for `helperMessage`. */
const HELPER_MESSAGE_LIMIT = 8192;

/** After killing the init, how long the helper gets to notice before it is killed too. */
const HELPER_GRACE_MS = 5_000;

/** setTimeout fires at once for delays above 2^31-1 ms (about 24.8 days); longer limits are capped. */
const MAX_TIMER_MS = 2 ** 31 - 1;

/** The line the unshare setup script prints with its host pid. */
export const INIT_PID_LINE = "2nex-sandbox-init";

/**
 * Runs `argv` (a helper command line built by an implementation) for `request`.
 * When 2nex may not run argv[0] (Deno's --allow-run list), `fallbackArgv`, if
 * given, is run instead.
 */
export async function runHelper(
  argv: string[],
  request: SandboxRequest,
  fallbackArgv?: string[],
): Promise<SandboxResult> {
  const started = performance.now();
  const log = await openLog(request.logPath);
  try {
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

    const stopper = new SandboxStopper(child);
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
    const helperStderr = new HelperStderr((pid) => stopper.setInitPid(pid));
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
      return {
        // Stopped sandboxes end as killed by SIGKILL, whichever helper ran them.
        code: stopped ? 128 + 9 : status.code,
        timedOut,
        aborted,
        durationMs: performance.now() - started,
        ...(message ? { helperMessage: message } : {}),
      };
    } finally {
      clearTimeout(timer);
      await stopper.dispose();
      request.signal?.removeEventListener("abort", onAbort);
    }
  } finally {
    log.close();
  }
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
 * The helper's stderr: picks out the init pid report (bwrap's `--info-fd` JSON
 * block, or the setup script's INIT_PID_LINE) and passes everything else on,
 * keeping the start of it as the helper's message. Works on whole lines.
 */
export class HelperStderr {
  #partial = "";
  #inInfoBlock = false;
  #kept = "";
  readonly #decoder = new TextDecoder();
  readonly #encoder = new TextEncoder();

  constructor(private readonly onInitPid: (pid: number) => void) {}

  /** Returns the part of `chunk` that belongs in the log (complete lines only). */
  filter(chunk: Uint8Array): Uint8Array {
    const text = this.#partial + this.#decoder.decode(chunk, { stream: true });
    const lines = text.split("\n");
    this.#partial = lines.pop() ?? "";
    let passed = "";
    for (const line of lines) {
      if (this.#take(line)) continue;
      passed += `${line}\n`;
    }
    if (passed && this.#kept.length < HELPER_MESSAGE_LIMIT) {
      this.#kept = (this.#kept + passed).slice(0, HELPER_MESSAGE_LIMIT);
    }
    return this.#encoder.encode(passed);
  }

  /** The first HELPER_MESSAGE_LIMIT characters of what the helper printed, besides pid reports. */
  message(): string {
    return (this.#kept + this.#partial).slice(0, HELPER_MESSAGE_LIMIT);
  }

  /** True when `line` is a pid report or known noise (and so is not logged). */
  #take(line: string): boolean {
    // util-linux unshare cannot re-raise SIGKILL on itself after its child died of it, and
    // says so; that is how every stopped unshare sandbox ends, not a problem.
    if (line.startsWith("unshare: sigprocmask unblock failed")) return true;
    if (line.startsWith(`${INIT_PID_LINE} `)) {
      const pid = Number(line.slice(INIT_PID_LINE.length + 1));
      if (Number.isSafeInteger(pid) && pid > 1) this.onInitPid(pid);
      return true;
    }
    if (!this.#inInfoBlock && line === "{") {
      this.#inInfoBlock = true;
      return true;
    }
    if (this.#inInfoBlock) {
      if (line === "}") this.#inInfoBlock = false;
      const match = /^\s*"child-pid":\s*(\d+)/.exec(line);
      if (match) this.onInitPid(Number(match[1]));
      return true;
    }
    return false;
  }
}

/** Stops a running sandbox: the init first (so the helper waits for the namespace), else the helper. */
class SandboxStopper {
  #initPid?: number;
  #stopping = false;
  #exited = false;
  #graceTimer?: ReturnType<typeof setTimeout>;
  #killers: Promise<void>[] = [];

  constructor(private readonly helper: Deno.ChildProcess) {
    helper.status.then(() => this.#exited = true, () => this.#exited = true);
  }

  setInitPid(pid: number): void {
    this.#initPid = pid;
  }

  stop(): void {
    if (this.#stopping) return;
    this.#stopping = true;
    if (this.#initPid !== undefined && this.#killInit(this.#initPid)) {
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
