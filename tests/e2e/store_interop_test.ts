/**
 * The native ostree writer and reader against stock ostree, both ways (issue
 * 19): what 2nex commits passes `ostree fsck`, and `ostree show`, `checkout`
 * and `pull-local` read it back as the source tree; what `ostree commit`
 * writes, 2nex checks out exactly as `ostree checkout -U` does. And a build
 * of a small chain succeeds with no `ostree` program on PATH.
 */
import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { join } from "node:path";
import { Store } from "../../lib/store/mod.ts";
import { removeTree } from "../../lib/util/fs.ts";
import {
  buildSummary,
  contentChecksum,
  e2eTest,
  ostree,
  packageYaml,
  statuses,
  TestWorkspace,
} from "../helpers/e2e.ts";

const EPOCH = 1704067200;

function write(path: string, data: string | Uint8Array, mode = 0o644): void {
  Deno.mkdirSync(path.slice(0, path.lastIndexOf("/")), { recursive: true });
  if (typeof data === "string") Deno.writeTextFileSync(path, data);
  else Deno.writeFileSync(path, data);
  Deno.chmodSync(path, mode);
}

/**
 * A tree with every kind of entry a build leaves: symlinks (relative,
 * absolute, dangling, to a directory), empty and large files, executable and
 * private modes, empty and nested directories, a read-only directory, a file
 * hardlinked twice and two files with equal content.
 */
function makeTree(dir: string, modes: "any" | "user-only"): void {
  Deno.mkdirSync(dir, { recursive: true, mode: 0o755 });
  Deno.chmodSync(dir, 0o755);
  write(`${dir}/usr/bin/tool`, "#!/bin/sh\necho tool\n", 0o755);
  write(`${dir}/usr/lib/empty`, "");
  write(`${dir}/usr/lib/same-a`, "same");
  write(`${dir}/usr/lib/same-b`, "same");
  write(`${dir}/usr/share/group-write`, "g", 0o664);
  write(`${dir}/usr/share/readonly`, "r", 0o444);
  const big = new Uint8Array(2 * 1024 * 1024 + 3);
  for (let i = 0; i < big.length; i += 65536) crypto.getRandomValues(big.subarray(i, i + 65536));
  write(`${dir}/usr/share/big.bin`, big);
  Deno.linkSync(`${dir}/usr/bin/tool`, `${dir}/usr/bin/tool-link`);
  Deno.symlinkSync("tool", `${dir}/usr/bin/alias`);
  Deno.symlinkSync("/usr/bin/env", `${dir}/usr/bin/absolute`);
  Deno.symlinkSync("../nowhere/at/all", `${dir}/usr/bin/dangling`);
  Deno.symlinkSync("../lib", `${dir}/usr/bin/libdir`);
  Deno.mkdirSync(`${dir}/var/empty/nested`, { recursive: true });
  write(`${dir}/usr/names/日本語 é`, "utf-8 name");
  write(`${dir}/ro/inside`, "in a read-only directory");
  Deno.chmodSync(`${dir}/ro`, 0o555);
  if (modes === "any") {
    // Modes ostree drops on commit with --canonical-permissions.
    write(`${dir}/usr/bin/setuid`, "s", 0o4755);
    write(`${dir}/usr/share/private`, "p", 0o600);
    Deno.mkdirSync(`${dir}/tmp`);
    Deno.chmodSync(`${dir}/tmp`, 0o1777);
  }
}

/** One line per entry under `dir`: path, type, permission bits, and content or target. */
function describeTree(dir: string, modeMask = 0o7777): string[] {
  const lines: string[] = [];
  const walk = (path: string, relative: string) => {
    const entries = [...Deno.readDirSync(path)].map((e) => e.name).sort();
    for (const name of entries) {
      const child = `${path}/${name}`;
      const rel = `${relative}/${name}`;
      const info = Deno.lstatSync(child);
      const mode = ((info.mode ?? 0) & modeMask).toString(8);
      if (info.isSymlink) {
        lines.push(`${rel} symlink -> ${Deno.readLinkSync(child)}`);
      } else if (info.isDirectory) {
        lines.push(`${rel} dir ${mode}`);
        walk(child, rel);
      } else {
        const digest = createHash("sha256").update(Deno.readFileSync(child)).digest("hex");
        lines.push(`${rel} file ${mode} ${digest}`);
      }
    }
  };
  walk(dir, "");
  return lines;
}

/** The modes `--canonical-permissions` keeps: the 0755 bits of files and directories. */
const CANONICAL = 0o755;

