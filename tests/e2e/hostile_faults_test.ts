/**
 * Faults of the machine and hostile manifest files (issue 14, items 6 and 7):
 * a disk that fills during a build or a fetch, a read-only repository or
 * cache, and a manifest nested 3,000 levels deep next to good ones. Each is
 * exit 1 (or 2 for the manifest) with a one-line message naming the path and
 * what 2nex was doing, never a stack trace; the repository stays `ostree
 * fsck`-clean; and the next run, once the fault is gone, proceeds.
 *
 * Small file systems are tmpfs mounts and read-only ones bind mounts, so these
 * tests need root; they are skipped elsewhere, and fail in CI.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import {
  assertNoStackTrace,
  buildSummary,
  e2eTest,
  inCi,
  packageYaml,
  runTool,
  sha256File,
  statuses,
  TestWorkspace,
} from "../helpers/e2e.ts";

const isRoot = (await runTool("id", ["-u"])).stdout.trim() === "0";

/** Registers a test that mounts file systems: root only (and always in CI). */
function mountTest(name: string, fn: () => Promise<void>): Promise<void> {
  return e2eTest(name, ["ostree", "bwrap", "mount", "umount"], async () => {
    if (!isRoot) {
      if (inCi) assert.fail("these tests mount file systems and must run as root in CI");
      return;
    }
    await fn();
  });
}

async function mount(args: string[]): Promise<void> {
  const result = await runTool("mount", args);
  assert.equal(result.code, 0, `mount ${args.join(" ")}: ${result.stderr}`);
}

async function umount(path: string): Promise<void> {
  await runTool("umount", [path]);
}

/** Puts `ws` on a tmpfs of `size` (e.g. "20m"), with its config and manifest dir written again. */
async function onSmallDisk(ws: TestWorkspace, size: string, config: string): Promise<void> {
  await mount(["-t", "tmpfs", "-o", `size=${size}`, "tmpfs", ws.dir]);
  await ws.write("2nex.yaml", config);
  await Deno.mkdir(ws.path("manifests"));
}

/** Makes `path` (a directory) read-only by a read-only bind mount over it. */
async function makeReadOnly(path: string): Promise<void> {
  await mount(["--bind", path, path]);
  await mount(["-o", "remount,ro,bind", path]);
}

const CONFIG = "manifests: [manifests]\nsource_date_epoch: 1704067200\n";

/** The one line saying what was being written where when the disk filled. */
const DISK_FULL = /^error: no space left on device while (.+) (\/\S+)$/m;

await mountTest(
  "faults: a build that fills the disk is exit 1 with one line; after space is freed it builds",
  async () => {
    await using ws = await TestWorkspace.create();
    try {
      await onSmallDisk(ws, "20m", CONFIG);
      // 30 MB into a 20 MB file system, then output that the build log can no longer take.
      await ws.write(
        "manifests/filler.yaml",
        packageYaml({
          slug: "filler",
          script: `head -c 30000000 /dev/zero > "$OUT_DIR/big" || true
for i in $(seq 1 20000); do echo "log line $i of a build on a full disk"; done`,
        }),
      );
      await ws.write(
        "manifests/small.yaml",
        packageYaml({ slug: "small", script: `echo small > "$OUT_DIR/small"` }),
      );
      const full = await ws.run(["build", "filler"]);
      assert.equal(full.code, 1, full.stderr);
      assertNoStackTrace(full.stderr);
      const line = full.stderr.match(DISK_FULL);
      assert.ok(line, `no disk-full line in:\n${full.stderr}`);
      assert.equal(line[1], "writing the build log");
      assert.ok(line[2].startsWith(ws.path(".2nex/cache/logs/filler/")), line[2]);
      assert.match(full.stderr, /^hint: free some space/m);
      await ws.assertFsckClean();
      // The failed build's tree is gone: the space is free again.
      assert.deepEqual(await ws.list(".2nex/cache/builds"), []);

      // Freed: the file system grows, and the same build succeeds, as does another.
      await mount(["-o", "remount,size=80m", ws.dir]);
      const next = await ws.run(["build", "filler", "small", "--json"]);
      assert.equal(next.code, 0, next.stderr);
      assert.deepEqual(statuses(buildSummary(next)), { filler: "built", small: "built" });
      await ws.assertFsckClean();
    } finally {
      await umount(ws.dir);
    }
  },
);

