/**
 * A no-op build trusts the ref snapshot of the last run (lib/store/ref_snapshot.ts)
 * only while the repository's refs are unchanged: after stock `ostree refs
 * --delete`, `ostree commit -b` onto a 2nex ref or `ostree reset` of an index
 * ref, the next no-op sees the change and repairs the refs or rebuilds, as it
 * does without a snapshot. `2nex gc` removes a killed writer's marker, and
 * leaves a live writer's.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { RACY_MARGIN_MS, REF_WRITE_MARKER_PREFIX } from "../../lib/store/mod.ts";
import {
  buildSummary,
  e2eTest,
  ostree,
  packageYaml,
  statuses,
  TestWorkspace,
} from "../helpers/e2e.ts";

const TREE_REF = "x86_64/top/1.0/main/tree";

/** Waits until the repository's last ref write is old enough for a snapshot to be saved. */
const pastRacyMargin = () => new Promise((resolve) => setTimeout(resolve, RACY_MARGIN_MS + 200));

async function build(ws: TestWorkspace): Promise<Record<string, string>> {
  const result = await ws.run(["build", "top", "--json"]);
  assert.equal(result.code, 0, result.stderr);
  return statuses(buildSummary(result));
}

/** The snapshot's modification time, or undefined when there is none. */
async function snapshotTime(ws: TestWorkspace): Promise<number | undefined> {
  const info = await Deno.stat(join(ws.cache, "ref-snapshot")).catch(() => undefined);
  return info?.mtime?.getTime();
}

/** A no-op that saves a snapshot, then one that trusts it (and so does not save it again). */
async function settle(ws: TestWorkspace): Promise<void> {
  await pastRacyMargin();
  const before = await snapshotTime(ws);
  assert.deepEqual(await build(ws), { base: "cached", top: "cached" });
  const saved = await snapshotTime(ws);
  assert.ok(saved !== undefined && saved !== before, "the no-op saved a snapshot");
  assert.deepEqual(await build(ws), { base: "cached", top: "cached" });
  assert.equal(await snapshotTime(ws), saved, "the next no-op trusted it");
}

function refFile(ws: TestWorkspace, ref: string): string {
  return join(ws.repo, "refs/heads", ref);
}

await e2eTest(
  "ref snapshot: a no-op sees refs that stock ostree deleted, committed onto or reset",
  ["ostree"],
  async () => {
    await using ws = await TestWorkspace.create();
    await ws.write(
      "manifests/base.yaml",
      packageYaml({
        slug: "base",
        script: 'mkdir -p "$OUT_DIR/opt" && echo base > "$OUT_DIR/opt/b"',
      }),
    );
    await ws.write(
      "manifests/top.yaml",
      packageYaml({
        slug: "top",
        deps: ["base"],
        script: 'mkdir -p "$OUT_DIR/opt" && cat /opt/b > "$OUT_DIR/opt/t"',
      }),
    );
    assert.deepEqual(await build(ws), { base: "built", top: "built" });
    const built = (await Deno.readTextFile(refFile(ws, TREE_REF))).trim();
    const other = ws.path("other");
    await ws.write("other/file", "not a build result\n");

    // Deleted: the no-op points the ref at the cached result again.
    await settle(ws);
    await ostree(["refs", `--repo=${ws.repo}`, "--delete", TREE_REF]);
    assert.deepEqual(await build(ws), { base: "cached", top: "cached" });
    assert.equal((await Deno.readTextFile(refFile(ws, TREE_REF))).trim(), built);

    // Committed onto: the same repair.
    await settle(ws);
    await ostree(["commit", `--repo=${ws.repo}`, "-b", TREE_REF, `--tree=dir=${other}`, "-s", "x"]);
    assert.notEqual((await Deno.readTextFile(refFile(ws, TREE_REF))).trim(), built);
    assert.deepEqual(await build(ws), { base: "cached", top: "cached" });
    assert.equal((await Deno.readTextFile(refFile(ws, TREE_REF))).trim(), built);

    // The index ref reset to another commit: the result is no longer the cache's, so it is rebuilt.
    await settle(ws);
    const indexRef = (await ws.refs()).find((ref) =>
      ref.startsWith("2nex/inputs/") &&
      Deno.readTextFileSync(refFile(ws, ref)).trim() === built
    );
    assert.ok(indexRef, "the index ref of top");
    const base = (await Deno.readTextFile(refFile(ws, "x86_64/base/1.0/main/tree"))).trim();
    await ostree(["reset", `--repo=${ws.repo}`, indexRef, base]);
    assert.deepEqual(await build(ws), { base: "cached", top: "built" });
    assert.equal((await Deno.readTextFile(refFile(ws, indexRef))).trim(), built);
    await ws.assertFsckClean();
  },
);

await e2eTest(
  "ref snapshot: gc removes the marker of a killed ref write, not one whose writer still runs",
  ["ostree"],
  async () => {
    await using ws = await TestWorkspace.create();
    await ws.write("manifests/top.yaml", packageYaml({ slug: "top", script: "true" }));
    const result = await ws.run(["build", "top"]);
    assert.equal(result.code, 0, result.stderr);
    const dead = join(ws.repo, `${REF_WRITE_MARKER_PREFIX}dead`);
    const live = join(ws.repo, `${REF_WRITE_MARKER_PREFIX}live`);
    await Deno.writeFile(dead, new Uint8Array());
    // A writer holds its marker locked until it removes it: this process plays one.
    using writer = await Deno.open(live, { write: true, createNew: true });
    writer.lockSync(true);
    await ws.assertFsckClean();
    const gc = await ws.run(["gc"]);
    assert.equal(gc.code, 0, gc.stderr);
    assert.equal(await Deno.stat(dead).then(() => true, () => false), false);
    assert.equal(await Deno.stat(live).then(() => true, () => false), true);
  },
);
