/**
 * The children lock (lib/util/child_lock.ts): what 2nex starts while it holds
 * a workspace keeps that workspace busy until it is gone, even when 2nex is
 * killed, and guarded programs still run, fail and go missing as before.
 */
import assert from "node:assert/strict";
import { fileURLToPath } from "node:url";
import {
  guardChildrenWith,
  guardedArgv,
  waitForLeftoverChildren,
} from "../../lib/util/child_lock.ts";
import { FailureError } from "../../lib/util/errors.ts";
import { run } from "../../lib/util/process.ts";

const processModule = fileURLToPath(new URL("../../lib/util/process.ts", import.meta.url));
const lockModule = fileURLToPath(new URL("../../lib/util/child_lock.ts", import.meta.url));

async function withGuard(body: (dir: string, lock: string) => Promise<void>): Promise<void> {
  const dir = await Deno.makeTempDir({ prefix: "2nex-child-lock-" });
  guardChildrenWith(`${dir}/children.lock`);
  try {
    await body(dir, `${dir}/children.lock`);
  } finally {
    guardChildrenWith(undefined);
    await Deno.remove(dir, { recursive: true });
  }
}

Deno.test("children lock: argv is wrapped only while a workspace is locked", () => {
  assert.deepEqual(guardedArgv(["ostree", "fsck"]), ["ostree", "fsck"]);
  guardChildrenWith("/ws/.2nex/cache/children.lock");
  try {
    assert.deepEqual(guardedArgv(["ostree", "fsck"]), [
      "setpriv",
      "--pdeathsig",
      "KILL",
      "--",
      "flock",
      "--shared",
      "/ws/.2nex/cache/children.lock",
      "setpriv",
      "--pdeathsig",
      "KILL",
      "--",
      "ostree",
      "fsck",
    ]);
  } finally {
    guardChildrenWith(undefined);
  }
});

Deno.test("children lock: guarded programs keep their output, exit codes and missing-tool errors", async () => {
  await withGuard(async () => {
    const ok = await run(["sh", "-c", "echo out; echo err >&2"]);
    assert.equal(ok.stdout, "out\n");
    assert.equal(ok.stderr, "err\n");
    const failed = await run(["sh", "-c", "exit 3"], { check: false });
    assert.equal(failed.code, 3);
    await assert.rejects(
      () => run(["2nex-no-such-program"]),
      (error: Error) =>
        error instanceof FailureError && error.message === "2nex-no-such-program is not installed",
    );
  });
});

Deno.test("children lock: after 2nex is killed, the next one waits for what it started", async () => {
  await withGuard(async (dir, lock) => {
    const mark = `${dir}/written`;
    // A stand-in for 2nex: locks nothing but guards its child, which leaves a
    // process behind that writes a second after its parent is gone.
    const program = [
      `import { guardChildrenWith } from ${JSON.stringify(lockModule)};`,
      `import { run } from ${JSON.stringify(processModule)};`,
      `guardChildrenWith(${JSON.stringify(lock)});`,
      `await run(["sh", "-c", ${
        JSON.stringify(`(sleep 1; echo late > ${mark}) & echo started; wait`)
      }]);`,
    ].join("\n");
    await Deno.writeTextFile(`${dir}/fake2nex.ts`, program);
    const fake = new Deno.Command(Deno.execPath(), {
      args: ["run", "-A", `${dir}/fake2nex.ts`],
      stdout: "null",
      stderr: "piped",
    }).spawn();
    const status = fake.status;
    try {
      // The child runs once the lock file exists and someone holds it shared.
      const deadline = Date.now() + 20_000;
      while (!(await holdsShared(lock))) {
        if (Date.now() > deadline) assert.fail("the guarded child never started");
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
    } finally {
      fake.kill("SIGKILL");
      await status;
    }
    await waitForLeftoverChildren(lock);
    assert.equal(await Deno.readTextFile(mark), "late\n", "returned before the leftover was done");
  });
});

/** True when someone holds a lock on `path` (a non-blocking exclusive flock fails). */
async function holdsShared(path: string): Promise<boolean> {
  const result = await new Deno.Command("flock", {
    args: ["--nonblock", "--exclusive", path, "true"],
    stdout: "null",
    stderr: "null",
  }).output().catch(() => undefined);
  return result !== undefined && result.code !== 0;
}
