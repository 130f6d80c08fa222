/**
 * A tree written exactly for the original builder (tests/fixtures/workspaces/original:
 * four phases, `commit:` dependencies, `file:` sources in inputs_cache/, sha256
 * checksums in the original algorithm, no 2nex-only key) builds with the one
 * line `semantics: original`, under bwrap and under unshare, and every checksum
 * verifies. The scripts themselves check the original environment, /inputs, the
 * merged-/usr links, the hostname, /dev and the writable root; the values they
 * record are pinned by the checksums.
 */
import assert from "node:assert/strict";
import { join, relative } from "node:path";
import {
  assertNoStackTrace,
  buildSummary,
  e2eTest,
  ostree,
  statuses,
  TestWorkspace,
} from "../helpers/e2e.ts";
import { repoRoot } from "../helpers/cli.ts";

const FIXTURE = join(repoRoot, "tests/fixtures/workspaces/original");
const CHAIN = ["toolchain", "tools", "greeting", "gettext", "inetutils"];

/** Every file of the fixture, by relative path, byte for byte. */
async function fixtureFiles(dir = FIXTURE): Promise<Record<string, Uint8Array>> {
  const files: Record<string, Uint8Array> = {};
  for await (const entry of Deno.readDir(dir)) {
    const path = join(dir, entry.name);
    if (entry.isDirectory) Object.assign(files, await fixtureFiles(path));
    else files[relative(FIXTURE, path)] = await Deno.readFile(path);
  }
  return files;
}

/** The `sha256:` a manifest of the fixture records under `package:`. */
function recordedChecksum(text: string): string {
  const match = text.match(/^ {2}sha256: ([0-9a-f]{64})$/m);
  assert(match, "every manifest of the tree records its checksum");
  return match[1];
}

const MANIFESTS: Record<string, string> = {
  toolchain: "manifests/phase0/toolchain.yaml",
  tools: "manifests/phase1/tools.yaml",
  greeting: "manifests/phase1/greeting.yaml",
  gettext: "manifests/phase2/gettext.yaml",
  inetutils: "manifests/phase3/inetutils.yaml",
};

