/**
 * The build cgroups (lib/sandbox/cgroup.ts) through the CLI: each build of a
 * chain gets its own cgroup, and none is left behind once 2nex exits, even
 * though the last processes of a build may still be leaving its cgroup when
 * the sandbox helper has exited.
 */
import assert from "node:assert/strict";
import { e2eTest, inCi, packageYaml, TestWorkspace } from "../helpers/e2e.ts";

const CHAIN = 16;

await e2eTest(
  "build: a chain's build cgroups are all removed when the builds end",
  ["ostree", "bwrap"],
  async () => {
    const files: Record<string, string> = {};
    for (let i = 0; i < CHAIN; i++) {
      files[`manifests/p${i}.yaml`] = packageYaml({
        slug: `p${i}`,
        deps: i > 0 ? [`p${i - 1}`] : [],
        script: `echo ${i} > "$OUT_DIR/p${i}"`,
      });
    }
    await using ws = await TestWorkspace.create(undefined, files);
    const child = ws.spawn(["build", "-v", `p${CHAIN - 1}`]);
    const output = await child.output();
    const stderr = new TextDecoder().decode(output.stderr);
    assert.equal(output.code, 0, stderr);
    // `-v` prints each build's limits, with the cgroup that enforces the process limit.
    const used = [...stderr.matchAll(/\(cgroup pids, (\/\S+)\)/g)].map((m) => m[1]);
    if (used.length === 0) {
      if (inCi) assert.fail(`no build cgroup could be made on this host:\n${stderr}`);
      console.warn("skipped: no build cgroup can be made on this host (see `2nex doctor`)");
      return;
    }
    assert.equal(new Set(used).size, CHAIN);
    for (const dir of used) assert.match(dir, new RegExp(`/2nex-build-\\d+-${child.pid}-\\d+$`));
    // Deno may not look into /sys: ask find which of them are still there.
    const find = await new Deno.Command("find", { args: used, stderr: "null" }).output();
    assert.equal(new TextDecoder().decode(find.stdout), "", "build cgroups left behind");
  },
);
