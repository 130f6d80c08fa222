import assert from "node:assert/strict";
import { compareTrees, hashFile, treesEqual } from "../../lib/repro/diff.ts";
import { compareBytewise } from "../../lib/repro/order.ts";
import { InvalidInputError } from "../../lib/util/errors.ts";
import { createHash } from "node:crypto";

/** Two fresh trees under one temp dir, removed after `body`. */
async function withTrees(
  body: (a: string, b: string) => Promise<void>,
): Promise<void> {
  const base = await Deno.makeTempDir({ prefix: "2nex-repro-" });
  try {
    await Deno.mkdir(`${base}/a`);
    await Deno.mkdir(`${base}/b`);
    await body(`${base}/a`, `${base}/b`);
  } finally {
    await Deno.remove(base, { recursive: true });
  }
}

async function write(path: string, content: string | Uint8Array, mode = 0o644): Promise<void> {
  await Deno.mkdir(path.slice(0, path.lastIndexOf("/")), { recursive: true });
  if (typeof content === "string") await Deno.writeTextFile(path, content);
  else await Deno.writeFile(path, content);
  await Deno.chmod(path, mode);
}

function isInvalid(text: string): (error: unknown) => boolean {
  return (error) => error instanceof InvalidInputError && error.message.includes(text);
}

function sha256(content: string | Uint8Array): string {
  return createHash("sha256").update(content).digest("hex");
}

Deno.test("compareTrees: identical trees", async () => {
  await withTrees(async (a, b) => {
    for (const root of [a, b]) {
      await write(`${root}/usr/bin/tool`, "#!/bin/sh\n", 0o755);
      await write(`${root}/usr/share/doc/README`, "hello\n");
      await Deno.symlink("tool", `${root}/usr/bin/alias`);
    }
    const diff = await compareTrees(a, b);
    assert.deepEqual(diff.added, []);
    assert.deepEqual(diff.removed, []);
    assert.deepEqual(diff.changed, []);
    // usr, usr/bin, usr/bin/tool, usr/bin/alias, usr/share, usr/share/doc, README
    assert.deepEqual(diff.identical, 7);
    assert.ok(treesEqual(diff));
    assert.deepEqual(diff.roots, { a, b });
  });
});

Deno.test("compareTrees: added, removed and changed entries, sorted byte-wise", async () => {
  await withTrees(async (a, b) => {
    await write(`${a}/same`, "x");
    await write(`${b}/same`, "x");
    await write(`${a}/gone/file`, "old");
    await write(`${b}/new.txt`, "twelve bytes");
    await write(`${b}/a-b`, "1");
    await write(`${b}/a/b`, "2");
    await write(`${a}/edit`, "hello world");
    await write(`${b}/edit`, "hello World");
    const diff = await compareTrees(a, b);
    assert.deepEqual(diff.removed.map((e) => e.path), ["gone", "gone/file"]);
    assert.deepEqual(diff.removed[1].sha256, sha256("old"));
    // '-' (0x2d) sorts before '/' (0x2f), and "a" before "a-b".
    assert.deepEqual(diff.added.map((e) => e.path), ["a", "a-b", "a/b", "new.txt"]);
    assert.deepEqual(diff.added[3], {
      path: "new.txt",
      type: "file",
      mode: 0o644,
      size: 12,
      sha256: sha256("twelve bytes"),
    });
    assert.deepEqual(diff.changed.length, 1);
    const change = diff.changed[0];
    assert.deepEqual(change.path, "edit");
    assert.deepEqual(change.differs, ["content"]);
    assert.deepEqual(change.firstDifference, 6);
    assert.deepEqual(change.a.sha256, sha256("hello world"));
    assert.deepEqual(change.b.sha256, sha256("hello World"));
    assert.deepEqual(diff.identical, 1);
    assert.ok(!treesEqual(diff));
  });
});

Deno.test("compareTrees: a file that became a symlink is a type change", async () => {
  await withTrees(async (a, b) => {
    await write(`${a}/lib/libx.so`, "ELF");
    await write(`${b}/lib/libx.so.1`, "ELF");
    await write(`${a}/lib/libx.so.1`, "ELF");
    await Deno.symlink("libx.so.1", `${b}/lib/libx.so`);
    const diff = await compareTrees(a, b);
    assert.deepEqual(diff.changed.length, 1);
    const change = diff.changed[0];
    assert.deepEqual(change.path, "lib/libx.so");
    assert.deepEqual(change.differs, ["type"]);
    assert.deepEqual(change.a.type, "file");
    assert.deepEqual(change.a.sha256, sha256("ELF"));
    assert.deepEqual(change.b.type, "symlink");
    assert.deepEqual(change.b.target, "libx.so.1");
    assert.deepEqual(change.firstDifference, undefined);
  });
});

Deno.test("compareTrees: mode and symlink target changes; modeMask hides ignored bits", async () => {
  await withTrees(async (a, b) => {
    await write(`${a}/run`, "same", 0o644);
    await write(`${b}/run`, "same", 0o755);
    await write(`${a}/group`, "same", 0o644);
    await write(`${b}/group`, "same", 0o664);
    await Deno.symlink("one", `${a}/link`);
    await Deno.symlink("two", `${b}/link`);
    const diff = await compareTrees(a, b);
    assert.deepEqual(
      diff.changed.map((c) => [c.path, c.differs, c.a.mode, c.b.mode]),
      [
        ["group", ["mode"], 0o644, 0o664],
        ["link", ["target"], 0o777, 0o777],
        ["run", ["mode"], 0o644, 0o755],
      ],
    );
    // ostree's canonical permissions keep 0755 only: the group write bit does not count.
    const canonical = await compareTrees(a, b, { modeMask: 0o755 });
    assert.deepEqual(canonical.changed.map((c) => c.path), ["link", "run"]);
  });
});

