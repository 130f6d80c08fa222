/**
 * The store against the real `ostree` CLI: native checksums equal what ostree
 * prints, native output/bundle commits equal ostree's own, refs are visible to
 * ostree, and a commit killed with SIGKILL leaves `ostree fsck` clean.
 */
import assert from "node:assert/strict";
import {
  inputKeyRef,
  packageRefs,
  parsePackageRef,
  refProblem,
  Store,
  TreeClashError,
} from "../../lib/store/mod.ts";
import { decodeVariant, encodeVariant, type GValue } from "../../lib/store/gvariant.ts";
import { hashTree } from "../../lib/store/checksum.ts";
import { InvalidInputError } from "../../lib/util/errors.ts";
import { materializeOutputs, planOutputs, removeDiscarded } from "../../lib/build/outputs.ts";
import { run } from "../../lib/util/process.ts";

const EPOCH = 1704067200;
const hasOstree = await run(["ostree", "--version"], { check: false }).then(
  () => true,
  () => false,
);
// Without ostree the tests are skipped locally, and fail in CI (a missing tool is a failure there).
const ignore = !hasOstree && Deno.env.get("CI") !== "true";

async function tempDir(prefix: string): Promise<string> {
  return await Deno.makeTempDir({ prefix: `2nex-store-${prefix}-` });
}

/** What `ostree show` prints on its ContentChecksum: line. */
async function ostreeContentChecksum(repo: string, rev: string): Promise<string> {
  const { stdout } = await run(["ostree", "show", `--repo=${repo}`, rev]);
  const match = /^ContentChecksum:\s+([0-9a-f]{64})$/m.exec(stdout);
  assert(match, `no ContentChecksum in:\n${stdout}`);
  return match[1];
}

/** Commits `dir` with the stock CLI, independently of Store. */
async function ostreeCommit(repo: string, dir: string, extra: string[] = []): Promise<string> {
  const { stdout } = await run([
    "ostree",
    "commit",
    `--repo=${repo}`,
    "--orphan",
    "--canonical-permissions",
    "--no-xattrs",
    "--fsync=false",
    "-s",
    "reference",
    ...extra,
    `--tree=dir=${dir}`,
  ]);
  return stdout.trim();
}

function write(path: string, data: string | Uint8Array, mode = 0o644): void {
  Deno.mkdirSync(path.slice(0, path.lastIndexOf("/")), { recursive: true });
  if (typeof data === "string") Deno.writeTextFileSync(path, data);
  else Deno.writeFileSync(path, data);
  Deno.chmodSync(path, mode);
}