await e2eTest(
  "interop: what 2nex commits passes ostree fsck, show, checkout and pull-local unchanged",
  ["ostree"],
  async () => {
    const root = await Deno.makeTempDir({ prefix: "2nex-interop-write-" });
    try {
      const source = `${root}/source`;
      makeTree(source, "any");
      const expected = describeTree(source, CANONICAL);
      const store = await Store.open(`${root}/repo`, { create: true });
      const ref = "test/tree";
      // The commit consumes a copy, so the source stays for comparison.
      await runCp(source, `${root}/consumed`);
      const consumed = await store.commit(`${root}/consumed`, {
        ref,
        subject: "interop",
        metadata: { "2nex.test": "yes" },
        timestamp: EPOCH,
        consume: true,
      });
      const copied = await store.commit(source, { subject: "interop", metadata: {}, timestamp: 0 });
      assert.equal(copied.contentChecksum, consumed.contentChecksum, "copy and consume agree");
      assert.equal(consumed.contentChecksum, await store.hashDirectory(source));
      assert.deepEqual(describeTree(source, CANONICAL), expected, "a copying commit leaves dir");

      await ostree(["fsck", `--repo=${store.path}`]);
      assert.equal(await contentChecksum(store.path, ref), consumed.contentChecksum);
      const shown = await ostree(["show", `--repo=${store.path}`, ref]);
      assert.match(shown, /Date:\s+2024-01-01 00:00:00 \+0000/);
      assert.match(shown, /interop/);

      // Stock checkout, hardlinked (the default) and copied: the source tree again.
      await ostree(["checkout", `--repo=${store.path}`, "-U", ref, `${root}/stock-linked`]);
      await ostree(["checkout", `--repo=${store.path}`, "-U", "-C", ref, `${root}/stock-copy`]);
      assert.deepEqual(describeTree(`${root}/stock-linked`, CANONICAL), expected);
      assert.deepEqual(describeTree(`${root}/stock-copy`, CANONICAL), expected);
      // Objects have the canonical modes themselves, so the checkout's are exact.
      assert.deepEqual(describeTree(`${root}/stock-linked`), expected);

      // Another repository pulls it and finds every object sound.
      const mirror = `${root}/mirror`;
      await ostree(["init", `--repo=${mirror}`, "--mode=bare-user-only"]);
      await ostree(["pull-local", `--repo=${mirror}`, store.path, ref]);
      await ostree(["fsck", `--repo=${mirror}`]);
      assert.equal(await contentChecksum(mirror, ref), consumed.contentChecksum);
    } finally {
      await removeTree(root);
    }
  },
);

await e2eTest(
  "interop: 2nex checks out what ostree commits exactly as ostree checkout -U does",
  ["ostree"],
  async () => {
    const root = await Deno.makeTempDir({ prefix: "2nex-interop-read-" });
    try {
      const source = `${root}/source`;
      // bare-user-only refuses setuid and world-writable modes without --canonical-permissions.
      makeTree(source, "user-only");
      const store = await Store.open(`${root}/repo`, { create: true, fsync: false });
      const commit = (await ostree([
        "commit",
        `--repo=${store.path}`,
        "--orphan",
        "--no-xattrs",
        "--fsync=false",
        "-s",
        "stock",
        `--tree=dir=${source}`,
      ])).trim();
      await ostree(["checkout", `--repo=${store.path}`, "-U", commit, `${root}/stock`]);
      const stock = describeTree(`${root}/stock`);
      assert.deepEqual(describeTree(`${root}/stock`, CANONICAL), describeTree(source, CANONICAL));

      for (const hardlink of [undefined, true, false]) {
        const dest = `${root}/native-${hardlink}`;
        await store.checkout(commit, dest, { hardlink });
        assert.deepEqual(describeTree(dest), stock, `checkout with hardlink ${hardlink}`);
        const file = Deno.statSync(`${dest}/usr/bin/tool`);
        const object = Deno.statSync(`${root}/stock/usr/bin/tool`);
        if (hardlink === false) {
          assert.notEqual(file.ino, object.ino, "a copy is not the object");
        } else {
          assert.equal(file.ino, object.ino, "both checkouts link the same object");
          // Constant mtimes, as ostree gives hardlinked checkouts.
          assert.equal(file.mtime?.getTime(), 0);
          assert.equal(Deno.statSync(`${dest}/var/empty`).mtime?.getTime(), 0);
        }
      }
      assert.equal(
        await store.hashDirectory(`${root}/native-false`),
        await store.contentChecksum(commit),
      );
      // A destination that exists is refused, as ostree refuses it.
      await assert.rejects(() => store.checkout(commit, `${root}/stock`));
    } finally {
      await removeTree(root);
    }
  },
);

