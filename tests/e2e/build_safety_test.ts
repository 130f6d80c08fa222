/**
 * Safety of a workspace (issue 4, item 7): `kill -9` of 2nex in the middle of
 * a build takes the sandbox down with it, and the next `build` cleans up and
 * succeeds with the repository `ostree fsck`-clean; two 2nex processes on one
 * workspace take turns on its lock.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import {
  buildSummary,
  e2eTest,
  packageYaml,
  processesWith,
  statuses,
  TestWorkspace,
  waitFor,
} from "../helpers/e2e.ts";

const decode = (bytes: Uint8Array) => new TextDecoder().decode(bytes);

/** A `sleep` whose command line no other process has: `sleep SECONDS.<random digits>`. */
function markedSleep(seconds: number): string {
  const digits = String(crypto.getRandomValues(new Uint32Array(1))[0]).padStart(10, "0");
  return `sleep ${seconds}.${digits}`;
}

/** A host-mode package that sleeps with `marker` before writing its result. */
function sleeper(slug: string, marker: string): string {
  return packageYaml({
    slug,
    script: `echo started\n${marker}\necho done > "$OUT_DIR/done"`,
  });
}

for (const helper of ["bwrap", "unshare"]) {
  await e2eTest(
    `safety (sandbox: ${helper}): kill -9 during a build takes the sandbox with it; the next build cleans up and succeeds`,
    ["ostree", helper, "ps"],
    async () => {
      await using ws = await TestWorkspace.create(
        `manifests: [manifests]\nsource_date_epoch: 1704067200\nsandbox: ${helper}\n`,
      );
      // Long enough that a sandbox outliving 2nex would still be seen running below.
      const marker = markedSleep(3);
      await ws.write("manifests/sleeper.yaml", sleeper("sleeper", marker));

      const child = ws.spawn(["build", "sleeper"]);
      let exited = false;
      const output = child.output().finally(() => exited = true);
      try {
        await waitFor(
          "the build to be running",
          async () =>
            exited ||
            ((await ws.list(".2nex/cache/builds")).length > 0 &&
              (await processesWith(marker)).length > 0),
        );
        if (exited) {
          const early = await output;
          assert.fail(`2nex ended before it could be killed:\n${decode(early.stderr)}`);
        }
        const leftovers = await ws.list(".2nex/cache/builds");
        Deno.kill(child.pid, "SIGKILL");
        const status = await output;
        assert.equal(status.signal, "SIGKILL");

        // Every process of the build dies with 2nex.
        await waitFor(
          "the sandbox to die with 2nex",
          async () => (await processesWith(marker)).length === 0,
          2000,
        );
        // The killed run could not clean up its build tree.
        assert.deepEqual(await ws.list(".2nex/cache/builds"), leftovers);

        const again = await ws.run(["build", "sleeper", "--json"]);
        assert.equal(again.code, 0, again.stderr);
        assert.deepEqual(statuses(buildSummary(again)), { sleeper: "built" });
        await ws.assertFsckClean();
        assert.deepEqual(await ws.list(".2nex/cache/builds"), [], "leftover build trees remain");
        const dir = ws.path("checkout");
        assert.equal((await ws.run(["checkout", "sleeper", dir])).code, 0);
        assert.equal(await Deno.readTextFile(join(dir, "done")), "done\n");
      } finally {
        if (!exited) Deno.kill(child.pid, "SIGKILL");
        await output.catch(() => {});
      }
    },
  );
}

await e2eTest("safety: a second 2nex on the same workspace waits for the lock, then both succeed", [
  "ostree",
  "bwrap",
  "ps",
], async () => {
  await using ws = await TestWorkspace.create();
  const marker = markedSleep(2);
  await ws.write("manifests/slow.yaml", sleeper("slow", marker));
  await ws.write(
    "manifests/quick.yaml",
    packageYaml({ slug: "quick", script: `echo quick > "$OUT_DIR/quick"` }),
  );

  const first = ws.spawn(["build", "slow"]);
  let firstEnd = 0;
  const firstOutput = first.output().finally(() => firstEnd = performance.now());
  let second: Deno.ChildProcess | undefined;
  try {
    // The first holds the lock while its script runs.
    await waitFor(
      "the first build to run",
      async () => firstEnd > 0 || (await processesWith(marker)).length > 0,
    );
    // The second wants the same package too: once it has the lock, that one is cached.
    second = ws.spawn(["build", "slow", "quick", "--json"]);
    const secondOutput = await second.output();
    const secondEnd = performance.now();
    const firstResult = await firstOutput;
    assert.equal(firstResult.code, 0, decode(firstResult.stderr));
    const secondStderr = decode(secondOutput.stderr);
    assert.equal(secondOutput.code, 0, secondStderr);
    assert.match(secondStderr, /waiting for another 2nex process/);
    assert.ok(secondEnd > firstEnd, "the second build finished before the first released the lock");
    assert.deepEqual(
      statuses(buildSummary({ code: 0, stdout: decode(secondOutput.stdout), stderr: "" })),
      { slow: "cached", quick: "built" },
    );
    const refs = await ws.refs();
    assert.ok(refs.includes("x86_64/slow/1.0/main/tree"), refs.join("\n"));
    assert.ok(refs.includes("x86_64/quick/1.0/main/tree"), refs.join("\n"));
    await ws.assertFsckClean();
  } finally {
    if (firstEnd === 0) Deno.kill(first.pid, "SIGKILL");
    await firstOutput.catch(() => {});
  }
});
