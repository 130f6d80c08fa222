import assert from "node:assert/strict";
import { join } from "node:path";
import { DiagnosticBag } from "../../lib/manifest/diagnostics.ts";
import { defaultConfig, parseConfig } from "../../lib/workspace/config.ts";
import { selectPackage } from "../../lib/workspace/select.ts";
import { discoverManifests } from "../../lib/workspace/discover.ts";
import { loadManifestText } from "../../lib/manifest/load.ts";
import type { Manifest } from "../../lib/manifest/types.ts";
import { InvalidInputError } from "../../lib/util/errors.ts";
import { computeInputKey } from "../../lib/graph/inputkey.ts";

Deno.test("2nex.yaml: defaults, relative paths, mirrors", async () => {
  const bag = new DiagnosticBag("/ws/2nex.yaml", "");
  const config = (await parseConfig(
    "/ws",
    "repo: r\nmirrors: [vendor/, https://m.example/src/]\njobs: 3\nenv: { CFLAGS: -O2 }\n",
    bag,
  ))!;
  assert.deepEqual(bag.items, []);
  assert.equal(config.repo, "/ws/r");
  assert.equal(config.cache, defaultConfig("/ws").cache);
  assert.deepEqual(config.mirrors, ["/ws/vendor", "https://m.example/src/"]);
  assert.equal(config.jobs, 3);
  assert.deepEqual(config.env, { CFLAGS: "-O2" });
});

Deno.test("2nex.yaml: unknown keys and bad values are diagnostics with positions", async () => {
  const text = "jobz: 2\nsandbox: docker\njobs: 0\n";
  const bag = new DiagnosticBag("/ws/2nex.yaml", text);
  await parseConfig("/ws", text, bag);
  assert.deepEqual(bag.items.map((d) => [d.line, d.col, d.message, d.hint]), [
    [1, 1, 'unknown key "jobz" in 2nex.yaml', 'did you mean "jobs"?'],
    [2, 10, 'invalid sandbox "docker"', 'use "auto", "bwrap" or "unshare"'],
    [3, 7, "jobs must be a whole number of at least 1, got a number", undefined],
  ]);
});

async function manifest(
  path: string,
  slug: string,
  version: string,
  flavor = "main",
): Promise<Manifest> {
  const text =
    `package: {schema: 1, slug: ${slug}, version: "${version}", flavor: ${flavor}}\nbuild: {script: "true"}\n`;
  const { manifest, diagnostics } = await loadManifestText(path, text);
  assert.deepEqual(diagnostics, []);
  return manifest!;
}

Deno.test("selectors: path, slug, slug@version, flavor; errors list candidates", async () => {
  const all = await Promise.all([
    manifest("/ws/m/gcc-13.yaml", "gcc", "13.2.0"),
    manifest("/ws/m/gcc-12.yaml", "gcc", "12.3.0"),
    manifest("/ws/m/gcc-p0.yaml", "gcc", "13.2.0", "bootstrap/phase0"),
    manifest("/ws/m/m4.yaml", "m4", "1.4.19"),
  ]);
  const cwd = "/ws";
  assert.equal(selectPackage(all, "m4", { cwd }).path, "/ws/m/m4.yaml");
  assert.equal(selectPackage(all, "m/gcc-12.yaml", { cwd }).path, "/ws/m/gcc-12.yaml");
  assert.equal(selectPackage(all, "gcc@12.3.0", { cwd }).path, "/ws/m/gcc-12.yaml");
  assert.equal(selectPackage(all, "gcc@13.2.0", { cwd, flavor: "main" }).path, "/ws/m/gcc-13.yaml");
  assert.throws(() => selectPackage(all, "gcc@13.2.0", { cwd }), (error: unknown) => {
    assert(error instanceof InvalidInputError);
    assert.equal(error.exitCode, 2);
    assert.match(error.message, /ambiguous: 2 packages match/);
    assert.match(error.hint!, /gcc@13\.2\.0 \(bootstrap\/phase0\)/);
    return true;
  });
  // The full names `graph` prints are selectors too, flavors with "/" included.
  assert.equal(selectPackage(all, "gcc@13.2.0:main", { cwd }).path, "/ws/m/gcc-13.yaml");
  assert.equal(
    selectPackage(all, "gcc@13.2.0:bootstrap/phase0", { cwd }).path,
    "/ws/m/gcc-p0.yaml",
  );
  assert.throws(
    () => selectPackage(all, "gcc@13.2.0:main", { cwd, flavor: "bootstrap/phase0" }),
    /names flavor main, but --flavor bootstrap\/phase0 was given/,
  );
  assert.throws(() => selectPackage(all, "gcc@12.3.0:bootstrap/phase0", { cwd }), (e: unknown) => {
    assert(e instanceof InvalidInputError);
    assert.equal(e.message, 'no package "gcc" at version 12.3.0 in flavor bootstrap/phase0');
    return true;
  });
  assert.throws(() => selectPackage(all, "gc", { cwd }), (error: unknown) => {
    assert(error instanceof InvalidInputError);
    assert.equal(error.message, 'unknown package "gc"');
    assert.match(error.hint!, /did you mean "gcc"/);
    return true;
  });
});

Deno.test("input key: changes with the script and env, not with the description", async () => {
  const base = async (extra: string, script = "make") =>
    (await loadManifestText(
      join("/ws", "a.yaml"),
      `package: {schema: 1, slug: a, version: "1"${extra}}\nbuild: {script: ${script}}\n`,
    )).manifest!;
  const key = (m: Manifest, env: Record<string, string> = {}) =>
    computeInputKey({
      manifest: m,
      dependencies: [],
      workspaceEnv: env,
      sourceDateEpoch: 1,
      arch: "x86_64",
    });
  const plain = key(await base(""));
  assert.equal(key(await base(", description: something else")), plain);
  assert.equal(key(await base(", homepage: https://x.example/")), plain);
  assert.notEqual(key(await base("", "make -k")), plain);
  assert.notEqual(key(await base(""), { CFLAGS: "-O1" }), plain);
  assert.match(plain, /^[0-9a-f]{64}$/);
});

Deno.test("discovery: manifests below the dirs, sorted, each once; hidden entries and 2nex.yaml skipped", async () => {
  const root = await Deno.makeTempDir();
  try {
    const files = ["b.yaml", "a.yml", "sub/c.yaml", "sub/deeper/d.yaml", "notes.txt", "2nex.yaml"];
    const hidden = [".hidden.yaml", ".git/e.yaml"];
    for (const file of [...files, ...hidden]) {
      await Deno.mkdir(join(root, file, ".."), { recursive: true });
      await Deno.writeTextFile(join(root, file), "");
    }
    await Deno.mkdir(join(root, "dir.yaml")); // listed, so that loading reports it
    await Deno.symlink(join(root, "b.yaml"), join(root, "link.yaml"));
    const found = discoverManifests([join(root, "sub"), root, `${root}/`, join(root, "missing")]);
    assert.deepEqual(
      found.map((path) => path.slice(root.length + 1)),
      ["a.yml", "b.yaml", "dir.yaml", "link.yaml", "sub/c.yaml", "sub/deeper/d.yaml"],
    );
  } finally {
    await Deno.remove(root, { recursive: true });
  }
});
