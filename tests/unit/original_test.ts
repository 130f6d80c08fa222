/**
 * The original builder's semantics (`semantics: original`): its checksum
 * against an independent shell pipeline, its environments, modes, writable
 * root and layout, and the 2nex.yaml switch. No namespaces.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { originalChecksum } from "../../lib/original/checksum.ts";
import { fillInputsDir, prepareOriginalRoot } from "../../lib/original/root.ts";
import {
  ORIGINAL_SHELL_OPTIONS,
  originalEnvironment,
  originalMode,
} from "../../lib/original/semantics.ts";
import { sandboxLayout } from "../../lib/sandbox/layout.ts";
import { bwrapArgv } from "../../lib/sandbox/bwrap.ts";
import { DiagnosticBag } from "../../lib/manifest/diagnostics.ts";
import { parseConfig } from "../../lib/workspace/config.ts";
import { computeInputKey } from "../../lib/graph/inputkey.ts";
import { loadManifestText } from "../../lib/manifest/load.ts";
import { twonex } from "../helpers/cli.ts";

/** The checksum as a shell pipeline computes it: find, byte-order sort, sha256sum. */
async function shellChecksum(dir: string): Promise<string> {
  const script = `cd "$1" && find . -type f -printf '%P\\0' | LC_ALL=C sort -z |
    while IFS= read -r -d '' path; do printf '%s\\0' "$path"; cat -- "$path"; printf '\\0'; done |
    sha256sum`;
  const output = await new Deno.Command("bash", { args: ["-c", script, "bash", dir] }).output();
  assert.equal(output.code, 0, new TextDecoder().decode(output.stderr));
  return new TextDecoder().decode(output.stdout).split(" ")[0];
}

async function sampleTree(): Promise<string> {
  const dir = await Deno.makeTempDir({ prefix: "2nex-original-" });
  await Deno.mkdir(join(dir, "usr/bin"), { recursive: true });
  await Deno.mkdir(join(dir, "empty"));
  await Deno.writeTextFile(join(dir, "usr/bin/tool"), "#!/bin/sh\n");
  await Deno.writeTextFile(join(dir, "usr/bin-x"), "sorts after usr/bin/ by bytes\n");
  await Deno.writeFile(join(dir, "zero"), new Uint8Array(0));
  await Deno.writeFile(join(dir, "binary"), new Uint8Array([0, 255, 0, 10]));
  // UTF-16 order puts U+1F600 (a surrogate pair) before U+FF61; code point order after.
  await Deno.writeTextFile(join(dir, "\u{1F600}"), "smile");
  await Deno.writeTextFile(join(dir, "\uFF61"), "halfwidth stop");
  await Deno.symlink("usr/bin/tool", join(dir, "link"));
  return dir;
}