await mountTest(
  "faults: a source that does not fit in the cache is exit 1 naming the cache",
  async () => {
    await using ws = await TestWorkspace.create();
    const mirror = await Deno.makeTempDir({ prefix: "2nex-e2e-mirror-" });
    try {
      const big = join(mirror, "big-1.0.bin");
      await runTool("dd", ["if=/dev/zero", `of=${big}`, "bs=1M", "count=25", "status=none"]);
      const sha256 = await sha256File(big);
      await onSmallDisk(ws, "20m", `${CONFIG}mirrors: [${mirror}]\n`);
      await ws.write(
        "manifests/fetcher.yaml",
        packageYaml({
          slug: "fetcher",
          sources: [{ name: "big", url: "https://example.invalid/big-1.0.bin", sha256 }],
          script: `ls -l "$SOURCE_big" > "$OUT_DIR/listing"`,
        }),
      );
      const full = await ws.run(["build", "--offline", "fetcher"]);
      assert.equal(full.code, 1, full.stderr);
      assertNoStackTrace(full.stderr);
      const line = full.stderr.match(DISK_FULL);
      assert.ok(line, `no disk-full line in:\n${full.stderr}`);
      assert.equal(line[1], "writing to the source cache");
      assert.ok(line[2].startsWith(ws.path(".2nex/cache/")), line[2]);
      // No partial download is left to take the space.
      const tmp = await ws.list(".2nex/cache/sources/tmp");
      assert.deepEqual(tmp.filter((name) => name.endsWith(".part")), []);

      await mount(["-o", "remount,size=80m", ws.dir]);
      const next = await ws.run(["build", "--offline", "fetcher", "--json"]);
      assert.equal(next.code, 0, next.stderr);
      assert.deepEqual(statuses(buildSummary(next)), { fetcher: "built" });
      await ws.assertFsckClean();
    } finally {
      await umount(ws.dir);
      await Deno.remove(mirror, { recursive: true });
    }
  },
);

await mountTest(
  "faults: a read-only repository or cache is exit 1 with one line, then proceeds",
  async () => {
    await using ws = await TestWorkspace.create();
    const manifest = (text: string) =>
      packageYaml({ slug: "pkg", script: `echo ${text} > "$OUT_DIR/file"` });
    await ws.write("manifests/pkg.yaml", manifest("one"));
    const first = await ws.run(["build", "pkg"]);
    assert.equal(first.code, 0, first.stderr);
    const refsBefore = await ws.refFiles();

    // A changed manifest must be committed, into a repository that cannot be written.
    await ws.write("manifests/pkg.yaml", manifest("two"));
    await makeReadOnly(ws.repo);
    let readOnlyRepo;
    let readOnlyGc;
    try {
      readOnlyRepo = await ws.run(["build", "pkg"]);
      readOnlyGc = await ws.run(["gc"]);
    } finally {
      await umount(ws.repo);
    }
    assert.equal(readOnlyGc.code, 1, readOnlyGc.stderr);
    assertNoStackTrace(readOnlyGc.stderr);
    assert.match(
      readOnlyGc.stderr,
      new RegExp(`^error: read-only file system while pruning the repository ${ws.repo}$`, "m"),
    );
    assert.equal(readOnlyRepo.code, 1, readOnlyRepo.stderr);
    assertNoStackTrace(readOnlyRepo.stderr);
    assert.match(
      readOnlyRepo.stderr,
      new RegExp(
        `^error: read-only file system while committing to the repository ${ws.repo}$`,
        "m",
      ),
    );
    assert.deepEqual(await ws.refFiles(), refsBefore);
    await ws.assertFsckClean();

    await makeReadOnly(ws.cache);
    let readOnlyCache;
    try {
      readOnlyCache = await ws.run(["build", "pkg"]);
    } finally {
      await umount(ws.cache);
    }
    assert.equal(readOnlyCache.code, 1, readOnlyCache.stderr);
    assertNoStackTrace(readOnlyCache.stderr);
    assert.match(
      readOnlyCache.stderr,
      new RegExp(
        `^error: read-only file system while opening the workspace lock ${ws.cache}/`,
        "m",
      ),
    );
    assert.match(readOnlyCache.stderr, /^hint: /m);

    const next = await ws.run(["build", "pkg", "--json"]);
    assert.equal(next.code, 0, next.stderr);
    assert.deepEqual(statuses(buildSummary(next)), { pkg: "built" });
    await ws.assertFsckClean();
  },
);

