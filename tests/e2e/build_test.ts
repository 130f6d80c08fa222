/**
 * End-to-end tests of `2nex build` (issue 4) through the CLI, as users run it:
 * a C hello-world from a tarball built in host mode, its refs and hashes;
 * verification against the manifest's hash and `--update-hash`; the cache and
 * what invalidates it. Each test builds small packages in its own workspace.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { repoRoot } from "../helpers/cli.ts";
import {
  buildSummary,
  commitMetadata,
  contentChecksum,
  e2eTest,
  makeTarball,
  packageYaml,
  sha256File,
  statuses,
  TestWorkspace,
} from "../helpers/e2e.ts";

const FIXTURES = join(repoRoot, "tests/fixtures/e2e");
const HOST_TOOLS = ["ostree", "bwrap", "gcc", "make", "tar"];

/** The manifest of the greeter: its tarball unpacked, `make`, `make install` into $OUT_DIR. */
function helloManifest(sha256: string): string {
  return packageYaml({
    slug: "hello",
    version: "1.0",
    description: "The e2e greeter",
    sources: [{ name: "src", file: "hello-1.0.tar.gz", sha256 }],
    script: `tar -xzf "$SOURCE_src" -C "$WORK_DIR" --strip-components=1
cd "$WORK_DIR"
make
make DESTDIR="$OUT_DIR" PREFIX=/usr install`,
    outputs: { bin: ["/usr/bin/hello"], doc: ["/usr/share/doc/**"] },
    bundles: { default: ["bin"], all: ["bin", "doc"] },
  });
}

await e2eTest(
  "build: a C hello-world from a tarball builds in host mode, runs, and hashes as committed",
  HOST_TOOLS,
  async () => {
    await using ws = await TestWorkspace.create();
    const tarball = ws.path("manifests/hello-1.0.tar.gz");
    await makeTarball(tarball, {
      "hello-1.0/hello.c": await Deno.readTextFile(join(FIXTURES, "hello/hello.c")),
      "hello-1.0/Makefile": await Deno.readTextFile(join(FIXTURES, "hello/Makefile")),
    });
    await ws.write("manifests/hello.yaml", helloManifest(await sha256File(tarball)));

    const build = await ws.run(["build", "hello", "--json"]);
    assert.equal(build.code, 0, build.stderr);
    const summary = buildSummary(build);
    assert.deepEqual(statuses(summary), { hello: "built" });
    const outputHash = summary.packages[0].outputHash!;
    assert.match(outputHash, /^[0-9a-f]{64}$/);

    const prefix = "x86_64/hello/1.0/main";
    const refs = await ws.refs();
    for (
      const ref of ["tree", "outputs/bin", "outputs/doc", "bundles/default", "bundles/all"]
    ) {
      assert.ok(refs.includes(`${prefix}/${ref}`), `no ref ${prefix}/${ref} in ${refs.join(", ")}`);
    }
    await ws.assertFsckClean();

    // The whole result: the binary runs, and `2nex hash` of the checkout is the committed hash.
    const checkout = ws.path("checkout");
    const co = await ws.run(["checkout", "hello", checkout]);
    assert.equal(co.code, 0, co.stderr);
    const run = await new Deno.Command(join(checkout, "usr/bin/hello"), { args: ["e2e"] }).output();
    assert.equal(run.code, 0);
    assert.equal(new TextDecoder().decode(run.stdout), "Hello, e2e, from a 2nex tarball!\n");
    const hashed = await ws.run(["hash", checkout]);
    assert.equal(hashed.code, 0, hashed.stderr);
    const committed = await contentChecksum(ws.repo, `${prefix}/tree`);
    assert.equal(hashed.stdout.trim(), committed);
    assert.equal(committed, outputHash);
    assert.equal(await commitMetadata(ws.repo, `${prefix}/tree`, "2nex.output-hash"), outputHash);

    // A bundle checks out alone: only its outputs' files, hashed as its ref.
    const bundleDir = ws.path("bundle");
    assert.equal((await ws.run(["checkout", "hello:default", bundleDir])).code, 0);
    await Deno.stat(join(bundleDir, "usr/bin/hello"));
    await assert.rejects(Deno.stat(join(bundleDir, "usr/share/doc/hello/README")));
    const bundleHash = await ws.run(["hash", bundleDir]);
    assert.equal(
      bundleHash.stdout.trim(),
      await contentChecksum(ws.repo, `${prefix}/bundles/default`),
    );
  },
);

const WRONG = "0".repeat(64);

/** A manifest with comments, odd spacing and quoting that --update-hash must leave alone. */
function commentedManifest(checksum: string, text: string): string {
  return `# A package whose comments and layout must survive --update-hash.
package:
  schema:   1        # aligned comment
  slug: verified
  version: '2.0'
  description: >-
    folded text
    on two lines
  checksum: ${checksum}   # the expected output hash
  # a comment between keys

build:
  sandbox: host
  script: |
    mkdir -p "$OUT_DIR/share"
    echo ${JSON.stringify(text)} > "$OUT_DIR/share/verified.txt"
outputs: { data: ["/share/**"] }   # flow style
bundles:
  default: [data]
# trailing comment
`;
}

