/**
 * Hermetic mode through the CLI: a package whose only dependency is a
 * host-mode "toolbox" (the host's static busybox) builds in a root made of
 * that toolbox alone (under bwrap and under unshare), sees nothing of the host, and runs with `build.shell`;
 * without a shell option and without bash in its dependencies it is a clear error.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import {
  assertNoStackTrace,
  buildSummary,
  e2eTest,
  packageYaml,
  statuses,
  TestWorkspace,
} from "../helpers/e2e.ts";

const BUSYBOX = "/usr/bin/busybox";
const TOOLS = [
  "sh",
  "ls",
  "cat",
  "echo",
  "mkdir",
  "sort",
  "hostname",
  "id",
  "ps",
  "tr",
  "readlink",
];

/** Host mode: the host's static busybox as /bin/busybox with one symlink per tool. */
const toolbox = packageYaml({
  slug: "toolbox",
  stableChecksum: false,
  script: `mkdir -p "$OUT_DIR/bin"
cp ${BUSYBOX} "$OUT_DIR/bin/busybox"
for tool in ${TOOLS.join(" ")}; do ln -s busybox "$OUT_DIR/bin/$tool"; done`,
  outputs: { bin: ["/bin/**"] },
});

/** Records what the hermetic build can see into $OUT_DIR/seen/. */
const probeScript = `mkdir -p "$OUT_DIR/seen"
ls / | sort > "$OUT_DIR/seen/root"
if [ -e /usr/lib/x86_64-linux-gnu ]; then echo present; else echo absent; fi > "$OUT_DIR/seen/usr-lib"
if [ -e /etc/hostname ]; then echo present; else echo absent; fi > "$OUT_DIR/seen/etc-hostname"
if [ -e /usr/bin/bash ] || [ -e /bin/bash ]; then echo present; else echo absent; fi > "$OUT_DIR/seen/bash"
hostname > "$OUT_DIR/seen/hostname"
id -u > "$OUT_DIR/seen/uid"
ps -o pid,comm | tr -s ' ' > "$OUT_DIR/seen/ps"
{ readlink /proc/$$/exe; echo "\${BASH_VERSION:-no bash}"; } > "$OUT_DIR/seen/shell"`;

for (const helper of ["bwrap", "unshare"]) {
  await e2eTest(
    `build (sandbox: ${helper}): a hermetic package on a host-built toolbox sees only its dependencies`,
    [
      "ostree",
      helper,
      BUSYBOX,
    ],
    async () => {
      // The test is meaningless unless the host has what the sandbox must hide.
      await Deno.stat("/etc/hostname");
      await Deno.stat("/usr/lib/x86_64-linux-gnu");
      await using ws = await TestWorkspace.create(
        `manifests: [manifests]\nsource_date_epoch: 1704067200\nsandbox: ${helper}\n`,
      );
      await ws.write("manifests/toolbox.yaml", toolbox);
      await ws.write(
        "manifests/sealed.yaml",
        packageYaml({
          slug: "sealed",
          sandbox: "hermetic",
          shell: "/bin/sh",
          deps: ["toolbox"],
          script: probeScript,
        }),
      );
      const result = await ws.run(["build", "sealed", "--json"]);
      assert.equal(result.code, 0, result.stderr);
      assert.deepEqual(statuses(buildSummary(result)), { toolbox: "built", sealed: "built" });

      const dir = ws.path("seen");
      const co = await ws.run(["checkout", "sealed", dir]);
      assert.equal(co.code, 0, co.stderr);
      const seen = (name: string) => Deno.readTextFile(join(dir, "seen", name));
      // "/" is the toolbox's bundle (/bin) plus what the sandbox adds, and nothing else.
      assert.deepEqual((await seen("root")).trim().split("\n"), [
        "2nex",
        "bin",
        "dev",
        "proc",
        "tmp",
      ]);
      assert.equal(await seen("usr-lib"), "absent\n");
      assert.equal(await seen("etc-hostname"), "absent\n");
      assert.equal(await seen("bash"), "absent\n");
      assert.equal(await seen("hostname"), "2nex\n");
      assert.equal(await seen("uid"), "0\n");
      // The script ran with the toolbox's shell (busybox), not bash.
      assert.equal(await seen("shell"), "/bin/busybox\nno bash\n");
      // Its own pid namespace: the helper's init and the build's processes, none of the host's.
      const ps = (await seen("ps")).trim().split("\n").slice(1);
      assert.ok(ps.length <= 6, ps.join("\n"));
      assert.ok(!ps.some((line) => /deno|ostree/.test(line)), ps.join("\n"));
    },
  );
}

await e2eTest("build: a hermetic package without build.shell and without bash is an error", [
  "ostree",
  "bwrap",
  BUSYBOX,
], async () => {
  await using ws = await TestWorkspace.create();
  await ws.write("manifests/toolbox.yaml", toolbox);
  await ws.write(
    "manifests/shell-less.yaml",
    packageYaml({
      slug: "shell-less",
      sandbox: "hermetic",
      deps: ["toolbox"],
      script: `echo never > "$OUT_DIR/x"`,
    }),
  );
  const result = await ws.run(["build", "shell-less"]);
  assert.equal(result.code, 1, result.stderr);
  assert.match(
    result.stderr,
    /error: .*shell-less.*no dependency provides \/usr\/bin\/bash or \/bin\/bash/,
  );
  assert.match(result.stderr, /hint: .*build\.shell/);
  assertNoStackTrace(result.stderr);
  // The toolbox itself was built; the package was not.
  const refs = await ws.refs();
  assert.ok(refs.some((r) => r.startsWith("x86_64/toolbox/")));
  assert.ok(!refs.some((r) => r.startsWith("x86_64/shell-less/")), refs.join("\n"));
});
