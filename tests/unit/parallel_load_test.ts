import assert from "node:assert/strict";
import { join } from "node:path";
import { ManifestCache } from "../../lib/manifest/cache.ts";
import {
  discoverManifests,
  type LoadedManifests,
  loadManifests,
} from "../../lib/workspace/discover.ts";
import {
  loadManifestsInParallel,
  loadSummariesInParallel,
} from "../../lib/workspace/parallel_load.ts";
import { type Manifest, type ManifestSummary, summarizeManifest } from "../../lib/manifest/mod.ts";
import type { WorkerTask } from "../../lib/workspace/load_worker.ts";
import { repoRoot, twonex } from "../helpers/cli.ts";
import { withoutUndefined } from "../helpers/data.ts";

/**
 * Every manifest of the repository, good and bad, then the good ones repeated
 * until there are at least `count`: enough work for a worker to join in.
 */
function manyPaths(count: number): string[] {
  const good = discoverManifests([join(repoRoot, "manifests")]);
  const paths = discoverManifests([
    join(repoRoot, "manifests"),
    join(repoRoot, "tests/fixtures/bad-manifests"),
    join(repoRoot, "tests/fixtures/workspaces"),
  ]);
  assert.ok(paths.length > 60, `found only ${paths.length} manifests`);
  const out = [...paths];
  while (out.length < count) out.push(...good);
  return out;
}

/**
 * Starts the load worker once and waits for its answer to an empty task. The
 * test runner type-checks a worker's module when the first one starts, which
 * takes longer than these loads: without this, the worker would find nothing
 * left to do.
 */
async function warmUpWorker(): Promise<void> {
  const worker = new Worker(new URL("../../lib/workspace/load_worker.ts", import.meta.url), {
    type: "module",
  });
  const empty: WorkerTask = {
    paths: [],
    counter: new Int32Array(new SharedArrayBuffer(4)),
    chunk: 16,
    options: {},
  };
  const answered = new Promise((resolve) => worker.onmessage = resolve);
  worker.postMessage(empty);
  await answered;
  worker.terminate();
}

/**
 * Asserts that two loads are equal, item by item: one deepEqual of thousands
 * of manifests would, on failure, spend gigabytes on its diff.
 */
function assertSameLoad(actual: LoadedManifests<ManifestSummary>, expected: unknown): void {
  const want = expected as Record<keyof LoadedManifests, unknown[]>;
  const got = withoutUndefined(actual) as Record<keyof LoadedManifests, unknown[]>;
  for (const key of ["manifests", "diagnostics", "failed"] as const) {
    assert.equal(got[key].length, want[key].length, `number of ${key}`);
    got[key].forEach((item, index) => assert.deepEqual(item, want[key][index], `${key}[${index}]`));
  }
}

/** What loading on one thread gives, kept for the tests below: loading thousands takes seconds. */
const references = new Map<number, unknown>();
async function sequential(paths: string[]): Promise<unknown> {
  if (!references.has(paths.length)) {
    references.set(paths.length, withoutUndefined(await loadManifests(paths)));
  }
  return references.get(paths.length);
}

Deno.test("parallel load: the same results in the same order as loading on one thread", async () => {
  await warmUpWorker();
  const paths = manyPaths(3000);
  const stats = { workers: 0, loadedByWorkers: 0 };
  const loaded = await loadManifestsInParallel(paths, {}, undefined, {
    threads: 2,
    minFilesPerThread: 1,
    stats,
  });
  assert.equal(stats.workers, 1);
  assert.ok(stats.loadedByWorkers > 0, "the worker loaded nothing");
  assert.ok(stats.loadedByWorkers < paths.length, "this thread loaded nothing");
  assertSameLoad(loaded, await sequential(paths));
});