Deno.test("original checksum: equals an independent find | sort | sha256sum pipeline", async () => {
  const dir = await sampleTree();
  try {
    const expected = await shellChecksum(dir);
    assert.equal(await originalChecksum(dir), expected);
    // Symlinks and directories do not count; a file's bytes and its name do.
    await Deno.symlink("zero", join(dir, "another-link"));
    await Deno.mkdir(join(dir, "another-empty"));
    assert.equal(await originalChecksum(dir), expected);
    await Deno.writeTextFile(join(dir, "zero"), "x");
    assert.notEqual(await originalChecksum(dir), expected);
    assert.equal(await originalChecksum(dir), await shellChecksum(dir));
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("2nex hash --algorithm original prints it; an unknown algorithm is exit 2", async () => {
  const dir = await sampleTree();
  try {
    const original = await twonex(["hash", "--algorithm", "original", dir]);
    assert.equal(original.code, 0, original.stderr);
    assert.equal(original.stdout.trim(), await shellChecksum(dir));
    const ostree = await twonex(["hash", dir]);
    assert.equal(ostree.code, 0, ostree.stderr);
    assert.notEqual(ostree.stdout.trim(), original.stdout.trim());
    const bad = await twonex(["hash", "--algorithm", "md5", dir]);
    assert.equal(bad.code, 2);
    assert.match(bad.stderr, /unknown hash algorithm "md5"/);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("original modes: phases 0 and 1 are bootstrap mode, the rest chroot mode", () => {
  assert.equal(originalMode("bootstrap/phase0"), "bootstrap");
  assert.equal(originalMode("bootstrap/phase1"), "bootstrap");
  assert.equal(originalMode("bootstrap/phase1/static"), "bootstrap");
  assert.equal(originalMode("bootstrap/phase10"), "chroot");
  assert.equal(originalMode("bootstrap/phase2"), "chroot");
  assert.equal(originalMode("bootstrap/phase3"), "chroot");
  assert.equal(originalMode("main"), "chroot");
});

Deno.test("original environment: the issue's variables, in order, then the extra ones", () => {
  const common = {
    sourceDateEpoch: 1704067200,
    jobs: 3,
    sources: [{ name: "inetutils-no-proc.patch", path: "/2nex/sources/a/inetutils-no-proc.patch" }],
    workDir: "/2nex/work",
    outDir: "/2nex/out",
  };
  const bootstrap = new Map(originalEnvironment({ ...common, mode: "bootstrap" }));
  assert.deepEqual([...bootstrap.keys()], [
    "HOME",
    "LC_ALL",
    "TZ",
    "LANG",
    "SOURCE_DATE_EPOCH",
    "GLIBC_TUNABLES",
    "MAKEFLAGS",
    "WORK_DIR",
    "OUT_DIR",
    "PATH",
    "TARGET",
    "BOOTSTRAP_SYSROOT",
    "BOOTSTRAP_TOOLS",
    "CFLAGS",
    "CXXFLAGS",
    "LDFLAGS",
    "SOURCE_inetutils-no-proc.patch",
    "SOURCE0",
  ]);
  assert.equal(bootstrap.get("HOME"), "/homeless/deterministic");
  assert.equal(bootstrap.get("GLIBC_TUNABLES"), "glibc.cpu.hwcaps=-RNDRAND");
  assert.equal(bootstrap.get("MAKEFLAGS"), "-j3");
  assert.equal(bootstrap.get("PATH"), "/bootstrap/tools/bin:/usr/bin");
  assert.equal(bootstrap.get("TARGET"), "x86_64-2nex-linux-gnu");
  assert.equal(bootstrap.get("BOOTSTRAP_TOOLS"), "/bootstrap/tools");
  assert.equal(bootstrap.get("CFLAGS"), "-march=x86-64 -mtune=generic -O2 -frandom-seed=424242");
  assert.equal(bootstrap.get("CXXFLAGS"), bootstrap.get("CFLAGS"));
  assert.equal(
    bootstrap.get("LDFLAGS"),
    "-L/bootstrap/usr/lib -Wl,-O1,--sort-common,--as-needed,-z,now",
  );

  const chroot = new Map(
    originalEnvironment({ ...common, mode: "chroot", extra: [["CFLAGS", "-O0"], ["FOO", "1"]] }),
  );
  assert.equal(chroot.get("PATH"), "/usr/sbin:/usr/bin:/sbin:/bin");
  assert.equal(chroot.get("TARGET"), "x86_64-pc-linux-gnu");
  assert.equal(chroot.get("RUSTC_BOOTSTRAP"), "1");
  assert.equal(chroot.get("CFLAGS"), "-O0", "the workspace and build env come last");
  assert.equal([...chroot.keys()].at(-1), "FOO");
  const chrootDefault = new Map(originalEnvironment({ ...common, mode: "chroot" }));
  assert.equal(
    chrootDefault.get("CFLAGS"),
    "-march=x86-64 -mtune=generic -O2 -pipe -fno-plt -fexceptions -Wp,-D_FORTIFY_SOURCE=2 " +
      "-Wformat -Werror=format-security -fstack-clash-protection -fcf-protection -fPIC " +
      "-fno-common -fno-omit-frame-pointer -frandom-seed=424242",
  );
  assert.equal(
    chrootDefault.get("CXXFLAGS"),
    chrootDefault.get("CFLAGS")!.replace(
      "-fcf-protection",
      "-fcf-protection -Wp,-D_GLIBCXX_ASSERTIONS",
    ),
  );
  assert.equal(chrootDefault.get("LDFLAGS"), "-Wl,-O1,--sort-common,--as-needed,-z,relro,-z,now");
  assert.equal(chrootDefault.get("LTOFLAGS"), "-flto=auto");
  assert.equal(
    chrootDefault.get("RUSTFLAGS"),
    "-C codegen-units=1 -C embed-bitcode=yes -C debuginfo=0 -C link-args=-fuse-ld=lld " +
      "-C target-feature=+crt-static -C link-args=-frandom-seed=424242",
  );
  assert.equal(chrootDefault.get("DEBUG_CFLAGS"), "-g");
  assert.equal(chrootDefault.get("DEBUG_CXXFLAGS"), "-g");
  assert.equal(chrootDefault.get("DEBUG_RUSTFLAGS"), "-C debuginfo=2");
  assert(!chrootDefault.has("BOOTSTRAP_SYSROOT") && !chrootDefault.has("TMPDIR"));
});

const request = {
  sourcesDir: "/b/sources",
  workDir: "/b/work",
  outDir: "/b/out",
  scriptPath: "/b/script",
  readOnlyMounts: [],
  writableMounts: [],
};

Deno.test("original layout: a writable root below everything, /inputs, a console, no read-only /", () => {
  const steps = sandboxLayout(
    {
      ...request,
      mode: "hermetic",
      rootDir: "/b/root",
      writableRoot: true,
      inputsDir: "/b/inputs",
      consoleDevice: true,
    },
    [{ name: "usr", type: "dir" }, { name: "bin", type: "symlink", target: "usr/bin" }],
  );
  assert.deepEqual(steps[0], { kind: "bind", source: "/b/root", path: "/" });
  assert(!steps.some((s) => s.kind === "ro-bind" && s.path === "/usr"), "no per-entry binds");
  assert(
    steps.some((s) => s.kind === "ro-bind" && s.path === "/inputs" && s.source === "/b/inputs"),
  );
  const console = steps.findIndex((s) => s.kind === "dev-bind" && s.path === "/dev/console");
  const devReadOnly = steps.findIndex((s) => s.kind === "remount-ro" && s.path === "/dev");
  assert(console > 0 && console < devReadOnly, "the console is bound before /dev turns read-only");
  assert(!steps.some((s) => s.kind === "remount-ro" && s.path === "/"));

  const host = sandboxLayout(
    { ...request, mode: "host", rootDir: "/b/root", writableRoot: true },
    [{ name: "usr", type: "dir" }, { name: "bin", type: "symlink", target: "usr/bin" }],
  );
  assert.deepEqual(host.slice(0, 3), [
    { kind: "bind", source: "/b/root", path: "/" },
    { kind: "ro-bind", source: "/usr", path: "/usr" },
    { kind: "symlink", target: "usr/bin", path: "/bin" },
  ]);
  const argv = bwrapArgv(host, {
    env: [],
    shell: "/bin/bash",
    hostname: "2nex-builder",
    shellOptions: ORIGINAL_SHELL_OPTIONS,
  }, "/b/pid");
  assert.equal(argv[argv.indexOf("--hostname") + 1], "2nex-builder");
  assert.deepEqual(argv.slice(argv.indexOf("--bind"), argv.indexOf("--bind") + 3), [
    "--bind",
    "/b/root",
    "/",
  ]);
  assert.deepEqual(argv.slice(argv.lastIndexOf("--") + 1, argv.lastIndexOf("--") + 6), [
    "/bin/bash",
    "-o",
    "errexit",
    "-o",
    "nounset",
  ]);
});

Deno.test("original root: merged-/usr links where missing, never through a symlink; reserved names go", async () => {
  const root = await Deno.makeTempDir({ prefix: "2nex-original-root-" });
  const outside = await Deno.makeTempDir({ prefix: "2nex-original-outside-" });
  try {
    await Deno.mkdir(join(root, "usr/lib"), { recursive: true });
    await Deno.mkdir(join(root, "sbin"));
    await Deno.mkdir(join(root, "2nex"));
    await Deno.symlink(outside, join(root, "tmp"));
    assert.deepEqual(await prepareOriginalRoot(root, "chroot"), []);
    const link = (path: string) => Deno.readLink(join(root, path));
    assert.equal(await link("bin"), "usr/bin");
    assert.equal(await link("lib"), "usr/lib");
    assert.equal(await link("lib64"), "usr/lib");
    assert.equal(await link("usr/lib64"), "lib");
    assert.equal(await link("usr/sbin"), "bin");
    assert((await Deno.lstat(join(root, "sbin"))).isDirectory, "an existing /sbin stays");
    for (const name of ["2nex", "tmp"]) {
      await assert.rejects(Deno.lstat(join(root, name)), Deno.errors.NotFound);
    }

    // A dependency's /usr that is a symlink out of the root: nothing is created through it.
    const other = await Deno.makeTempDir({ prefix: "2nex-original-root-" });
    await Deno.symlink(outside, join(other, "usr"));
    await prepareOriginalRoot(other, "chroot");
    assert.deepEqual([...Deno.readDirSync(outside)], []);
    await Deno.remove(other, { recursive: true });

    const boot = await Deno.makeTempDir({ prefix: "2nex-original-root-" });
    await Deno.mkdir(join(boot, "usr/bin"), { recursive: true });
    const warnings = await prepareOriginalRoot(boot, "bootstrap");
    assert.deepEqual(warnings, ["bootstrap mode: a dependency's /usr is hidden by the host's"]);
    assert((await Deno.lstat(join(boot, "bootstrap"))).isDirectory);
    await Deno.remove(boot, { recursive: true });
  } finally {
    await Deno.remove(root, { recursive: true });
    await Deno.remove(outside, { recursive: true });
  }
});

Deno.test("original /inputs: each source by file name, the first of a shared name wins", async () => {
  const dir = await Deno.makeTempDir({ prefix: "2nex-original-inputs-" });
  try {
    await Deno.writeTextFile(join(dir, "a"), "A");
    await Deno.writeTextFile(join(dir, "b"), "B");
    const warnings = await fillInputsDir(join(dir, "inputs"), [
      { name: "one", fileName: "x.patch", hostPath: join(dir, "a") },
      { name: "two", fileName: "x.patch", hostPath: join(dir, "b") },
      { name: "three", fileName: "..", hostPath: join(dir, "b") },
    ]);
    assert.equal(await Deno.readTextFile(join(dir, "inputs/x.patch")), "A");
    assert.equal(warnings.length, 2);
    assert.deepEqual([...Deno.readDirSync(join(dir, "inputs"))].map((e) => e.name), ["x.patch"]);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("2nex.yaml: semantics original adds inputs_cache/ as the first mirror; others are errors", async () => {
  const bag = new DiagnosticBag("/ws/2nex.yaml", "");
  const config = (await parseConfig("/ws", "mirrors: [vendor]\nsemantics: original\n", bag))!;
  assert.deepEqual(bag.items, []);
  assert.equal(config.semantics, "original");
  assert.deepEqual(config.mirrors, ["/ws/inputs_cache", "/ws/vendor"]);
  assert.equal((await parseConfig("/ws", "jobs: 1\n", bag))!.semantics, "2nex");
  const nested =
    (await parseConfig("/ws", "semantics: original\nmanifests: [tree/manifests]\n", bag))!;
  assert.deepEqual(nested.mirrors, ["/ws/tree/inputs_cache"]);
  const text = "semantics: legacy\n";
  const bad = new DiagnosticBag("/ws/2nex.yaml", text);
  await parseConfig("/ws", text, bad);
  assert.deepEqual(bad.items.map((d) => [d.line, d.message]), [[1, 'invalid semantics "legacy"']]);
});

Deno.test("input key: the original semantics and mode are part of it, and absent otherwise", async () => {
  const { manifest } = await loadManifestText(
    "/ws/m.yaml",
    'package: {schema: 1, slug: a, version: "1"}\nbuild: {script: "true"}\n',
  );
  const parts = {
    manifest: manifest!,
    dependencies: [],
    workspaceEnv: {},
    sourceDateEpoch: 1,
    arch: "x86_64",
  };
  const plain = computeInputKey(parts);
  const bootstrap = computeInputKey({ ...parts, originalMode: "bootstrap" });
  const chroot = computeInputKey({ ...parts, originalMode: "chroot" });
  assert.equal(new Set([plain, bootstrap, chroot]).size, 3);
  assert.equal(computeInputKey({ ...parts, originalMode: undefined }), plain);
});
