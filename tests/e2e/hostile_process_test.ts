/**
 * Hostile builds against 2nex's handling of processes (issue 14, items 3, 8
 * and 9), each with both helpers where a sandbox is involved:
 *
 * - a build that forges the helper's pid report cannot make 2nex signal a host
 *   process when it times out;
 * - `kill -9` of 2nex while it commits a result leaves nothing writing on,
 *   and the next run proceeds on an `ostree fsck`-clean repository;
 * - a fork bomb and a memory hog fail their build with a message naming the
 *   limit they hit.
 */
import assert from "node:assert/strict";
import {
  buildSummary,
  e2eTest,
  packageYaml,
  processesWith,
  statuses,
  TestWorkspace,
  waitFor,
} from "../helpers/e2e.ts";

const HELPERS = ["bwrap", "unshare"] as const;

/** A `sleep` whose command line no other process has: `sleep SECONDS.<random digits>`. */
function markedSleep(seconds: number): string {
  const digits = String(crypto.getRandomValues(new Uint32Array(1))[0]).padStart(10, "0");
  return `sleep ${seconds}.${digits}`;
}

function workspaceConfig(helper: string, extra = ""): string {
  return `manifests: [manifests]\nsource_date_epoch: 1704067200\nsandbox: ${helper}\n${extra}`;
}

/**
 * Writes every pid-report format 2nex ever read (bwrap's `--info-fd` JSON and
 * the unshare setup's line) naming `victim`, into every stdout and stderr the
 * build can reach, then outlives its time limit.
 */
function forgerScript(victim: number): string {
  return [
    `report='{\n    "child-pid": ${victim},\n    "mnt-namespace": 1\n}\n2nex-sandbox-init ${victim}\n'`,
    "for fd in /proc/[0-9]*/fd/1 /proc/[0-9]*/fd/2 /dev/stdout /dev/stderr; do",
    '  printf "%s" "$report" > "$fd" 2>/dev/null || true',
    "done",
    "echo forged",
    "sleep 30",
  ].join("\n");
}

for (const helper of HELPERS) {
  await e2eTest(
    `hostile (sandbox: ${helper}): a forged pid report does not make a timed-out build kill a host process`,
    ["ostree", helper, "ps", "sleep"],
    async () => {
      await using ws = await TestWorkspace.create(workspaceConfig(helper));
      const marker = markedSleep(120);
      const victim = new Deno.Command("sh", { args: ["-c", `exec ${marker}`] }).spawn();
      let victimEnded = false;
      const victimStatus = victim.status.finally(() => victimEnded = true);
      try {
        await ws.write(
          "manifests/forger.yaml",
          packageYaml({ slug: "forger", timeout: 3, script: forgerScript(victim.pid) }),
        );
        const result = await ws.run(["build", "forger", "--json"]);
        assert.equal(result.code, 1, result.stderr);
        assert.deepEqual(statuses(buildSummary(result)), { forger: "failed" });
        assert.match(result.stderr, /time/i, result.stderr);
        // Give a wrongly aimed SIGKILL time to land before looking.
        await new Promise((resolve) => setTimeout(resolve, 300));
        assert.equal(victimEnded, false, "2nex killed a host process named by the build");
        assert.deepEqual(await processesWith(marker), [victim.pid]);
      } finally {
        if (!victimEnded) victim.kill("SIGKILL");
        await victimStatus;
      }
    },
  );
}

/** A host-mode package whose result is `megabytes` MiB of random files: its commit takes a while. */
function bigResult(slug: string, megabytes: number): string {
  return packageYaml({
    slug,
    script: [
      `for i in $(seq 1 ${megabytes}); do`,
      '  head -c 1048576 /dev/urandom > "$OUT_DIR/f$i"',
      "done",
    ].join("\n"),
  });
}

/** How many file objects the repository holds (0 before it exists). */
async function fileObjectCount(repo: string): Promise<number> {
  let count = 0;
  try {
    for await (const dir of Deno.readDir(`${repo}/objects`)) {
      for await (const entry of Deno.readDir(`${repo}/objects/${dir.name}`)) {
        if (entry.name.endsWith(".file")) count++;
      }
    }
  } catch (error) {
    if (!(error instanceof Deno.errors.NotFound)) throw error;
  }
  return count;
}