await e2eTest(
  "interop: consuming a file hardlinked elsewhere copies it and leaves the other link alone",
  ["ostree"],
  async () => {
    const root = await Deno.makeTempDir({ prefix: "2nex-interop-links-" });
    try {
      const store = await Store.open(`${root}/repo`, { create: true });
      write(`${root}/outside`, "shared content", 0o600);
      write(`${root}/out/kept-alone`, "only here", 0o640);
      Deno.mkdirSync(`${root}/out/bin`);
      Deno.linkSync(`${root}/outside`, `${root}/out/bin/shared`);
      const result = await store.commit(`${root}/out`, {
        subject: "links",
        metadata: {},
        timestamp: EPOCH,
        consume: true,
      });
      const outside = Deno.statSync(`${root}/outside`);
      assert.equal((outside.mode ?? 0) & 0o7777, 0o600, "the other link keeps its mode");
      assert.notEqual(outside.mtime?.getTime(), 0, "and its mtime");
      assert.equal(Deno.readTextFileSync(`${root}/outside`), "shared content");
      await assert.rejects(() => Deno.stat(`${root}/out`), Deno.errors.NotFound);
      await ostree(["fsck", `--repo=${store.path}`]);
      await store.checkout(result.commit, `${root}/back`);
      assert.deepEqual(describeTree(`${root}/back`), [
        "/bin dir 755",
        `/bin/shared file 600 ${sha256("shared content")}`,
        `/kept-alone file 640 ${sha256("only here")}`,
      ], "committed with canonical modes");
    } finally {
      await removeTree(root);
    }
  },
);

function sha256(text: string): string {
  return createHash("sha256").update(text).digest("hex");
}

/** `cp -a`: a copy with modes, links and symlinks kept. */
async function runCp(from: string, to: string): Promise<void> {
  const { code, stderr } = await new Deno.Command("cp", { args: ["-a", from, to] }).output();
  assert.equal(code, 0, new TextDecoder().decode(stderr));
}

/**
 * A directory of symlinks to every program on PATH except `ostree`: a PATH on
 * which a build finds everything it needs but the ostree program.
 */
async function pathWithoutOstree(dir: string): Promise<string> {
  await Deno.mkdir(dir, { recursive: true });
  for (const bin of (Deno.env.get("PATH") ?? "/usr/bin:/bin").split(":")) {
    let entries: Deno.DirEntry[];
    try {
      entries = await Array.fromAsync(Deno.readDir(bin));
    } catch {
      continue; // A PATH entry that does not exist.
    }
    for (const { name } of entries) {
      if (name === "ostree") continue;
      try {
        await Deno.symlink(join(bin, name), join(dir, name));
      } catch (error) {
        if (!(error instanceof Deno.errors.AlreadyExists)) throw error; // Earlier PATH wins.
      }
    }
  }
  return dir;
}

await e2eTest(
  "build: a chain builds, rebuilds and checks out with no ostree program on PATH",
  ["ostree", "bwrap"],
  async () => {
    await using ws = await TestWorkspace.create();
    await ws.write(
      "manifests/base.yaml",
      packageYaml({
        slug: "base",
        script: `mkdir -p "$OUT_DIR/opt/base/bin" "$OUT_DIR/opt/base/empty"
printf '#!/bin/sh\\necho base\\n' > "$OUT_DIR/opt/base/bin/base"
chmod 755 "$OUT_DIR/opt/base/bin/base"
ln -s base "$OUT_DIR/opt/base/bin/base-alias"`,
      }),
    );
    await ws.write(
      "manifests/top.yaml",
      packageYaml({
        slug: "top",
        deps: ["base"],
        script: `mkdir -p "$OUT_DIR/opt/top"
ls -l /opt/base/bin > "$OUT_DIR/opt/top/seen"
ls /opt/base >> "$OUT_DIR/opt/top/seen"
/opt/base/bin/base-alias >> "$OUT_DIR/opt/top/seen"`,
      }),
    );
    const bin = await pathWithoutOstree(ws.path("bin-without-ostree"));
    const env = { PATH: bin };
    const missing = await new Deno.Command("sh", { args: ["-c", "command -v ostree"], env })
      .output();
    assert.notEqual(missing.code, 0, "ostree is not on the test's PATH");

    const build = await ws.run(["build", "top", "--json"], { env });
    assert.equal(build.code, 0, build.stdout + build.stderr);
    assert.deepEqual(statuses(buildSummary(build)), { base: "built", top: "built" });
    const rebuild = await ws.run(["build", "top", "--rebuild", "--json"], { env });
    assert.equal(rebuild.code, 0, rebuild.stderr);
    const checkout = await ws.run(["checkout", "top", ws.path("out")], { env });
    assert.equal(checkout.code, 0, checkout.stderr);
    const seen = await ws.read("out/opt/top/seen");
    assert.match(
      seen,
      /base-alias -> base/,
      `the dependency's symlink reached the build:\n${seen}`,
    );
    assert.match(seen, /^empty$/m, "and its empty directory");
    assert.match(seen, /^base$/m, "and its executable ran");
    await ws.assertFsckClean();
  },
);
