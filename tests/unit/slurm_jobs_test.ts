import assert from "node:assert/strict";
import { loadManifestText } from "../../lib/manifest/load.ts";
import { resolveGraph } from "../../lib/graph/resolve.ts";
import {
  parseJobId,
  parseSacct,
  planJobs,
  sbatchArgv,
  shellQuote,
} from "../../lib/cluster/slurm_jobs.ts";

async function nodes(specs: Array<[string, string[]]>) {
  const manifests = await Promise.all(specs.map(async ([slug, deps]) => {
    const depText = deps.map((d) => `  - {name: ${d}}\n`).join("");
    const text = `package: {schema: 1, slug: ${slug}, version: "1", flavor: main}\n` +
      (depText ? `dependencies:\n${depText}` : "") + `build: {script: "true"}\n`;
    const { manifest, diagnostics } = await loadManifestText(`/ws/m/${slug}.yaml`, text);
    assert.deepEqual(diagnostics, []);
    return manifest!;
  }));
  const { graph } = resolveGraph(manifests);
  return specs.map(([slug]) => graph.nodes.find((n) => n.manifest.package.slug === slug)!);
}

Deno.test("planJobs: a job waits for the jobs of its dependencies in the plan, not for built ones", async () => {
  // base is already built: not in the plan.
  const all = await nodes([["base", []], ["lib", ["base"]], ["tool", ["base", "lib"]], ["app", [
    "lib",
    "tool",
  ]]]);
  const plan = planJobs(all.slice(1), {
    self: ["/usr/bin/deno", "run", "--allow-read", "/opt/2nex/main.ts"],
    workspace: "/shared/my distro",
    runDir: "/shared/run",
  });
  assert.deepEqual(plan.map((j) => [j.name, j.after]), [
    ["2nex:lib@1:main", []],
    ["2nex:tool@1:main", [0]],
    ["2nex:app@1:main", [0, 1]],
  ]);
  assert.equal(plan[2].scriptPath, "/shared/run/0002-app.sh");
  assert.equal(plan[2].logPath, "/shared/run/0002-app.log");
  assert.match(
    plan[2].script,
    /^exec \/usr\/bin\/deno run --allow-read \/opt\/2nex\/main\.ts -C '\/shared\/my distro' node-build \/ws\/m\/app\.yaml$/m,
  );
});

Deno.test("sbatchArgv: dependencies, time from the build's limit, the executor's options", async () => {
  const [app] = await nodes([["app", []]]);
  const [job] = planJobs([app], { self: ["2nex"], workspace: "/w", runDir: "/r" });
  const options = {
    cache: "/c",
    key: "/k",
    partition: "build",
    account: "distro",
    sbatchArgs: ["--qos=low"],
    pollSeconds: 2,
  };
  assert.deepEqual(
    sbatchArgv(job, ["11", "12"], options, {
      timeoutSeconds: 3600,
      memoryBytes: 2 * 1024 ** 3,
    }),
    [
      "sbatch",
      "--parsable",
      "--job-name=2nex:app@1:main",
      "--output=/r/0000-app.log",
      "--time=75",
      "--mem=2048M",
      "--dependency=afterok:11:12",
      "--kill-on-invalid-dep=yes",
      "--partition=build",
      "--account=distro",
      "--qos=low",
      "/r/0000-app.sh",
    ],
  );
  const alone = sbatchArgv(job, [], { ...options, partition: undefined, account: undefined }, {
    timeoutSeconds: 61,
    memoryBytes: 1000,
  });
  assert.ok(!alone.some((a) => a.startsWith("--dependency") || a.startsWith("--partition")));
  assert.ok(alone.includes("--time=17"));
  assert.ok(alone.includes("--mem=1M"));
});

Deno.test("parseSacct and parseJobId: Slurm's words become phases", () => {
  const states = parseSacct(
    "1|COMPLETED|0:0\n2|FAILED|1:0\n3|FAILED|3:0\n4|CANCELLED by 0|0:0\n5|RUNNING|0:0\n" +
      "6|PENDING|0:0\n7|TIMEOUT|0:15\n8|OUT_OF_MEMORY|0:125\nnoise\n",
  );
  assert.deepEqual(
    [...states].map(([id, s]) => [id, s.phase]),
    [
      ["1", "completed"],
      ["2", "failed"],
      ["3", "mismatch"],
      ["4", "cancelled"],
      ["5", "running"],
      ["6", "pending"],
      ["7", "failed"],
      ["8", "failed"],
    ],
  );
  assert.equal(parseJobId("1234\n"), "1234");
  assert.equal(parseJobId("1234;cluster\n"), "1234");
  assert.equal(parseJobId("sbatch: error\n"), undefined);
  assert.equal(shellQuote("a b'c"), `'a b'\\''c'`);
  assert.equal(shellQuote("/plain/path.yaml"), "/plain/path.yaml");
});