/** Trees that exercise every corner of the checksum format. */
function makeCorpus(root: string): string[] {
  const trees: string[] = [];
  const tree = (name: string, fill: (dir: string) => void) => {
    const dir = `${root}/${name}`;
    Deno.mkdirSync(dir, { recursive: true });
    Deno.chmodSync(dir, 0o755);
    fill(dir);
    trees.push(dir);
  };
  tree("empty", () => {});
  tree("one-file", (d) => write(`${d}/hello`, "hello\n"));
  tree("modes", (d) => {
    write(`${d}/exec`, "#!/bin/sh\n", 0o755);
    write(`${d}/setuid`, "x", 0o4755);
    write(`${d}/setgid-sticky`, "y", 0o3644);
    write(`${d}/private`, "z", 0o600);
    write(`${d}/group-write`, "w", 0o664);
    write(`${d}/readonly`, "r", 0o444);
    Deno.mkdirSync(`${d}/private-dir`);
    Deno.chmodSync(`${d}/private-dir`, 0o700);
    Deno.mkdirSync(`${d}/sticky-dir`);
    Deno.chmodSync(`${d}/sticky-dir`, 0o1777);
  });
  tree("links", (d) => {
    write(`${d}/target`, "t");
    Deno.symlinkSync("target", `${d}/rel`);
    Deno.symlinkSync("/usr/bin/env", `${d}/abs`);
    Deno.symlinkSync("dangling/nowhere", `${d}/dangling`);
    Deno.symlinkSync("x".repeat(300), `${d}/long-target`);
    Deno.linkSync(`${d}/target`, `${d}/hardlink`);
    Deno.mkdirSync(`${d}/dir`);
    Deno.symlinkSync("../dir", `${d}/dir/up`);
    // Hashed once for all its names (checksum.ts): a third name in another directory,
    // and an executable file linked across directories.
    Deno.linkSync(`${d}/target`, `${d}/dir/hardlink-elsewhere`);
    write(`${d}/tool`, "#!/bin/sh\necho tool\n", 0o755);
    Deno.linkSync(`${d}/tool`, `${d}/dir/tool-alias`);
  });
  tree("names", (d) => {
    for (const name of ["é", "日本語", "emoji-🙂", "a b", "-dash", "Z", "a", "\uE000", "😀z"]) {
      write(`${d}/${name}`, name);
    }
    Deno.mkdirSync(`${d}/empty-dir/nested-empty`, { recursive: true });
    write(`${d}/.hidden`, "h");
  });
  tree("large", (d) => {
    const big = new Uint8Array(3 * 1024 * 1024 + 17);
    for (let i = 0; i < big.length; i += 65536) crypto.getRandomValues(big.subarray(i, i + 65536));
    write(`${d}/big.bin`, big);
    write(`${d}/exactly-1MiB`, new Uint8Array(1 << 20).fill(7));
  });
  tree("wide", (d) => {
    // Over 64 KiB of dirtree (long names keep the file count low): its framing
    // offsets are 4 bytes wide. Over 255 bytes per entry too, so 2-byte offsets inside.
    for (let i = 0; i < 300; i++) write(`${d}/${String(i).padStart(240, "n")}`, `${i % 7}`);
    for (let i = 0; i < 40; i++) Deno.mkdirSync(`${d}/${String(i).padStart(250, "d")}`);
  });
  tree("deep", (d) => {
    let path = d;
    for (let i = 0; i < 30; i++) path += `/l${i}`;
    write(`${path}/leaf`, "deep");
  });
  return trees;
}

Deno.test({
  name: "hashDirectory equals ostree's ContentChecksum on many trees",
  ignore,
  async fn() {
    const root = await tempDir("corpus");
    try {
      // fsync off: this test is about checksums, and the corpus has thousands of files.
      const store = await Store.open(`${root}/repo`, { create: true, fsync: false });
      for (const dir of makeCorpus(`${root}/trees`)) {
        const commit = await ostreeCommit(store.path, dir);
        const expected = await ostreeContentChecksum(store.path, commit);
        assert.equal(await store.hashDirectory(dir), expected, `hash of ${dir}`);
        // The same on several threads, however few files there are.
        const parallel = await hashTree(dir, false, { threads: 3, minWorkPerThread: 0 });
        assert.equal(parallel.contentChecksum, expected, `hash of ${dir} on three threads`);
        assert.equal(await store.contentChecksum(commit), expected, `content checksum of ${dir}`);
        // A checkout of the commit hashes to the same value.
        const out = `${root}/checkout-${dir.slice(dir.lastIndexOf("/") + 1)}`;
        await store.checkout(commit, out);
        assert.equal(await store.hashDirectory(out), expected, `hash of checkout of ${dir}`);
      }
      assert.equal((await store.fsck()).ok, true);
    } finally {
      await Deno.remove(root, { recursive: true });
    }
  },
});

