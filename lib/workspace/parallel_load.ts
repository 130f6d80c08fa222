/**
 * Loading a large workspace on several cores. This thread first looks up the
 * files the manifest cache knows; the others, and those whose bytes changed,
 * are then shared between it and worker threads, each taking the next few
 * from a shared counter, so a slower thread simply takes fewer. The result is
 * the one `loadManifests` gives, in the same order.
 *
 * Workers are an optimisation only: when one cannot start or fails, this
 * thread loads what it did not send back.
 * @module
 */
import {
  digestBytes,
  EntriesPart,
  isCacheable,
  loadManifestBytes,
  loadManifestFile,
  type LoadResult,
  type Manifest,
  type ManifestCache,
  type ManifestSummary,
  readFileBytes,
  summarizeManifest,
  summaryJson,
  type ValidateOptions,
} from "../manifest/mod.ts";
import { gatherResults, type LoadedManifests } from "./discover.ts";
import type { WorkerReply, WorkerTask } from "./load_worker.ts";
import { EventLoopTurns } from "../util/mod.ts";

/** Names the number of load threads (this one included); 1 turns the workers off. */
export const LOAD_THREADS_VARIABLE = "TWONEX_LOAD_THREADS";

/** Files a thread takes from the counter at a time: few enough that all end together. */
const CHUNK = 16;
/** Fewer files than this per thread are not worth a worker's start-up (about 0.1 s). */
const MIN_FILES_PER_THREAD = 400;

/** Validation options a worker can receive: data only, no callback. */
export type PlainValidateOptions = Omit<ValidateOptions, "dependencyInfo">;

export interface ParallelOptions {
  /** Threads in all, this one included; default: TWONEX_LOAD_THREADS, else the cores, at most 8. */
  threads?: number;
  /** Fewest files to validate per thread before workers are used. */
  minFilesPerThread?: number;
  /** The worker module (tests give one that fails). */
  workerUrl?: URL;
  /** Filled in with what the workers did. */
  stats?: { workers: number; loadedByWorkers: number };
}

/** A file to validate; its bytes and their digest when this thread read them already. */
interface Pending {
  index: number;
  read?: { bytes: Uint8Array; digest: string };
}

/** What a load keeps of each valid manifest: all of it, or its summary. */
interface Keep<M extends ManifestSummary> {
  summaries: boolean;
  /** What is kept of `result`; `json` is its JSON text when that was made already. */
  result(result: LoadResult, json?: string): LoadResult<M>;
  /** What is kept of a result the cache parsed from its file (a copy of its own, made by lookup). */
  cached(result: LoadResult): LoadResult<M>;
}

const KEEP_MANIFESTS: Keep<Manifest> = {
  summaries: false,
  // The copy parsed from the text made for the cache entry anyway, rather than
  // the objects the validator built (which hold the pieces their text was put
  // together from): a third smaller, for 80,000 manifests kept until the
  // graph is resolved.
  result: (result, json) => json === undefined ? result : JSON.parse(json),
  cached: (result) => result,
};

const KEEP_SUMMARIES: Keep<ManifestSummary> = {
  summaries: true,
  result: (result) => JSON.parse(summaryJson(result)),
  // Shares the parts it keeps with the copy the cache parsed, which holds no
  // file's text; the rest of that copy is dropped.
  cached: ({ manifest, diagnostics }) =>
    manifest ? { manifest: summarizeManifest(manifest), diagnostics } : { diagnostics },
};

/** Loads `paths` like loadManifests, validating on several threads when there are many to validate. */
export function loadManifestsInParallel(
  paths: string[],
  options: PlainValidateOptions = {},
  cache?: ManifestCache,
  parallel: ParallelOptions = {},
): Promise<LoadedManifests> {
  return loadInParallel(paths, options, cache, parallel, KEEP_MANIFESTS);
}

/**
 * Loads `paths` like loadManifestsInParallel, every manifest validated whole
 * and cached whole, but keeps only the summary of each: for a command that
 * checks the workspace and builds nothing.
 */
export function loadSummariesInParallel(
  paths: string[],
  options: PlainValidateOptions = {},
  cache?: ManifestCache,
  parallel: ParallelOptions = {},
): Promise<LoadedManifests<ManifestSummary>> {
  return loadInParallel(paths, options, cache, parallel, KEEP_SUMMARIES);
}

