/**
 * End-to-end tests of reproducibility checking through the CLI, with the real sandbox,
 * ostree and the variation tools (disorderfs, libfaketime, diffoscope): deliberately
 * unreproducible manifests caught by `build --rounds 2`, each variation shown to be what
 * catches its case, a well-behaved package passing `--rounds 3`, `build --check` without
 * network permission and without moving a ref, `2nex diff`, and the report against the
 * last good result on a hash mismatch. The manifests are in tests/fixtures/repro/.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import {
  assertCaught,
  assertPassed,
  packageRefNames,
  readReport,
  refSnapshot,
  reproTest,
  withReproWorkspace,
} from "../helpers/repro.ts";

/** What every build here needs: the sandbox helper and the repository tool. */
const BUILD = ["ostree", "bwrap"];
/** The tools behind the variations and the detailed reports. */
const VARIATION_TOOLS = ["disorderfs", "fusermount3", "faketime", "diffoscope"];
const ALL = [...BUILD, ...VARIATION_TOOLS];

/** The description of round 2 when every variation is on and every tool works. */
const EVERY_VARIATION = [
  "jobs: MAKEFLAGS=-j1 on 1 CPU",
  "aslr: address-space randomisation off (setarch -R)",
  "env-order: environment reversed",
  "clock shifted +398 days (libfaketime)",
  "disorder: work directory through disorderfs, listing order shuffled",
];

/** The two build trees that `--keep-failed` printed, round 1 first. */
function keptTrees(output: string): [string, string] {
  const match = /build trees kept at (\S+) and (\S+)/.exec(output);
  assert.ok(match, `no kept build trees in the output:\n${output}`);
  return [match[1], match[2]];
}

/** Count of commit objects in a repository: --check must add none. */
async function commitObjects(repo: string): Promise<number> {
  let count = 0;
  for await (const prefix of Deno.readDir(join(repo, "objects"))) {
    if (!prefix.isDirectory) continue;
    for await (const object of Deno.readDir(join(repo, "objects", prefix.name))) {
      if (object.name.endsWith(".commit")) count++;
    }
  }
  return count;
}

// 1. Deliberately unreproducible manifests, each caught by --rounds 2 with every
// variation on; the report names the one file that differs and nothing is committed.

/** Builds `slug` with `--rounds 2 ARGS…` in a fresh workspace and checks it is caught. */
async function expectCaughtFresh(slug: string, file: string, args: string[] = []): Promise<void> {
  await withReproWorkspace([slug], async (ws) => {
    const result = await ws.run(["build", slug, "--rounds", "2", ...args]);
    await assertCaught(result, file);
    assert.deepEqual([...(await refSnapshot(ws.repo)).keys()], [], "something was committed");
  });
}

await reproTest("rounds 2 catches the time of day written to a file", ALL, async () => {
  await withReproWorkspace(["clock"], async (ws) => {
    const result = await ws.run(["build", "clock", "--rounds", "2"]);
    const report = await assertCaught(result, "share/clock/built-at.txt");
    // Round 2's conditions are on the terminal and in the report's notes.
    for (const line of EVERY_VARIATION) {
      assert.ok(result.all.includes(line), `round 2 does not say "${line}":\n${result.all}`);
      assert.ok(report.text.includes(line), `the report does not say "${line}"`);
    }
    assert.equal(report.json.diffoscope.status, "used");
    assert.match(report.text, /=== diffoscope share\/clock\/built-at\.txt \(found differences\)/);
    assert.deepEqual([...(await refSnapshot(ws.repo)).keys()], [], "something was committed");
    // The time variation alone: round 2's clock really reads 398 days later.
    const shifted = await ws.run([
      "build",
      "clock",
      "--rounds",
      "2",
      "--vary=time",
      "--keep-failed",
    ]);
    await assertCaught(shifted, "share/clock/built-at.txt");
    const seconds = async (tree: string) =>
      Number(
        BigInt((await Deno.readTextFile(join(tree, "out/share/clock/built-at.txt"))).trim()) /
          1_000_000_000n,
      );
    const [round1, round2] = keptTrees(shifted.all);
    const gap = (await seconds(round2)) - (await seconds(round1));
    assert.ok(Math.abs(gap - 398 * 24 * 60 * 60) < 120, `round 2's clock is ${gap} s ahead`);
  });
});

