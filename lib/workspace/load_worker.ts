/**
 * A worker thread of the parallel loader (parallel_load.ts): takes files from
 * the shared counter, reads, hashes, parses and validates them, and sends the
 * results back in batches.
 * @module
 */
import {
  EntriesPart,
  isCacheable,
  loadManifestFile,
  type LoadResult,
  type SerializedEntries,
  summaryJson,
  type ValidateOptions,
} from "../manifest/mod.ts";

export interface WorkerTask {
  paths: string[];
  /** The next position in `paths` that no thread has taken. */
  counter: Int32Array;
  chunk: number;
  options: Omit<ValidateOptions, "dependencyInfo">;
  /** Send back the summary of each manifest (ManifestSummary), not the whole of it. */
  summaries?: boolean;
}

/** The worker's messages: batches of results, the last one `done`. */
export interface WorkerReply {
  /**
   * A result comes as JSON text when JSON carries it exactly (its copy is far
   * cheaper to receive than a structured clone), else as itself. With
   * `summaries`, always as JSON text, of the result with its manifest summarised.
   */
  results: Array<{ position: number; json?: string; result?: LoadResult }>;
  /** The cache entries of these results (of the files that could be read), for ManifestCache.storeSerialized. */
  entries: SerializedEntries;
  done: boolean;
}

/**
 * Results sent at a time: few, so that they leave before the worker's garbage
 * collector has moved them to its old generation, which then only grows
 * until a full collection. For 40,000 manifests the worker's heap ended at
 * 134 MB with batches of 256 and at 49 MB with batches of 32.
 */
const BATCH = 32;

/** Loads one file; its cache entry goes to `entries`. */
async function load(
  path: string,
  { options, summaries }: Pick<WorkerTask, "options" | "summaries">,
  entries: EntriesPart,
): Promise<Omit<WorkerReply["results"][number], "position">> {
  // The loader reports the digest of the bytes it validated through store();
  // a file it could not read has none, and no cache entry.
  let digest: string | undefined;
  const result = await loadManifestFile(path, options, {
    lookup: () => undefined,
    store: (_path, validated) => digest = validated,
  });
  const cacheable = isCacheable(result);
  const json = cacheable ? JSON.stringify(result) : undefined;
  if (json !== undefined && digest !== undefined) entries.addJson(path, digest, json);
  if (summaries) return { json: summaryJson(result) };
  return json === undefined ? { result } : { json };
}

const scope = self as unknown as {
  onmessage: ((event: MessageEvent<WorkerTask>) => void) | null;
  postMessage(message: WorkerReply, transfer: Transferable[]): void;
};

scope.onmessage = async (event) => {
  const { paths, counter, chunk, options, summaries } = event.data;
  let results: WorkerReply["results"] = [];
  const entries = new EntriesPart();
  const send = (done: boolean) => {
    const reply: WorkerReply = { results, entries: entries.take(), done };
    scope.postMessage(reply, [reply.entries.bytes.buffer]);
    results = [];
  };
  for (;;) {
    const start = Atomics.add(counter, 0, chunk);
    if (start >= paths.length) break;
    const end = Math.min(start + chunk, paths.length);
    for (let position = start; position < end; position++) {
      const loaded = await load(paths[position], { options, summaries }, entries);
      results.push({ position, ...loaded });
    }
    if (results.length >= BATCH) send(false);
  }
  send(true);
};
