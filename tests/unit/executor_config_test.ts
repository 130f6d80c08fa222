import assert from "node:assert/strict";
import { DiagnosticBag } from "../../lib/manifest/diagnostics.ts";
import { parseConfig } from "../../lib/workspace/config.ts";

async function parse(text: string) {
  const bag = new DiagnosticBag("/ws/2nex.yaml", text);
  const config = await parseConfig("/ws", text, bag);
  return { config, diagnostics: bag.items.map((d) => [d.line, d.message]) };
}

Deno.test("executor: local by default, slurm with its options, paths relative to the workspace", async () => {
  assert.deepEqual((await parse("jobs: 1\n")).config?.executor, { kind: "local" });
  assert.deepEqual((await parse("executor: local\n")).config?.executor, { kind: "local" });
  const { config, diagnostics } = await parse(
    "executor:\n  slurm:\n    cache: shared/cache\n    key: /keys/c.key\n    partition: build\n" +
      "    account: distro\n    sbatch_args: [--qos=low]\n    node_dir: /scratch\n    poll_seconds: 5\n",
  );
  assert.deepEqual(diagnostics, []);
  assert.deepEqual(config?.executor, {
    kind: "slurm",
    slurm: {
      cache: "/ws/shared/cache",
      key: "/keys/c.key",
      partition: "build",
      account: "distro",
      sbatchArgs: ["--qos=low"],
      nodeDir: "/scratch",
      pollSeconds: 5,
    },
  });
});

Deno.test("executor: a bare slurm, missing options and unknown keys are diagnostics", async () => {
  assert.deepEqual((await parse("executor: slurm\n")).diagnostics, [
    [1, "executor slurm needs its options"],
  ]);
  assert.deepEqual((await parse("executor: docker\n")).diagnostics, [
    [1, 'invalid executor "docker"'],
  ]);
  assert.deepEqual(
    (await parse("executor:\n  slurm:\n    key: k\n    partiton: p\n")).diagnostics,
    [
      [4, 'unknown key "partiton" in executor.slurm'],
      [2, "executor.slurm needs cache"],
    ],
  );
});
