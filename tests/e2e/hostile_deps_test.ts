/**
 * Hostile dependencies (issue 14, items 1 and 2): packages whose results hold
 * symlinks that point out of the build tree, at a "victim" directory on the
 * host, and the packages that depend on them. Whatever the dependencies hold,
 * laying out a build's root and collecting its result never creates or
 * changes anything outside the build tree, the repository stays `ostree
 * fsck`-clean, and a symlink in one dependency where another has a directory
 * is an error naming both packages and the path.
 *
 * Every case runs under both helpers and in both modes, one workspace per
 * helper and mode: the hostile producers are built once (host mode, they only
 * make symlinks), then each case builds one consumer.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import {
  assertNoStackTrace,
  e2eTest,
  packageYaml,
  sha256File,
  TestWorkspace,
} from "../helpers/e2e.ts";

const BUSYBOX = "/usr/bin/busybox";

/** A directory on the host, outside every workspace, that the hostile packages aim at. */
class Victim {
  private constructor(readonly path: string) {}

  static async create(): Promise<Victim> {
    const path = await Deno.makeTempDir({ prefix: "2nex-victim-" });
    await Deno.writeTextFile(join(path, "existing"), "the host's own file\n");
    return new Victim(path);
  }

  /** The same directory named by a relative path from anywhere in the tree: `../` up to `/` first. */
  get fromAnywhere(): string {
    return `${"../".repeat(40)}${this.path.slice(1)}`;
  }

  /** Every entry under the directory: name, type, mode, inode, link count, and content or target. */
  async fingerprint(): Promise<string[]> {
    const lines: string[] = [];
    const walk = async (dir: string, prefix: string): Promise<void> => {
      const names = (await Array.fromAsync(Deno.readDir(dir))).map((e) => e.name).sort();
      for (const name of names) {
        const path = join(dir, name);
        const info = await Deno.lstat(path);
        const what = info.isSymlink
          ? `-> ${await Deno.readLink(path)}`
          : info.isFile
          ? await sha256File(path)
          : "dir";
        lines.push(`${prefix}${name} ${info.mode} ${info.ino} ${info.nlink} ${what}`);
        if (info.isDirectory) await walk(path, `${prefix}${name}/`);
      }
    };
    const root = await Deno.lstat(this.path);
    lines.push(`. ${root.mode} ${root.ino} ${root.nlink}`);
    await walk(this.path, "");
    return lines;
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await Deno.remove(this.path, { recursive: true }).catch(() => {});
  }
}

/** Host-mode packages that make the hostile trees; nothing in their own builds is hostile. */
function producers(victim: Victim): Record<string, string> {
  const make = (slug: string, script: string) => packageYaml({ slug, script });
  return {
    toolbox: packageYaml({
      slug: "toolbox",
      script: `mkdir -p "$OUT_DIR/bin"
cp ${BUSYBOX} "$OUT_DIR/bin/busybox"
for tool in sh cat echo ln ls rm test; do ln -s busybox "$OUT_DIR/bin/$tool"; done`,
    }),
    // /opt/evil is a symlink to the victim (absolute target).
    "link-abs": make(
      "link-abs",
      `mkdir -p "$OUT_DIR/opt"\nln -s ${victim.path} "$OUT_DIR/opt/evil"`,
    ),
    // /opt is a symlink to /hop, a relative symlink that climbs to / and down to the victim.
    "link-chain": make(
      "link-chain",
      `ln -s hop "$OUT_DIR/opt"\nln -s ${victim.fromAnywhere} "$OUT_DIR/hop"`,
    ),
    // /opt/evil is a directory with a file the victim has and one it has not.
    "dir-files": make(
      "dir-files",
      `mkdir -p "$OUT_DIR/opt/evil"
echo hostile > "$OUT_DIR/opt/evil/existing"
echo hostile > "$OUT_DIR/opt/evil/new"`,
    ),
    // /bootstrap itself is a symlink to the victim, absolute or relative.
    "boot-abs": make("boot-abs", `ln -s ${victim.path} "$OUT_DIR/bootstrap"`),
    "boot-rel": make("boot-rel", `ln -s ${victim.fromAnywhere} "$OUT_DIR/bootstrap"`),
    // /bootstrap/tools (not /bootstrap) is a symlink to the victim.
    "boot-tools": make(
      "boot-tools",
      `mkdir -p "$OUT_DIR/bootstrap"\nln -s ${victim.path} "$OUT_DIR/bootstrap/tools"`,
    ),
    // Entries where the sandbox puts its own: /2nex/…, /dev/…, /proc/…, /tmp/….
    "squat-inside": make(
      "squat-inside",
      `mkdir -p "$OUT_DIR/2nex" "$OUT_DIR/dev" "$OUT_DIR/proc" "$OUT_DIR/tmp"
for name in out work sources script; do ln -s ${victim.path} "$OUT_DIR/2nex/$name"; done
echo not-a-device > "$OUT_DIR/dev/null"
ln -s ${victim.path} "$OUT_DIR/dev/shm"
ln -s ${victim.path} "$OUT_DIR/proc/self"
ln -s ${victim.path} "$OUT_DIR/tmp/evil"`,
    ),
    // The same top-level names as symlinks to the victim.
    "squat-top": make(
      "squat-top",
      `for name in 2nex dev proc tmp; do ln -s ${victim.path} "$OUT_DIR/$name"; done`,
    ),
  };
}