Deno.test({
  name: "commit records refs, metadata, subject and timestamp as ostree sees them",
  ignore,
  async fn() {
    const root = await tempDir("commit");
    try {
      const store = await Store.open(`${root}/repo`, { create: true });
      write(`${root}/out/usr/bin/hello`, "#!/bin/sh\necho hi\n", 0o755);
      const refs = packageRefs({ arch: "x86_64", slug: "hello", version: "1.0", flavor: "a/b" });
      const long = "m".repeat(70_000); // Pushes the commit object past 64 KiB.
      const metadata = { "2nex.input-key": "k".repeat(64), "2nex.manifest": "x=y z", long };
      const result = await store.commit(`${root}/out`, {
        ref: refs.tree,
        subject: "hello 1.0",
        body: "built by a test",
        metadata,
        timestamp: EPOCH,
      });
      assert.equal(result.contentChecksum, await ostreeContentChecksum(store.path, refs.tree));
      assert.equal(await store.resolveRef(refs.tree), result.commit);
      const { stdout: refList } = await run(["ostree", "refs", `--repo=${store.path}`]);
      assert.equal(refList.trim(), refs.tree);
      const { stdout: shown } = await run(["ostree", "show", `--repo=${store.path}`, refs.tree]);
      assert.match(shown, /Date:\s+2024-01-01 00:00:00 \+0000/);
      assert.match(shown, /hello 1\.0/);
      const { stdout: key } = await run([
        "ostree",
        "show",
        `--repo=${store.path}`,
        "--print-metadata-key=2nex.manifest",
        result.commit,
      ]);
      assert.equal(key.trim(), "'x=y z'");
      const read = await store.readCommit(result.commit);
      assert.deepEqual(read.metadata, metadata);
      assert.equal(read.timestamp, EPOCH);
      assert.equal(read.subject, "hello 1.0");
      assert.equal(read.body, "built by a test");
      // The same tree and options give the same commit: builds are reproducible to the commit.
      const again = await store.commit(`${root}/out`, {
        subject: "hello 1.0",
        body: "built by a test",
        metadata,
        timestamp: EPOCH,
      });
      assert.equal(again.commit, result.commit);
      // --consume moves the files in and leaves no directory behind; same result.
      const consumed = await store.commit(`${root}/out`, {
        subject: "hello 1.0",
        body: "built by a test",
        metadata,
        timestamp: EPOCH,
        consume: true,
      });
      assert.equal(consumed.commit, result.commit);
      await assert.rejects(() => Deno.stat(`${root}/out/usr/bin/hello`), Deno.errors.NotFound);
      assert.equal((await store.fsck()).ok, true);
    } finally {
      await Deno.remove(root, { recursive: true });
    }
  },
});

