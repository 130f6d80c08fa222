/**
 * linkOrCopyNew, the way sources enter a build tree: a hard link or, across
 * file systems, a copy, and never a write through whatever is already at the
 * destination (a file, or a symlink to a host file).
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { linkOrCopyNew } from "../../lib/util/fs.ts";

/** Two temp directories, on different file systems when /dev/shm is a tmpfs. */
async function withDirs(body: (source: string, other: string) => Promise<void>): Promise<void> {
  const source = await Deno.makeTempDir({ prefix: "2nex-link-" });
  let shm: string | undefined;
  try {
    shm = await Deno.makeTempDir({ dir: "/dev/shm", prefix: "2nex-link-" });
  } catch {
    // No /dev/shm: the copy case runs on one file system, as a second link.
  }
  try {
    await body(source, shm ?? source);
  } finally {
    await Deno.remove(source, { recursive: true });
    if (shm !== undefined) await Deno.remove(shm, { recursive: true });
  }
}

Deno.test("linkOrCopyNew links or copies the bytes to a new name", async () => {
  await withDirs(async (dir, other) => {
    const from = join(dir, "cached");
    await Deno.writeTextFile(from, "verified source\n");
    for (const to of [join(dir, "linked"), join(other, "copied")]) {
      await linkOrCopyNew(from, to);
      assert.equal(await Deno.readTextFile(to), "verified source\n");
    }
  });
});

Deno.test("linkOrCopyNew never writes through an existing file or symlink", async () => {
  await withDirs(async (dir, other) => {
    const from = join(dir, "cached");
    await Deno.writeTextFile(from, "bytes chosen by a manifest\n");
    const victim = join(dir, "victim");
    await Deno.writeTextFile(victim, "the host's own file\n");
    for (const place of new Set([dir, other])) {
      const asFile = join(place, "existing");
      await Deno.writeTextFile(asFile, "already here\n");
      const asLink = join(place, "link");
      await Deno.symlink(victim, asLink);
      const dangling = join(place, "dangling");
      await Deno.symlink(join(dir, "not-yet"), dangling);
      for (const to of [asFile, asLink, dangling]) {
        await assert.rejects(linkOrCopyNew(from, to), Deno.errors.AlreadyExists, to);
      }
      assert.equal(await Deno.readTextFile(asFile), "already here\n");
      await assert.rejects(Deno.lstat(join(dir, "not-yet")), Deno.errors.NotFound);
    }
    assert.equal(await Deno.readTextFile(victim), "the host's own file\n");
  });
});

Deno.test("linkOrCopyNew of a missing file is NotFound", async () => {
  await withDirs(async (dir) => {
    await assert.rejects(
      linkOrCopyNew(join(dir, "missing"), join(dir, "to")),
      Deno.errors.NotFound,
    );
  });
});