for (const helper of ["bwrap", "unshare"]) {
  await e2eTest(
    `original tree (sandbox: ${helper}): lint clean, the whole chain builds and every checksum verifies`,
    ["ostree", helper, "busybox", "bash", "ldd"],
    async () => {
      const files = await fixtureFiles();
      const config = new TextDecoder().decode(files["2nex.yaml"]);
      assert.match(config, /^semantics: original$/m, "the one line the tree needs");
      delete files["2nex.yaml"];
      await using ws = await TestWorkspace.create(`${config}sandbox: ${helper}\n`, files);

      const lint = await ws.run(["lint"]);
      assert.equal(lint.code, 0, lint.stderr);
      assert.match(lint.stdout + lint.stderr, /5 manifests checked: 0 errors, 0 warnings/);

      const build = await ws.run(["build", "inetutils", "--json"]);
      assert.equal(build.code, 0, `${build.stdout}\n${build.stderr}`);
      assertNoStackTrace(build.stderr);
      const summary = buildSummary(build);
      assert.deepEqual(
        statuses(summary),
        Object.fromEntries(CHAIN.map((slug) => [slug, "built"])),
      );
      // tools copies the host's bash and busybox (stable_checksum: false): on another
      // host its checksum may differ and only warn. Everything else must match.
      for (const slug of CHAIN.filter((s) => s !== "tools")) {
        assert.doesNotMatch(build.stderr, new RegExp(`${slug}@\\S+ .*differs`), build.stderr);
      }
      for (const [slug, path] of Object.entries(MANIFESTS)) {
        // The manifests stay byte for byte as they were written.
        assert.deepEqual(await Deno.readFile(ws.path(path)), files[path], path);
        // The recorded checksum is the original algorithm's over the whole result.
        const dir = ws.path(`co-${slug}`);
        const co = await ws.run(["checkout", slug, dir]);
        assert.equal(co.code, 0, co.stderr);
        const hash = await ws.run(["hash", "--algorithm", "original", dir]);
        assert.equal(hash.code, 0, hash.stderr);
        if (slug !== "tools") {
          assert.equal(hash.stdout.trim(), recordedChecksum(new TextDecoder().decode(files[path])));
        }
      }

      // phase0 moved its sysroot into OUT_DIR; phase1 compiled with it (bootstrap mode).
      const read = (path: string) => Deno.readTextFile(ws.path(path));
      assert.match(
        await read("co-toolchain/bootstrap/usr/share/toolchain/environment"),
        /^PATH=\/bootstrap\/tools\/bin:\/usr\/bin\nTARGET=x86_64-2nex-linux-gnu\n/m,
      );
      assert.equal(
        await read("co-greeting/usr/bin/greeting"),
        "#!/bin/sh\necho built by x86_64-2nex-linux-gnu-cc\n",
      );
      // phase2 in chroot mode: the merged-/usr links, the phase1 program run from the root.
      assert.equal(
        await read("co-gettext/usr/share/gettext/merged-usr"),
        "/bin -> usr/bin\n/sbin -> usr/bin\n/lib -> usr/lib\n/lib64 -> usr/lib\n" +
          "/usr/lib64 -> lib\n/usr/sbin -> bin\n",
      );
      assert.equal(
        await read("co-gettext/usr/share/gettext/greeting"),
        "built by x86_64-2nex-linux-gnu-cc\n",
      );
      // phase3 installed into its writable root, and ran what it installed there.
      assert.equal(
        await read("co-inetutils/usr/share/inetutils/ifconfig-says"),
        "ifconfig (x86_64-pc-linux-gnu)\n",
      );

      // The writable roots were copies: the repository is intact and holds only the results.
      const toolsFiles = await ostree([
        "ls",
        `--repo=${ws.repo}`,
        "-R",
        "x86_64/tools/1.0/bootstrap/phase1/tree",
      ]);
      assert.doesNotMatch(toolsFiles, /ifconfig|ld\.so\.conf|pip\.conf/);
      await ostree(["fsck", `--repo=${ws.repo}`]);
      // Refs in the original layout, the ones the commit: dependencies name.
      const refs = await ws.refs();
      for (
        const ref of [
          "x86_64/toolchain/13.2.0/bootstrap/phase0/bundles/dev",
          "x86_64/tools/1.0/bootstrap/phase1/bundles/runtime",
          "x86_64/gettext/0.22/bootstrap/phase2/bundles/default",
          "x86_64/inetutils/2.5/bootstrap/phase3/tree",
        ]
      ) {
        assert(refs.includes(ref), `${ref} in\n${refs.join("\n")}`);
      }

      // A second build is cached: same inputs, the recorded checksums still verify.
      const again = await ws.run(["build", "inetutils", "--json"]);
      assert.equal(again.code, 0, again.stderr);
      assert.deepEqual(
        statuses(buildSummary(again)),
        Object.fromEntries(CHAIN.map((slug) => [slug, "cached"])),
      );
    },
  );
}

await e2eTest(
  "original tree: a wrong original checksum is refused (exit 3); show names the mode and environment",
  ["ostree", "bwrap", "busybox", "bash", "ldd"],
  async () => {
    const files = await fixtureFiles();
    const path = MANIFESTS.toolchain;
    const text = new TextDecoder().decode(files[path]);
    const right = recordedChecksum(text);
    const wrong = "1".repeat(64);
    files[path] = new TextEncoder().encode(text.replace(right, wrong));
    await using ws = await TestWorkspace.create(
      new TextDecoder().decode(files["2nex.yaml"]),
      files,
    );

    const show = await ws.run(["show", "toolchain"]);
    assert.equal(show.code, 0, show.stderr);
    assert.match(show.stdout, /^mode: +bootstrap \(host\) mode: /m);
    assert.match(show.stdout, /^ {2}TARGET=x86_64-2nex-linux-gnu$/m);
    assert.match(show.stdout, /^ {2}BOOTSTRAP_SYSROOT=\/bootstrap$/m);
    assert.match(
      show.stdout,
      /^ {2}SOURCE_0001-Disable-replaced-tools-their-man-pages-and-PAM-integ\.patch=\/2nex\/sources\//m,
    );
    const chroot = await ws.run(["show", "inetutils"]);
    assert.match(chroot.stdout, /^mode: +chroot mode: /m);
    assert.match(chroot.stdout, /^ {2}RUSTC_BOOTSTRAP=1$/m);

    const build = await ws.run(["build", "toolchain"]);
    assert.equal(build.code, 3, build.stderr);
    assert.match(build.stderr, new RegExp(`expected: ${wrong}\\n\\s+actual: +${right}`));
    assert(!(await ws.refs()).some((r) => r.startsWith("x86_64/toolchain/")));
  },
);