await e2eTest(
  "build: a wrong expected hash exits 3 and moves no ref; --update-hash fixes the manifest in place",
  [
    "ostree",
    "bwrap",
  ],
  async () => {
    await using ws = await TestWorkspace.create();
    const original = commentedManifest(WRONG, "first");
    await ws.write("manifests/verified.yaml", original);

    // Never built: refused, both hashes printed, no ref at all.
    const refused = await ws.run(["build", "verified"]);
    assert.equal(refused.code, 3, refused.stderr);
    assert.match(refused.stderr, new RegExp(`expected: ${WRONG}`));
    const actual = refused.stderr.match(/actual:\s+([0-9a-f]{64})/)?.[1];
    assert.ok(actual, `no actual hash in:\n${refused.stderr}`);
    assert.notEqual(actual, WRONG);
    assert.deepEqual([...(await ws.refFiles()).keys()], []);
    await ws.assertFsckClean();

    // --update-hash: exit 0, the right hash written, everything else byte for byte the same.
    const updated = await ws.run(["build", "verified", "--update-hash", "--json"]);
    assert.equal(updated.code, 0, updated.stderr);
    const summary = buildSummary(updated);
    assert.equal(summary.packages[0].outputHash, actual);
    assert.equal(summary.packages[0].hashUpdated, true);
    assert.equal(await ws.read("manifests/verified.yaml"), original.replace(WRONG, actual));
    assert.ok((await ws.refs()).includes("x86_64/verified/2.0/main/tree"));
    const again = await ws.run(["build", "verified", "--json"]);
    assert.equal(again.code, 0, again.stderr);
    assert.deepEqual(statuses(buildSummary(again)), { verified: "cached" });

    // A built package whose result changes but whose hash does not: refused, refs untouched.
    const before = await ws.refFiles();
    assert.ok(before.size > 0);
    await ws.write("manifests/verified.yaml", commentedManifest(actual, "second"));
    const changed = await ws.run(["build", "verified"]);
    assert.equal(changed.code, 3, changed.stderr);
    assert.match(changed.stderr, new RegExp(`expected: ${actual}`));
    const second = changed.stderr.match(/actual:\s+([0-9a-f]{64})/)?.[1];
    assert.ok(second && second !== actual, changed.stderr);
    assert.deepEqual(await ws.refFiles(), before);
    // Refused again from the cache of the refused build: still exit 3, still untouched.
    assert.equal((await ws.run(["build", "verified"])).code, 3);
    assert.deepEqual(await ws.refFiles(), before);
    await ws.assertFsckClean();
  },
);

await e2eTest("build: stable_checksum: false commits a mismatching result with a warning", [
  "ostree",
  "bwrap",
], async () => {
  await using ws = await TestWorkspace.create();
  await ws.write(
    "manifests/hostish.yaml",
    packageYaml({
      slug: "hostish",
      checksum: WRONG,
      stableChecksum: false,
      script: `echo host-dependent > "$OUT_DIR/result.txt"`,
    }),
  );
  const result = await ws.run(["build", "hostish", "--json"]);
  assert.equal(result.code, 0, result.stderr);
  assert.match(result.stderr, /warning: .*hostish.*differs.*stable_checksum: false/);
  const summary = buildSummary(result);
  assert.deepEqual(statuses(summary), { hostish: "built" });
  assert.equal(
    await contentChecksum(ws.repo, "x86_64/hostish/1.0/main/tree"),
    summary.packages[0].outputHash,
  );
});