async function loadInParallel<M extends ManifestSummary>(
  paths: string[],
  options: PlainValidateOptions,
  cache: ManifestCache | undefined,
  parallel: ParallelOptions,
  keep: Keep<M>,
): Promise<LoadedManifests<M>> {
  const threads = parallel.threads ?? defaultThreads();
  const minimum = parallel.minFilesPerThread ?? MIN_FILES_PER_THREAD;
  const workerUrl = parallel.workerUrl ?? new URL("./load_worker.ts", import.meta.url);
  const workersFor = (files: number) => Math.min(threads, Math.floor(files / minimum)) - 1;
  if (workersFor(paths.length) < 1) {
    const results: LoadResult<M>[] = [];
    for (const path of paths) {
      results.push(keep.result(await loadManifestFile(path, options, cache)));
    }
    return gatherResults(paths, results);
  }

  // Files the cache does not know will be validated: their workers start now,
  // so that their modules load while this thread reads the known ones.
  const known = paths.map((path) => cache?.has(path) ?? false);
  const unknown = known.filter((isKnown) => !isKnown).length;
  const workers = startWorkers(workersFor(unknown), workerUrl);

  const results: Array<LoadResult<M> | undefined> = new Array(paths.length);
  const pending: Pending[] = [];
  paths.forEach((path, index) => {
    if (!cache || !known[index]) {
      pending.push({ index });
      return;
    }
    const read = readFileBytes(path);
    if (!read.ok) {
      results[index] = { diagnostics: read.bag.items };
      return;
    }
    const digest = digestBytes(read.bytes);
    const cached = cache.lookup(path, digest);
    if (cached) results[index] = keep.cached(cached);
    else pending.push({ index, read: { bytes: read.bytes, digest } });
  });
  // Many known files changed: workers after all.
  if (workers.length === 0) workers.push(...startWorkers(workersFor(pending.length), workerUrl));

  // This thread serialises its results for the cache file as they come, as the
  // workers do theirs: that work is then shared, not left to this thread after
  // the loop.
  const entries = new EntriesPart();
  const flushEntries = () => cache?.storeSerialized(entries.take());
  const loadHere = async (item: Pending) => {
    const path = paths[item.index];
    let digest = item.read?.digest;
    const result = item.read
      ? await loadManifestBytes(path, item.read.bytes, options)
      : await loadManifestFile(
        path,
        options,
        cache && { lookup: () => undefined, store: (_path, read) => digest = read },
      );
    results[item.index] = cache && digest !== undefined
      ? cacheAndCompact(entries, path, digest, result, keep)
      : keep.result(result);
  };
  let loadedByWorkers = 0;
  const counter = new Int32Array(new SharedArrayBuffer(Int32Array.BYTES_PER_ELEMENT));
  const task: WorkerTask = {
    paths: pending.map((item) => paths[item.index]),
    counter,
    chunk: CHUNK,
    options,
    summaries: keep.summaries,
  };
  const finished = workers.map((worker) =>
    runWorker(worker, task, (reply) => {
      for (const { position, json, result } of reply.results) {
        results[pending[position].index] = json === undefined
          ? keep.result(result!)
          : JSON.parse(json);
      }
      loadedByWorkers += reply.results.length;
      cache?.storeSerialized(reply.entries);
    })
  );
  const turns = new EventLoopTurns();
  for (;;) {
    const start = Atomics.add(counter, 0, CHUNK);
    if (start >= pending.length) break;
    for (const item of pending.slice(start, start + CHUNK)) await loadHere(item);
    flushEntries();
    // The event loop turns after each chunk: a starting worker's modules load
    // only then, and the workers' results are taken in as they come rather
    // than all after this loop.
    await turns.next();
  }
  turns.close();
  await Promise.all(finished);
  for (const worker of workers) worker.terminate();
  // Files a failed worker had taken but not sent back.
  for (const item of pending) if (results[item.index] === undefined) await loadHere(item);
  flushEntries();
  if (parallel.stats) Object.assign(parallel.stats, { workers: workers.length, loadedByWorkers });
  return gatherResults(paths, results as LoadResult<M>[]);
}

/** Adds the cache entry of `result` and returns what `keep` keeps of it, as the workers do. */
function cacheAndCompact<M extends ManifestSummary>(
  entries: EntriesPart,
  path: string,
  digest: string,
  result: LoadResult,
  keep: Keep<M>,
): LoadResult<M> {
  if (!isCacheable(result)) return keep.result(result);
  const json = JSON.stringify(result);
  entries.addJson(path, digest, json);
  return keep.result(result, json);
}

/** TWONEX_LOAD_THREADS when it is a whole number from 1, else the cores (at most 8). */
export function defaultThreads(): number {
  const configured = Number(Deno.env.get(LOAD_THREADS_VARIABLE) ?? "");
  if (Number.isInteger(configured) && configured >= 1) return configured;
  return Math.min(8, navigator.hardwareConcurrency ?? 1);
}

function startWorkers(count: number, url: URL): Worker[] {
  const workers: Worker[] = [];
  try {
    for (let i = 0; i < count; i++) workers.push(new Worker(url, { type: "module" }));
  } catch {
    // No worker support (say, a binary compiled without the worker module): fewer threads.
  }
  return workers;
}

/** Hands `task` to `worker`; resolves when it is done or has failed. */
function runWorker(
  worker: Worker,
  task: WorkerTask,
  accept: (reply: WorkerReply) => void,
): Promise<void> {
  return new Promise((resolve) => {
    const end = () => resolve();
    worker.onmessage = (event: MessageEvent<WorkerReply>) => {
      accept(event.data);
      if (event.data.done) end();
    };
    worker.onerror = (event) => {
      event.preventDefault();
      end();
    };
    worker.onmessageerror = end;
    try {
      worker.postMessage(task);
    } catch {
      end();
    }
  });
}