await reproTest("rounds 2 catches $RANDOM", ALL, async () => {
  await expectCaughtFresh("random", "share/random/numbers.txt");
});

await reproTest(
  "rounds 2 catches the number of CPUs, and only through the jobs variation",
  ALL,
  async () => {
    const cpus = navigator.hardwareConcurrency;
    assert.ok(cpus >= 2, `this test needs at least 2 CPUs to vary their number; ${cpus} here`);
    await withReproWorkspace(["cpus"], async (ws) => {
      const caught = await ws.run(["build", "cpus", "--rounds", "2", "--keep-failed"]);
      await assertCaught(caught, "share/cpus/nproc.txt");
      const [round1, round2] = keptTrees(caught.all);
      const nproc = (tree: string) => Deno.readTextFile(join(tree, "out/share/cpus/nproc.txt"));
      // Round 1 sees every CPU it may run on (at least as many as Deno counts), round 2 one.
      const seen = Number(await nproc(round1));
      assert.ok(seen >= cpus, `round 1 saw ${seen} CPUs, Deno counts ${cpus}`);
      assert.equal(await nproc(round2), "1\n");
      assert.deepEqual([...(await refSnapshot(ws.repo)).keys()], [], "something was committed");
      // Everything else still varied: the CPU count alone made the difference.
      assertPassed(await ws.run(["build", "cpus", "--rounds", "2", "--no-vary=jobs"]));
    });
  },
);

await reproTest("rounds 2 catches an address printed by a C program", [...ALL, "gcc"], async () => {
  await expectCaughtFresh("address", "share/address/addresses.txt");
  // ASLR off in one round makes the addresses differ on its own.
  await expectCaughtFresh("address", "share/address/addresses.txt", ["--vary=aslr"]);
});

await reproTest("the aslr variation really turns randomisation off in round 2", [
  ...BUILD,
  "gcc",
], async () => {
  await withReproWorkspace(["aslr-probe"], async (ws) => {
    const caught = await ws.run([
      "build",
      "aslr-probe",
      "--rounds",
      "2",
      "--vary=aslr",
      "--keep-failed",
    ]);
    await assertCaught(caught, "share/aslr-probe/aslr.txt");
    const [round1, round2] = keptTrees(caught.all);
    const aslr = (tree: string) => Deno.readTextFile(join(tree, "out/share/aslr-probe/aslr.txt"));
    assert.equal(await aslr(round1), "randomised\n");
    assert.equal(await aslr(round2), "fixed\n");
    // With every variation but aslr, both rounds run randomised and agree.
    assertPassed(await ws.run(["build", "aslr-probe", "--rounds", "2", "--no-vary=aslr"]));
  });
});

for (const [slug, what] of [["ls-order", "ls -U"], ["find-order", "find"]]) {
  await reproTest(
    `rounds 2 catches the order of ${what} output, and only through the disorder variation`,
    ALL,
    async () => {
      await withReproWorkspace([slug], async (ws) => {
        const caught = await ws.run(["build", slug, "--rounds", "2"]);
        await assertCaught(caught, `share/${slug}/listing.txt`);
        assert.match(caught.all, /disorder: work directory (through disorderfs|on tmpfs)/);
        assert.deepEqual([...(await refSnapshot(ws.repo)).keys()], [], "something was committed");
        // The same two rounds with listing order left alone agree: the variation catches it.
        const passed = await ws.run(["build", slug, "--rounds", "2", "--no-vary=disorder"]);
        assertPassed(passed);
        assert.doesNotMatch(passed.all, /disorder:/);
        assert.deepEqual(await packageRefNames(ws.repo, slug), [
          `x86_64/${slug}/1.0/main/bundles/default`,
          `x86_64/${slug}/1.0/main/outputs/data`,
          `x86_64/${slug}/1.0/main/tree`,
        ]);
      });
    },
  );
}

