import assert from "node:assert/strict";
import { join } from "node:path";
import { codeFingerprint, EntriesPart, ManifestCache } from "../../lib/manifest/cache.ts";
import { loadManifestFile, type LoadResult } from "../../lib/manifest/load.ts";
import { discoverManifests } from "../../lib/workspace/discover.ts";
import { repoRoot } from "../helpers/cli.ts";
import { withoutUndefined } from "../helpers/data.ts";

/** `load` of each path, in order; the YAML library is loaded when a file needs it. */
async function loadEach(paths: string[], load: (path: string) => Promise<LoadResult>) {
  const results: LoadResult[] = [];
  for (const path of paths) results.push(await load(path));
  return results;
}

/** Loads `paths` through a cache at `file`, counting the files that were not found in it. */
async function loadThrough(file: string, paths: string[], fingerprint = "test") {
  const cache = ManifestCache.open(file, fingerprint);
  // A set: a file that needs the YAML library is looked up again once it is loaded.
  const missed = new Set<string>();
  const spy = {
    lookup: (path: string, digest: string) => {
      const hit = cache.lookup(path, digest);
      if (!hit) missed.add(path);
      return hit;
    },
    store: (path: string, digest: string, result: LoadResult) => cache.store(path, digest, result),
  } as unknown as ManifestCache;
  const results = await loadEach(paths, (path) => loadManifestFile(path, {}, spy));
  await cache.save();
  return { results, misses: missed.size };
}