Deno.test({
  name: "output and bundle commits equal ostree's commits of the same trees",
  ignore,
  async fn() {
    const root = await tempDir("split");
    try {
      const store = await Store.open(`${root}/repo`, { create: true });
      const out = `${root}/out`;
      write(`${out}/usr/bin/m4`, "m4", 0o755);
      write(`${out}/usr/lib/libm4.so.1`, "lib", 0o755);
      Deno.symlinkSync("libm4.so.1", `${out}/usr/lib/libm4.so`);
      write(`${out}/usr/include/m4.h`, "h");
      write(`${out}/usr/share/info/dir`, "index");
      write(`${out}/usr/share/man/man1/m4.1`, "man");
      Deno.mkdirSync(`${out}/var/lib/m4`, { recursive: true });
      Deno.chmodSync(`${out}/usr/share`, 0o750);
      Deno.chmodSync(out, 0o755);
      const outputs = {
        bin: ["/usr/bin/*"],
        lib: ["/usr/lib/*.so.*", "/var/lib/m4"],
        dev: ["/usr/include/**", "/usr/lib/*.so"],
        doc: ["/usr/share"],
        discard: ["/usr/share/info/dir"],
      };
      const plan = await planOutputs(out, outputs);
      assert.deepEqual(plan.unlisted, []);
      await removeDiscarded(out, plan);
      const meta = { subject: "m4", metadata: {}, timestamp: EPOCH };
      const tree = await store.commit(out, meta);
      assert.equal(tree.contentChecksum, await store.hashDirectory(out));

      // Each output: native commitPaths vs ostree's commit of the materialized directory.
      const made = materializeOutputs(out, plan, `${root}/outputs`);
      const outputCommits: Record<string, string> = {};
      for (const [name, leaves] of Object.entries(plan.byOutput)) {
        const native = await store.commitPaths(tree.commit, leaves, meta);
        const reference = await ostreeCommit(store.path, made[name]);
        assert.equal(
          native.contentChecksum,
          await ostreeContentChecksum(store.path, reference),
          `output ${name}`,
        );
        assert.equal(native.contentChecksum, await store.hashDirectory(made[name]));
        outputCommits[name] = native.commit;
      }

      // A bundle: native union vs `ostree commit --tree=ref=A --tree=ref=B`.
      const parts = [outputCommits.lib, outputCommits.dev, outputCommits.bin];
      const bundle = await store.commitUnion(parts, meta);
      const { stdout } = await run([
        "ostree",
        "commit",
        `--repo=${store.path}`,
        "--orphan",
        "-s",
        "bundle",
        ...parts.map((commit) => `--tree=ref=${commit}`),
      ]);
      assert.equal(bundle.contentChecksum, await ostreeContentChecksum(store.path, stdout.trim()));
      // The union of every output is the whole tree.
      const all = await store.commitUnion(Object.values(outputCommits), meta);
      assert.equal(all.contentChecksum, tree.contentChecksum);

      // Refs for the whole build in one call; the input-key ref is written last.
      const refs = packageRefs({ arch: "x86_64", slug: "m4", version: "1.4.19", flavor: "main" });
      const key = "a".repeat(64);
      await store.setRefs({
        [inputKeyRef(key)]: tree.commit,
        [refs.tree]: tree.commit,
        ...Object.fromEntries(Object.entries(outputCommits).map(([n, c]) => [refs.output(n), c])),
        [refs.bundle("dev")]: bundle.commit,
      });
      const listed = await store.listRefs("x86_64/m4/");
      assert.equal(Object.keys(listed).length, 1 + 4 + 1);
      assert.equal(listed[refs.bundle("dev")], bundle.commit);
      assert.deepEqual(await store.listRefs("2nex/inputs/"), { [inputKeyRef(key)]: tree.commit });
      const { stdout: ostreeRefs } = await run(["ostree", "refs", `--repo=${store.path}`]);
      assert.deepEqual(
        ostreeRefs.trim().split("\n").sort(),
        Object.keys(await store.listRefs()).sort(),
      );
      // A hardlinked checkout of the bundle and another output: one union, one checkout.
      const sysroot = `${root}/sysroot`;
      const both = await store.commitUnion([bundle.commit, outputCommits.doc], meta);
      await store.checkout(both.commit, sysroot, { hardlink: true });
      assert.equal((await Deno.stat(`${sysroot}/usr/share`)).mode! & 0o777, 0o750);
      await Deno.stat(`${sysroot}/usr/share/man/man1/m4.1`);

      await store.deleteRef(refs.output("doc"));
      assert.equal(await store.resolveRef(refs.output("doc")), undefined);
      assert.equal(await store.resolveRef("x86_64/m4"), undefined, "a prefix is not a ref");
      assert.equal(await store.resolveRef("../../config"), undefined, "no escape from refs/");
      const fsck = await store.fsck();
      assert.equal(fsck.ok, true, fsck.output);
      // The orphan reference commits are unreachable: gc prunes them, refs survive.
      const pruned = await store.gc();
      assert.ok(pruned.deletedObjects > 0, JSON.stringify(pruned));
      assert.ok(pruned.totalObjects! > pruned.deletedObjects, JSON.stringify(pruned));
      assert.equal(await store.resolveRef(refs.bundle("dev")), bundle.commit);
      assert.equal(await store.contentChecksum(bundle.commit), bundle.contentChecksum);
      assert.equal((await store.fsck()).ok, true);
    } finally {
      await Deno.remove(root, { recursive: true });
    }
  },
});

Deno.test({
  name: "setRefs refuses a missing commit and bad ref names",
  ignore,
  async fn() {
    const root = await tempDir("refs");
    try {
      const store = await Store.open(`${root}/repo`, { create: true });
      await assert.rejects(() => store.setRefs({ "a/b": "0".repeat(64) }), /no such commit/);
      write(`${root}/d/f`, "f");
      const { commit } = await store.commit(`${root}/d`, {
        subject: "s",
        metadata: {},
        timestamp: 0,
      });
      for (const bad of ["a//b", "a/../b", "/a", "a b", "ä"]) {
        await assert.rejects(() => store.setRefs({ [bad]: commit }), Error, bad);
      }
      assert.deepEqual(await store.listRefs(), {});
      await assert.rejects(() => Store.open(`${root}/nothing`), /no 2nex repository/);
    } finally {
      await Deno.remove(root, { recursive: true });
    }
  },
});

