/**
 * Per-build limits: sizes, the `limits:` keys of 2nex.yaml and of a manifest's
 * `build`, the evidence of a limit in a log, and the cgroup script against a
 * stand-in cgroup tree.
 */
import assert from "node:assert/strict";
import { dirname } from "node:path";
import { DiagnosticBag } from "../../lib/manifest/diagnostics.ts";
import { loadManifestText } from "../../lib/manifest/load.ts";
import { BuildCgroup } from "../../lib/sandbox/cgroup.ts";
import { DEFAULT_LIMITS, formatSize, limitHitInLog, parseSize } from "../../lib/sandbox/limits.ts";
import { parseConfig } from "../../lib/workspace/config.ts";

Deno.test("limits: sizes in bytes or binary units", () => {
  const cases: Array<[string | number, number | undefined]> = [
    ["8G", 8 * 1024 ** 3],
    ["8GiB", 8 * 1024 ** 3],
    ["512m", 512 * 1024 ** 2],
    ["1T", 1024 ** 4],
    ["100K", 102400],
    ["4096", 4096],
    [4096, 4096],
    ["64B", 64],
    ["1.5G", undefined],
    ["-1G", undefined],
    ["8X", undefined],
    ["G", undefined],
    ["99999999999T", undefined],
  ];
  for (const [text, bytes] of cases) assert.equal(parseSize(text), bytes, String(text));
  assert.equal(formatSize(8 * 1024 ** 3), "8 GiB");
  assert.equal(formatSize(1536 * 1024 ** 2), "1536 MiB");
  assert.equal(formatSize(1000), "1000 bytes");
});

Deno.test("limits: 2nex.yaml sets defaults for every build; bad values are diagnostics", async () => {
  const plain = (await parseConfig("/ws", "jobs: 1\n", new DiagnosticBag("/ws/2nex.yaml", "")))!;
  assert.deepEqual(plain.limits, DEFAULT_LIMITS);
  const bag = new DiagnosticBag("/ws/2nex.yaml", "");
  const set = (await parseConfig("/ws", "limits: { memory: 512M }\n", bag))!;
  assert.deepEqual(bag.items, []);
  assert.deepEqual(set.limits, { memory: 512 * 1024 ** 2, processes: DEFAULT_LIMITS.processes });

  const text = "limits:\n  memory: lots\n  processes: 2\n  cpu: 4\n";
  const errors = new DiagnosticBag("/ws/2nex.yaml", text);
  await parseConfig("/ws", text, errors);
  assert.deepEqual(errors.items.map((d) => [d.line, d.col, d.message]), [
    [4, 3, 'unknown key "cpu" in `limits`'],
    [2, 11, 'limits.memory must be a size of at least 16 MiB, got "lots"'],
    [3, 14, "limits.processes must be a whole number of at least 4, got a number"],
  ]);
});

Deno.test("limits: a manifest's build.limits overrides, and is checked the same way", async () => {
  const text = (limits: string) =>
    `package: {schema: 1, slug: a, version: "1"}\nbuild:\n  limits: ${limits}\n  script: "true"\n`;
  const ok = await loadManifestText("/ws/a.yaml", text("{ processes: 64, memory: 2G }"));
  assert.deepEqual(ok.diagnostics, []);
  assert.deepEqual(ok.manifest!.build.limits, { processes: 64, memory: 2 * 1024 ** 3 });
  const bad = await loadManifestText("/ws/a.yaml", text("{ memory: 1K }"));
  assert.deepEqual(bad.diagnostics.map((d) => [d.line, d.message]), [
    [3, 'build.limits.memory must be a size of at least 16 MiB, got "1K"'],
  ]);
});

Deno.test("limits: what a log shows of a refused fork or allocation", () => {
  assert.equal(limitHitInLog("bash: fork: retry: Resource temporarily unavailable"), "processes");
  assert.equal(limitHitInLog("/bin/sh: 0: Cannot fork"), "processes");
  assert.equal(limitHitInLog("bash: xrealloc: cannot allocate 62562304 bytes"), "memory");
  assert.equal(limitHitInLog("sort: memory exhausted"), "memory");
  assert.equal(limitHitInLog("cc1: out of memory allocating 4072 bytes"), "memory");
  assert.equal(limitHitInLog("make: *** [all] Error 1"), undefined);
});

Deno.test("limits: the cgroup script makes, reads and removes a build cgroup", async () => {
  // A stand-in for /sys/fs/cgroup holding every cgroup this process is in.
  const root = await Deno.makeTempDir({ prefix: "2nex-cgroup-" });
  try {
    // Deno reads /proc only with --allow-all; a child shares this process's cgroups.
    const cat = await new Deno.Command("cat", { args: ["/proc/self/cgroup"] }).output();
    const membership = new TextDecoder().decode(cat.stdout);
    for (const line of membership.trim().split("\n")) {
      const [id, controllers, path] = line.split(":");
      if (id === "0" && controllers === "") {
        await Deno.mkdir(`${root}${path}`, { recursive: true });
        await Deno.writeTextFile(`${root}${path}/cgroup.subtree_control`, "cpu pids memory\n");
      } else if (controllers.split(",").includes("pids")) {
        await Deno.mkdir(`${root}/pids${path}`, { recursive: true });
      }
    }
    const cgroup = await BuildCgroup.create(33, root);
    assert.ok(cgroup, "no cgroup made");
    assert.ok(cgroup.dir.startsWith(`${root}/`), cgroup.dir);
    assert.equal(cgroup.procsFile, `${cgroup.dir}/cgroup.procs`);
    assert.equal(await Deno.readTextFile(`${cgroup.dir}/pids.max`), "33\n");
    // A stand-in directory is not emptied by the kernel: do it as it would be.
    await Deno.remove(`${cgroup.dir}/pids.max`);
    await Deno.writeTextFile(`${cgroup.dir}/pids.events`, "max 5\n");
    assert.deepEqual(await cgroup.finish(), { hitLimit: true });

    const quiet = (await BuildCgroup.create(8, root))!;
    assert.notEqual(quiet.dir, cgroup.dir);
    await Deno.remove(`${quiet.dir}/pids.max`);
    await Deno.writeTextFile(`${quiet.dir}/pids.events`, "max 0\n");
    assert.deepEqual(await quiet.finish(), { hitLimit: false });

    // The next cgroup made removes those killed 2nex processes of this pid namespace left.
    const link = await new Deno.Command("readlink", { args: ["/proc/self/ns/pid"] }).output();
    const ns = new TextDecoder().decode(link.stdout).replace(/\D/g, "");
    const parent = dirname(cgroup.dir);
    const stale = `${parent}/2nex-build-${ns}-999999999-1`;
    const live = `${parent}/2nex-build-${ns}-${Deno.pid}-999`;
    await Deno.mkdir(stale);
    await Deno.mkdir(live);
    const next = (await BuildCgroup.create(8, root))!;
    assert.equal(dirname(next.dir), parent);
    await assert.rejects(() => Deno.stat(stale), Deno.errors.NotFound);
    assert.ok((await Deno.stat(live)).isDirectory, "the cgroup of a live 2nex went");

    // Where nothing may be made, there is no cgroup.
    assert.equal(await BuildCgroup.create(33, `${root}/missing`), undefined);
  } finally {
    await Deno.remove(root, { recursive: true });
  }
});
