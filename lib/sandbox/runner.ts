/**
 * Runs a sandbox helper process (bwrap or unshare, possibly behind setarch and
 * taskset, which exec it): streams its output to the log, enforces the time
 * limit and the abort signal, and returns only once every sandboxed process
 * is gone.
 *
 * Why that holds: both helpers run the build in a new pid namespace whose init
 * is the helper's child. The kernel kills every process of a pid namespace
 * when its init dies, and the init only turns into a zombie after all of them
 * are reaped. On a normal exit the helper waits for its init, so its own exit
 * comes after. On a kill we SIGKILL the init and the helper, then wait until
 * the init is gone or a zombie.
 * @module
 */
import { FailureError } from "../util/errors.ts";
import { spawnError } from "../util/process.ts";
import type { SandboxRequest, SandboxResult } from "./types.ts";

/** PATH for the helper itself (never the build's): where hosts keep util-linux and bwrap. */
const HELPER_PATH = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";

/** How much of the helper's own stderr is kept for `helperMessage`. */
const HELPER_MESSAGE_LIMIT = 8192;

/** How long to wait for the pid namespace to die after a kill before reporting an error. */
const REAP_LIMIT_MS = 10_000;

/** Runs `argv` (a helper command line built by an implementation) for `request`. */
export async function runHelper(argv: string[], request: SandboxRequest): Promise<SandboxResult> {
  const started = performance.now();
  const log = await openLog(request.logPath);
  try {
    const [program, ...args] = argv;
    let child: Deno.ChildProcess;
    try {
      child = new Deno.Command(program, {
        args,
        clearEnv: true,
        env: { PATH: HELPER_PATH, LC_ALL: "C" },
        stdin: "null",
        stdout: "piped",
        stderr: "piped",
      }).spawn();
    } catch (error) {
      throw spawnError(program, error);
    }

    const killer = new SandboxKiller(child);
    let timedOut = false;
    let aborted = false;
    const timer = setTimeout(() => {
      timedOut = true;
      killer.kill();
    }, request.timeoutMs);
    const onAbort = () => {
      aborted = true;
      killer.kill();
    };
    if (request.signal?.aborted) onAbort();
    else request.signal?.addEventListener("abort", onAbort, { once: true });

    const sink = new LogSink(log, request.onOutput);
    const helperMessage = new BoundedText(HELPER_MESSAGE_LIMIT);
    try {
      let status: Deno.CommandStatus;
      try {
        [status] = await Promise.all([
          child.status,
          sink.pump(child.stdout),
          sink.pump(child.stderr, (chunk) => helperMessage.add(chunk)),
        ]);
      } catch (error) {
        // The log or the output callback failed: never leave the build running behind us.
        killer.kill();
        await child.status;
        await killer.waitForNamespace();
        throw error;
      }
      await killer.waitForNamespace();
      const message = helperMessage.text().trim();
      return {
        code: status.code,
        timedOut,
        aborted,
        durationMs: performance.now() - started,
        ...(message ? { helperMessage: message } : {}),
      };
    } finally {
      clearTimeout(timer);
      request.signal?.removeEventListener("abort", onAbort);
    }
  } finally {
    log.close();
  }
}

async function openLog(path: string): Promise<Deno.FsFile> {
  try {
    return await Deno.open(path, { append: true, create: true });
  } catch (error) {
    throw new FailureError(`cannot open the build log ${path}: ${(error as Error).message}`);
  }
}

/** Appends chunks from several streams to one file, one whole chunk at a time, with backpressure. */
class LogSink {
  #queue: Promise<void> = Promise.resolve();

  constructor(
    private readonly file: Deno.FsFile,
    private readonly onOutput?: (chunk: Uint8Array) => void,
  ) {}

  async pump(stream: ReadableStream<Uint8Array>, tap?: (chunk: Uint8Array) => void) {
    for await (const chunk of stream) {
      tap?.(chunk);
      this.onOutput?.(chunk);
      await this.#write(chunk);
    }
  }

  #write(chunk: Uint8Array): Promise<void> {
    this.#queue = this.#queue.then(async () => {
      let written = 0;
      while (written < chunk.length) written += await this.file.write(chunk.subarray(written));
    });
    return this.#queue;
  }
}

/** Keeps the first `limit` bytes of a byte stream as text. */
class BoundedText {
  #parts: Uint8Array[] = [];
  #size = 0;
  constructor(private readonly limit: number) {}

  add(chunk: Uint8Array): void {
    if (this.#size >= this.limit) return;
    const part = chunk.subarray(0, this.limit - this.#size);
    this.#parts.push(part);
    this.#size += part.length;
  }

  text(): string {
    const all = new Uint8Array(this.#size);
    let offset = 0;
    for (const part of this.#parts) {
      all.set(part, offset);
      offset += part.length;
    }
    return new TextDecoder().decode(all);
  }
}

/** A process we did not spawn ourselves, identified by pid and start time (against pid reuse). */
interface ProcessIdentity {
  pid: number;
  startTime: string;
}

/** Kills the helper and its pid namespace, and waits for the namespace to be gone. */
class SandboxKiller {
  #victims: ProcessIdentity[] = [];

  constructor(private readonly helper: Deno.ChildProcess) {}

  /** SIGKILL the helper's children (the namespace's init) first, then the helper. */
  kill(): void {
    for (const pid of childrenOf(this.helper.pid)) {
      const identity = identify(pid);
      if (!identity) continue;
      this.#victims.push(identity);
      try {
        Deno.kill(pid, "SIGKILL");
      } catch {
        // Already gone.
      }
    }
    try {
      this.helper.kill("SIGKILL");
    } catch {
      // Already exited.
    }
  }

  /** Resolves once every process killed by `kill` is gone or a zombie (its namespace is then empty). */
  async waitForNamespace(): Promise<void> {
    const deadline = performance.now() + REAP_LIMIT_MS;
    for (const victim of this.#victims) {
      while (isAlive(victim)) {
        if (performance.now() > deadline) {
          throw new FailureError(
            `sandbox process ${victim.pid} did not exit ${REAP_LIMIT_MS / 1000} s after SIGKILL`,
          );
        }
        await new Promise((resolve) => setTimeout(resolve, 5));
      }
    }
  }
}

function childrenOf(pid: number): number[] {
  const children: number[] = [];
  let tasks: Iterable<Deno.DirEntry>;
  try {
    tasks = Deno.readDirSync(`/proc/${pid}/task`);
  } catch {
    return children;
  }
  for (const task of tasks) {
    try {
      const text = Deno.readTextFileSync(`/proc/${pid}/task/${task.name}/children`);
      for (const field of text.trim().split(/\s+/)) if (field) children.push(Number(field));
    } catch {
      // The task ended meanwhile.
    }
  }
  return children;
}

/** Fields of /proc/PID/stat after the command name (which may hold spaces and parentheses). */
function statFields(pid: number): string[] | undefined {
  try {
    const stat = Deno.readTextFileSync(`/proc/${pid}/stat`);
    return stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  } catch {
    return undefined;
  }
}

function identify(pid: number): ProcessIdentity | undefined {
  const fields = statFields(pid);
  // Field 22 of stat (starttime) is index 19 after the name.
  return fields ? { pid, startTime: fields[19] } : undefined;
}

function isAlive(process: ProcessIdentity): boolean {
  const fields = statFields(process.pid);
  if (!fields || fields[19] !== process.startTime) return false;
  return fields[0] !== "Z" && fields[0] !== "X";
}