Deno.test("parallel load: what a worker fills the cache with is read back as the same results", async () => {
  await warmUpWorker();
  const paths = manyPaths(3000);
  const dir = await Deno.makeTempDir();
  try {
    const file = join(dir, "manifests.json");
    const options = { threads: 2, minFilesPerThread: 1 };
    const stats = { workers: 0, loadedByWorkers: 0 };
    const first = ManifestCache.open(file, "test");
    await loadManifestsInParallel(paths, {}, first, { ...options, stats });
    await first.save();
    assert.ok(stats.loadedByWorkers > 0, "the worker loaded nothing");

    // The second run finds every readable file in the cache: no worker is started.
    const second = ManifestCache.open(file, "test");
    const again = { workers: 0, loadedByWorkers: 0 };
    const loaded = await loadManifestsInParallel(paths, {}, second, { ...options, stats: again });
    assert.equal(again.workers, 0);
    assertSameLoad(loaded, await sequential(paths));
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("parallel load of summaries: the summary of each manifest is kept, the whole one cached", async () => {
  await warmUpWorker();
  const paths = manyPaths(3000);
  const dir = await Deno.makeTempDir();
  try {
    const file = join(dir, "manifests.json");
    const options = { threads: 2, minFilesPerThread: 1 };
    const stats = { workers: 0, loadedByWorkers: 0 };
    const cache = ManifestCache.open(file, "test");
    const summaries = await loadSummariesInParallel(paths, {}, cache, { ...options, stats });
    await cache.save();
    assert.ok(stats.loadedByWorkers > 0, "the worker loaded nothing");
    assert.ok(stats.loadedByWorkers < paths.length, "this thread loaded nothing");
    const whole = (await sequential(paths)) as LoadedManifests;
    assertSameLoad(summaries, {
      ...whole,
      manifests: whole.manifests.map((m: Manifest) =>
        withoutUndefined(JSON.parse(JSON.stringify(summarizeManifest(m))))
      ),
    });
    // What was cached is the whole result: a full load reads it back unchanged.
    const again = { workers: 0, loadedByWorkers: 0 };
    const reloaded = await loadManifestsInParallel(paths, {}, ManifestCache.open(file, "test"), {
      ...options,
      stats: again,
    });
    assert.equal(again.workers, 0);
    assertSameLoad(reloaded, whole);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

// Deno prints the failing worker's error; the test passes when nothing is lost.
Deno.test("parallel load: files taken by a failing worker are loaded by this thread", async () => {
  const paths = manyPaths(3000);
  const stats = { workers: 0, loadedByWorkers: 0 };
  const loaded = await loadManifestsInParallel(paths, {}, undefined, {
    threads: 2,
    minFilesPerThread: 1,
    workerUrl: new URL("../fixtures/workers/failing_load_worker.ts", import.meta.url),
    stats,
  });
  assert.equal(stats.workers, 1);
  assert.equal(stats.loadedByWorkers, 0);
  assertSameLoad(loaded, await sequential(paths));
});

Deno.test("parallel load: a worker module that cannot be loaded leaves all to this thread", async () => {
  const paths = manyPaths(3000);
  const loaded = await loadManifestsInParallel(paths, {}, undefined, {
    threads: 3,
    minFilesPerThread: 1,
    workerUrl: new URL("../fixtures/workers/no_such_worker.ts", import.meta.url),
  });
  assertSameLoad(loaded, await sequential(paths));
});

Deno.test("parallel load: few files are loaded on this thread alone", async () => {
  const paths = manyPaths(100);
  const stats = { workers: -1, loadedByWorkers: -1 };
  await loadManifestsInParallel(paths, {}, undefined, { threads: 4, stats });
  // The default minimum per thread is far above 100 files: no worker, stats untouched.
  assert.equal(stats.workers, -1);
});

Deno.test("parallel load: lint and graph print the same with one thread and with two", async () => {
  const { generateWorkspace } = await import("../../scripts/bench/gen-workspace.ts");
  const dir = await Deno.makeTempDir({ prefix: "2nex-parallel-" });
  try {
    await generateWorkspace({ out: dir, count: 1000, shape: "dag", deps: 5, seed: 11 });
    // One broken file among them: its diagnostics must come out the same too.
    await Deno.writeTextFile(
      join(dir, "manifests", "broken.yaml"),
      "package:\n  slug: broken\n  version: 1\n  colour: red\nbuild:\n  script: true\n",
    );
    const run = async (threads: string, args: string[]) => {
      const result = await twonex(["-C", dir, ...args], {
        env: { TWONEX_LOAD_THREADS: threads },
      });
      return { code: result.code, stdout: result.stdout };
    };
    // What each command must print: lint the diagnostics of the broken file (exit 2);
    // graph, once that file is gone, all 1,000 packages (exit 0).
    const expected = [
      {
        args: ["lint", "--json"],
        code: 2,
        count: (out: { diagnostics: unknown[] }) => out.diagnostics.length >= 2,
      },
      {
        args: ["graph", "--format", "json"],
        code: 0,
        count: (out: { packages: unknown[] }) => out.packages.length === 1000,
      },
    ];
    for (const { args, code, count } of expected) {
      if (args[0] === "graph") await Deno.remove(join(dir, "manifests", "broken.yaml"));
      const cache = join(dir, ".2nex", "cache", "manifests.json");
      await Deno.remove(cache).catch(() => {});
      const one = await run("1", args);
      await Deno.remove(cache);
      const two = await run("2", args);
      const warm = await run("2", args);
      assert.equal(one.code, code, `${args[0]}: exit code`);
      assert.ok(count(JSON.parse(one.stdout)), `${args[0]} printed ${one.stdout.slice(0, 200)}`);
      assert.deepEqual(two, one, `${args[0]}: two threads`);
      assert.deepEqual(warm, one, `${args[0]}: two threads, from the cache`);
    }
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
