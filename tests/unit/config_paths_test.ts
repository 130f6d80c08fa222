/**
 * The launcher's reading of 2nex.yaml's paths (lib/workspace/config_paths.ts):
 * on every configuration it answers, it must agree with the full reader
 * (config.ts), and it must leave to the full reader each kind of text it does
 * not read itself.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import {
  type ConfigPaths,
  configPathsOf,
  readConfigPaths,
} from "../../lib/workspace/config_paths.ts";
import { loadWorkspace, STARTER_CONFIG } from "../../lib/workspace/config.ts";

async function withConfig(
  text: string | undefined,
  check: (root: string) => Promise<void>,
): Promise<void> {
  const root = await Deno.makeTempDir({ prefix: "2nex-config-paths-" });
  try {
    if (text !== undefined) await Deno.writeTextFile(join(root, "2nex.yaml"), text);
    await check(root);
  } finally {
    await Deno.remove(root, { recursive: true });
  }
}

/** What the full reader makes of the workspace at `root`. */
async function validated(root: string): Promise<ConfigPaths> {
  return configPathsOf((await loadWorkspace(root)).config);
}

const PLAIN_CONFIGS: Record<string, string | undefined> = {
  "no 2nex.yaml": undefined,
  "an empty file": "",
  "only comments": "# nothing set\n",
  "the starter written by init": STARTER_CONFIG,
  "relative and absolute paths": "repo: ../elsewhere/repo\ncache: /var/cache/2nex\n",
  "one manifests directory without a list": "manifests: pkgs\n",
  "a flow list and quoted paths": 'manifests: [a, "b c", \'d\']\nmirrors: ["./vendor"]\n',
  "a block list of mirrors, directory and URL":
    "mirrors:\n  - vendor\n  - https://mirror.example/sources/\n  - /srv/mirror\n",
  "mirrors set to null": "mirrors:\n",
  "substituters set to null": "substituters: ~\njobs: 2\n",
  "the local executor and the 2nex semantics": "executor: local\nsemantics: 2nex\n",
  "keys that name no path": "jobs: 4\nlimits: { memory: 2G }\nenv:\n  CFLAGS: -O2\ntimeout: 60\n",
};

for (const [name, text] of Object.entries(PLAIN_CONFIGS)) {
  Deno.test(`config paths: ${name}: read without the full reader, and as it reads them`, async () => {
    await withConfig(text, async (root) => {
      const light = await readConfigPaths(root);
      assert.ok(light, "a plain configuration is read by the launcher itself");
      assert.deepEqual(light, await validated(root));
    });
  });
}

const LEFT_TO_THE_FULL_READER: Record<string, string> = {
  "a substituter": "substituters:\n  - url: /srv/cache\n    keys: [" +
    `"${"A".repeat(43)}="` + "]\n",
  "a Slurm executor": "executor:\n  slurm: { cache: /shared/cache, key: /shared/key }\n",
  "the original semantics": "semantics: original\n",
  "an alias": "repo: &r /srv/repo\ncache: *r\n",
  "a number where a path goes": "repo: 1.10\n",
  "a path that is a list": "repo: [a, b]\n",
  "a key written twice": "repo: a\nrepo: b\n",
  "a YAML error": "repo: [a\n",
  "a top level that is a list": "- repo\n",
};

for (const [name, text] of Object.entries(LEFT_TO_THE_FULL_READER)) {
  Deno.test(`config paths: ${name} is left to the full reader`, async () => {
    await withConfig(text, async (root) => {
      assert.equal(await readConfigPaths(root), undefined);
    });
  });
}

Deno.test("config paths: the full reader's paths of a substituter and a Slurm executor", async () => {
  const key = `${"A".repeat(43)}=`;
  const text = `substituters:\n  - url: shared/cache\n    keys: ["${key}"]\n` +
    "  - url: https://cache.example/\n    keys: [" + `"${key}"]\n` +
    "executor:\n  slurm: { cache: /shared/c, key: k, node_dir: /local/n }\n";
  await withConfig(text, async (root) => {
    const paths = await validated(root);
    assert.deepEqual(paths.substituterUrls, [join(root, "shared/cache"), "https://cache.example/"]);
    assert.deepEqual(paths.slurm, {
      cache: "/shared/c",
      key: join(root, "k"),
      nodeDir: "/local/n",
    });
  });
});

Deno.test("config paths: every 2nex.yaml of this repository reads the same both ways", async () => {
  const root = new URL("../../", import.meta.url).pathname;
  const files = [join(root, "2nex.yaml")];
  for await (const entry of Deno.readDir(join(root, "tests/fixtures/workspaces"))) {
    const file = join(root, "tests/fixtures/workspaces", entry.name, "2nex.yaml");
    if (entry.isDirectory && await Deno.lstat(file).then(() => true, () => false)) files.push(file);
  }
  assert.ok(files.length >= 5, `found ${files.length}`);
  for (const file of files) {
    await withConfig(await Deno.readTextFile(file), async (dir) => {
      const light = await readConfigPaths(dir);
      if (light !== undefined) assert.deepEqual(light, await validated(dir), file);
    });
  }
});

Deno.test("config paths: a 2nex.yaml that is a symlink or a FIFO is left to the full reader, without a hang", async () => {
  await withConfig(undefined, async (root) => {
    const elsewhere = join(root, "elsewhere.yaml");
    await Deno.writeTextFile(elsewhere, "repo: /srv/other-repo\n");
    await Deno.symlink(elsewhere, join(root, "2nex.yaml"));
    assert.equal(await readConfigPaths(root), undefined);
    await Deno.remove(join(root, "2nex.yaml"));
    // A FIFO that nobody writes: opening it to read would block for ever.
    const made = await new Deno.Command("mkfifo", { args: [join(root, "2nex.yaml")] }).output();
    assert.equal(made.code, 0);
    assert.equal(await readConfigPaths(root), undefined);
  });
});
