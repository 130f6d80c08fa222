/**
 * The ref snapshot (lib/store/ref_snapshot.ts) on its own, with refs written by
 * 2nex's Store: when a saved snapshot is trusted, and every way it must not be.
 * tests/e2e/ref_snapshot_test.ts changes refs with stock ostree instead.
 */
import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { join } from "node:path";
import {
  REF_WRITE_MARKER_PREFIX,
  RefSnapshot,
  removeDeadRefWriteMarkers,
  Store,
  withRefWriteMarker,
} from "../../lib/store/mod.ts";
import { removeTree } from "../../lib/util/fs.ts";

const REF = "x86_64/a/1.0/main/tree";
const OTHER = "2nex/inputs/" + "ab".repeat(32);

/** Timestamps are coarse: let the clock move on, so one change never shares a tick with the last. */
const tick = () => new Promise((resolve) => setTimeout(resolve, 30));

interface Fixture {
  dir: string;
  store: Store;
  file: string;
  first: string;
  second: string;
}

async function fixture(): Promise<Fixture> {
  const dir = await Deno.makeTempDir({ prefix: "2nex-ref-snapshot-" });
  const store = await Store.open(join(dir, "repo"), { create: true, fsync: false });
  const commits: string[] = [];
  for (const content of ["one", "two"]) {
    await Deno.mkdir(join(dir, content));
    await Deno.writeTextFile(join(dir, content, "file"), content);
    const { commit } = await store.commit(join(dir, content), {
      subject: content,
      metadata: {},
      timestamp: 0,
    });
    commits.push(commit);
  }
  await store.setRefs({ [REF]: commits[0], [OTHER]: commits[0] });
  await tick();
  return { dir, store, file: join(dir, "snapshot"), first: commits[0], second: commits[1] };
}

/** A run that reads `refs` through a fresh Store with the snapshot attached, then saves it. */
async function readingRun(
  f: Fixture,
  refs: string[],
  racyMarginMs = 0,
): Promise<{ snapshot: RefSnapshot; found: Array<string | undefined>; saved: boolean }> {
  const store = await Store.open(f.store.path);
  const snapshot = RefSnapshot.open(f.file, store.path, racyMarginMs);
  store.useSnapshot(snapshot);
  const found = refs.map((ref) => store.resolveRefSync(ref));
  return { snapshot, found, saved: snapshot.save() };
}

Deno.test("a saved snapshot is trusted by the next run and answers without the ref files", async () => {
  const f = await fixture();
  try {
    const first = await readingRun(f, [REF, OTHER, "x86_64/missing/1.0/main/tree"]);
    assert.equal(first.snapshot.trusted, false);
    assert.deepEqual(first.found, [f.first, f.first, undefined]);
    assert.ok(first.saved, "a run that read refs saves what it read");
    // The answers come from the snapshot: a ref file that changes without the
    // repository's token changing (what no writer that follows the protocol does)
    // is not seen, which proves the files were not read.
    const path = join(f.store.path, "refs/heads", REF);
    const times = await Deno.stat(join(f.store.path));
    await Deno.writeTextFile(path, `${f.second}\n`);
    assert.equal((await Deno.stat(f.store.path)).mtime?.getTime(), times.mtime?.getTime());
    const second = await readingRun(f, [REF, OTHER, "x86_64/missing/1.0/main/tree"]);
    assert.equal(second.snapshot.trusted, true);
    assert.deepEqual(second.found, [f.first, f.first, undefined]);
    assert.equal(second.saved, false, "nothing new was read: the file is left as it is");
  } finally {
    await removeTree(f.dir);
  }
});

Deno.test("a trusted run that reads a ref more saves it beside the ones it had", async () => {
  const f = await fixture();
  try {
    assert.ok((await readingRun(f, [REF])).saved);
    const grown = await readingRun(f, [OTHER]);
    assert.equal(grown.snapshot.trusted, true);
    assert.ok(grown.saved, "the new ref is saved");
    const next = RefSnapshot.open(f.file, f.store.path, 0);
    assert.equal(next.trusted, true);
    assert.equal(next.ref(REF), f.first, "the earlier entry is kept");
    assert.equal(next.ref(OTHER), f.first);
  } finally {
    await removeTree(f.dir);
  }
});

Deno.test("a ref written or deleted by 2nex (another workspace's Store) makes the snapshot untrusted", async () => {
  const f = await fixture();
  try {
    assert.ok((await readingRun(f, [REF, OTHER])).saved);
    const elsewhere = await Store.open(f.store.path);
    await elsewhere.setRefs({ [REF]: f.second });
    await tick();
    const afterSet = await readingRun(f, [REF, OTHER]);
    assert.equal(afterSet.snapshot.trusted, false);
    assert.deepEqual(afterSet.found, [f.second, f.first]);
    assert.ok(afterSet.saved);
    await elsewhere.deleteRef(OTHER);
    await tick();
    const afterDelete = await readingRun(f, [REF, OTHER]);
    assert.equal(afterDelete.snapshot.trusted, false);
    assert.deepEqual(afterDelete.found, [f.second, undefined]);
  } finally {
    await removeTree(f.dir);
  }
});