Deno.test("compareTrees: first difference past the first 64 KiB chunk", async () => {
  await withTrees(async (a, b) => {
    const size = 200_000;
    const content = new Uint8Array(size).map((_, i) => (i * 7) & 0xff);
    const other = content.slice();
    other[150_001] ^= 0xff;
    await write(`${a}/big.bin`, content);
    await write(`${b}/big.bin`, other);
    const diff = await compareTrees(a, b);
    assert.deepEqual(diff.changed.length, 1);
    assert.deepEqual(diff.changed[0].differs, ["content"]);
    assert.deepEqual(diff.changed[0].firstDifference, 150_001);
    assert.deepEqual(diff.changed[0].a.sha256, sha256(content));
    assert.deepEqual(diff.changed[0].b.sha256, sha256(other));
    // A chunk size that does not divide the offset evenly gives the same answer.
    const oddChunks = await compareTrees(a, b, { chunkSize: 4093 });
    assert.deepEqual(oddChunks.changed[0].firstDifference, 150_001);
  });
});

Deno.test("compareTrees: same prefix, different length", async () => {
  await withTrees(async (a, b) => {
    const long = new Uint8Array(70_000).fill(0x61);
    await write(`${a}/grows`, long.subarray(0, 65_536 + 10));
    await write(`${b}/grows`, long);
    await write(`${a}/shrinks`, "abcdef");
    await write(`${b}/shrinks`, "abc");
    await write(`${a}/empty`, "");
    await write(`${b}/empty`, "x");
    const diff = await compareTrees(a, b);
    assert.deepEqual(
      diff.changed.map((c) => [c.path, c.differs, c.a.size, c.b.size, c.firstDifference]),
      [
        ["empty", ["size", "content"], 0, 1, 0],
        ["grows", ["size", "content"], 65_546, 70_000, 65_546],
        ["shrinks", ["size", "content"], 6, 3, 3],
      ],
    );
    assert.deepEqual(diff.changed[1].b.sha256, sha256(long));
  });
});

Deno.test("compareTrees: a missing or non-directory root is invalid input", async () => {
  await withTrees(async (a, b) => {
    await write(`${b}/file`, "x");
    await assert.rejects(() => compareTrees(a, `${b}/missing`), isInvalid("does not exist"));
    await assert.rejects(() => compareTrees(`${b}/file`, a), isInvalid("not a directory"));
  });
});

Deno.test("compareTrees: the roots' own modes are compared", async () => {
  await withTrees(async (a, b) => {
    await Deno.chmod(a, 0o755);
    await Deno.chmod(b, 0o700);
    const diff = await compareTrees(a, b);
    assert.deepEqual(diff.changed.map((c) => [c.path, c.differs]), [[".", ["mode"]]]);
    assert.deepEqual(diff.identical, 0);
  });
});

Deno.test("hashFile: streams large files", async () => {
  const dir = await Deno.makeTempDir({ prefix: "2nex-repro-" });
  try {
    const content = new Uint8Array(300_000).map((_, i) => i % 251);
    await Deno.writeFile(`${dir}/f`, content);
    assert.deepEqual(await hashFile(`${dir}/f`), sha256(content));
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("compareBytewise: orders by UTF-8 bytes", () => {
  const paths = ["b", "a/b", "a-b", "a", "\u{1F600}", "\uFFFD", "Z", "é"];
  assert.deepEqual(paths.sort(compareBytewise), [
    "Z",
    "a",
    "a-b",
    "a/b",
    "b",
    "é",
    "\uFFFD",
    "\u{1F600}",
  ]);
  // Same as sorting the encoded bytes.
  const encoder = new TextEncoder();
  const byBytes = [...paths].sort((x, y) => {
    const [bx, by] = [encoder.encode(x), encoder.encode(y)];
    for (let i = 0; i < Math.min(bx.length, by.length); i++) {
      if (bx[i] !== by[i]) return bx[i] - by[i];
    }
    return bx.length - by.length;
  });
  assert.deepEqual(paths, byBytes);
});

Deno.test("compareTrees: large files added, removed and turned into a symlink", async () => {
  await withTrees(async (a, b) => {
    const big = new Uint8Array(100_000).map((_, i) => i % 13);
    await write(`${a}/old.bin`, big);
    await write(`${b}/new.bin`, big);
    await write(`${a}/lib.so`, big);
    await Deno.symlink("new.bin", `${b}/lib.so`);
    const diff = await compareTrees(a, b);
    assert.deepEqual(diff.added.map((e) => [e.path, e.size, e.sha256]), [
      ["new.bin", 100_000, sha256(big)],
    ]);
    assert.deepEqual(diff.removed.map((e) => [e.path, e.size, e.sha256]), [
      ["old.bin", 100_000, sha256(big)],
    ]);
    assert.deepEqual(diff.changed.map((c) => [c.path, c.differs, c.a.sha256, c.b.target]), [
      ["lib.so", ["type"], sha256(big), "new.bin"],
    ]);
  });
});