/** A manifest whose `vars` nest `levels` flow lists, and one of `levels` block maps. */
function deepManifests(levels: number): Record<string, string> {
  const head = (slug: string) =>
    `package:\n  schema: 1\n  slug: ${slug}\n  version: "1.0"\nvars:\n`;
  let block = head("deep-block");
  for (let i = 0; i < levels; i++) block += `${" ".repeat(2 + i)}k:\n`;
  block += `${" ".repeat(2 + levels)}v\n`;
  return {
    "manifests/deep-flow.yaml": `${head("deep-flow")}  x: ${"[".repeat(levels)}${
      "]".repeat(levels)
    }\n`,
    "manifests/deep-block.yaml": block,
  };
}

await e2eTest(
  "faults: manifests 3,000 levels deep are lint errors with positions; the others still show, graph and build",
  ["ostree", "bwrap"],
  async () => {
    await using ws = await TestWorkspace.create();
    for (const [path, text] of Object.entries(deepManifests(3000))) await ws.write(path, text);
    await ws.write(
      "manifests/good.yaml",
      packageYaml({ slug: "good", script: `echo ok > "$OUT_DIR/ok"` }),
    );

    const lint = await ws.run(["lint"]);
    assert.equal(lint.code, 2, lint.stderr);
    assertNoStackTrace(lint.stderr);
    assert.match(
      lint.stderr,
      /^manifests\/deep-flow\.yaml:6:\d+: error: YAML nested deeper than 64 levels$/m,
    );
    assert.match(
      lint.stderr,
      /^manifests\/deep-block\.yaml:\d+:\d+: error: YAML nested deeper than 64 levels$/m,
    );
    assert.match(lint.stderr, /3 manifests checked: 2 errors/);

    const warning =
      /^warning: 2 manifests have errors and were left out: manifests\/deep-block\.yaml, manifests\/deep-flow\.yaml/m;
    for (const args of [["show", "good"], ["graph", "good"]]) {
      const result = await ws.run(args);
      assert.equal(result.code, 0, `${args.join(" ")}: ${result.stderr}`);
      assertNoStackTrace(result.stderr);
      assert.match(result.stderr, warning);
      assert.match(result.stdout, /good/);
    }
    // A package that depends on a broken one is refused, pointing at the warning.
    await ws.write(
      "manifests/needs-deep.yaml",
      packageYaml({ slug: "needs-deep", deps: ["deep-flow"], script: "true" }),
    );
    const refused = await ws.run(["build", "needs-deep"]);
    assert.equal(refused.code, 2, refused.stderr);
    assertNoStackTrace(refused.stderr);
    assert.match(refused.stderr, warning);
    assert.match(refused.stderr, /dependency "deep-flow" is not a package of this workspace/);
    assert.match(
      refused.stderr,
      /^hint: a missing dependency may be one of the manifests left out above$/m,
    );

    const build = await ws.run(["build", "good", "--json"]);
    assert.equal(build.code, 0, build.stderr);
    assertNoStackTrace(build.stderr);
    assert.match(build.stderr, warning);
    assert.deepEqual(statuses(buildSummary(build)), { good: "built" });
  },
);
