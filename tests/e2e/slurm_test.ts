/**
 * `build --executor slurm` on a real one-machine Slurm cluster: one job per
 * package, each after its dependencies' jobs, results through the signed cache,
 * and a failing package that stops its dependents but not its siblings.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import {
  buildSummary,
  e2eTest,
  ostree,
  packageYaml,
  statuses,
  TestWorkspace,
} from "../helpers/e2e.ts";
import { SLURM_TOOLS, SlurmCluster } from "../helpers/slurm_cluster.ts";

/** p1 ← p2 ← p3 ← p4 ← p5, side ← p2, bad ← p2 (fails), after-bad ← bad. */
const PACKAGES: Array<{ slug: string; deps: string[]; script?: string }> = [
  { slug: "p1", deps: [] },
  { slug: "p2", deps: ["p1"] },
  { slug: "p3", deps: ["p2"] },
  { slug: "p4", deps: ["p3"] },
  { slug: "p5", deps: ["p4"] },
  { slug: "side", deps: ["p2"] },
  { slug: "bad", deps: ["p2"], script: 'echo "bad is broken on purpose" >&2\nexit 7' },
  { slug: "after-bad", deps: ["bad"] },
];

async function workspace(config: string): Promise<TestWorkspace> {
  const ws = await TestWorkspace.create(config);
  for (const p of PACKAGES) {
    await ws.write(
      `manifests/${p.slug}.yaml`,
      packageYaml({
        slug: p.slug,
        deps: p.deps,
        // Each result holds its dependencies' results too: a wrong order would change it.
        script: p.script ??
          `mkdir -p "$OUT_DIR/share"\necho ${p.slug} > "$OUT_DIR/share/${p.slug}"\n` +
            p.deps.map((d) => `cp /share/${d}* "$OUT_DIR/share/" 2>/dev/null || true`).join("\n"),
        sandbox: "host",
      }),
    );
  }
  return ws;
}

interface SacctJob {
  id: string;
  name: string;
  state: string;
  start: number;
  end: number;
}

