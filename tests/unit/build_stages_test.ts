/**
 * The stages of one package build (lib/build/package.ts and the modules it
 * runs) with the fake sandbox and store: what assembling shows a host-mode
 * build, how a failed run is reported and its tree kept, and what collecting
 * checks, warns about and discards.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { runBuild } from "../../lib/build/package.ts";
import { describeBuildMode } from "../../lib/build/mode.ts";
import { KEEP_MARKER } from "../../lib/build/layout.ts";
import { FailureError } from "../../lib/util/errors.ts";
import { exists } from "../../lib/util/fs.ts";
import { FakeSandbox, fakeWorkspace } from "../helpers/fake_build.ts";

const KEY = "1".repeat(64);

async function entries(dir: string): Promise<string[]> {
  const names: string[] = [];
  for await (const entry of Deno.readDir(dir)) names.push(entry.name);
  return names.sort();
}

Deno.test("run: a failed script names its exit code and log; the tree is removed", async () => {
  await using ws = await fakeWorkspace({ broken: { script: "fail" } });
  const error = await runBuild(ws.node("broken"), [], ws.services, KEY).catch((e) => e);
  assert.ok(error instanceof FailureError);
  assert.equal(error.message, "build of broken@1 (main) failed: the script exited with code 1");
  assert.match(
    error.hint!,
    /last lines of the log:\n {2}\| fail\nfull log: .*\/logs\/broken\/1\/main\/1{64}\.log$/,
  );
  assert.deepEqual(await entries(join(ws.root, ".2nex/cache/builds")), []);
});

Deno.test("run: with keepFailed the failed tree is kept, marked, and named in the hint", async () => {
  await using ws = await fakeWorkspace({ broken: { script: "fail" } });
  ws.services.keepFailed = true;
  const error = await runBuild(ws.node("broken"), [], ws.services, KEY).catch((e) => e);
  assert.ok(error instanceof FailureError);
  const [kept] = await entries(join(ws.root, ".2nex/cache/builds"));
  const keptDir = join(ws.root, ".2nex/cache/builds", kept);
  assert.ok(error.hint!.endsWith(`\nbuild tree kept at ${keptDir}`), error.hint);
  assert.ok(await exists(join(keptDir, KEEP_MARKER)));
  assert.deepEqual(await entries(keptDir), [
    KEEP_MARKER,
    "bootstrap",
    "out",
    "script",
    "sources",
    "work",
  ]);
});

Deno.test("collect: outputs split, discard removed before hashing, warnings for the rest", async () => {
  await using ws = await fakeWorkspace({
    split: {
      script: "write usr/bin/x usr/share/doc/y junk/z extra",
      outputs: {
        bin: ["/usr/bin/x"],
        doc: ["/usr/share/doc/**", "/usr/man/*"],
        discard: ["/junk"],
      },
    },
  });
  const run = await runBuild(ws.node("split"), [], ws.services, KEY);
  assert.deepEqual(run.plan.byOutput, { bin: ["usr/bin/x"], doc: ["usr/share/doc/y"] });
  assert.deepEqual(run.warnings, [
    "split@1 (main): files in no output: /extra",
    "split@1 (main): pattern /usr/man/* of output doc matches nothing",
  ]);
  assert.deepEqual(await entries(run.outDir), ["extra", "usr"]);
  assert.equal(run.outputHash, await ws.store.hashDirectory(run.outDir));
  assert.equal(run.checkedHash, run.outputHash);
});

Deno.test("collect: a listed path the script did not make fails the build", async () => {
  await using ws = await fakeWorkspace({
    short: { script: "write usr/bin/x", outputs: { bin: ["/usr/bin/x", "/usr/bin/y"] } },
  });
  await assert.rejects(
    runBuild(ws.node("short"), [], ws.services, KEY),
    (error: unknown) =>
      error instanceof FailureError &&
      error.message ===
        "build of short@1 (main) lacks listed output paths: /usr/bin/y (output bin)",
  );
});

Deno.test("assemble (host mode): a dependency's own dirs are mounted, its /usr hidden with a warning", async () => {
  const sandbox = new FakeSandbox();
  await using ws = await fakeWorkspace({
    tools: { script: "write usr/bin/tool opt/tools/x bootstrap/tools/cc" },
    user: { script: "user", deps: ["tools"] },
  }, sandbox);
  const reports = await ws.run();
  assert.deepEqual(reports.map((r) => r.status), ["built", "built"]);
  assert.deepEqual(
    reports[1].warnings.filter((w) => w.startsWith("host mode")),
    ["host mode: a dependency's /usr is hidden by the host's"],
  );
  assert.deepEqual(sandbox.mounts.get("user"), ["/opt", "/bootstrap"]);
});

Deno.test("mode: show names what a host-mode build sees", async () => {
  await using ws = await fakeWorkspace({ a: { script: "a" } });
  assert.equal(
    describeBuildMode(ws.services.ws, ws.node("a").manifest),
    "host mode: the host's /usr, /bin, /sbin, /lib, /lib64 read-only, a writable /bootstrap",
  );
});
