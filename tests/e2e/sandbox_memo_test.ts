/**
 * The sandbox probe memo (lib/sandbox/probe_memo.ts) through the CLI: a build
 * remembers the helper that passed its probe, a failing script is still the
 * script's failure, a corrupt memo is ignored, and a remembered helper that no
 * longer starts ends in the very error a probe gives.
 */
import assert from "node:assert/strict";
import { e2eTest, packageYaml, TestWorkspace } from "../helpers/e2e.ts";

const MEMO = ".2nex/cache/sandbox-probe.json";

async function workspace(sandbox: string): Promise<TestWorkspace> {
  return await TestWorkspace.create(
    `manifests: [manifests]\nsource_date_epoch: 1704067200\nsandbox: ${sandbox}\n`,
    {
      "manifests/a.yaml": packageYaml({ slug: "a", script: 'echo hi > "$OUT_DIR/x"' }),
      "manifests/bad.yaml": packageYaml({ slug: "bad", script: "echo failing\nexit 3" }),
    },
  );
}

async function remembered(ws: TestWorkspace): Promise<string[]> {
  const memo = JSON.parse(await ws.read(MEMO));
  assert.equal(memo.format, "2nex-sandbox-probe/1");
  return memo.works;
}

await e2eTest(
  "sandbox memo: a build remembers its helper; a failing script and a corrupt memo change nothing else",
  ["ostree", "bwrap"],
  async () => {
    await using ws = await workspace("auto");
    const first = await ws.run(["build", "a"]);
    assert.equal(first.code, 0, first.stderr);
    const works = await remembered(ws);
    assert.equal(works.length, 1);
    assert.ok(["bwrap", "unshare"].includes(works[0]), works[0]);

    const failing = await ws.run(["build", "bad"]);
    assert.equal(failing.code, 1, failing.stderr);
    assert.match(
      failing.stderr,
      /build of bad@1\.0 \(main\) failed: the script exited with code 3/,
    );
    assert.doesNotMatch(failing.stderr, /sandbox/);
    assert.deepEqual(await remembered(ws), works);

    await ws.write(MEMO, '{"format":"2nex-sandbox-probe/1","key":"another host","works":["x"]');
    const again = await ws.run(["build", "--rebuild", "a"]);
    assert.equal(again.code, 0, again.stderr);
    assert.deepEqual(await remembered(ws), works);
  },
);

await e2eTest(
  "sandbox memo: a remembered helper that no longer starts fails with the probe's own error",
  ["ostree", "bwrap"],
  async () => {
    await using ws = await workspace("bwrap");
    // A bwrap first on PATH that runs the real one, then breaks without
    // changing what the memo's key sees of it (inode, size, mtime).
    const bwrap = ws.path("bin/bwrap");
    // Both padded to one size with a comment.
    const script = (body: string) => `#!/bin/sh\n${body}\n#`.padEnd(79, "-") + "\n";
    const working = script('exec /usr/bin/bwrap "$@"');
    const broken = script('echo "bwrap: broken" >&2; exit 1');
    assert.equal(broken.length, working.length);
    await ws.write("bin/bwrap", working);
    await Deno.chmod(bwrap, 0o755);
    const env = { PATH: `${ws.path("bin")}:${Deno.env.get("PATH")}` };

    const first = await ws.run(["build", "a"], { env });
    assert.equal(first.code, 0, first.stderr);
    assert.deepEqual(await remembered(ws), ["bwrap"]);

    const before = await Deno.stat(bwrap);
    await Deno.writeTextFile(bwrap, broken);
    await Deno.utime(bwrap, before.atime!, before.mtime!);
    const after = await Deno.stat(bwrap);
    assert.deepEqual([after.ino, after.size, after.mtime], [before.ino, before.size, before.mtime]);

    // The memo is used (no probe), the build's sandbox fails to start, and the
    // probe run then says why, as a probe before the build would have; the memo is gone.
    const stale = await ws.run(["build", "--rebuild", "a"], { env });
    assert.equal(stale.code, 1, stale.stderr);
    assert.match(stale.stderr, /no working build sandbox \(tried bwrap\)[^\n]*\nbwrap: .*broken/);
    await assert.rejects(() => ws.read(MEMO), Deno.errors.NotFound);

    const probed = await ws.run(["build", "--rebuild", "a"], { env });
    assert.equal(probed.code, stale.code, probed.stderr);
    assert.equal(firstError(stale.stderr), firstError(probed.stderr));
  },
);

/** The first `error:` line and what follows it up to the hint. */
function firstError(stderr: string): string {
  const start = stderr.indexOf("error:");
  assert.ok(start >= 0, stderr);
  return stderr.slice(start).split("\nhint")[0];
}
