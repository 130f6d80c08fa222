/**
 * Reproducibility tooling against the real tools: diffoscope's text in reports,
 * disorderfs shuffling the listing order a bwrap sandbox sees, and libfaketime
 * shifting the clock of a host-mode sandbox. Each test is skipped locally when its
 * tool is missing, and fails in CI (CI=true), where a missing tool is a failure.
 */
import assert from "node:assert/strict";
import { compareTrees, treesEqual } from "../../lib/repro/diff.ts";
import { summarize, writeReport } from "../../lib/repro/report.ts";
import { detectTools, roundCapabilities } from "../../lib/repro/detect.ts";
import { mountDisorder, probeDisorder } from "../../lib/repro/disorder.ts";
import {
  awaitRoundStart,
  FAKE_TIME_SHIFT_SECONDS,
  fakeTimeEnv,
  parseVariationFlags,
  planRounds,
  reorderEnv,
  type RoundPlan,
} from "../../lib/repro/variations.ts";
import { run } from "../../lib/util/process.ts";

const tools = await detectTools();
const inCi = Deno.env.get("CI") === "true";
const hasBwrap = await run(["bwrap", "--version"], { check: false }).then(() => true, () => false);

async function withTemp(body: (dir: string) => Promise<void>): Promise<void> {
  const dir = await Deno.makeTempDir({ prefix: "2nex-repro-e2e-" });
  try {
    await body(dir);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

/** Two trees that differ in one file (a timestamp) and agree in another. */
async function twoRounds(base: string): Promise<{ a: string; b: string }> {
  const a = `${base}/round1`;
  const b = `${base}/round2`;
  for (const [root, stamp] of [[a, "1700000000"], [b, "1700000001"]]) {
    await Deno.mkdir(`${root}/share/hello`, { recursive: true });
    await Deno.writeTextFile(`${root}/share/hello/README`, "hello\n");
    await Deno.writeTextFile(
      `${root}/share/hello/buildinfo`,
      `package hello\nbuilt at ${stamp}\nby 2nex\n`,
    );
  }
  return { a, b };
}

/** argv prefix of a minimal host-mode-like bwrap sandbox (host /usr, read-only). */
function sandbox(extra: string[]): string[] {
  return [
    "bwrap",
    "--unshare-user",
    "--uid",
    "0",
    "--gid",
    "0",
    "--unshare-pid",
    "--unshare-net",
    "--ro-bind",
    "/usr",
    "/usr",
    "--symlink",
    "usr/bin",
    "/bin",
    "--symlink",
    "usr/lib",
    "/lib",
    "--symlink",
    "usr/lib64",
    "/lib64",
    "--proc",
    "/proc",
    "--dev",
    "/dev",
    "--tmpfs",
    "/tmp",
    "--clearenv",
    "--setenv",
    "PATH",
    "/usr/bin:/bin",
    ...extra,
  ];
}

Deno.test({
  name: "writeReport: diffoscope's text goes into report.txt and report.json",
  ignore: !tools.diffoscope && !inCi,
  async fn() {
    assert.ok(tools.diffoscope, "diffoscope is not installed (apt-get install diffoscope-minimal)");
    await withTemp(async (base) => {
      const { a, b } = await twoRounds(base);
      const diff = await compareTrees(a, b);
      const written = await writeReport(diff, {
        dir: `${base}/reports/hello-20240101T000000`,
        labelA: "round 1",
        labelB: "round 2",
      });
      assert.equal(written.diffoscope, "used");
      const text = await Deno.readTextFile(written.textPath);
      assert.match(text, /\n {2}share\/hello\/buildinfo\n/);
      assert.match(text, /first difference at byte 32\n/);
      assert.match(text, /=== diffoscope share\/hello\/buildinfo \(found differences\) ===/);
      // diffoscope's own unified diff of the two lines.
      assert.match(text, /-built at 1700000000/);
      assert.match(text, /\+built at 1700000001/);
      const json = JSON.parse(await Deno.readTextFile(written.jsonPath));
      assert.equal(json.diffoscope.status, "used");
      assert.equal(json.diffoscope.results[0].path, "share/hello/buildinfo");
      assert.equal(json.diffoscope.results[0].exitCode, 1);
      assert.match(json.diffoscope.results[0].text, /\+built at 1700000001/);
    });
  },
});

Deno.test("writeReport: without diffoscope the report still names the file", async () => {
  await withTemp(async (base) => {
    const { a, b } = await twoRounds(base);
    const diff = await compareTrees(a, b);
    const written = await writeReport(diff, {
      dir: `${base}/report`,
      labelA: "round 1",
      labelB: "round 2",
      diffoscope: false,
    });
    const text = await Deno.readTextFile(written.textPath);
    assert.match(text, /1 changed, 0 added, 0 removed, 3 identical/);
    assert.match(text, /\n {2}share\/hello\/buildinfo\n/);
    assert.doesNotMatch(text, /=== diffoscope/);
    const json = JSON.parse(await Deno.readTextFile(written.jsonPath));
    assert.deepEqual(json.changed.map((c: { path: string }) => c.path), ["share/hello/buildinfo"]);
  });
});

Deno.test({
  name: "writeReport: a diffoscope that runs past its time limit is reported as timed out",
  ignore: !tools.diffoscope && !inCi,
  async fn() {
    assert.ok(tools.diffoscope, "diffoscope is not installed (apt-get install diffoscope-minimal)");
    await withTemp(async (base) => {
      const { a, b } = await twoRounds(base);
      const diff = await compareTrees(a, b);
      const written = await writeReport(diff, {
        dir: `${base}/report`,
        labelA: "A",
        labelB: "B",
        diffoscopeTimeoutMs: 1,
      });
      const json = JSON.parse(await Deno.readTextFile(written.jsonPath));
      assert.equal(json.diffoscope.results[0].timedOut, true);
      assert.match(await Deno.readTextFile(written.textPath), /\(timed out\)/);
    });
  },
});

const disorderUsable = await probeDisorder(
  tools,
  await Deno.makeTempDir({ prefix: "2nex-repro-probe-" }),
);

Deno.test({
  name: "mountDisorder: a bwrap sandbox sees the work directory in shuffled order",
  ignore: !(disorderUsable && hasBwrap) && !inCi,
  async fn() {
    assert.ok(disorderUsable, "disorderfs or FUSE is missing (apt-get install disorderfs fuse3)");
    await withTemp(async (base) => {
      const names = Array.from({ length: 30 }, (_, i) => `f${String(i).padStart(2, "0")}`);
      await Deno.mkdir(`${base}/real`);
      for (const name of names) await Deno.writeTextFile(`${base}/real/${name}`, name);
      const mount = await mountDisorder(tools, `${base}/real`, `${base}/work`);
      try {
        const script = "ls -U; echo created > new-file";
        const listings: string[][] = [];
        for (let i = 0; i < 3; i++) {
          const { stdout } = await run(
            sandbox([
              "--bind",
              mount.mountPoint,
              "/2nex/work",
              "--chdir",
              "/2nex/work",
              "sh",
              "-c",
              script,
            ]),
          );
          listings.push(stdout.trim().split("\n").filter((name) => name !== "new-file"));
        }
        const plain: string[] = [];
        for await (const entry of Deno.readDir(`${base}/real`)) {
          if (entry.name !== "new-file") plain.push(entry.name);
        }
        for (const listing of listings) assert.deepEqual([...listing].sort(), names);
        // 30 entries shuffled: the chance of matching the plain order is 1 in 30!.
        assert.ok(listings.some((listing) => listing.join() !== plain.join()));
        assert.ok(listings.some((listing) => listing.join() !== listings[0].join()));
      } finally {
        await mount.unmount();
      }
      // Files written through the mount are in the real directory after unmounting.
      assert.equal(await Deno.readTextFile(`${base}/real/new-file`), "created\n");
      const left = [];
      for await (const entry of Deno.readDir(`${base}/work`)) left.push(entry.name);
      assert.deepEqual(left, [], "the mount point is empty once unmounted");
    });
  },
});

Deno.test({
  name: "fakeTimeEnv: the host's libfaketime shifts the clock inside a host-mode sandbox",
  ignore: !(tools.libfaketime && hasBwrap) && !inCi,
  async fn() {
    assert.ok(tools.libfaketime, "libfaketime is missing (apt-get install faketime)");
    const env = fakeTimeEnv({ fakeTimeShiftSeconds: FAKE_TIME_SHIFT_SECONDS }, tools.libfaketime);
    const setenv = env.flatMap(([name, value]) => ["--setenv", name, value]);
    const before = Math.floor(Date.now() / 1000);
    const { stdout } = await run(sandbox([...setenv, "sh", "-c", "date +%s"]));
    const inside = Number(stdout.trim());
    const shift = inside - before;
    assert.ok(
      shift >= FAKE_TIME_SHIFT_SECONDS - 5 && shift <= FAKE_TIME_SHIFT_SECONDS + 30,
      `clock inside moved by ${shift} s, expected about ${FAKE_TIME_SHIFT_SECONDS}`,
    );
  },
});

/**
 * A stand-in for the build engine: runs `script` in a bwrap sandbox under a round's
 * conditions (taskset, setarch -R, environment order, libfaketime, disorderfs or a
 * tmpfs work directory) and leaves its /2nex/out in `out`.
 */
async function runRound(plan: RoundPlan, script: string, base: string): Promise<string> {
  const out = `${base}/round${plan.round}/out`;
  const work = `${base}/round${plan.round}/work`;
  await Deno.mkdir(out, { recursive: true });
  await Deno.mkdir(work, { recursive: true });
  const prefix: string[] = [];
  if (plan.cpus !== undefined) {
    prefix.push("taskset", "-c", Array.from({ length: plan.cpus }, (_, i) => i).join(","));
  }
  if (plan.disableAslr) prefix.push("setarch", "-R");
  const cpus = plan.cpus ?? (navigator.hardwareConcurrency || 1);
  const env = reorderEnv([
    ["MAKEFLAGS", `-j${plan.jobs ?? cpus}`],
    ["LC_ALL", "C"],
    ["TZ", "UTC"],
    ["SOURCE_DATE_EPOCH", "1704067200"],
    ["WORK_DIR", "/2nex/work"],
    ["OUT_DIR", "/2nex/out"],
  ], plan);
  env.push(...fakeTimeEnv(plan, tools.libfaketime ?? ""));
  let mount: Awaited<ReturnType<typeof mountDisorder>> | undefined;
  const workMount: string[] = [];
  if (plan.disorder) {
    mount = await mountDisorder(tools, work, `${base}/round${plan.round}/work-shuffled`);
    workMount.push("--bind", mount.mountPoint, "/2nex/work");
  } else if (plan.workOnTmpfs) {
    workMount.push("--tmpfs", "/2nex/work");
  } else {
    workMount.push("--bind", work, "/2nex/work");
  }
  try {
    await run([
      ...prefix,
      ...sandbox([
        ...env.flatMap(([name, value]) => ["--setenv", name, value]),
        ...workMount,
        "--bind",
        out,
        "/2nex/out",
        "--chdir",
        "/2nex/work",
        "sh",
        "-c",
        script,
      ]),
    ]);
  } finally {
    await mount?.unmount();
  }
  return out;
}

/** Files the stand-in builds write: one per kind of unreproducibility the variations catch. */
const UNREPRODUCIBLE = `
  date +%s > /2nex/out/build-time
  nproc > /2nex/out/cpus
  echo "$MAKEFLAGS" > /2nex/out/makeflags
  env | grep -v '^FAKETIME\\|^LD_PRELOAD\\|^PWD\\|^SHLVL\\|^_=' > /2nex/out/environment
  grep -m1 '\\[stack\\]' /proc/self/maps | cut -d- -f1 > /2nex/out/stack-address
  mkdir files && for name in one two three four five six seven eight; do touch files/$name; done
  ls -U files > /2nex/out/listing
`;

/** The same outputs made reproducibly: sorted, normalised, from SOURCE_DATE_EPOCH. */
const REPRODUCIBLE = `
  date -u -d "@$SOURCE_DATE_EPOCH" +%s > /2nex/out/build-time
  env | grep -v '^FAKETIME\\|^LD_PRELOAD\\|^PWD\\|^SHLVL\\|^_=\\|^MAKEFLAGS=' | sort > /2nex/out/environment
  mkdir files && for name in one two three four five six seven eight; do touch files/$name; done
  ls files | sort > /2nex/out/listing
`;

Deno.test({
  name: "rounds: planned variations catch each unreproducible output; a clean build passes",
  ignore: !(hasBwrap && tools.libfaketime) && !inCi,
  async fn() {
    assert.ok(hasBwrap, "bwrap is not installed (apt-get install bubblewrap)");
    const capabilities = roundCapabilities(tools, "host", { disorderfsWorks: disorderUsable });
    const [first, second] = planRounds(2, parseVariationFlags(), capabilities);
    await withTemp(async (base) => {
      const startFirst = await awaitRoundStart(first);
      const a = await runRound(first, UNREPRODUCIBLE, `${base}/bad`);
      await awaitRoundStart(second, startFirst);
      const b = await runRound(second, UNREPRODUCIBLE, `${base}/bad`);
      const diff = await compareTrees(a, b);
      const changed = diff.changed.map((change) => change.path);
      for (const file of ["build-time", "environment", "listing", "makeflags", "stack-address"]) {
        assert.ok(changed.includes(file), `${file} should differ:\n${summarize(diff)}`);
      }
      if ((navigator.hardwareConcurrency || 1) > 1) assert.ok(changed.includes("cpus"));
      const written = await writeReport(diff, {
        dir: `${base}/report`,
        labelA: "round 1",
        labelB: "round 2",
        notes: [first, second].map((plan) => `round ${plan.round}: ${plan.description.join("; ")}`),
        diffoscope: false,
      });
      assert.match(await Deno.readTextFile(written.textPath), /\n {2}build-time\n/);

      const startClean = await awaitRoundStart(first, Date.now());
      const cleanA = await runRound(first, REPRODUCIBLE, `${base}/good`);
      await awaitRoundStart(second, startClean);
      const cleanB = await runRound(second, REPRODUCIBLE, `${base}/good`);
      const clean = await compareTrees(cleanA, cleanB);
      assert.ok(treesEqual(clean), summarize(clean));
      assert.equal(clean.identical, 3);
    });
  },
});
