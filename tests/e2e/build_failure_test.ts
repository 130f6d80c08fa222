/**
 * A failing build through the CLI: exit 1 with the end of its log, the whole
 * log through `2nex log`, dependents skipped while independent packages of the
 * same invocation still build, `--keep-failed` keeping the build tree, and a
 * build past its time limit killed with every process it started.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import {
  assertNoStackTrace,
  buildSummary,
  e2eTest,
  packageYaml,
  processesWith,
  statuses,
  TestWorkspace,
} from "../helpers/e2e.ts";

/** 60 numbered log lines, then failure: the error shows only the last ones. */
const FAILING_SCRIPT = `for i in $(seq 1 60); do echo "log line $i"; done
echo "about to fail" >&2
exit 1`;

async function failingWorkspace(): Promise<TestWorkspace> {
  const ws = await TestWorkspace.create();
  await ws.write("manifests/broken.yaml", packageYaml({ slug: "broken", script: FAILING_SCRIPT }));
  await ws.write(
    "manifests/dependent.yaml",
    packageYaml({ slug: "dependent", deps: ["broken"], script: `echo x > "$OUT_DIR/x"` }),
  );
  await ws.write(
    "manifests/independent.yaml",
    packageYaml({ slug: "independent", script: `echo fine > "$OUT_DIR/fine"` }),
  );
  return ws;
}

await e2eTest(
  "failure: exit 1 with the log's end; log prints it all; dependents skipped, others built",
  [
    "ostree",
    "bwrap",
  ],
  async () => {
    await using ws = await failingWorkspace();
    const result = await ws.run(["build", "broken", "dependent", "independent", "--json"]);
    assert.equal(result.code, 1, result.stderr);
    assertNoStackTrace(result.stderr);
    assert.match(
      result.stderr,
      /error: build of broken@1\.0 \(main\) failed: the script exited with code 1/,
    );
    // The last lines of the log, not the whole of it.
    assert.match(result.stderr, /log line 60/);
    assert.match(result.stderr, /about to fail/);
    assert.doesNotMatch(result.stderr, /log line 1\n/);
    const summary = buildSummary(result);
    assert.deepEqual(statuses(summary), {
      broken: "failed",
      dependent: "skipped",
      independent: "built",
    });
    const skipped = summary.packages.find((p) => p.slug === "dependent")!;
    assert.match(skipped.error ?? "", /broken/);
    const refs = await ws.refs();
    assert.ok(refs.includes("x86_64/independent/1.0/main/tree"), refs.join("\n"));
    assert.ok(!refs.some((r) => /^x86_64\/(broken|dependent)\//.test(r)), refs.join("\n"));
    // The build tree of a failure is removed unless asked to keep it.
    assert.deepEqual(await ws.list(".2nex/cache/builds"), []);

    const log = await ws.run(["log", "broken"]);
    assert.equal(log.code, 0, log.stderr);
    for (let i = 1; i <= 60; i++) assert.ok(log.stdout.includes(`log line ${i}\n`), `line ${i}`);
    assert.match(log.stdout, /about to fail/);

    // Without --json: a human summary that names the skipped package.
    const human = await ws.run(["build", "broken", "dependent", "independent"]);
    assert.equal(human.code, 1);
    assert.match(human.stderr, /skipped\s+dependent@1\.0/);
    assert.match(human.stderr, /cached\s+independent@1\.0/);
    assert.match(human.stderr, /0 built, 1 cached, 1 failed, 1 skipped/);
  },
);

await e2eTest("failure: --keep-failed keeps the build tree and prints where", [
  "ostree",
  "bwrap",
], async () => {
  await using ws = await failingWorkspace();
  const result = await ws.run(["build", "broken", "--keep-failed"]);
  assert.equal(result.code, 1, result.stderr);
  const kept = result.stderr.match(/build tree kept at (\S+)/)?.[1];
  assert.ok(kept, `no kept tree in:\n${result.stderr}`);
  assert.ok(kept.startsWith(ws.path(".2nex/cache/builds/")), kept);
  assert.ok((await Deno.stat(join(kept, "work"))).isDirectory);
  assert.ok((await Deno.stat(join(kept, "script"))).isFile);
  // A later run does not clean a tree kept on purpose.
  assert.equal((await ws.run(["build", "independent"])).code, 0);
  assert.ok((await Deno.stat(kept)).isDirectory);
});

await e2eTest("failure: a build past its time limit is killed with all its processes", [
  "ostree",
  "bwrap",
  "ps",
], async () => {
  await using ws = await TestWorkspace.create();
  const digits = String(crypto.getRandomValues(new Uint32Array(1))[0]).padStart(10, "0");
  const marker = `sleep 60.${digits}`;
  // One sleep in the background and one in the foreground: neither may outlive the build.
  await ws.write(
    "manifests/endless.yaml",
    packageYaml({ slug: "endless", timeout: 1, script: `${marker} &\n${marker}` }),
  );
  const started = performance.now();
  const result = await ws.run(["build", "endless"]);
  const seconds = (performance.now() - started) / 1000;
  assert.equal(result.code, 1, result.stderr);
  assert.match(result.stderr, /error: build of endless@1\.0 \(main\) failed: timed out after 1 s/);
  assertNoStackTrace(result.stderr);
  assert.ok(seconds < 30, `the build ran ${seconds} s despite its 1 s limit`);
  assert.deepEqual(await processesWith(marker), []);
  assert.deepEqual(await ws.list(".2nex/cache/builds"), []);
});
