import assert from "node:assert/strict";
import { hashTree, regularFileChecksum, toHex } from "../../lib/store/checksum.ts";
import { type FileJob, hashFileJobs, lendHashWorkers } from "../../lib/store/parallel_hash.ts";
import { twonex } from "../helpers/cli.ts";

/** A tree with every kind of entry hashTree meets: sizes on both sides of the read chunk (1 MiB). */
async function makeTree(): Promise<string> {
  const root = await Deno.makeTempDir({ prefix: "2nex-parallel-hash-" });
  const write = (path: string, bytes: Uint8Array, mode = 0o644) => {
    Deno.mkdirSync(`${root}/${path}`.replace(/\/[^/]*$/, ""), { recursive: true });
    Deno.writeFileSync(`${root}/${path}`, bytes);
    Deno.chmodSync(`${root}/${path}`, mode);
  };
  const bytes = (size: number, seed: number) => {
    const out = new Uint8Array(size);
    for (let i = 0; i < size; i++) out[i] = (i * 31 + seed) & 0xff;
    return out;
  };
  for (let i = 0; i < 60; i++) write(`small/f${i}`, bytes(i * 97, i), i % 3 === 0 ? 0o755 : 0o644);
  write("large/a.bin", bytes(3 * 1024 * 1024 + 5, 1));
  write("large/b.bin", bytes((1 << 20) + 1, 2), 0o755);
  write("large/exactly-1MiB", bytes(1 << 20, 3));
  write("empty", new Uint8Array());
  Deno.symlinkSync("small/f1", `${root}/link`);
  Deno.mkdirSync(`${root}/deep/er/est`, { recursive: true });
  write("deep/er/leaf", bytes(10, 4), 0o600);
  return root;
}

/**
 * Starts the hash worker once: the test runner type-checks its module when the
 * first one starts, which takes longer than these trees take to hash.
 */
async function warmUpWorker(): Promise<void> {
  const worker = new Worker(new URL("../../lib/store/hash_worker.ts", import.meta.url), {
    type: "module",
  });
  const answered = new Promise((resolve) => worker.onmessage = resolve);
  worker.postMessage({
    paths: [],
    modes: [],
    order: new Int32Array(0),
    counter: new Int32Array(new SharedArrayBuffer(4)),
    checksums: new Uint8Array(0),
    done: new Uint8Array(0),
    states: new Int32Array(new SharedArrayBuffer(4)),
    slot: 0,
  });
  await answered;
  worker.terminate();
}

/** This thread hashes slowly (50 ms a file), so the worker must take files meanwhile. */
function slowHash(job: { path: string; mode: number }): Uint8Array {
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 50);
  return regularFileChecksum(job.path, job.mode);
}

Deno.test("hashTree gives the same hash on one thread and on several", async () => {
  await warmUpWorker();
  const root = await makeTree();
  try {
    const one = await hashTree(root, true, { threads: 1 });
    const stats = { workers: 0, hashedByWorkers: 0 };
    const several = await hashTree(root, true, { threads: 3, minWorkPerThread: 0, stats });
    assert.equal(stats.workers, 2);
    assert.equal(several.contentChecksum, one.contentChecksum);
    assert.deepEqual([...several.objects!.dirtree.keys()], [...one.objects!.dirtree.keys()]);
    // Changing one file's bytes or mode changes the hash, whichever thread hashed it.
    Deno.writeFileSync(`${root}/large/b.bin`, new Uint8Array((1 << 20) + 1));
    const changed = await hashTree(root, false, { threads: 3, minWorkPerThread: 0 });
    assert.notEqual(changed.contentChecksum, one.contentChecksum);
    Deno.chmodSync(`${root}/small/f2`, 0o755);
    const again = await hashTree(root, false, { threads: 3, minWorkPerThread: 0 });
    assert.notEqual(again.contentChecksum, changed.contentChecksum);
    assert.equal(
      again.contentChecksum,
      (await hashTree(root, false, { threads: 1 })).contentChecksum,
    );
  } finally {
    await Deno.remove(root, { recursive: true });
  }
});

Deno.test("hashFileJobs: workers take files while this thread is busy, results in job order", async () => {
  const root = await makeTree();
  try {
    const jobs: FileJob[] = [];
    for (let i = 0; i < 30; i++) {
      jobs.push({ path: `${root}/small/f${i}`, mode: 0o100644, size: i * 97 });
    }
    const expected = jobs.map((job) => toHex(regularFileChecksum(job.path, job.mode)));
    const stats = { workers: 0, hashedByWorkers: 0 };
    const checksums = await hashFileJobs(jobs, slowHash, {
      threads: 2,
      minWorkPerThread: 0,
      stats,
    });
    assert.equal(stats.workers, 1);
    assert.ok(stats.hashedByWorkers > 0, "the worker hashed nothing");
    const got = jobs.map((_, i) => toHex(checksums.subarray(i * 32, i * 32 + 32)));
    assert.deepEqual(got, expected);
  } finally {
    await Deno.remove(root, { recursive: true });
  }
});

Deno.test("hashFileJobs: a worker that fails leaves its files to this thread", async () => {
  const root = await makeTree();
  const failing = await Deno.makeTempFile({ suffix: ".js" });
  try {
    await Deno.writeTextFile(failing, 'throw new Error("no worker today");\n');
    const jobs: FileJob[] = [0, 1, 2, 3].map((i) => ({
      path: `${root}/small/f${i}`,
      mode: 0o100644,
      size: i * 97,
    }));
    const stats = { workers: 0, hashedByWorkers: 0 };
    const checksums = await hashFileJobs(
      jobs,
      (job) => regularFileChecksum(job.path, job.mode),
      { threads: 2, minWorkPerThread: 0, workerUrl: new URL(`file://${failing}`), stats },
    );
    assert.equal(stats.hashedByWorkers, 0);
    assert.deepEqual(
      checksums.subarray(64, 96),
      regularFileChecksum(jobs[2].path, jobs[2].mode),
    );
  } finally {
    await Deno.remove(root, { recursive: true });
    await Deno.remove(failing);
  }
});