type Mode = "host" | "hermetic";

/** A package of `mode` depending on `deps` (and, in hermetic mode, on the toolbox for its shell). */
function consumer(
  slug: string,
  mode: Mode,
  deps: string[],
  script: string,
  outputs?: Record<string, string[]>,
): string {
  return packageYaml({
    slug,
    sandbox: mode,
    shell: mode === "hermetic" ? "/bin/sh" : undefined,
    deps: mode === "hermetic" ? ["toolbox", ...deps] : deps,
    script,
    outputs,
  });
}

const PRODUCERS = [
  "toolbox",
  "link-abs",
  "link-chain",
  "dir-files",
  "boot-abs",
  "boot-rel",
  "boot-tools",
  "squat-inside",
  "squat-top",
];

for (const helper of ["bwrap", "unshare"]) {
  for (const mode of ["host", "hermetic"] as const) {
    await e2eTest(
      `hostile dependencies (sandbox: ${helper}, ${mode} mode): nothing outside the build tree changes`,
      ["ostree", helper, BUSYBOX],
      async (t) => {
        await using victim = await Victim.create();
        await using ws = await TestWorkspace.create(
          `manifests: [manifests]\nsource_date_epoch: 1704067200\nsandbox: ${helper}\n`,
        );
        for (const [slug, text] of Object.entries(producers(victim))) {
          await ws.write(`manifests/${slug}.yaml`, text);
        }
        const made = await ws.run(["build", ...PRODUCERS]);
        assert.equal(made.code, 0, made.stderr);

        /** Builds `slug` and checks the host and the repository after it, whatever it exits with. */
        const build = async (slug: string, text: string) => {
          await ws.write(`manifests/${slug}.yaml`, text);
          // Compared per case, so that one case that reaches the victim fails alone.
          const before = await victim.fingerprint();
          const result = await ws.run(["build", slug]);
          assertNoStackTrace(result.stderr);
          assert.deepEqual(await victim.fingerprint(), before, result.stderr);
          await ws.assertFsckClean();
          return result;
        };
        /** A build that must stop before its script, naming `path` and the packages. */
        const refused = async (slug: string, deps: string[], path: string, names: string[]) => {
          const result = await build(
            slug,
            consumer(slug, mode, deps, `echo ran > "$OUT_DIR/ran"`),
          );
          assert.equal(result.code, 1, result.stderr);
          assert.match(result.stderr, /error: /);
          assert.ok(result.stderr.includes(` ${path} `), result.stderr);
          for (const name of names) assert.ok(result.stderr.includes(name), result.stderr);
          assert.ok(
            !(await ws.refs()).some((ref) => ref.startsWith(`x86_64/${slug}/`)),
            "a refused build was committed",
          );
        };

        await t.step("a symlink in one dependency, a directory in a later one", async () => {
          await refused("c-link-dir", ["link-abs", "dir-files"], "/opt/evil", [
            "link-abs",
            "dir-files",
          ]);
        });
        await t.step("a directory in one dependency, a symlink in a later one", async () => {
          await refused("c-dir-link", ["dir-files", "link-abs"], "/opt/evil", [
            "link-abs",
            "dir-files",
          ]);
        });
        await t.step("a relative symlink chain at a top-level directory", async () => {
          await refused("c-chain-dir", ["link-chain", "dir-files"], "/opt", [
            "link-chain",
            "dir-files",
          ]);
        });

        await t.step("a dependency's top-level symlink chain, alone", async () => {
          const result = await build(
            "c-chain-alone",
            consumer(
              "c-chain-alone",
              mode,
              ["link-chain"],
              // Shown as the symlinks they are: inside the sandbox they lead into its own /tmp.
              `mkdir -p /opt/evil 2>/dev/null || true
echo hostile > /opt/new 2>/dev/null || true
echo hostile > /opt/existing 2>/dev/null || true
echo ran > "$OUT_DIR/ran"`,
            ),
          );
          assert.equal(result.code, 0, result.stderr);
        });

        for (const dep of ["boot-abs", "boot-rel"]) {
          await t.step(`a dependency's /bootstrap is a symlink (${dep})`, async () => {
            const slug = `c-${dep}`;
            if (mode === "host") {
              // Host mode writes to /bootstrap: it must be a directory.
              await refused(slug, [dep], "/bootstrap", [dep]);
            } else {
              // Hermetic mode gives /bootstrap no meaning: the symlink is shown as it is.
              const result = await build(
                slug,
                consumer(slug, mode, [dep], `echo ran > "$OUT_DIR/ran"`),
              );
              assert.equal(result.code, 0, result.stderr);
            }
          });
        }

        await t.step("a dependency's /bootstrap/tools is a symlink", async () => {
          const result = await build(
            "c-boot-tools",
            consumer(
              "c-boot-tools",
              mode,
              ["boot-tools"],
              // Inside the sandbox the symlink leads nowhere: the victim is not there.
              `echo hostile > /bootstrap/tools/new 2>/dev/null || true
echo ran > "$OUT_DIR/ran"`,
            ),
          );
          assert.equal(result.code, 0, result.stderr);
        });

        for (const dep of ["squat-inside", "squat-top"]) {
          await t.step(`a dependency provides /2nex, /dev, /proc, /tmp (${dep})`, async () => {
            const slug = `c-${dep}`;
            const result = await build(
              slug,
              consumer(
                slug,
                mode,
                [dep],
                `test -c /dev/null
echo hostile > /dev/null
echo hostile > /tmp/evil/new 2>/dev/null || true
echo hostile > /proc/self/new 2>/dev/null || true
ls /2nex > "$OUT_DIR/seen"`,
              ),
            );
            assert.equal(result.code, 0, result.stderr);
            const dir = ws.path(`checkout-${slug}`);
            assert.equal((await ws.run(["checkout", slug, dir])).code, 0);
            assert.equal(
              await Deno.readTextFile(join(dir, "seen")),
              "out\nscript\nsources\nwork\n",
            );
          });
        }

        await t.step("the build's own result and work dir hold symlinks out of them", async () => {
          const result = await build(
            "c-out-links",
            consumer(
              "c-out-links",
              mode,
              [],
              `echo kept > "$OUT_DIR/kept"
ln -s ${victim.path} "$OUT_DIR/evil"
ln -s ${victim.path}/existing "$OUT_DIR/evil-file"
ln -s ${victim.fromAnywhere} "$OUT_DIR/evil-chain"`,
              {
                all: ["/kept", "/evil", "/evil-chain", "/evil/**"],
                discard: ["/evil-file", "/evil/*", "/evil-chain/existing"],
              },
            ),
          );
          assert.equal(result.code, 1, result.stderr);
          // The literal discard under a symlink names nothing in the result: it is missing.
          assert.match(result.stderr, /\/evil-chain\/existing/);
          const again = await build(
            "c-out-links",
            consumer(
              "c-out-links",
              mode,
              [],
              `echo kept > "$OUT_DIR/kept"
ln -s ${victim.path} "$OUT_DIR/evil"
ln -s ${victim.path}/existing "$OUT_DIR/evil-file"
# What 2nex removes after the build: the work dir, and in host mode /bootstrap.
mkdir "$WORK_DIR/ro"
ln -s ${victim.path} "$WORK_DIR/ro/evil"
chmod 555 "$WORK_DIR/ro"
if [ -w /bootstrap ]; then ln -s ${victim.path} /bootstrap/evil; fi`,
              { all: ["/kept", "/evil", "/evil/**"], discard: ["/evil-file", "/evil/*"] },
            ),
          );
          assert.equal(again.code, 0, again.stderr);
          const dir = ws.path("checkout-out-links");
          assert.equal((await ws.run(["checkout", "c-out-links", dir])).code, 0);
          assert.equal(await Deno.readLink(join(dir, "evil")), victim.path);
          assert.deepEqual(
            (await Array.fromAsync(Deno.readDir(dir))).map((e) => e.name).sort(),
            ["evil", "kept"],
          );
        });

        await t.step("a kept build tree holds no hard link into the repository", async () => {
          await ws.write(
            "manifests/c-kept.yaml",
            consumer("c-kept", mode, ["dir-files"], "exit 7"),
          );
          const result = await ws.run(["build", "c-kept", "--keep-failed"]);
          assert.equal(result.code, 1, result.stderr);
          const kept = result.stderr.match(/build tree kept at (\S+)/)?.[1];
          assert.ok(kept, result.stderr);
          const file = join(kept, "root/opt/evil/existing");
          assert.equal((await Deno.lstat(file)).nlink, 1);
          // Someone looking into the kept tree may change it: the repository stays intact.
          await Deno.writeTextFile(file, "edited by hand\n");
          await ws.assertFsckClean();
          await Deno.remove(kept, { recursive: true });
        });

        await t.step("a build cannot write, remove or link a dependency's files", async () => {
          const result = await build(
            "c-tamper",
            consumer(
              "c-tamper",
              mode,
              ["dir-files"],
              `if echo tampered >> /opt/evil/existing; then exit 10; fi
if rm -f /opt/evil/existing; then exit 11; fi
if ln /opt/evil/existing "$OUT_DIR/linked"; then exit 12; fi
if ln /opt/evil/existing /2nex/work/linked; then exit 13; fi
cat /opt/evil/existing > "$OUT_DIR/read"`,
            ),
          );
          assert.equal(result.code, 0, result.stderr);
          const dir = ws.path("checkout-tamper");
          assert.equal((await ws.run(["checkout", "c-tamper", dir])).code, 0);
          assert.equal(await Deno.readTextFile(join(dir, "read")), "hostile\n");
        });
      },
    );
  }
}