await reproTest(
  "rounds 2 catches the order of the environment, and only through the env-order variation",
  ALL,
  async () => {
    await withReproWorkspace(["env-order"], async (ws) => {
      const caught = await ws.run(["build", "env-order", "--rounds", "2"]);
      assert.match(caught.all, /env-order: environment reversed/);
      await assertCaught(caught, "share/env-order/environ.txt");
      assert.deepEqual([...(await refSnapshot(ws.repo)).keys()], [], "something was committed");
      assertPassed(await ws.run(["build", "env-order", "--rounds", "2", "--no-vary=env-order"]));
    });
  },
);

// 2. A well-behaved package passes --rounds 3 with every variation on.

await reproTest("a reproducible package passes rounds 3 with every variation on", [
  ...ALL,
  "gcc",
], async () => {
  await withReproWorkspace(["reproducible"], async (ws) => {
    const rounds = await ws.run(["build", "reproducible", "--rounds", "3", "--json"]);
    assertPassed(rounds);
    for (const line of EVERY_VARIATION) {
      assert.ok(rounds.stderr.includes(line), `round 2 does not say "${line}":\n${rounds.stderr}`);
    }
    assert.match(
      rounds.stderr,
      /round 3 of reproducible@1\.0 \(main\): jobs: MAKEFLAGS=-j\d+ on all/,
    );
    assert.match(rounds.stderr, /round 3 of .*env-order: environment shuffled/);
    const roundsHash = JSON.parse(rounds.stdout).packages[0].outputHash;
    assert.match(roundsHash, /^[0-9a-f]{64}$/);
    assert.deepEqual(await packageRefNames(ws.repo, "reproducible"), [
      "x86_64/reproducible/1.0/main/bundles/default",
      "x86_64/reproducible/1.0/main/outputs/data",
      "x86_64/reproducible/1.0/main/tree",
    ]);
    // A plain build in another workspace (another path on the host) gives the same hash.
    await withReproWorkspace(["reproducible"], async (other) => {
      const plain = await other.run(["build", "reproducible", "--json"]);
      assertPassed(plain);
      assert.doesNotMatch(plain.stderr, /round 2/);
      assert.equal(JSON.parse(plain.stdout).packages[0].outputHash, roundsHash);
    });
  });
});

// 3. --check: no network permission, no ref moved, nothing committed.

await reproTest("check of a reproducible package: exit 0, no network, no ref moved", [
  ...ALL,
  "gcc",
], async () => {
  await withReproWorkspace(["reproducible"], async (ws) => {
    assertPassed(await ws.run(["build", "reproducible"]));
    await Deno.remove(join(ws.dir, "manifests/greet.c"));
    const refsBefore = await refSnapshot(ws.repo);
    const commitsBefore = await commitObjects(ws.repo);
    assert.ok(refsBefore.size > 0);
    const result = await ws.run(["build", "reproducible", "--check"], {
      withoutFlags: ["--allow-net"],
    });
    assertPassed(result);
    assert.match(result.all, /check reproducible@1\.0 \(main\): jobs: MAKEFLAGS=-j1 on 1 CPU/);
    assert.match(result.all, /checked reproducible@1\.0 \(main\)/);
    assert.match(result.all, /0 built, 0 cached, 1 checked, 0 failed/);
    assert.deepEqual(await refSnapshot(ws.repo), refsBefore);
    assert.equal(await commitObjects(ws.repo), commitsBefore);
  });
});

await reproTest("check of an unreproducible package: exit 3 and a report, no ref moved", [
  ...ALL,
  "gcc",
], async () => {
  await withReproWorkspace(["address"], async (ws) => {
    assertPassed(await ws.run(["build", "address"]));
    await Deno.remove(join(ws.dir, "manifests/addr.c"));
    const refsBefore = await refSnapshot(ws.repo);
    const commitsBefore = await commitObjects(ws.repo);
    const result = await ws.run(["build", "address", "--check"], {
      withoutFlags: ["--allow-net"],
    });
    const report = await assertCaught(result, "share/address/addresses.txt");
    assert.match(result.all, /the rebuild differs from the committed result/);
    assert.match(report.text, /^A: committed [0-9a-f]{12}$/m);
    assert.match(report.text, /^B: rebuild$/m);
    assert.deepEqual(await refSnapshot(ws.repo), refsBefore);
    assert.equal(await commitObjects(ws.repo), commitsBefore);
  });
});