await e2eTest(
  "build: unchanged packages are cached; script and env changes rebuild dependents, a description change does not",
  [
    "ostree",
    "bwrap",
  ],
  async () => {
    await using ws = await TestWorkspace.create(
      "manifests: [manifests]\nsource_date_epoch: 1704067200\nenv:\n  GREETING: hello\n",
    );
    // Host mode mounts a dependency's top-level directories at their own paths (/opt here).
    const base = (text: string, description = "the base") =>
      packageYaml({
        slug: "base",
        description,
        script: `mkdir -p "$OUT_DIR/opt/base"\necho ${text} > "$OUT_DIR/opt/base/value.txt"`,
      });
    await ws.write("manifests/base.yaml", base("one"));
    await ws.write(
      "manifests/app.yaml",
      packageYaml({
        slug: "app",
        deps: ["base"],
        script:
          `mkdir -p "$OUT_DIR/share"\n{ cat /opt/base/value.txt; echo "$GREETING"; } > "$OUT_DIR/share/app.txt"`,
      }),
    );
    const build = async () => {
      const started = performance.now();
      const result = await ws.run(["build", "app", "--json"]);
      assert.equal(result.code, 0, result.stderr);
      return { summary: buildSummary(result), ms: performance.now() - started };
    };

    const first = await build();
    assert.deepEqual(statuses(first.summary), { base: "built", app: "built" });

    const cached = await build();
    assert.deepEqual(statuses(cached.summary), { base: "cached", app: "cached" });
    for (const p of cached.summary.packages) {
      assert.ok(p.seconds < 0.2, `${p.slug}: ${p.seconds} s`);
    }
    assert.ok(cached.ms < 5000, `a fully cached build took ${cached.ms} ms`);
    const keys = (s: typeof first.summary) => s.packages.map((p) => p.inputKey);
    assert.deepEqual(keys(cached.summary), keys(first.summary));

    // The script of the dependency: both rebuilt, the dependent sees the new value.
    await ws.write("manifests/base.yaml", base("two"));
    const script = await build();
    assert.deepEqual(statuses(script.summary), { base: "built", app: "built" });
    const appDir = ws.path("app-checkout");
    assert.equal((await ws.run(["checkout", "app", appDir])).code, 0);
    assert.equal(await Deno.readTextFile(join(appDir, "share/app.txt")), "two\nhello\n");

    // Only the description: nothing rebuilt, same input keys.
    await ws.write("manifests/base.yaml", base("two", "a new description"));
    const described = await build();
    assert.deepEqual(statuses(described.summary), { base: "cached", app: "cached" });
    assert.deepEqual(keys(described.summary), keys(script.summary));

    // A workspace env value: part of every input key, so everything rebuilds.
    await ws.write(
      "2nex.yaml",
      "manifests: [manifests]\nsource_date_epoch: 1704067200\nenv:\n  GREETING: bonjour\n",
    );
    const env = await build();
    assert.deepEqual(statuses(env.summary), { base: "built", app: "built" });
    for (const [i, key] of keys(env.summary).entries()) {
      assert.notEqual(key, keys(described.summary)[i]);
    }
    const envDir = ws.path("env-checkout");
    assert.equal((await ws.run(["checkout", "app", envDir])).code, 0);
    assert.equal(await Deno.readTextFile(join(envDir, "share/app.txt")), "two\nbonjour\n");
  },
);

await e2eTest(
  "build: --update-hash keeps the quotes of a quoted checksum",
  ["ostree", "bwrap"],
  async () => {
    await using ws = await TestWorkspace.create();
    const original = packageYaml({ slug: "quoted", script: `echo q > "$OUT_DIR/q"` })
      .replace("package:\n", `package:\n  checksum: "${WRONG}"   # quoted on purpose\n`);
    await ws.write("manifests/quoted.yaml", original);
    const result = await ws.run(["build", "quoted", "--update-hash", "--json"]);
    assert.equal(result.code, 0, result.stderr);
    const hash = buildSummary(result).packages[0].outputHash!;
    // Only the 64 characters of the hash change: the quotes and the comment stay.
    assert.equal(await ws.read("manifests/quoted.yaml"), original.replace(WRONG, hash));
  },
);

await e2eTest(
  "build: a hash mismatch that stops dependents is still exit 3",
  ["ostree", "bwrap"],
  async () => {
    await using ws = await TestWorkspace.create();
    await ws.write(
      "manifests/lib.yaml",
      packageYaml({ slug: "lib", checksum: WRONG, script: `echo lib > "$OUT_DIR/lib"` }),
    );
    await ws.write(
      "manifests/app.yaml",
      packageYaml({ slug: "app", deps: ["lib"], script: `echo app > "$OUT_DIR/app"` }),
    );
    const result = await ws.run(["build", "app", "--json"]);
    assert.deepEqual(statuses(buildSummary(result)), { lib: "mismatch", app: "skipped" });
    // Nothing failed to build: the only failure is a verification failure.
    assert.equal(result.code, 3, result.stderr);
  },
);

await e2eTest(
  "build: dependencies that provide different files at one path are named in a warning",
  ["ostree", "bwrap"],
  async () => {
    await using ws = await TestWorkspace.create();
    for (const slug of ["one", "two"]) {
      await ws.write(
        `manifests/${slug}.yaml`,
        packageYaml({
          slug,
          script: `mkdir -p "$OUT_DIR/collide"
echo ${slug} > "$OUT_DIR/collide/differs"
echo same > "$OUT_DIR/collide/same"
echo ${slug} > "$OUT_DIR/collide/only-${slug}"`,
        }),
      );
    }
    await ws.write(
      "manifests/user.yaml",
      packageYaml({
        slug: "user",
        deps: ["one", "two"],
        script:
          `cat /collide/differs /collide/same /collide/only-one /collide/only-two > "$OUT_DIR/seen"`,
      }),
    );
    const result = await ws.run(["build", "user", "--json"]);
    assert.equal(result.code, 0, result.stderr);
    assert.match(
      result.stderr,
      /warning: dependencies one, two provide different files at \/collide\/differs; the build sees two's/,
    );
    // Identical files, and files only one dependency has, are no collision.
    assert.doesNotMatch(result.stderr, /collide\/(same|only)/);
    const checkout = ws.path("checkout");
    assert.equal((await ws.run(["checkout", "user", checkout])).code, 0);
    assert.equal(await Deno.readTextFile(join(checkout, "seen")), "two\nsame\none\ntwo\n");
  },
);
