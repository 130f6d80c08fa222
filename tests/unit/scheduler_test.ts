/**
 * `schedule()` with a fake sandbox and an in-memory store
 * (tests/helpers/fake_build.ts): what a failure stops, how many builds `-j`
 * runs at once, `--rounds`, and the hash decision carried out.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import type { GraphNode } from "../../lib/graph/resolve.ts";
import type { NodeReport } from "../../lib/build/scheduler.ts";
import { RoundRunner } from "../../lib/build/rounds.ts";
import { refsOfPackage } from "../../lib/store/refs.ts";
import { DEFAULT_SOURCE_DATE_EPOCH } from "../../lib/workspace/config.ts";
import { FakeSandbox, fakeWorkspace as workspace } from "../helpers/fake_build.ts";

function statuses(reports: NodeReport[]): Record<string, string> {
  return Object.fromEntries(reports.map((r) => [r.node.manifest.package.slug, r.status]));
}

Deno.test("schedule: a failure stops its dependents and nothing else", async () => {
  await using ws = await workspace({
    a: { script: "a" },
    broken: { script: "fail" },
    needs_broken: { script: "needs_broken", deps: ["broken"] },
    after_that: { script: "after_that", deps: ["needs_broken"] },
    needs_a: { script: "needs_a", deps: ["a"] },
    alone: { script: "alone" },
  });
  const reports = await ws.run({ jobs: 2 });
  assert.deepEqual(statuses(reports), {
    a: "built",
    broken: "failed",
    needs_broken: "skipped",
    after_that: "skipped",
    needs_a: "built",
    alone: "built",
  });
  assert.match(reports.find((r) => r.status === "failed")!.error!.message, /exited with code 1/);
  const skipped = reports.filter((r) => r.status === "skipped").map((r) => r.error!.message);
  assert.deepEqual(skipped, [
    "not built: dependency broken@1 (main) failed",
    "not built: dependency needs_broken@1 (main) was not built",
  ]);
  // The skipped never reached the sandbox; the others ran once each.
  assert.deepEqual(
    Object.fromEntries(ws.sandbox.runs),
    { a: 1, fail: 1, needs_a: 1, alone: 1 },
  );
  // A dependent sees its dependency's result (host mode: its top-level entries mounted).
  assert.deepEqual(ws.sandbox.mounts.get("needs_a"), ["/result", "/bootstrap"]);
  assert.deepEqual(ws.sandbox.mounts.get("a"), ["/bootstrap"]);
  assert.equal(ws.store.refs.has(refsOfPackage(ws.node("needs_a").manifest.package).tree), true);
  assert.equal(ws.store.refs.has(refsOfPackage(ws.node("broken").manifest.package).tree), false);
});

for (const jobs of [1, 2, 3]) {
  Deno.test(`schedule: -j ${jobs} runs at most ${jobs} package builds at once`, async () => {
    const packages = Object.fromEntries(
      [...Array(6).keys()].map((i) => [`p${i}`, { script: `p${i}` }]),
    );
    await using ws = await workspace(packages, new FakeSandbox(40));
    const reports = await ws.run({ jobs });
    assert.ok(reports.every((r) => r.status === "built"));
    // At most `jobs`, and, with six independent packages, exactly as many.
    assert.equal(ws.sandbox.mostAtOnce, jobs);
  });
}

Deno.test("schedule: a second run takes every result from the cache", async () => {
  await using ws = await workspace({ a: { script: "a" }, b: { script: "b", deps: ["a"] } });
  const first = await ws.run();
  assert.deepEqual(statuses(first), { a: "built", b: "built" });
  // The log of the build, under its input key, is the package's latest.log too.
  const logDir = join(ws.root, ".2nex/cache/logs/a/1/main");
  assert.equal(await Deno.readTextFile(join(logDir, `${first[0].inputKey}.log`)), "a\n");
  assert.equal(await Deno.readTextFile(join(logDir, "latest.log")), "a\n");
  // Committed at SOURCE_DATE_EPOCH (the workspace's default), not at the time of the build.
  assert.deepEqual(ws.store.timestamps, [DEFAULT_SOURCE_DATE_EPOCH, DEFAULT_SOURCE_DATE_EPOCH]);
  assert.deepEqual(statuses(await ws.run()), { a: "cached", b: "cached" });
  assert.deepEqual(Object.fromEntries(ws.sandbox.runs), { a: 1, b: 1 });
  // --rebuild of one package runs only that one again.
  assert.deepEqual(statuses(await ws.run({ rebuild: new Set([ws.node("b")]) })), {
    a: "cached",
    b: "built",
  });
  assert.deepEqual(Object.fromEntries(ws.sandbox.runs), { a: 1, b: 2 });
});

Deno.test("schedule: a result whose hash differs from the manifest's is refused, refs unmoved", async () => {
  const wrong = "0".repeat(64);
  await using ws = await workspace({
    a: { script: "a", checksum: wrong },
    b: { script: "b", deps: ["a"] },
  });
  const reports = await ws.run();
  assert.deepEqual(statuses(reports), { a: "mismatch", b: "skipped" });
  assert.match(reports[0].error!.message, /differs from the manifest\n {2}expected: 0{64}/);
  assert.equal(ws.store.refs.size, 0, "nothing is published");
  // --update-hash writes the hash instead, and the result is committed.
  const updated = await ws.run({ updateHash: new Set([ws.node("a")]) });
  assert.deepEqual(statuses(updated), { a: "built", b: "built" });
  assert.equal(updated[0].hashUpdated, true);
  const text = await Deno.readTextFile(ws.node("a").manifest.path);
  assert.ok(text.includes(`checksum: ${updated[0].outputHash}`), text);
});

Deno.test("schedule: --rounds 3 runs each package three times and refuses one that differs", async () => {
  await using ws = await workspace({
    steady: { script: "steady" },
    flaky: { script: "flaky" },
    needs_flaky: { script: "needs_flaky", deps: ["flaky"] },
  });
  const rounds = await RoundRunner.create(ws.services, {
    check: false,
    rounds: 3,
    variations: new Set(),
    info: () => {},
  });
  const reports = await ws.run({ roundsFor: (node: GraphNode) => rounds.hookFor(node) });
  assert.deepEqual(statuses(reports), {
    steady: "built",
    flaky: "mismatch",
    needs_flaky: "skipped",
  });
  assert.match(
    reports.find((r) => r.status === "mismatch")!.error!.message,
    /flaky@1 \(main\) is not reproducible: round 2 differs from round 1/,
  );
  // The steady package ran three times; the flaky one stopped at its first difference.
  assert.deepEqual(Object.fromEntries(ws.sandbox.runs), { steady: 3, flaky: 2 });
  assert.equal(ws.store.refs.has(refsOfPackage(ws.node("flaky").manifest.package).tree), false);
  assert.equal(ws.store.refs.has(refsOfPackage(ws.node("steady").manifest.package).tree), true);
});
