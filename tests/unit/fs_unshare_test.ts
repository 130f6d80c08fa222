import assert from "node:assert/strict";
import { join } from "node:path";
import { unshareHardLinks } from "../../lib/util/fs.ts";

Deno.test("unshareHardLinks: linked files get copies of their own; symlinks and their targets stay", async () => {
  const base = await Deno.makeTempDir({ prefix: "2nex-unshare-" });
  try {
    const outside = join(base, "outside");
    await Deno.writeTextFile(outside, "shared\n");
    await Deno.link(outside, join(base, "outside-link"));
    const tree = join(base, "tree");
    await Deno.mkdir(join(tree, "ro"), { recursive: true });
    await Deno.link(outside, join(tree, "ro", "linked"));
    await Deno.chmod(join(tree, "ro", "linked"), 0o755);
    await Deno.writeTextFile(join(tree, "alone"), "alone\n");
    await Deno.symlink(join(base, "outside-link"), join(tree, "symlink"));
    await Deno.chmod(join(tree, "ro"), 0o555);

    await unshareHardLinks(tree);

    const linked = await Deno.lstat(join(tree, "ro", "linked"));
    assert.equal(linked.nlink, 1);
    assert.equal(linked.mode! & 0o777, 0o755);
    assert.equal(await Deno.readTextFile(join(tree, "ro", "linked")), "shared\n");
    assert.equal((await Deno.lstat(join(tree, "ro"))).mode! & 0o777, 0o555);
    assert.deepEqual((await Array.fromAsync(Deno.readDir(join(tree, "ro")))).map((e) => e.name), [
      "linked",
    ]);
    // The symlink is not followed: its target keeps its other link.
    assert.ok((await Deno.lstat(join(tree, "symlink"))).isSymlink);
    assert.equal((await Deno.lstat(outside)).nlink, 2);
    await Deno.writeTextFile(join(tree, "ro", "linked"), "changed\n");
    assert.equal(await Deno.readTextFile(outside), "shared\n");
    await unshareHardLinks(join(base, "missing"));
  } finally {
    await Deno.chmod(join(base, "tree", "ro"), 0o755).catch(() => {});
    await Deno.remove(base, { recursive: true });
  }
});