/** Pids of `pid` and all its descendants, from /proc. */
async function processTree(pid: number): Promise<number[]> {
  const pids = [pid];
  for (let i = 0; i < pids.length; i++) {
    try {
      for await (const task of Deno.readDir(`/proc/${pids[i]}/task`)) {
        const text = await Deno.readTextFile(`/proc/${pids[i]}/task/${task.name}/children`);
        pids.push(...text.trim().split(/\s+/).filter(Boolean).map(Number));
      }
    } catch {
      // Exited meanwhile.
    }
  }
  return pids;
}

const KILL_SCRIPT = `
import { Store } from ${JSON.stringify(new URL("../../lib/store/mod.ts", import.meta.url).href)};
const [repo, dir] = Deno.args;
const store = await Store.open(repo);
for (let i = 0; ; i++) {
  const meta = { subject: "s" + i, metadata: { i: String(i) }, timestamp: ${EPOCH} + i };
  const tree = await store.commit(dir, meta);
  const part = await store.commitPaths(tree.commit, ["a"], meta);
  const bundle = await store.commitUnion([part.commit, tree.commit], meta);
  await store.setRefs({ ["x/t/" + (i % 5)]: tree.commit, ["x/b/" + (i % 5)]: bundle.commit });
}
`;

Deno.test({
  name: "SIGKILL during commits leaves ostree fsck clean and the next commit works",
  ignore,
  async fn() {
    const root = await tempDir("kill");
    try {
      const store = await Store.open(`${root}/repo`, { create: true });
      const dir = `${root}/tree`;
      // Enough content that a commit takes a while, so kills land inside it.
      const chunk = new Uint8Array(256 * 1024);
      for (let i = 0; i < 40; i++) {
        crypto.getRandomValues(chunk.subarray(0, 65536));
        write(`${dir}/${i % 2 ? "a" : "b"}/f${i}`, chunk);
      }
      const script = `${root}/killme.ts`;
      await Deno.writeTextFile(script, KILL_SCRIPT);
      for (const delayMs of [150, 400, 700, 1000, 1300]) {
        // The tree changes between rounds so every round writes new objects.
        write(`${dir}/a/changing`, `round ${delayMs}`);
        const child = new Deno.Command(Deno.execPath(), {
          args: ["run", "--allow-all", script, store.path, dir],
          stdout: "null",
          stderr: "piped",
        }).spawn();
        await new Promise((resolve) => setTimeout(resolve, delayMs));
        const pids = await processTree(child.pid);
        for (const pid of pids.reverse()) {
          try {
            Deno.kill(pid, "SIGKILL");
          } catch {
            // Already gone.
          }
        }
        const status = await child.status;
        await child.stderr.cancel();
        assert.equal(status.signal, "SIGKILL", `round ${delayMs}: the writer was killed`);
        const fsck = await store.fsck();
        assert.equal(fsck.ok, true, `fsck after kill at ${delayMs} ms:\n${fsck.output}`);
      }
      // The repository still takes commits, and refs written before the kills are valid.
      const after = await store.commit(dir, { subject: "after", metadata: {}, timestamp: EPOCH });
      assert.equal(after.contentChecksum, await store.hashDirectory(dir));
      for (const commit of Object.values(await store.listRefs())) {
        assert.equal(await store.hasCommit(commit), true);
      }
      // Leftovers of killed writers are removed by gc once stale (an hour untouched).
      const tmp = `${store.path}/tmp`;
      write(`${tmp}/staging-00000000-0000-0000-0000-000000000000-AbCdEf/x.file`, "x");
      write(`${tmp}/staging-00000000-0000-0000-0000-000000000000-AbCdEf-lock`, "");
      write(`${tmp}/2nex-tmp-1-1-abc`, "partial object");
      write(`${tmp}/2nex-tmp-2-1-fresh`, "a write in progress");
      const old = new Date(Date.now() - 2 * 60 * 60 * 1000);
      for await (const entry of Deno.readDir(tmp)) {
        if (!entry.name.endsWith("fresh")) await Deno.utime(`${tmp}/${entry.name}`, old, old);
      }
      assert.ok((await store.gc()).staleTemporaries >= 3);
      const left = await Array.fromAsync(Deno.readDir(tmp), (e) => e.name);
      assert.deepEqual(
        left.filter((n) => n.startsWith("2nex-tmp-") || n.startsWith("staging-")),
        ["2nex-tmp-2-1-fresh"],
      );
      assert.equal((await store.fsck()).ok, true);
    } finally {
      await Deno.remove(root, { recursive: true });
    }
  },
});