await e2eTest(
  "hostile: kill -9 of 2nex during a commit: nothing writes on, the next 2nex proceeds",
  ["ostree", "bwrap"],
  async () => {
    await using ws = await TestWorkspace.create();
    await ws.write("manifests/big.yaml", bigResult("big", 400));
    const first = ws.spawn(["build", "big"]);
    let exited = false;
    const output = first.output().finally(() => exited = true);
    try {
      // 2nex writes file objects itself, in batches: the first ones mark the commit's start.
      await waitFor(
        "the commit to start",
        async () => exited || (await fileObjectCount(ws.repo)) > 0,
        120_000,
      );
      assert.equal(exited, false, "2nex ended before the commit could be caught");
      Deno.kill(first.pid, "SIGKILL");
      await output;
      const written = await fileObjectCount(ws.repo);
      assert.ok(written < 400, `the kill landed inside the commit (${written} of 400 objects)`);
      assert.deepEqual(await ws.refs(), [], "no ref names a half-written result");

      // Nothing the killed 2nex started may go on writing the repository.
      await new Promise((resolve) => setTimeout(resolve, 500));
      assert.equal(await fileObjectCount(ws.repo), written);

      // The next 2nex works on the repository the killed one left.
      const gc = await ws.run(["gc"]);
      assert.equal(gc.code, 0, gc.stderr);
      await ws.assertFsckClean();
      const again = await ws.run(["build", "big", "--json"]);
      assert.equal(again.code, 0, again.stderr);
      assert.deepEqual(statuses(buildSummary(again)), { big: "built" });
      await ws.assertFsckClean();
    } finally {
      if (!exited) Deno.kill(first.pid, "SIGKILL");
      await output.catch(() => {});
    }
  },
);

/** A script that starts far more processes than `limit`, each living a while. */
const FORK_BOMB = [
  "bomb() { for i in $(seq 1 400); do sleep 20 & done; wait; }",
  "bomb",
  'echo survived > "$OUT_DIR/survived"',
].join("\n");

/** A script that reads 400 MiB into one shell variable. */
const MEMORY_HOG = [
  "big=$(head -c 419430400 /dev/zero | tr '\\0' x)",
  'echo "${#big}" > "$OUT_DIR/survived"',
].join("\n");

for (const helper of HELPERS) {
  await e2eTest(
    `hostile (sandbox: ${helper}): a fork bomb fails its build, named as over the process limit`,
    ["ostree", helper],
    async () => {
      await using ws = await TestWorkspace.create(
        workspaceConfig(helper, "limits: { processes: 40 }\n"),
      );
      await ws.write("manifests/bomb.yaml", packageYaml({ slug: "bomb", script: FORK_BOMB }));
      const result = await ws.run(["build", "bomb", "--json", "--verbose"]);
      assert.equal(result.code, 1, result.stderr);
      assert.deepEqual(statuses(buildSummary(result)), { bomb: "failed" });
      assert.match(result.stderr, /ran into its process limit \(processes: 40\)/);
      // --verbose says what enforces each limit.
      assert.match(result.stderr, /2nex: limits: memory 8 GiB \(rlimit[^)]*\), processes 40 \(/);
    },
  );

  await e2eTest(
    `hostile (sandbox: ${helper}): a memory hog fails its build, named as over the memory limit; a manifest may raise it`,
    ["ostree", helper],
    async () => {
      await using ws = await TestWorkspace.create(
        workspaceConfig(helper, "limits: { memory: 128M }\n"),
      );
      await ws.write("manifests/hog.yaml", packageYaml({ slug: "hog", script: MEMORY_HOG }));
      const result = await ws.run(["build", "hog", "--json"]);
      assert.equal(result.code, 1, result.stderr);
      assert.deepEqual(statuses(buildSummary(result)), { hog: "failed" });
      assert.match(result.stderr, /ran into its memory limit \(memory: 128 MiB\)/);

      // The manifest's build.limits overrides the workspace's.
      const raised = packageYaml({ slug: "hog", script: MEMORY_HOG })
        .replace("build:\n", "build:\n  limits: { memory: 4G }\n");
      await ws.write("manifests/hog.yaml", raised);
      const again = await ws.run(["build", "hog", "--json"]);
      assert.equal(again.code, 0, again.stderr);
      assert.deepEqual(statuses(buildSummary(again)), { hog: "built" });
    },
  );
}