await reproTest("check of a package never built: exit 1, nothing committed", BUILD, async () => {
  await withReproWorkspace(["clock"], async (ws) => {
    const result = await ws.run(["build", "clock", "--check"], { withoutFlags: ["--allow-net"] });
    assert.equal(result.code, 1, result.all);
    assert.match(result.all, /has no committed result/);
    assert.match(result.all, /build it first without --check/);
    assert.deepEqual([...(await refSnapshot(ws.repo)).keys()], []);
  });
});

// 4. 2nex diff.

/** Two trees: one file changed at byte 6, one mode changed, one added, one removed. */
async function twoTrees(base: string): Promise<{ a: string; b: string }> {
  const a = join(base, "tree-a");
  const b = join(base, "tree-b");
  for (const root of [a, b]) {
    await Deno.mkdir(join(root, "share/doc"), { recursive: true });
    await Deno.writeTextFile(join(root, "share/doc/same.txt"), "the same in both\n");
    await Deno.writeTextFile(join(root, "share/tool"), "#!/bin/sh\n");
  }
  await Deno.writeTextFile(join(a, "share/doc/greeting.txt"), "hello world\n");
  await Deno.writeTextFile(join(b, "share/doc/greeting.txt"), "hello World\n");
  await Deno.chmod(join(b, "share/tool"), 0o755);
  await Deno.writeTextFile(join(a, "share/doc/old.txt"), "gone\n");
  await Deno.writeTextFile(join(b, "share/doc/new.txt"), "new\n");
  return { a, b };
}

await reproTest("diff of directories: exit 0 when identical, 3 with the differences", [
  "diffoscope",
], async () => {
  await withReproWorkspace([], async (ws) => {
    const { a, b } = await twoTrees(ws.dir);
    const same = await ws.run(["diff", a, a]);
    assertPassed(same);
    assert.match(same.all, /^0 changed, 0 added, 0 removed, 6 identical$/m);

    const different = await ws.run(["diff", a, b]);
    assert.equal(different.code, 3, different.all);
    assert.match(different.all, /^2 changed, 1 added, 1 removed, 3 identical$/m);
    assert.match(
      different.all,
      /^changed share\/doc\/greeting\.txt: content differs \(same size 12\), first difference at byte 6$/m,
    );
    assert.match(different.all, /^changed share\/tool: mode 0644 → 0755$/m);
    assert.match(different.all, /^added share\/doc\/new\.txt \(file, 4 bytes\)$/m);
    assert.match(different.all, /^removed share\/doc\/old\.txt \(file, 5 bytes\)$/m);
    assert.doesNotMatch(different.all, /report: /);

    const reported = await ws.run(["diff", a, b, "--report"]);
    assert.equal(reported.code, 3, reported.all);
    const report = await readReport(reported.all);
    assert.ok(report.textPath.startsWith(join(ws.dir, ".2nex/cache/reports/")), report.textPath);
    assert.match(
      report.text,
      /^ {2}share\/doc\/greeting\.txt\n(.*\n)*? {4}first difference at byte 6$/m,
    );
    assert.match(report.text, /^ {2}share\/doc\/new\.txt \(file, 4 bytes\)$/m);
    assert.match(report.text, /^ {2}share\/doc\/old\.txt \(file, 5 bytes\)$/m);
    assert.deepEqual(report.json.changed.map((c) => [c.path, c.firstDifference ?? null]), [
      ["share/doc/greeting.txt", 6],
      ["share/tool", null],
    ]);
    assert.deepEqual(report.json.added.map((e) => e.path), ["share/doc/new.txt"]);
    assert.deepEqual(report.json.removed.map((e) => e.path), ["share/doc/old.txt"]);
    // diffoscope shows where inside the file.
    assert.equal(report.json.diffoscope.status, "used");
    assert.match(report.text, /=== diffoscope share\/doc\/greeting\.txt \(found differences\) ===/);
    assert.match(report.text, /^-hello world$/m);
    assert.match(report.text, /^\+hello World$/m);
  });
});

