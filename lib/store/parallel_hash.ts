/**
 * Hashing the regular files of a tree on several cores. Reading and hashing
 * the files is nearly all of the work of an output hash (the dirtrees above
 * them are small), and each file is independent, so the files are shared
 * between this thread and worker threads: largest first, each thread taking
 * the next from a shared counter, so that a slower thread simply takes fewer
 * and the threads end together. Results land in shared memory, 32 bytes per
 * file, in the files' own order.
 *
 * Workers are an optimisation only: when one cannot start or fails, this
 * thread hashes what it did not finish, and reports any error itself.
 *
 * @example
 * ```ts
 * declare function hashOneFile(job: FileJob): Uint8Array;
 * const jobs: FileJob[] = [{ path: "/out/usr/bin/m4", mode: 0o100755, size: 1_048_576 }];
 * const checksums = await hashFileJobs(jobs, (job) => hashOneFile(job));
 * const first = checksums.slice(0, 32);
 * ```
 * @module
 */
import { type HashWorkerReply, type HashWorkerTask, WorkerState } from "./hash_worker.ts";
import { EventLoopTurns } from "../util/mod.ts";

/** A regular file to hash as an ostree file object. */
export interface FileJob {
  path: string;
  /** The canonical mode its header records. */
  mode: number;
  /** Its size when the tree was walked: to order the work, largest first. */
  size: number;
}

/** How many threads may hash, and when they are worth starting. */
export interface HashThreadOptions {
  /** Threads in all, this one included; default: the cores, at most {@link MAX_THREADS}. */
  threads?: number;
  /** Fewest bytes of work per thread before a worker is started (see {@link FILE_COST}). */
  minWorkPerThread?: number;
  /** The worker module (tests give one that fails). */
  workerUrl?: URL;
  /** Filled in with what the workers did. */
  stats?: { workers: number; hashedByWorkers: number };
}

/** Bytes of a raw sha256. */
const CHECKSUM_BYTES = 32;
/** More threads than this gain nothing here: reading from the page cache saturates first. */
export const MAX_THREADS = 4;
/**
 * What opening, reading and closing one file costs, in bytes hashed in the
 * same time (~30 µs against ~1.5 GB/s of sha256): so that many small files
 * count, not only their bytes.
 */
export const FILE_COST = 48 * 1024;
/**
 * A worker costs ~40 ms of CPU to start (its own isolate, `node:crypto`): worth
 * it only when each thread gets at least as much hashing (64 MiB, ~45 ms).
 */
const MIN_WORK_PER_THREAD = 64 * 1024 * 1024;
/** The longest this thread keeps its event loop waiting while it hashes. */
const PAUSE_MS = 50;

/**
 * The checksums of `jobs`, 32 bytes each, in their order. `hashHere` hashes one
 * file on this thread (and throws what a failure to read it means); the workers
 * do the same through `hash_worker.ts`.
 */
export async function hashFileJobs(
  jobs: FileJob[],
  hashHere: (job: FileJob) => Uint8Array,
  options: HashThreadOptions = {},
): Promise<Uint8Array> {
  const wanted = workersFor(jobs, options);
  const borrowed = options.workerUrl ? [] : borrowWorkers(wanted);
  const workers = [...borrowed, ...startWorkers(wanted - borrowed.length, options.workerUrl)];
  if (workers.length === 0) {
    const checksums = new Uint8Array(jobs.length * CHECKSUM_BYTES);
    const pause = new Pauses();
    for (let i = 0; i < jobs.length; i++) {
      checksums.set(hashHere(jobs[i]), i * CHECKSUM_BYTES);
      await pause.now();
    }
    return checksums;
  }
  try {
    return await hashShared(jobs, hashHere, workers, options.stats);
  } finally {
    for (const worker of workers) {
      if (worker instanceof Worker) worker.terminate();
      else idlePorts.push(worker);
    }
  }
}

/**
 * Ports to hash workers that the launcher started beside the command's worker
 * (launch.ts): a worker started from a worker takes about a second to start
 * (Deno), one started by the launcher about a tenth of that, in parallel with
 * the command's own start-up. Each serves one tree at a time.
 */
const idlePorts: MessagePort[] = [];

/** Lets this thread's hashing use these workers (see {@link startHashWorkers}). */
export function lendHashWorkers(ports: MessagePort[]): void {
  idlePorts.push(...ports);
}

function borrowWorkers(count: number): MessagePort[] {
  return idlePorts.splice(0, Math.max(0, count));
}

/**
 * Starts `count` hash workers that may read only `readable`, for a thread
 * that will {@link lendHashWorkers} the returned ports; the caller terminates
 * the workers when that thread is done.
 */
export function startHashWorkers(
  count: number,
  readable: string,
): { workers: Worker[]; ports: MessagePort[] } {
  const workers: Worker[] = [];
  const ports: MessagePort[] = [];
  try {
    for (let i = 0; i < count; i++) {
      const worker = new Worker(new URL("./hash_worker.ts", import.meta.url), {
        type: "module",
        deno: {
          permissions: {
            read: [readable],
            write: false,
            net: false,
            env: false,
            run: false,
            sys: false,
            ffi: false,
            import: false,
          },
        },
      });
      workers.push(worker);
      const channel = new MessageChannel();
      worker.postMessage(channel.port1, [channel.port1]);
      ports.push(channel.port2);
    }
  } catch {
    // No worker support: the command hashes with what it has.
  }
  return { workers, ports };
}

