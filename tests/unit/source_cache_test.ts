import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { join } from "node:path";
import {
  cachedPath,
  cleanTemp,
  has,
  hashFile,
  importFile,
  isSha256,
  tempDir,
} from "../../lib/source/cache.ts";
import { parseMirrors } from "../../lib/source/mirrors.ts";
import { localFileName, urlFileName } from "../../lib/source/file_name.ts";
import { InvalidInputError } from "../../lib/util/errors.ts";

const sha256 = (data: string) => createHash("sha256").update(data).digest("hex");

async function withTempDir(body: (dir: string) => Promise<void>) {
  const dir = await Deno.makeTempDir({ prefix: "2nex-source-cache-" });
  try {
    await body(dir);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

Deno.test("cachedPath is <cache>/sources/sha256/<hex> and refuses non-hashes", () => {
  const hex = sha256("x");
  assert.deepEqual(cachedPath("/c", hex), `/c/sources/sha256/${hex}`);
  assert.ok(isSha256(hex));
  assert.ok(!isSha256(hex.toUpperCase()));
  assert.throws(() => cachedPath("/c", "../../etc/passwd"), InvalidInputError);
  assert.throws(() => cachedPath("/c", hex.slice(1)), InvalidInputError);
});

Deno.test("importFile enters the cache only when the hash matches", async () => {
  await withTempDir(async (dir) => {
    const cache = join(dir, "cache");
    const source = join(dir, "a.txt");
    await Deno.writeTextFile(source, "hello");
    const good = sha256("hello");
    const bad = sha256("other");

    assert.deepEqual(await importFile(cache, source, bad), good);
    assert.ok(!await has(cache, bad));
    assert.ok(
      !await has(cache, good),
      "a mismatch must not be cached under its actual hash either",
    );
    assert.deepEqual([...Deno.readDirSync(tempDir(cache))], []);

    assert.deepEqual(await importFile(cache, source, good), good);
    assert.ok(await has(cache, good));
    assert.deepEqual(await Deno.readTextFile(cachedPath(cache, good)), "hello");
    assert.deepEqual((await Deno.stat(cachedPath(cache, good))).mode! & 0o777, 0o444);
    assert.deepEqual(await hashFile(cachedPath(cache, good)), good);
    assert.deepEqual([...Deno.readDirSync(tempDir(cache))], []);
  });
});

Deno.test("cleanTemp removes leftovers, optionally only old ones, and never cached files", async () => {
  await withTempDir(async (dir) => {
    assert.deepEqual(await cleanTemp(dir), 0, "a missing temp dir is fine");
    const tmp = tempDir(dir);
    await Deno.mkdir(tmp, { recursive: true });
    await Deno.writeTextFile(join(tmp, "old.part"), "x");
    await Deno.utime(join(tmp, "old.part"), 0, new Date(Date.now() - 3_600_000));
    await Deno.writeTextFile(join(tmp, "fresh.part"), "x");
    const source = join(dir, "s");
    await Deno.writeTextFile(source, "kept");
    await importFile(dir, source, sha256("kept"));

    assert.deepEqual(await cleanTemp(dir, { minAgeMs: 60_000 }), 1);
    assert.deepEqual([...Deno.readDirSync(tmp)].map((e) => e.name), ["fresh.part"]);
    assert.deepEqual(await cleanTemp(dir), 1);
    assert.deepEqual([...Deno.readDirSync(tmp)], []);
    assert.ok(await has(dir, sha256("kept")));
  });
});

Deno.test("importFile of a missing file rejects with NotFound and leaves no temp file", async () => {
  await withTempDir(async (dir) => {
    await assert.rejects(
      () => importFile(dir, join(dir, "nope"), sha256("x")),
      Deno.errors.NotFound,
    );
    assert.ok(!await has(dir, sha256("x")));
  });
});

Deno.test("parseMirrors: URL prefixes get a trailing slash, the rest are workspace dirs", () => {
  assert.deepEqual(
    parseMirrors(["vendor/", "https://m.example/src", "http://m.example/a/", "/abs"], "/ws"),
    [
      { kind: "dir", path: "/ws/vendor" },
      { kind: "url", prefix: "https://m.example/src/" },
      { kind: "url", prefix: "http://m.example/a/" },
      { kind: "dir", path: "/abs" },
    ],
  );
  assert.throws(() => parseMirrors(["ftp://m.example/"], "/ws"), InvalidInputError);
  assert.throws(() => parseMirrors([" "], "/ws"), InvalidInputError);
});

Deno.test("file names for mirrors: last URL path segment decoded; unusable names are undefined", () => {
  assert.deepEqual(urlFileName("https://h.example/gnu/m4/m4-1.4.19.tar.xz"), "m4-1.4.19.tar.xz");
  assert.deepEqual(urlFileName("https://h.example/a/b%20c.tgz?x=1#f"), "b c.tgz");
  assert.deepEqual(urlFileName("https://h.example/dir/"), undefined);
  assert.deepEqual(urlFileName("https://h.example/a/..%2F..%2Fetc"), undefined);
  assert.deepEqual(urlFileName("https://h.example/a/%E0%A4%A"), "%E0%A4%A");
  assert.deepEqual(localFileName("patches/fix.patch"), "fix.patch");
  assert.deepEqual(localFileName("../"), undefined);
});