Deno.test("cache: every real manifest and every bad-manifest result survives the round trip", async () => {
  const paths = discoverManifests([
    join(repoRoot, "manifests"),
    join(repoRoot, "tests/fixtures/bad-manifests"),
    join(repoRoot, "tests/fixtures/workspaces"),
  ]);
  assert.ok(paths.length > 60, `found only ${paths.length} manifests`);
  const dir = await Deno.makeTempDir();
  try {
    const file = join(dir, "manifests.json");
    const first = await loadThrough(file, paths);
    assert.equal(first.misses, paths.length);
    const second = await loadThrough(file, paths);
    // Files that cannot be read or decoded are never cached; all others are hits.
    assert.ok(second.misses < 5, `${second.misses} misses on the second load`);
    const fresh = await loadEach(paths, (path) => loadManifestFile(path));
    assert.deepEqual(second.results.map(withoutUndefined), fresh.map(withoutUndefined));
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("cache: an edited file is loaded again, whatever its modification time", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const manifest = join(dir, "a.yaml");
    const file = join(dir, "cache.json");
    const good = await Deno.readTextFile(join(repoRoot, "manifests/examples/hello-c.yaml"));
    await Deno.writeTextFile(manifest, good);
    const before = await Deno.stat(manifest);
    await loadThrough(file, [manifest]);
    assert.equal((await loadThrough(file, [manifest])).misses, 0);

    // Same length, same mtime: only the content tells the edit apart.
    const edited = good.replace("schema: 1", "schema: 2");
    assert.equal(edited.length, good.length);
    await Deno.writeTextFile(manifest, edited);
    await Deno.utime(manifest, before.atime!, before.mtime!);
    const after = await loadThrough(file, [manifest]);
    assert.equal(after.misses, 1);
    assert.equal(after.results[0].manifest, undefined);
    assert.match(after.results[0].diagnostics[0].message, /unsupported schema "2"/);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("cache: another fingerprint, a corrupt file or a wrong shape is an empty cache", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const manifest = join(repoRoot, "manifests/examples/hello-c.yaml");
    const file = join(dir, "cache.json");
    await loadThrough(file, [manifest], "one");
    assert.equal((await loadThrough(file, [manifest], "one")).misses, 0);
    assert.equal((await loadThrough(file, [manifest], "two")).misses, 1);
    // Only a file that begins as 2nex writes it is parsed: another fingerprint
    // is seen from the first bytes, without reading the whole file. A file of
    // the right fingerprint laid out otherwise is left unread too.
    await loadThrough(file, [manifest], "one");
    const written = await Deno.readTextFile(file);
    const header = (text: string) => JSON.parse(text.slice(0, text.indexOf("\n")));
    await Deno.writeTextFile(file, written.replace('{"format":', '{ "format":'));
    assert.deepEqual(header(await Deno.readTextFile(file)), header(written));
    assert.equal((await loadThrough(file, [manifest], "one")).misses, 1);
    for (
      const content of [
        "{not json",
        "[]",
        '{"format":1,"fingerprint":"one","entries":{"x":1}}',
        `{"format":1,"fingerprint":"one","entries":{${
          JSON.stringify(manifest)
        }:{"digest":1,"result":{}}}}`,
      ]
    ) {
      await Deno.writeTextFile(file, content);
      assert.equal((await loadThrough(file, [manifest], "one")).misses, 1, content);
    }
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("cache: a line cut short or garbled is a miss, the other entries are still found", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const manifests = ["hello-c", "greeting", "toolbox"].map((name) =>
      join(repoRoot, "manifests/examples", `${name}.yaml`)
    );
    const file = join(dir, "cache.json");
    await loadThrough(file, manifests);
    assert.equal((await loadThrough(file, manifests)).misses, 0);
    // Two runs writing at once can leave such lines: a result garbled in the
    // middle of the file, and a last line without its end.
    const lines = (await Deno.readTextFile(file)).split("\n");
    assert.equal(lines.length, 5, "a header, three entries and the end");
    lines[1] = lines[1].replace('"manifest":', '"manifest"');
    lines[3] = lines[3].slice(0, -20);
    await Deno.writeTextFile(file, lines.slice(0, 4).join("\n"));
    const again = await loadThrough(file, manifests);
    assert.equal(again.misses, 2);
    const fresh = await loadEach(manifests, (path) => loadManifestFile(path));
    assert.deepEqual(again.results.map(withoutUndefined), fresh.map(withoutUndefined));
    assert.equal((await loadThrough(file, manifests)).misses, 0, "the new file is whole again");
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("cache: text outside ASCII, in a path or a manifest, is written escaped and read back", async () => {
  const dir = await Deno.makeTempDir();
  try {
    await Deno.mkdir(join(dir, "gr\u00fc\u00dfe"));
    const manifest = join(dir, "gr\u00fc\u00dfe", "\u{1f600}.yaml");
    const good = await Deno.readTextFile(join(repoRoot, "manifests/examples/hello-c.yaml"));
    await Deno.writeTextFile(
      manifest,
      good.replace("vars:\n", "vars:\n  who: Zo\u00eb \u{1f600}\n"),
    );
    const file = join(dir, "cache.json");
    const first = await loadThrough(file, [manifest]);
    assert.equal(first.results[0].manifest?.vars.who, "Zo\u00eb \u{1f600}");
    const bytes = await Deno.readFile(file);
    assert.ok(bytes.every((byte) => byte < 0x80), "the cache file is ASCII");
    const second = await loadThrough(file, [manifest]);
    assert.equal(second.misses, 0);
    assert.deepEqual(withoutUndefined(second.results), withoutUndefined(first.results));
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("cache: vars that JSON cannot carry exactly are not cached", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const manifest = join(dir, "inf.yaml");
    const good = await Deno.readTextFile(join(repoRoot, "manifests/examples/hello-c.yaml"));
    await Deno.writeTextFile(manifest, good.replace("vars:\n", "vars:\n  big: .inf\n"));
    const file = join(dir, "cache.json");
    const first = await loadThrough(file, [manifest]);
    assert.equal(first.results[0].manifest?.vars.big, Infinity);
    const second = await loadThrough(file, [manifest]);
    assert.equal(second.misses, 1);
    assert.equal(second.results[0].manifest?.vars.big, Infinity);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("cache: an unwritable place loses nothing but time", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const blocker = join(dir, "file");
    await Deno.writeTextFile(blocker, "");
    const manifest = join(repoRoot, "manifests/examples/hello-c.yaml");
    // The cache's directory would have to be below a regular file.
    const first = await loadThrough(join(blocker, "cache.json"), [manifest]);
    assert.ok(first.results[0].manifest);
    assert.equal((await loadThrough(join(blocker, "cache.json"), [manifest])).misses, 1);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("cache: the fingerprint follows the code under lib/", () => {
  const fingerprint = codeFingerprint();
  assert.match(fingerprint ?? "", /^[0-9a-f]{64}$/);
  assert.equal(codeFingerprint(), fingerprint);
});

Deno.test("cache: new entries go to the file as they come, not all at save", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const file = join(dir, "cache", "manifests.json");
    const manifest = join(repoRoot, "manifests/examples/hello-c.yaml");
    const result = await loadManifestFile(manifest);
    const cache = ManifestCache.open(file, "test");
    const part = new EntriesPart();
    part.add(manifest, "digest-1", result);
    cache.storeSerialized(part.take());
    // Before save: the entry is on disk under the temporary name, not held.
    const written = await Deno.readTextFile(`${file}.tmp`);
    assert.ok(written.includes(`"digest-1"`), "the stored entry was not written yet");
    await cache.save();
    await assert.rejects(Deno.stat(`${file}.tmp`), Deno.errors.NotFound);
    const again = ManifestCache.open(file, "test");
    assert.deepEqual(
      withoutUndefined(again.lookup(manifest, "digest-1")),
      withoutUndefined(result),
    );
    assert.equal(again.lookup(manifest, "digest-2"), undefined);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