await e2eTest(
  "build --executor slurm: one job per package, afterok order, failures stop dependents, Ctrl-C cancels",
  [
    ...SLURM_TOOLS,
    "ostree",
    "bwrap",
  ],
  async () => {
    const cluster = await SlurmCluster.start();
    const scratch = await Deno.makeTempDir({ prefix: "2nex-slurm-e2e-" });
    try {
      const key = join(scratch, "cluster.key");
      const cache = join(scratch, "cache");
      const config = "manifests: [manifests]\nsource_date_epoch: 1704067200\n" +
        `executor:\n  slurm:\n    cache: ${cache}\n    key: ${key}\n    partition: build\n` +
        "    poll_seconds: 1\n";
      const ws = await workspace(config);
      const generated = await ws.run(["key", "generate", key]);
      assert.equal(generated.code, 0, generated.stderr);

      const targets = ["p5", "side", "after-bad"];
      const result = await ws.run(["build", "--json", ...targets], { env: cluster.env });
      const summary = buildSummary(result);
      assert.equal(result.code, 1, result.stderr);
      assert.deepEqual(statuses(summary), {
        p1: "built",
        p2: "built",
        p3: "built",
        p4: "built",
        p5: "built",
        side: "built",
        bad: "failed",
        "after-bad": "skipped",
      });
      assert.match(result.stderr, /job \d+ of bad@1\.0 \(main\) ended FAILED \(exit 1\)/);
      assert.match(result.stderr, /bad is broken on purpose/);

      // sacct: one job per package, each started after its dependencies' jobs ended.
      const sacct = await new Deno.Command("sacct", {
        // A job cancelled before it started has no start time: without --starttime sacct omits it.
        args: [
          "-X",
          "-n",
          "-P",
          "--starttime=2000-01-01",
          "--format=JobID,JobName%60,State,Start,End",
        ],
        env: cluster.env,
        stdout: "piped",
        stderr: "piped",
      }).output();
      const sacctText = new TextDecoder().decode(sacct.stdout);
      assert.equal(sacct.code, 0, new TextDecoder().decode(sacct.stderr));
      const jobs = new Map<string, SacctJob>();
      for (const line of sacctText.trim().split("\n")) {
        const [id, name, state, start, end] = line.split("|");
        const slug = name.replace(/^2nex:/, "").split("@")[0];
        jobs.set(slug, {
          id,
          name,
          state: state.split(" ")[0],
          start: Date.parse(start),
          end: Date.parse(end),
        });
      }
      assert.deepEqual(
        Object.fromEntries([...jobs].map(([slug, job]) => [slug, job.state])),
        {
          p1: "COMPLETED",
          p2: "COMPLETED",
          p3: "COMPLETED",
          p4: "COMPLETED",
          p5: "COMPLETED",
          side: "COMPLETED",
          bad: "FAILED",
        },
      );
      // The dependent of the failed job was cancelled by Slurm and never ran. (sacct does not
      // list a job cancelled before it was eligible; the controller still knows it.)
      const afterBad = summary.packages.find((p) => p.slug === "after-bad")!.job!;
      const shown = await new Deno.Command("scontrol", {
        args: ["show", "job", "-o", afterBad],
        env: cluster.env,
        stdout: "piped",
      }).output();
      const shownText = new TextDecoder().decode(shown.stdout);
      assert.match(shownText, /JobState=CANCELLED Reason=DependencyNeverSatisfied/, shownText);
      assert.match(shownText, /RunTime=00:00:00/);
      for (const p of PACKAGES) {
        const job = jobs.get(p.slug);
        if (job?.state !== "COMPLETED") continue;
        for (const dep of p.deps) {
          assert.ok(
            job.start >= jobs.get(dep)!.end,
            `${p.slug} started before its dependency ${dep} ended`,
          );
        }
      }

      // Every result is in the local repository, fsck-clean, equal to a local build's.
      const refs = (await ostree(["refs", `--repo=${ws.repo}`])).split("\n");
      for (const slug of ["p1", "p2", "p3", "p4", "p5", "side"]) {
        assert.ok(refs.includes(`x86_64/${slug}/1.0/main/tree`), `no ref of ${slug}`);
      }
      await ostree(["fsck", `--repo=${ws.repo}`]);
      const local = await workspace("manifests: [manifests]\nsource_date_epoch: 1704067200\n");
      const localBuild = buildSummary(await local.run(["build", "--json", "p5", "side"]));
      const hashes = (s: typeof summary) =>
        Object.fromEntries(
          s.packages.filter((p) => p.status === "built").map((p) => [p.slug, p.outputHash]),
        );
      const clusterHashes = hashes(summary);
      for (const [slug, hash] of Object.entries(hashes(localBuild))) {
        assert.equal(clusterHashes[slug], hash, `${slug}: cluster and local results differ`);
      }
      await Deno.remove(local.dir, { recursive: true });

      // Nothing left to do: a second run submits no job.
      const again = await ws.run(["build", "--json", "p5", "side"], { env: cluster.env });
      assert.equal(again.code, 0, again.stderr);
      assert.deepEqual(new Set(Object.values(statuses(buildSummary(again)))), new Set(["cached"]));

      // Ctrl-C cancels the jobs it submitted.
      await ws.write(
        "manifests/slow.yaml",
        packageYaml({ slug: "slow", deps: ["p5"], script: 'sleep 300\ntouch "$OUT_DIR/x"' }),
      );
      const slow = ws.spawn(["build", "slow"], { env: cluster.env });
      const squeue = async () =>
        new TextDecoder().decode(
          (await new Deno.Command("squeue", {
            args: ["-h", "-o", "%i %j %T"],
            env: cluster.env,
            stdout: "piped",
          }).output()).stdout,
        );
      let queued = "";
      for (let i = 0; i < 120 && !/2nex:slow@1\.0:main RUNNING/.test(queued); i++) {
        await new Promise((resolve) => setTimeout(resolve, 500));
        queued = await squeue();
      }
      assert.match(queued, /2nex:slow@1\.0:main RUNNING/);
      const jobId = queued.trim().split(" ")[0];
      slow.kill("SIGINT");
      const stopped = await slow.output();
      const stoppedErr = new TextDecoder().decode(stopped.stderr);
      assert.equal(stopped.code, 1, stoppedErr);
      assert.match(stoppedErr, new RegExp(`interrupted: cancelled 1 Slurm jobs \\(${jobId}\\)`));
      // A cancelled job passes through COMPLETING while its processes end.
      let after = "";
      for (let i = 0; i < 60 && !/JobState=(CANCELLED|COMPLETED|FAILED)/.test(after); i++) {
        if (i > 0) await new Promise((resolve) => setTimeout(resolve, 500));
        after = new TextDecoder().decode(
          (await new Deno.Command("scontrol", {
            args: ["show", "job", "-o", jobId],
            env: cluster.env,
            stdout: "piped",
          }).output()).stdout,
        );
      }
      assert.match(after, /JobState=CANCELLED/, after);
      await Deno.remove(ws.dir, { recursive: true });
    } catch (error) {
      console.error(`slurmctld log:\n${(await cluster.log("slurmctld")).slice(-3000)}`);
      throw error;
    } finally {
      await cluster.stop();
      await Deno.remove(scratch, { recursive: true }).catch(() => {});
    }
  },
);
