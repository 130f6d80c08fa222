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
import { digestBytes, type ManifestCache } from "../manifest/cache.ts";
import { loadManifestBytes, loadManifestFile, type LoadResult } from "../manifest/load.ts";
import { readFileBytes } from "../manifest/read.ts";
import type { ValidateOptions } from "../manifest/validate.ts";
import { gatherResults, type LoadedManifests, loadManifests } from "./discover.ts";
import type { WorkerMessage, WorkerReply, WorkerTask } from "./load_worker.ts";

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

/** Loads `paths` like loadManifests, validating on several threads when there are many to validate. */
export async function loadManifestsInParallel(
  paths: string[],
  options: PlainValidateOptions = {},
  cache?: ManifestCache,
  parallel: ParallelOptions = {},
): Promise<LoadedManifests> {
  const threads = parallel.threads ?? defaultThreads();
  const minimum = parallel.minFilesPerThread ?? MIN_FILES_PER_THREAD;
  const workerUrl = parallel.workerUrl ?? new URL("./load_worker.ts", import.meta.url);
  const workersFor = (files: number) => Math.min(threads, Math.floor(files / minimum)) - 1;
  if (workersFor(paths.length) < 1) return loadManifests(paths, options, cache);

  // Files the cache does not know will be validated: their workers start now,
  // so that their modules load while this thread reads the known ones.
  const unknown = cache ? paths.filter((path) => !cache.has(path)).length : paths.length;
  const workers = startWorkers(workersFor(unknown), workerUrl);

  const results: Array<LoadResult | undefined> = new Array(paths.length);
  const pending: Pending[] = [];
  paths.forEach((path, index) => {
    if (!cache?.has(path)) {
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
    if (cached) results[index] = cached;
    else pending.push({ index, read: { bytes: read.bytes, digest } });
  });
  // Many known files changed: workers after all.
  if (workers.length === 0) workers.push(...startWorkers(workersFor(pending.length), workerUrl));

  const loadHere = (item: Pending) => {
    const path = paths[item.index];
    if (!item.read) {
      results[item.index] = loadManifestFile(path, options, cache);
      return;
    }
    const result = loadManifestBytes(path, item.read.bytes, options);
    cache?.store(path, item.read.digest, result);
    results[item.index] = result;
  };
  let loadedByWorkers = 0;
  let starting = workers.length;
  const counter = new Int32Array(new SharedArrayBuffer(Int32Array.BYTES_PER_ELEMENT));
  const task: WorkerTask = {
    paths: pending.map((item) => paths[item.index]),
    counter,
    chunk: CHUNK,
    options,
  };
  const finished = workers.map((worker) =>
    runWorker(worker, task, () => starting--, ({ position, digest, json, result: sent }) => {
      const index = pending[position].index;
      const result = json === undefined ? sent! : JSON.parse(json) as LoadResult;
      results[index] = result;
      if (digest !== undefined) cache?.store(paths[index], digest, result, json);
      loadedByWorkers++;
    })
  );
  for (;;) {
    const start = Atomics.add(counter, 0, CHUNK);
    if (start >= pending.length) break;
    pending.slice(start, start + CHUNK).forEach(loadHere);
    // A worker's modules load only while this thread's event loop turns.
    if (starting > 0) await new Promise((resolve) => setTimeout(resolve, 0));
  }
  await Promise.all(finished);
  for (const worker of workers) worker.terminate();
  // Files a failed worker had taken but not sent back.
  for (const item of pending) if (results[item.index] === undefined) loadHere(item);
  if (parallel.stats) Object.assign(parallel.stats, { workers: workers.length, loadedByWorkers });
  return gatherResults(paths, results as LoadResult[]);
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

/**
 * Hands `task` to `worker`; calls `started` once, when it is ready or has
 * failed; resolves when it is done or has failed.
 */
function runWorker(
  worker: Worker,
  task: WorkerTask,
  started: () => void,
  accept: (reply: WorkerReply["results"][number]) => void,
): Promise<void> {
  let waiting = true;
  const ready = () => {
    if (waiting) started();
    waiting = false;
  };
  return new Promise((resolve) => {
    const end = () => {
      ready();
      resolve();
    };
    worker.onmessage = (event: MessageEvent<WorkerMessage>) => {
      const message = event.data;
      if (message.ready) return ready();
      for (const reply of message.results) accept(reply);
      if (message.done) end();
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
