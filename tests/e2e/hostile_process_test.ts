/**
 * Hostile builds against 2nex's handling of processes (issue 14, items 3, 8
 * and 9), each with both helpers where a sandbox is involved:
 *
 * - a build that forges the helper's pid report cannot make 2nex signal a host
 *   process when it times out;
 * - `kill -9` of 2nex while `ostree commit` writes leaves no process of its
 *   own writing once the workspace lock is free, and the next run proceeds on
 *   an `ostree fsck`-clean repository;
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