Deno.test("hashFileJobs: a file no thread can read is reported, not skipped", async () => {
  const root = await makeTree();
  try {
    const jobs: FileJob[] = [
      { path: `${root}/small/f1`, mode: 0o100644, size: 97 },
      { path: `${root}/vanished`, mode: 0o100644, size: 5 },
    ];
    await assert.rejects(
      hashFileJobs(jobs, (job) => regularFileChecksum(job.path, job.mode), {
        threads: 2,
        minWorkPerThread: 0,
      }),
      Deno.errors.NotFound,
    );
  } finally {
    await Deno.remove(root, { recursive: true });
  }
});

Deno.test("hashFileJobs: small work stays on this thread", async () => {
  const stats = { workers: -1, hashedByWorkers: -1 };
  const jobs: FileJob[] = [{ path: "/nonexistent", mode: 0o100644, size: 10 }];
  const checksums = await hashFileJobs(jobs, () => new Uint8Array(32).fill(9), {
    threads: 4,
    stats,
  });
  assert.deepEqual(checksums, new Uint8Array(32).fill(9));
  // Not worth a worker: none started, so the stats were not touched.
  assert.deepEqual(stats, { workers: -1, hashedByWorkers: -1 });
});

Deno.test("hashFileJobs: a worker still starting when the work is done is not waited for", async () => {
  const root = await makeTree();
  const slow = await Deno.makeTempFile({ suffix: ".js" });
  try {
    // Starts (evaluates its module) only after a minute: never, for this test.
    await Deno.writeTextFile(slow, "await new Promise((resolve) => setTimeout(resolve, 60000));\n");
    const jobs: FileJob[] = [0, 1, 2].map((i) => ({
      path: `${root}/small/f${i}`,
      mode: 0o100644,
      size: i * 97,
    }));
    let timer: ReturnType<typeof setTimeout> | undefined;
    const tooLong = new Promise<"too long">((resolve) => {
      timer = setTimeout(() => resolve("too long"), 10_000);
    });
    const stats = { workers: 0, hashedByWorkers: 0 };
    const result = await Promise.race([
      hashFileJobs(jobs, (job) => regularFileChecksum(job.path, job.mode), {
        threads: 2,
        minWorkPerThread: 0,
        workerUrl: new URL(`file://${slow}`),
        stats,
      }),
      tooLong,
    ]);
    clearTimeout(timer);
    assert.notEqual(result, "too long", "waited for a worker that never started");
    assert.deepEqual(
      (result as Uint8Array).subarray(32, 64),
      regularFileChecksum(jobs[1].path, jobs[1].mode),
    );
    assert.deepEqual(stats, { workers: 1, hashedByWorkers: 0 });
  } finally {
    await Deno.remove(root, { recursive: true });
    await Deno.remove(slow);
  }
});

Deno.test("hashFileJobs: hash workers lent by the launcher take files, tree after tree", async () => {
  await warmUpWorker();
  const root = await makeTree();
  let lent: { workers: Worker[]; ports: MessagePort[] } = { workers: [], ports: [] };
  try {
    // As startHashWorkers does, without its narrower permissions: they need
    // --unstable-worker-options, which the test task does not pass (and Deno
    // ends the process, not the call, without it). `2nex hash` runs them.
    const worker = new Worker(new URL("../../lib/store/hash_worker.ts", import.meta.url), {
      type: "module",
    });
    const channel = new MessageChannel();
    worker.postMessage(channel.port1, [channel.port1]);
    lent = { workers: [worker], ports: [channel.port2] };
    lendHashWorkers(lent.ports);
    const jobs: FileJob[] = [];
    for (let i = 0; i < 30; i++) {
      jobs.push({ path: `${root}/small/f${i}`, mode: 0o100644, size: i * 97 });
    }
    const expected = jobs.map((job) => toHex(regularFileChecksum(job.path, job.mode)));
    for (let tree = 0; tree < 2; tree++) {
      const stats = { workers: 0, hashedByWorkers: 0 };
      const checksums = await hashFileJobs(jobs, slowHash, {
        threads: 2,
        minWorkPerThread: 0,
        stats,
      });
      assert.equal(stats.workers, 1);
      assert.ok(stats.hashedByWorkers > 0, `the lent worker hashed nothing of tree ${tree}`);
      const got = jobs.map((_, i) => toHex(checksums.subarray(i * 32, i * 32 + 32)));
      assert.deepEqual(got, expected);
    }
  } finally {
    for (const worker of lent.workers) worker.terminate();
    for (const port of lent.ports) port.close();
    await Deno.remove(root, { recursive: true });
  }
});

Deno.test("2nex hash DIR with the launcher's hash workers prints the one-thread hash", async () => {
  const root = await makeTree();
  try {
    // Enough files that the command borrows the launcher's workers (2 cores or more).
    for (let i = 0; i < 3000; i++) {
      const dir = `${root}/many/d${i % 30}`;
      if (i < 30) Deno.mkdirSync(dir, { recursive: true });
      Deno.writeTextFileSync(`${dir}/f${i}`, `file ${i}\n`);
    }
    const result = await twonex(["hash", root]);
    assert.equal(result.code, 0, result.stderr);
    assert.equal(
      result.stdout.trim(),
      (await hashTree(root, false, { threads: 1 })).contentChecksum,
    );
  } finally {
    await Deno.remove(root, { recursive: true });
  }
});
