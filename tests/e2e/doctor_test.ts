/** `2nex doctor` on this host, and on one whose PATH lacks ostree. */
import assert from "node:assert/strict";
import { join } from "node:path";
import { twonex } from "../helpers/cli.ts";
import { e2eTest } from "../helpers/e2e.ts";

interface Check {
  name: string;
  status: "ok" | "warn" | "fail";
  detail: string;
  disables?: string;
  fix?: string;
}

async function doctor(env?: Record<string, string>): Promise<{ code: number; checks: Check[] }> {
  const dir = await Deno.makeTempDir({ prefix: "2nex-doctor-" });
  try {
    const result = await twonex(["doctor", "--json"], { cwd: dir, env });
    const report = JSON.parse(result.stdout);
    assert.equal(report.version, 1);
    return { code: result.code, checks: report.checks };
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

await e2eTest("doctor: every check passes on a host set up by scripts/setup.sh", [
  "ostree",
  "bwrap",
  "unshare",
], async () => {
  const { code, checks } = await doctor();
  assert.equal(code, 0);
  const byName = new Map(checks.map((c) => [c.name, c]));
  for (const name of ["user namespaces", "sandbox bwrap", "sandbox unshare", "ostree"]) {
    // (cgroups: ok or warn depending on the host's delegation; both are valid answers.)
    assert.equal(byName.get(name)?.status, "ok", `${name}: ${JSON.stringify(byName.get(name))}`);
  }
  assert.match(byName.get("space: temporary directory")!.detail, /GiB free at/);
  assert.ok(["ok", "warn"].includes(byName.get("cgroups")!.status));
});

await e2eTest(
  "doctor: without ostree on PATH, warns what that disables (not builds) and how to fix it",
  [
    "ostree",
    "bwrap",
    "unshare",
  ],
  async () => {
    // A PATH with the sandbox helpers but not ostree.
    const bin = await Deno.makeTempDir({ prefix: "2nex-doctor-bin-" });
    try {
      for (const tool of ["bwrap", "unshare", "setpriv", "flock"]) {
        await Deno.copyFile(join("/usr/bin", tool), join(bin, tool));
        await Deno.chmod(join(bin, tool), 0o755);
      }
      const { code, checks } = await doctor({ PATH: bin });
      const ostree = checks.find((c) => c.name === "ostree")!;
      assert.equal(ostree.status, "warn");
      assert.match(ostree.fix!, /apt-get install ostree/);
      assert.match(ostree.disables!, /`gc`, `publish`/);
      assert.equal(code, 0, "builds can run: nothing failed");
      assert.equal(checks.find((c) => c.name === "user namespaces")?.status, "ok");
      // The helpers were found outside the system directories, and still run.
      assert.equal(
        checks.find((c) => c.name === "sandbox bwrap")?.status,
        "ok",
        JSON.stringify(checks),
      );
    } finally {
      await Deno.remove(bin, { recursive: true });
    }
  },
);