await reproTest(
  "diff of refs and commits: identical or naming the changed file",
  BUILD,
  async () => {
    await withReproWorkspace(["clock"], async (ws) => {
      const ref = "x86_64/clock/1.0/main/tree";
      assertPassed(await ws.run(["build", "clock"]));
      const first = (await refSnapshot(ws.repo)).get(ref);
      assert.ok(first, "no tree ref after the first build");
      assertPassed(await ws.run(["build", "clock", "--rebuild"]));
      const second = (await refSnapshot(ws.repo)).get(ref);
      assert.ok(second && second !== first, "the rebuild did not commit a new result");

      assertPassed(await ws.run(["diff", ref, second]));
      const checkout = join(ws.dir, "checkout");
      assertPassed(await ws.run(["checkout", "clock", checkout]));
      const refAgainstDir = await ws.run(["diff", ref, checkout]);
      assertPassed(refAgainstDir);
      assert.match(refAgainstDir.all, /^0 changed, 0 added, 0 removed, 4 identical$/m);

      const different = await ws.run(["diff", first, ref, "--report"]);
      assert.equal(different.code, 3, different.all);
      assert.match(different.all, /^1 changed, 0 added, 0 removed, 3 identical$/m);
      assert.match(
        different.all,
        /^changed share\/clock\/built-at\.txt: .*first difference at byte \d+$/m,
      );
      const report = await readReport(different.all);
      assert.match(report.text, /^A: [0-9a-f]{64}$/m);
      assert.match(report.text, new RegExp(`^B: ${ref}$`, "m"));
      assert.deepEqual(report.json.changed.map((c) => c.path), ["share/clock/built-at.txt"]);

      const unknown = await ws.run(["diff", "x86_64/nothing/1.0/main/tree", checkout]);
      assert.equal(unknown.code, 2, unknown.all);
      assert.match(unknown.all, /is not in the repository/);
    });
  },
);

// 5. A hash mismatch after a change is reported against the last good result.

await reproTest("hash mismatch names the files that differ from the last good result", [
  ...BUILD,
  "diffoscope",
], async () => {
  await withReproWorkspace(["pinned"], async (ws) => {
    const manifest = join(ws.dir, "manifests/pinned.yaml");
    assertPassed(await ws.run(["build", "pinned", "--update-hash"]));
    const text = await Deno.readTextFile(manifest);
    assert.match(text, /^ {2}checksum: [0-9a-f]{64}$/m);
    const refsBefore = await refSnapshot(ws.repo);
    const goodTree = refsBefore.get("x86_64/pinned/1.0/main/tree");
    assert.ok(goodTree);

    await Deno.writeTextFile(manifest, text.replace("first edition", "second edition"));
    const result = await ws.run(["build", "pinned"]);
    assert.equal(result.code, 3, result.all);
    assert.match(result.all, /output hash of pinned@1\.0 \(main\) differs from the manifest/);
    assert.match(result.all, /compared with the last good result:/);
    assert.match(
      result.all,
      /^changed share\/pinned\/edition\.txt: size 14 → 15, first difference at byte 0$/m,
    );
    const report = await readReport(result.all);
    assert.match(report.text, new RegExp(`^A: last good ${goodTree.slice(0, 12)}$`, "m"));
    assert.match(report.text, /^B: this build$/m);
    assert.match(report.text, /^ {2}share\/pinned\/edition\.txt$/m);
    assert.match(report.text, /^\+second edition$/m);
    assert.deepEqual(report.json.changed.map((c) => c.path), ["share/pinned/edition.txt"]);
    // The package's refs still point at the good result.
    const after = await refSnapshot(ws.repo);
    for (const ref of await packageRefNames(ws.repo, "pinned")) {
      assert.equal(after.get(ref), refsBefore.get(ref), `${ref} moved`);
    }
  });
});
