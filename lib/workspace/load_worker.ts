/**
 * A worker thread of the parallel loader (parallel_load.ts): takes files from
 * the shared counter, reads, hashes, parses and validates them, and sends the
 * results back in batches.
 * @module
 */
import { isCacheable } from "../manifest/cache.ts";
import { loadManifestFile, type LoadResult } from "../manifest/load.ts";
import type { ValidateOptions } from "../manifest/validate.ts";

export interface WorkerTask {
  paths: string[];
  /** The next position in `paths` that no thread has taken. */
  counter: Int32Array;
  chunk: number;
  options: Omit<ValidateOptions, "dependencyInfo">;
}

/** The worker's messages: "ready" once its modules are loaded, then batches of results. */
export type WorkerMessage = { ready: true } | WorkerReply;

export interface WorkerReply {
  ready?: undefined;
  /**
   * `digest` is the sha256 of the bytes validated, absent when the file could
   * not be read. A result comes as JSON text when JSON carries it exactly (its
   * copy is far cheaper to receive than a structured clone), else as itself.
   */
  results: Array<{ position: number; digest?: string; json?: string; result?: LoadResult }>;
  done: boolean;
}

/** Results sent at a time: each is serialised soon after it is made, not all at the end. */
const BATCH = 256;

function load(
  path: string,
  options: WorkerTask["options"],
): Omit<WorkerReply["results"][number], "position"> {
  // The loader reports the digest of the bytes it validated through store();
  // a file it could not read has none.
  let digest: string | undefined;
  const result = loadManifestFile(path, options, {
    lookup: () => undefined,
    store: (_path, validated) => digest = validated,
  });
  return isCacheable(result) ? { digest, json: JSON.stringify(result) } : { digest, result };
}

const scope = self as unknown as {
  onmessage: ((event: MessageEvent<WorkerTask>) => void) | null;
  postMessage(message: WorkerMessage): void;
};

scope.onmessage = (event) => {
  const { paths, counter, chunk, options } = event.data;
  let results: WorkerReply["results"] = [];
  for (;;) {
    const start = Atomics.add(counter, 0, chunk);
    if (start >= paths.length) break;
    const end = Math.min(start + chunk, paths.length);
    for (let position = start; position < end; position++) {
      results.push({ position, ...load(paths[position], options) });
    }
    if (results.length >= BATCH) {
      scope.postMessage({ results, done: false });
      results = [];
    }
  }
  scope.postMessage({ results, done: true });
};

// Loading this module took the main thread's help (it must turn its event
// loop meanwhile); it can stop doing so now.
scope.postMessage({ ready: true });
