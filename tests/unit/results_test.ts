import assert from "node:assert/strict";
import { ResultIndex, type ResultRecord } from "../../lib/build/results.ts";

const KEY = "ab".repeat(32);
const OTHER = "cd".repeat(32);

function record(inputKey: string, commit: string): ResultRecord {
  return {
    inputKey,
    outputHash: "11".repeat(32),
    commit,
    parts: { tree: commit },
    manifest: "/ws/m.yaml",
    durationMs: 1,
  };
}

/** A repository's index refs, counting how often they are read. */
function refs(initial: Record<string, string>) {
  const commits = new Map(Object.entries(initial));
  let reads = 0;
  return {
    commitOf: (key: string) => {
      reads++;
      return commits.get(key);
    },
    set: (key: string, commit: string) => commits.set(key, commit),
    get reads() {
      return reads;
    },
  };
}

Deno.test("ResultIndex.confirmed: a record counts only when the index ref points at its commit", async () => {
  const cache = await Deno.makeTempDir({ prefix: "2nex-results-" });
  try {
    const writer = new ResultIndex(cache);
    await writer.put(record(KEY, "01".repeat(32)));
    await writer.put(record(OTHER, "02".repeat(32)));
    const repo = refs({ [KEY]: "01".repeat(32), [OTHER]: "99".repeat(32) });
    const index = new ResultIndex(cache);
    assert.equal(index.confirmed(KEY, repo.commitOf)?.commit, "01".repeat(32));
    // The ref points at another build: not a usable result.
    assert.equal(index.confirmed(OTHER, repo.commitOf), undefined);
    assert.equal(index.confirmed("ef".repeat(32), repo.commitOf), undefined);
    // A record under the wrong name is not trusted either.
    await Deno.rename(
      `${cache}/results/ab/${KEY}.json`,
      `${cache}/results/ab/${"ab".repeat(31)}ff.json`,
    );
    assert.equal(
      new ResultIndex(cache).confirmed("ab".repeat(31) + "ff", repo.commitOf),
      undefined,
    );
  } finally {
    await Deno.remove(cache, { recursive: true });
  }
});

Deno.test("ResultIndex.confirmed: each key is read once per run; put and remove keep the answer current", async () => {
  const cache = await Deno.makeTempDir({ prefix: "2nex-results-" });
  try {
    const index = new ResultIndex(cache);
    const repo = refs({});
    // Not built yet: asked by the fetch plan, the scheduler and a dependent.
    for (let i = 0; i < 3; i++) assert.equal(index.confirmed(KEY, repo.commitOf), undefined);
    const readsBefore = repo.reads;
    // Built in this run: the index ref, then the record.
    repo.set(KEY, "01".repeat(32));
    await index.put(record(KEY, "01".repeat(32)));
    for (let i = 0; i < 3; i++) {
      assert.equal(index.confirmed(KEY, repo.commitOf)?.commit, "01".repeat(32));
    }
    assert.equal(repo.reads, readsBefore, "answers after put come from the run's lookups");
    // Another run reads the files again, once.
    const next = new ResultIndex(cache);
    for (let i = 0; i < 3; i++) {
      assert.equal(next.confirmed(KEY, repo.commitOf)?.commit, "01".repeat(32));
    }
    assert.equal(repo.reads, readsBefore + 1);
    await next.remove(KEY);
    assert.equal(next.confirmed(KEY, repo.commitOf), undefined);
    assert.equal(await new ResultIndex(cache).get(KEY), undefined);
  } finally {
    await Deno.remove(cache, { recursive: true });
  }
});
