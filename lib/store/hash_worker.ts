/**
 * A worker thread of parallel_hash.ts: takes files from the shared counter
 * (largest first), hashes each as an ostree file object into the shared
 * checksums and marks it done. A file it cannot read is left unmarked: the
 * parent hashes it again and reports the error with its own messages.
 * @module
 */
import { regularFileChecksum } from "./checksum.ts";

export interface HashWorkerTask {
  paths: string[];
  /** Canonical modes, by file. */
  modes: number[];
  /** Sizes when the tree was walked, by file: a file whose size changed since is left to the parent. */
  sizes: number[];
  /** File positions, largest first: the counter walks this. */
  order: Int32Array;
  /** The next position in `order` that no thread has taken. */
  counter: Int32Array;
  /** 32 bytes per file, at its position in `paths`. */
  checksums: Uint8Array;
  /** 1 once a file's checksum is in place. */
  done: Uint8Array;
  /** The {@link WorkerState} of each worker, changed only by compare-and-exchange. */
  states: Int32Array;
  /** This worker's place in `states`. */
  slot: number;
}

/**
 * Whether a worker takes part: it claims `working` when it starts, unless the
 * parent, done before it started, claimed `unneeded` first and stopped waiting.
 */
export const WorkerState = { starting: 0, working: 1, unneeded: 2 } as const;

/** Sent once, when the counter has run out. */
export interface HashWorkerReply {
  /** Files this worker hashed. */
  hashed: number;
}

const scope = self as unknown as {
  onmessage: ((event: MessageEvent<HashWorkerTask | MessagePort>) => void) | null;
  postMessage(message: HashWorkerReply): void;
};

// A task from the thread that started this worker, or a port to a thread that
// borrows it (parallel_hash.ts, lendHashWorkers), over which tasks then come.
scope.onmessage = (event) => {
  const data = event.data;
  if (data instanceof MessagePort) {
    data.onmessage = (task: MessageEvent<HashWorkerTask>) => data.postMessage(run(task.data));
    return;
  }
  scope.postMessage(run(data));
};

function run(task: HashWorkerTask): HashWorkerReply {
  const { paths, modes, sizes, order, counter, checksums, done, states, slot } = task;
  let hashed = 0;
  if (
    Atomics.compareExchange(states, slot, WorkerState.starting, WorkerState.working) !==
      WorkerState.starting
  ) {
    return { hashed };
  }
  for (;;) {
    const next = Atomics.add(counter, 0, 1);
    if (next >= order.length) break;
    const i = order[next];
    try {
      checksums.set(regularFileChecksum(paths[i], modes[i], sizes[i]), i * 32);
    } catch {
      continue;
    }
    Atomics.store(done, i, 1);
    hashed++;
  }
  return { hashed };
}