Deno.test({
  name: "Store.open creates the repository atomically and only once",
  ignore,
  async fn() {
    const root = await tempDir("open");
    try {
      const stores = await Promise.all(
        [1, 2, 3].map(() => Store.open(`${root}/nested/repo`, { create: true })),
      );
      assert.equal(stores.length, 3);
      const config = await Deno.readTextFile(`${root}/nested/repo/config`);
      assert.match(config, /mode=bare-user-only/);
      const siblings = await Array.fromAsync(Deno.readDir(`${root}/nested`));
      assert.deepEqual(siblings.map((e) => e.name), ["repo"], "no half-made temp dirs left");
    } finally {
      await Deno.remove(root, { recursive: true });
    }
  },
});

// Pure parts of the store (no ostree); here because this file is the store's test.

Deno.test("packageRefs and parsePackageRef round-trip, flavors with slashes included", () => {
  for (const flavor of ["main", "bootstrap/phase1", "a/b/c", "tree", "x/tree"]) {
    const id = { arch: "x86_64", slug: "m4", version: "1.4.19", flavor };
    const refs = packageRefs(id);
    assert.equal(refs.tree, `x86_64/m4/1.4.19/${flavor}/tree`);
    assert.deepEqual(parsePackageRef(refs.tree), { ...id, kind: "tree" });
    assert.deepEqual(parsePackageRef(refs.output("bin")), { ...id, kind: "outputs", name: "bin" });
    assert.deepEqual(parsePackageRef(refs.bundle("dev")), { ...id, kind: "bundles", name: "dev" });
  }
  assert.equal(inputKeyRef("ab12"), "2nex/inputs/ab12");
  assert.equal(parsePackageRef("2nex/inputs/ab12"), undefined);
  assert.equal(parsePackageRef("x86_64/m4/1.0/tree"), undefined, "no flavor");
  assert.equal(parsePackageRef("x86_64/m4/1.0/main/other/x"), undefined);
  assert.equal(parsePackageRef("x86_64/m4/1.0/main/outputs"), undefined);
});

Deno.test("ref names follow ostree's rules and never leave refs/heads", () => {
  for (const good of ["a", "a/b", "x86_64/m4/1.4.19/main/tree", "A_b-c.d", "-x"]) {
    assert.equal(refProblem(good), undefined, good);
  }
  for (const bad of ["", "a/", "/a", "a//b", "a/../b", ".", "a b", "g++", "1:2", "é"]) {
    assert.notEqual(refProblem(bad), undefined, bad);
  }
  const base = { arch: "x86_64", version: "1", flavor: "main" };
  assert.throws(() => packageRefs({ ...base, slug: "libstdc++" }), InvalidInputError);
  assert.throws(() => packageRefs({ ...base, slug: "m4", version: "1:2" }), InvalidInputError);
  assert.throws(() => packageRefs({ ...base, slug: "m4", flavor: "x/outputs" }), InvalidInputError);
  assert.throws(() => packageRefs({ ...base, slug: "m/4" }), InvalidInputError);
  assert.throws(() => packageRefs({ ...base, slug: "m4" }).output("a/b"), InvalidInputError);
});

Deno.test("GVariant encoding round-trips and matches known bytes", () => {
  // A dirmeta of a 0755 directory, as ostree writes it (uid, gid, mode big-endian).
  const meta = encodeVariant("(uuua(ayay))", [0, 0, 0xed410000, []]);
  assert.deepEqual([...meta], [0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x41, 0xed]);
  const commitLike: GValue = [
    [["k", { type: "s", value: "v" }], ["n", { type: "s", value: "x".repeat(300) }]],
    new Uint8Array(0),
    [],
    "subject",
    "",
    123456789n,
    new Uint8Array(32).fill(1),
    new Uint8Array(32).fill(2),
  ];
  const type = "(a{sv}aya(say)sstayay)";
  assert.deepEqual(decodeVariant(type, encodeVariant(type, commitLike)), commitLike);
  const wide: GValue = [
    Array.from(
      { length: 2000 },
      (_, i): GValue => [`name-${i}`, new Uint8Array(32).fill(i & 0xff)],
    ),
    [],
  ];
  assert.deepEqual(
    decodeVariant("(a(say)a(sayay))", encodeVariant("(a(say)a(sayay))", wide)),
    wide,
  );
});

