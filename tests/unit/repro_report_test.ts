import assert from "node:assert/strict";
import type { Change, Entry, TreeDiff } from "../../lib/repro/diff.ts";
import { compareTrees } from "../../lib/repro/diff.ts";
import { describeChange, summarize, writeReport } from "../../lib/repro/report.ts";

const file = (path: string, size: number, mode = 0o644, sha = "a".repeat(64)): Entry => ({
  path,
  type: "file",
  mode,
  size,
  sha256: sha,
});

function sampleDiff(): TreeDiff {
  const changed: Change[] = [
    {
      path: "usr/bin/x",
      differs: ["size", "content"],
      a: file("usr/bin/x", 1234, 0o755),
      b: file("usr/bin/x", 1240, 0o755, "b".repeat(64)),
      firstDifference: 612,
    },
    {
      path: "usr/lib/liby.so",
      differs: ["type"],
      a: file("usr/lib/liby.so", 10),
      b: { path: "usr/lib/liby.so", type: "symlink", mode: 0o777, size: 9, target: "liby.so.1" },
    },
    {
      path: "usr/share/doc/stamp",
      differs: ["mode", "content"],
      a: file("usr/share/doc/stamp", 29),
      b: file("usr/share/doc/stamp", 29, 0o664, "c".repeat(64)),
      firstDifference: 20,
    },
    {
      path: "usr/share/link",
      differs: ["target"],
      a: { path: "usr/share/link", type: "symlink", mode: 0o777, size: 1, target: "a" },
      b: { path: "usr/share/link", type: "symlink", mode: 0o777, size: 1, target: "b" },
    },
  ];
  return {
    roots: { a: "/tmp/one", b: "/tmp/two" },
    changed,
    added: [
      file("usr/share/new.txt", 1),
      { path: "usr/share/newdir", type: "dir", mode: 0o755, size: 0 },
    ],
    removed: [{ path: "usr/old", type: "symlink", mode: 0o777, size: 3, target: "../x" }],
    identical: 120,
  };
}

Deno.test("summarize: exact text with every kind of difference", () => {
  assert.equal(
    summarize(sampleDiff()),
    [
      "4 changed, 2 added, 1 removed, 120 identical",
      "changed usr/bin/x: size 1234 → 1240, first difference at byte 612",
      "changed usr/lib/liby.so: type file → symlink",
      "changed usr/share/doc/stamp: mode 0644 → 0664, content differs (same size 29), " +
      "first difference at byte 20",
      'changed usr/share/link: symlink target "a" → "b"',
      "added usr/share/new.txt (file, 1 byte)",
      "added usr/share/newdir (dir)",
      "removed usr/old (symlink → ../x)",
    ].join("\n"),
  );
});

Deno.test("summarize: limits the listed paths and counts the rest", () => {
  assert.equal(
    summarize(sampleDiff(), { max: 2 }),
    [
      "4 changed, 2 added, 1 removed, 120 identical",
      "changed usr/bin/x: size 1234 → 1240, first difference at byte 612",
      "changed usr/lib/liby.so: type file → symlink",
      "… and 5 more",
    ].join("\n"),
  );
});

Deno.test("summarize: identical trees print the counts only", () => {
  const diff: TreeDiff = {
    roots: { a: "/a", b: "/b" },
    changed: [],
    added: [],
    removed: [],
    identical: 3,
  };
  assert.equal(summarize(diff), "0 changed, 0 added, 0 removed, 3 identical");
});

Deno.test("describeChange: mode only", () => {
  const change: Change = {
    path: "bin/x",
    differs: ["mode"],
    a: file("bin/x", 5, 0o644),
    b: file("bin/x", 5, 0o4755),
  };
  assert.equal(describeChange(change), "mode 0644 → 4755");
});

Deno.test("writeReport (no diffoscope): text and json name the differing file", async () => {
  const base = await Deno.makeTempDir({ prefix: "2nex-repro-report-" });
  try {
    await Deno.mkdir(`${base}/a`);
    await Deno.mkdir(`${base}/b`);
    await Deno.writeTextFile(`${base}/a/stamp`, "built at 1700000000\n");
    await Deno.writeTextFile(`${base}/b/stamp`, "built at 1700000001\n");
    const diff = await compareTrees(`${base}/a`, `${base}/b`);
    const written = await writeReport(diff, {
      dir: `${base}/report`,
      labelA: "round 1",
      labelB: "round 2",
      notes: ["round 2: jobs: MAKEFLAGS=-j1 on 1 CPU"],
      diffoscope: false,
    });
    assert.equal(written.diffoscope, "disabled");
    const text = await Deno.readTextFile(written.textPath);
    assert.match(text, /^2nex diff report\n\nA: round 1\n/);
    assert.match(text, /\n {2}stamp\n {4}type: {3}file\n {4}mode: {3}0644\n {4}size: {3}20\n/);
    assert.match(text, /first difference at byte 18\n/);
    assert.match(text, /round 2: jobs: MAKEFLAGS=-j1 on 1 CPU/);
    assert.match(text, /diffoscope: not run \(switched off\)/);
    const json = JSON.parse(await Deno.readTextFile(written.jsonPath));
    assert.equal(json.format, "2nex-diff-report/1");
    assert.deepEqual(json.counts, { changed: 1, added: 0, removed: 0, identical: 0 });
    assert.equal(json.changed[0].path, "stamp");
    assert.equal(json.changed[0].firstDifference, 18);
  } finally {
    await Deno.remove(base, { recursive: true });
  }
});

Deno.test("writeReport: diffoscope missing from PATH is reported, not an error", async () => {
  const base = await Deno.makeTempDir({ prefix: "2nex-repro-report-" });
  try {
    await Deno.mkdir(`${base}/a`);
    await Deno.mkdir(`${base}/b`);
    await Deno.writeTextFile(`${base}/a/f`, "1");
    await Deno.writeTextFile(`${base}/b/f`, "2");
    const diff = await compareTrees(`${base}/a`, `${base}/b`);
    const written = await writeReport(diff, {
      dir: `${base}/report`,
      labelA: "A",
      labelB: "B",
      path: `${base}/empty-path`,
    });
    assert.equal(written.diffoscope, "not-installed");
    const text = await Deno.readTextFile(written.textPath);
    assert.match(
      text,
      /diffoscope: not installed \(on Debian: apt-get install diffoscope-minimal\)/,
    );
  } finally {
    await Deno.remove(base, { recursive: true });
  }
});