/** Threads a command should have to hash with: this one and the workers of {@link startHashWorkers}. */
export function hashThreads(): number {
  return Math.min(MAX_THREADS, navigator.hardwareConcurrency || 1);
}

/** How many workers `jobs` are worth, beside this thread. */
function workersFor(jobs: FileJob[], options: HashThreadOptions): number {
  const threads = options.threads ?? hashThreads();
  const minimum = options.minWorkPerThread ?? MIN_WORK_PER_THREAD;
  let work = 0;
  for (const job of jobs) work += job.size + FILE_COST;
  const worthIt = minimum <= 0 ? threads : Math.floor(work / minimum);
  return Math.max(0, Math.min(threads, worthIt, jobs.length) - 1);
}

async function hashShared(
  jobs: FileJob[],
  hashHere: (job: FileJob) => Uint8Array,
  workers: Array<Worker | MessagePort>,
  stats: HashThreadOptions["stats"],
): Promise<Uint8Array> {
  const n = jobs.length;
  const order = new Int32Array(new SharedArrayBuffer(n * Int32Array.BYTES_PER_ELEMENT));
  const byLargest = jobs.map((_, i) => i).sort((a, b) => jobs[b].size - jobs[a].size);
  order.set(byLargest);
  const task: HashWorkerTask = {
    paths: jobs.map((job) => job.path),
    modes: jobs.map((job) => job.mode),
    sizes: jobs.map((job) => job.size),
    order,
    counter: new Int32Array(new SharedArrayBuffer(Int32Array.BYTES_PER_ELEMENT)),
    checksums: new Uint8Array(new SharedArrayBuffer(n * CHECKSUM_BYTES)),
    done: new Uint8Array(new SharedArrayBuffer(n)),
    states: new Int32Array(new SharedArrayBuffer(workers.length * Int32Array.BYTES_PER_ELEMENT)),
    slot: 0,
  };
  let hashedByWorkers = 0;
  const finished = workers.map((worker, slot) =>
    runWorker(worker, { ...task, slot }, (reply) => hashedByWorkers += reply.hashed)
  );
  const { counter, checksums, done, states } = task;
  const pause = new Pauses();
  const turns = new EventLoopTurns();
  const starting = () => states.some((state) => state === WorkerState.starting);
  try {
    for (;;) {
      const next = Atomics.add(counter, 0, 1);
      if (next >= n) break;
      const i = order[next];
      checksums.set(hashHere(jobs[i]), i * CHECKSUM_BYTES);
      Atomics.store(done, i, 1);
      // A worker started from a worker loads its modules only as this thread's
      // event loop turns: after every file until all have started.
      if (starting()) await turns.next();
      else await pause.now();
    }
  } finally {
    turns.close();
  }
  // A worker still starting when the work is gone (its isolate can take longer
  // to start than a small tree takes to hash) is not waited for.
  await Promise.all(
    finished.filter((_, slot) =>
      Atomics.compareExchange(states, slot, WorkerState.starting, WorkerState.unneeded) !==
        WorkerState.starting
    ),
  );
  // Files a failed worker had taken but not finished: hashed (or reported) here.
  for (let i = 0; i < n; i++) {
    if (Atomics.load(done, i) === 0) checksums.set(hashHere(jobs[i]), i * CHECKSUM_BYTES);
  }
  if (stats) Object.assign(stats, { workers: workers.length, hashedByWorkers });
  // A copy in ordinary memory: what the checksums are used for need not know about sharing.
  return checksums.slice();
}

function startWorkers(count: number, url?: URL): Worker[] {
  const workers: Worker[] = [];
  try {
    for (let i = 0; i < count; i++) {
      workers.push(
        new Worker(url ?? new URL("./hash_worker.ts", import.meta.url), {
          type: "module",
        }),
      );
    }
  } catch {
    // No worker support (say, a binary compiled without the worker module): fewer threads.
  }
  return workers;
}

/** Hands `task` to `worker` (or a lent worker's port); resolves when it is done or has failed. */
function runWorker(
  worker: Worker | MessagePort,
  task: HashWorkerTask,
  accept: (reply: HashWorkerReply) => void,
): Promise<void> {
  return new Promise((resolve) => {
    worker.onmessage = (event: MessageEvent<HashWorkerReply>) => {
      accept(event.data);
      resolve();
    };
    if (worker instanceof Worker) {
      worker.onerror = (event) => {
        event.preventDefault();
        resolve();
      };
    }
    worker.onmessageerror = () => resolve();
    try {
      worker.postMessage(task);
    } catch {
      resolve();
    }
  });
}

/**
 * Lets the event loop turn about every {@link PAUSE_MS}: hashing uses
 * synchronous file calls (several times faster than the async ops for many
 * small files), and other work of this thread (progress output, timers of
 * parallel builds) still gets its turn. By time, not by files: a turn can cost
 * milliseconds on a busy machine, and a turn every few hundred files cost a
 * quarter of the time of hashing a tree of headers.
 */
export class Pauses {
  #last = performance.now();

  async now(): Promise<void> {
    if (performance.now() - this.#last < PAUSE_MS) return;
    await new Promise((resolve) => setTimeout(resolve, 0));
    this.#last = performance.now();
  }
}