Deno.test({
  name:
    "collisions: different files and file/directory clashes, in path order; equal files are none",
  ignore,
  async fn() {
    const root = await tempDir("collisions");
    try {
      const store = await Store.open(`${root}/repo`, { create: true });
      const meta = { subject: "s", metadata: {}, timestamp: 0 };
      const trees: Record<string, Record<string, string>> = {
        a: { "usr/bin/tool": "a", "usr/lib/same": "s", "etc/conf": "a", "opt/x": "file" },
        b: { "usr/bin/tool": "b", "usr/lib/same": "s", "usr/lib/b-only": "b", "opt/x/y": "dir" },
        c: { "etc/conf": "c", "usr/lib/same": "s" },
      };
      const commits: string[] = [];
      for (const [name, files] of Object.entries(trees)) {
        for (const [path, content] of Object.entries(files)) {
          write(`${root}/${name}/${path}`, content);
        }
        commits.push((await store.commit(`${root}/${name}`, meta)).commit);
      }
      assert.deepEqual(await store.collisions(commits), [
        { path: "/etc/conf", trees: [0, 2] },
        { path: "/opt/x", trees: [0, 1] },
        { path: "/usr/bin/tool", trees: [0, 1] },
      ]);
      assert.deepEqual(await store.collisions([commits[0], commits[0]]), []);
      assert.deepEqual(await store.collisions(commits, 1), [{ path: "/etc/conf", trees: [0, 2] }]);
    } finally {
      await Deno.remove(root, { recursive: true });
    }
  },
});

Deno.test({
  name:
    "commitUnion: a symlink or file in one tree where another has a directory is a TreeClashError naming both",
  ignore,
  async fn() {
    const root = await tempDir("clash");
    try {
      const store = await Store.open(`${root}/repo`, { create: true });
      const meta = { subject: "s", metadata: {}, timestamp: 0 };
      const commitOf = async (name: string, make: (dir: string) => void) => {
        Deno.mkdirSync(`${root}/${name}/opt`, { recursive: true });
        make(`${root}/${name}`);
        return (await store.commit(`${root}/${name}`, meta)).commit;
      };
      const link = await commitOf("link", (dir) => Deno.symlinkSync(root, `${dir}/opt/evil`));
      const file = await commitOf("file", (dir) => write(`${dir}/opt/evil`, "f"));
      const directory = await commitOf("dir", (dir) => write(`${dir}/opt/evil/new`, "d"));
      const other = await commitOf("other", (dir) => write(`${dir}/opt/other`, "o"));

      for (
        const [commits, fileTree, dirTree] of [
          [[link, other, directory], 0, 2],
          [[directory, other, link], 2, 0],
          [[file, directory], 0, 1],
        ] as const
      ) {
        const error = await store.commitUnion([...commits], meta).then(
          () => assert.fail("the union of a clash succeeded"),
          (error) => error,
        );
        assert.ok(error instanceof TreeClashError, String(error));
        assert.equal(error.path, "/opt/evil");
        assert.equal(error.fileTree, fileTree);
        assert.equal(error.dirTree, dirTree);
      }
      // What each tree has at a path, read from the repository without following the symlink.
      assert.equal(await store.entryType(link, "/opt/evil"), "symlink");
      assert.equal(await store.entryType(link, "/opt/evil/new"), undefined);
      assert.equal(await store.entryType(file, "/opt/evil"), "file");
      assert.equal(await store.entryType(directory, "/opt/evil"), "directory");
      assert.equal(await store.entryType(directory, "/opt/evil/new"), "file");
      assert.equal(await store.entryType(directory, "/"), "directory");
      assert.equal(await store.entryType(other, "/opt/evil"), undefined);
      // Trees that agree still combine.
      const union = await store.commitUnion([link, other], meta);
      assert.equal(await store.entryType(union.commit, "/opt/evil"), "symlink");
      assert.equal(await store.entryType(union.commit, "/opt/other"), "file");
    } finally {
      await Deno.remove(root, { recursive: true });
    }
  },
});