Deno.test("a corrupt, truncated or foreign snapshot is ignored", async () => {
  const f = await fixture();
  try {
    assert.ok((await readingRun(f, [REF])).saved);
    const good = await Deno.readTextFile(f.file);
    const variants: Record<string, string> = {
      truncated: good.slice(0, Math.floor(good.length / 2)),
      empty: "",
      // One commit changed, the digest line kept: the digest no longer matches.
      corrupt: good.replace(f.first, f.second),
      "not JSON": good.slice(0, 65) + "{",
    };
    for (const [what, text] of Object.entries(variants)) {
      await Deno.writeTextFile(f.file, text);
      const run = await readingRun(f, [REF]);
      assert.equal(run.snapshot.trusted, false, what);
      assert.deepEqual(run.found, [f.first], what);
    }
    // A forged snapshot with a valid digest that names a ref 2nex would refuse is not used:
    // lookups answer from it without checking names again.
    const body = JSON.parse(good.slice(65));
    body.refs["../../../etc/x"] = f.first;
    const forged = JSON.stringify(body);
    const digest = createHash("sha256").update(forged).digest("hex");
    await Deno.writeTextFile(f.file, `${digest}\n${forged}`);
    assert.equal(RefSnapshot.open(f.file, f.store.path, 0).trusted, false, "forged ref name");
    // A whole snapshot of another repository (same token fields aside) is not used either.
    await Deno.writeTextFile(f.file, good);
    const other = await Store.open(join(f.dir, "other"), { create: true });
    assert.equal(RefSnapshot.open(f.file, other.path, 0).trusted, false);
    assert.equal(RefSnapshot.open(f.file, f.store.path, 0).trusted, true);
  } finally {
    await removeTree(f.dir);
  }
});

Deno.test("a run that overlaps a ref write does not save what it read", async () => {
  const f = await fixture();
  try {
    // The write ends between this run's reads and its save.
    const store = await Store.open(f.store.path);
    const snapshot = RefSnapshot.open(f.file, store.path, 0);
    store.useSnapshot(snapshot);
    assert.equal(store.resolveRefSync(REF), f.first);
    await (await Store.open(f.store.path)).setRefs({ [REF]: f.second });
    assert.equal(snapshot.save(), false);
    await tick();
    // A write under way (or killed) leaves its marker: nothing is saved while it is there.
    let saved: boolean | undefined;
    await withRefWriteMarker(f.store.path, async () => {
      await tick();
      saved = (await readingRun(f, [REF])).saved;
    });
    assert.equal(saved, false);
    await tick();
    // This process's own writes: what it read before may be stale, so it saves nothing.
    const writer = await Store.open(f.store.path);
    const own = RefSnapshot.open(f.file, writer.path, 0);
    writer.useSnapshot(own);
    assert.equal(writer.resolveRefSync(REF), f.second);
    await writer.setRefs({ [REF]: f.first });
    assert.equal(writer.resolveRefSync(REF), f.first, "the run sees its own write");
    assert.equal(own.save(), false);
  } finally {
    await removeTree(f.dir);
  }
});

Deno.test("a killed writer's marker stops saving once, then the run that found it removes it", async () => {
  const f = await fixture();
  try {
    // What a writer killed between its marker and its removal leaves: a marker nobody locks.
    const marker = join(f.store.path, `${REF_WRITE_MARKER_PREFIX}killed`);
    await Deno.writeFile(marker, new Uint8Array());
    await tick();
    assert.equal((await readingRun(f, [REF])).saved, false);
    assert.equal(await Deno.stat(marker).then(() => true, () => false), false, "removed");
    await tick();
    assert.equal((await readingRun(f, [REF])).saved, true);
  } finally {
    await removeTree(f.dir);
  }
});

Deno.test("a live writer's marker is never removed, by a run or by removeDeadRefWriteMarkers", async () => {
  const f = await fixture();
  try {
    await withRefWriteMarker(f.store.path, async () => {
      await tick();
      assert.equal((await readingRun(f, [REF])).saved, false);
      assert.equal(removeDeadRefWriteMarkers(f.store.path), 0);
      const markers = [...Deno.readDirSync(f.store.path)].filter((e) =>
        e.name.startsWith(REF_WRITE_MARKER_PREFIX)
      );
      assert.equal(markers.length, 1, "the writer's marker is still there");
    });
    assert.deepEqual(
      [...Deno.readDirSync(f.store.path)].filter((e) => e.name.startsWith(REF_WRITE_MARKER_PREFIX)),
      [],
      "the writer removed it",
    );
    assert.deepEqual(
      [...Deno.readDirSync(join(f.store.path, "tmp"))].map((e) => e.name),
      [],
      "nothing staged is left",
    );
  } finally {
    await removeTree(f.dir);
  }
});

Deno.test("a snapshot is not saved while the repository's last change is too recent to tell apart", async () => {
  const f = await fixture();
  try {
    // The fixture wrote refs a moment ago: within any real margin.
    const racy = await readingRun(f, [REF], 60_000);
    assert.deepEqual(racy.found, [f.first]);
    assert.equal(racy.saved, false);
    assert.ok(await Deno.stat(f.file).then(() => false, () => true), "no file was written");
  } finally {
    await removeTree(f.dir);
  }
});
