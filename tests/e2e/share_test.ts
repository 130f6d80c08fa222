/**
 * End-to-end tests of sharing results (issue 18): workspace A builds a small
 * chain and publishes it, signed, to a directory that `python3 -m http.server`
 * serves; workspace B with that substituter gets every package `substituted`;
 * tampered objects, a wrong key, a hash B's manifest does not expect, and a
 * server that never answers are each refused with a warning, and the package
 * is built instead. Provenance validates against the in-toto and SLSA schemas.
 * A stock ostree built with ed25519 (scripts/ostree-ed25519.sh) pulls the
 * published repository with sign-verify: the right key passes; a wrong key, an
 * unsigned publish, a tampered summary and a foreign commit signature fail.
 */
import assert from "node:assert/strict";
import { join, relative } from "node:path";
import { repoRoot } from "../helpers/cli.ts";
import {
  buildSummary,
  commitMetadata,
  contentChecksum,
  e2eTest,
  ostree,
  runTool,
  sha256File,
  statuses,
  TestWorkspace,
} from "../helpers/e2e.ts";
import { assertValid } from "../helpers/schemas.ts";
import {
  generateSigningKey,
  signaturesOf,
  signBytes,
  verifyBytes,
  withSignature,
} from "../../lib/store/sign.ts";

const TOOLS = ["ostree", "bwrap", "python3"];

/** `base` installs a verified source; `app` (depending on base) a program that prints it. */
function manifests(greetingSha: string): Record<string, string> {
  return {
    "manifests/greeting.txt": "shared greetings\n",
    "manifests/base.yaml": `package:
  schema: 1
  slug: base
  version: "1.0"
sources:
  - name: greeting
    file: greeting.txt
    sha256: ${greetingSha}
build:
  sandbox: host
  script: |
    mkdir -p "$OUT_DIR/opt/base"
    cp "$SOURCE_greeting" "$OUT_DIR/opt/base/greeting.txt"
outputs:
  all: ["/**"]
bundles:
  default: [all]
`,
    "manifests/app.yaml": `package:
  schema: 1
  slug: app
  version: "1.0"
dependencies:
  - name: base
build:
  sandbox: host
  script: |
    mkdir -p "$OUT_DIR/opt/app/bin" "$OUT_DIR/opt/app/doc"
    printf '#!/bin/sh\\necho "app says: %s"\\n' "$(cat /opt/base/greeting.txt)" > "$OUT_DIR/opt/app/bin/app"
    chmod 755 "$OUT_DIR/opt/app/bin/app"
    echo "docs" > "$OUT_DIR/opt/app/doc/README"
outputs:
  bin: ["/opt/app/bin/*"]
  doc: ["/opt/app/doc/**"]
bundles:
  default: [bin]
  all: [bin, doc]
`,
  };
}

/** Workspace A: the chain built with its hashes recorded, a key, and a published directory. */
async function publishedChain() {
  const greeting = new TextEncoder().encode("shared greetings\n");
  const tmp = await Deno.makeTempFile();
  await Deno.writeFile(tmp, greeting);
  const files = manifests(await sha256File(tmp));
  await Deno.remove(tmp);
  const a = await TestWorkspace.create(undefined, files);
  const built = await a.run(["build", "base", "app", "--update-hash", "--json"]);
  assert.equal(built.code, 0, built.stderr);
  assert.deepEqual(statuses(buildSummary(built)), { base: "built", app: "built" });

  const keyFile = a.path("cache.key");
  const generated = await a.run(["key", "generate", keyFile]);
  assert.equal(generated.code, 0, generated.stderr);
  const publicKey = generated.stdout.trim();
  assert.match(publicKey, /^[A-Za-z0-9+/]{43}=$/);
  assert.equal((await Deno.stat(keyFile)).mode! & 0o777, 0o600);
  const again = await a.run(["key", "generate", keyFile]);
  assert.equal(again.code, 2, "an existing key file must never be overwritten");

  const published = a.path("published");
  const publish = await a.run(["publish", published, "--key", keyFile]);
  assert.equal(publish.code, 0, publish.stderr);
  return {
    a,
    publicKey,
    published,
    keyFile,
    manifests: {
      base: await a.read("manifests/base.yaml"),
      app: await a.read("manifests/app.yaml"),
      greeting: "shared greetings\n",
    },
  };
}

/** A static HTTP server for `dir` on 127.0.0.1, stopped by disposal. */
async function serve(dir: string): Promise<{ url: string } & AsyncDisposable> {
  const probe = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const port = (probe.addr as Deno.NetAddr).port;
  probe.close();
  const child = new Deno.Command("python3", {
    args: ["-m", "http.server", "--bind", "127.0.0.1", String(port)],
    cwd: dir,
    stdout: "null",
    stderr: "null",
  }).spawn();
  const url = `http://127.0.0.1:${port}/`;
  const deadline = Date.now() + 20_000;
  while (true) {
    try {
      const response = await fetch(`${url}config`);
      await response.body?.cancel();
      if (response.ok) break;
    } catch {
      // Not listening yet.
    }
    if (Date.now() > deadline) assert.fail("the HTTP server did not start");
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  return {
    url,
    async [Symbol.asyncDispose]() {
      child.kill("SIGTERM");
      await child.status;
    },
  };
}

/** Workspace B: A's manifests and a substituter entry. */
async function consumer(
  manifestTexts: { base: string; app: string; greeting: string },
  substituter: string,
): Promise<TestWorkspace> {
  return await TestWorkspace.create(
    `manifests: [manifests]\nsource_date_epoch: 1704067200\nsubstituters:\n${substituter}`,
    {
      "manifests/greeting.txt": manifestTexts.greeting,
      "manifests/base.yaml": manifestTexts.base,
      "manifests/app.yaml": manifestTexts.app,
    },
  );
}

function entry(url: string, key: string, extra = ""): string {
  return `  - url: ${url}\n    keys: [${key}]\n${extra}`;
}

await e2eTest(
  "share: B substitutes A's published chain over HTTP; the program runs; provenance validates",
  TOOLS,
  async () => {
    const { a, publicKey, published, manifests } = await publishedChain();
    await using _a = a;
    await using server = await serve(published);
    await using b = await consumer(manifests, entry(server.url, publicKey));

    const build = await b.run(["build", "app", "--json"]);
    assert.equal(build.code, 0, build.stderr);
    const summary = buildSummary(build) as ReturnType<typeof buildSummary> & {
      substituted: number;
    };
    assert.equal(summary.built, 0, build.stderr);
    assert.equal(summary.substituted, 2);
    assert.deepEqual(statuses(summary), { base: "substituted", app: "substituted" });
    assert.doesNotMatch(build.stderr, /warning/);
    await b.assertFsckClean();
    // Same refs as A, and nothing of the staging repository is left.
    assert.deepEqual(await b.refs(), await a.refs());
    assert.deepEqual((await b.list(".2nex/cache/builds")).filter((n) => n !== "lock"), []);

    const checkout = b.path("checkout");
    const co = await b.run(["checkout", "app:default", checkout]);
    assert.equal(co.code, 0, co.stderr);
    const ran = await runTool(join(checkout, "opt/app/bin/app"), []);
    assert.equal(ran.stdout, "app says: shared greetings\n");

    // Each commit records its own content checksum and a workspace-relative manifest path.
    for (const part of ["tree", "outputs/bin", "outputs/doc", "bundles/all"]) {
      const ref = `x86_64/app/1.0/main/${part}`;
      assert.equal(
        await commitMetadata(b.repo, ref, "2nex.content-checksum"),
        await contentChecksum(b.repo, ref),
        ref,
      );
      assert.equal(await commitMetadata(b.repo, ref, "2nex.manifest"), "manifests/app.yaml");
    }
    assert.notEqual(
      await contentChecksum(b.repo, "x86_64/app/1.0/main/outputs/doc"),
      await contentChecksum(b.repo, "x86_64/app/1.0/main/tree"),
    );

    // A second build: all cached, nothing asked of the network that matters.
    const again = await b.run(["build", "app", "--json"]);
    assert.deepEqual(statuses(buildSummary(again)), { base: "cached", app: "cached" });

    // Provenance from the pulled commits: the SLSA statement validates and names
    // every source sha256 and dependency commit; no host path of A appears.
    const prov = await b.run(["provenance", "app"]);
    assert.equal(prov.code, 0, prov.stderr);
    const statement = JSON.parse(prov.stdout);
    await assertValid("in-toto-statement-v1", statement);
    await assertValid("slsa-provenance-v1", statement.predicate);
    const baseCommit = (await ostree([
      "rev-parse",
      `--repo=${b.repo}`,
      "x86_64/base/1.0/main/bundles/default",
    ])).trim();
    const deps = statement.predicate.buildDefinition.resolvedDependencies;
    assert.ok(
      deps.some((d: { annotations?: { ostreeCommit?: string } }) =>
        d.annotations?.ostreeCommit === baseCommit
      ),
      prov.stdout,
    );
    assert.ok(!prov.stdout.includes(a.dir), "provenance names a host path of A");
    const baseProv = JSON.parse((await b.run(["provenance", "base"])).stdout);
    const greetingSha = /sha256: ([0-9a-f]{64})/.exec(manifests.base)![1];
    assert.equal(
      baseProv.predicate.buildDefinition.resolvedDependencies[0].digest.sha256,
      greetingSha,
    );
    const sbom = await b.run(["provenance", "app", "--sbom"]);
    assert.equal(sbom.code, 0, sbom.stderr);
    const spdx = JSON.parse(sbom.stdout);
    await assertValid("spdx-2.3-required", spdx);
    assert.deepEqual(
      spdx.packages.map((p: { name: string }) => p.name).sort(),
      ["app", "base", "greeting"],
    );
  },
);

await e2eTest(
  "share: publish copies what is named; stock ostree pulls it; signatures are ostree's ed25519 form",
  TOOLS,
  async () => {
    const { a, publicKey, published, keyFile } = await publishedChain();
    await using _a = a;

    // Naming a package publishes it and what it depends on, nothing else.
    const onlyBase = a.path("only-base");
    const partial = await a.run(["publish", onlyBase, "base", "--key", keyFile]);
    assert.equal(partial.code, 0, partial.stderr);
    const baseRefs = (await ostree(["refs", `--repo=${onlyBase}`])).trim().split("\n").sort();
    assert.equal(baseRefs.length, 4, baseRefs.join("\n"));
    assert.match(baseRefs[0], /^2nex\/inputs\/[0-9a-f]{64}$/);
    assert.deepEqual(baseRefs.slice(1), [
      "x86_64/base/1.0/main/bundles/default",
      "x86_64/base/1.0/main/outputs/all",
      "x86_64/base/1.0/main/tree",
    ]);

    // The system ostree (any build) pulls over HTTP without verifying, and the
    // signatures it carries are ed25519 signatures of the exact bytes ostree
    // verifies: the commit object and the summary file. The test below has a
    // stock ostree verify them itself.
    await using server = await serve(published);
    const ref = "x86_64/app/1.0/main/tree";
    const repo = a.path("client-plain");
    await ostree(["init", `--repo=${repo}`, "--mode=bare-user-only"]);
    await ostree(["remote", "add", `--repo=${repo}`, "--no-gpg-verify", "cache", server.url]);
    await ostree(["pull", `--repo=${repo}`, "cache", ref]);
    const refs = await ostree(["remote", "refs", `--repo=${repo}`, "cache"]);
    assert.match(refs, /cache:2nex\/inputs\/[0-9a-f]{64}/);
    const commit = (await ostree(["rev-parse", `--repo=${repo}`, `cache:${ref}`])).trim();
    const shown = await ostree([
      "show",
      `--repo=${repo}`,
      "--print-detached-metadata-key=ostree.sign.ed25519",
      commit,
    ]);
    // An `aay` with one signature. GLib prints a byte array as a bytestring
    // when it happens to end in its only NUL byte, else as [byte 0x…]; the
    // bytestring is quoted with b"…" when it holds a single quote, else b'…'.
    // The bytes themselves are checked below, against the file itself.
    assert.match(shown, /^\[(\[byte 0x|b'|b")/);
    const object = await Deno.readFile(
      join(repo, "objects", commit.slice(0, 2), `${commit.slice(2)}.commit`),
    );
    const signatures = signaturesOf(await Deno.readFile(commitmetaPath(published, commit)));
    assert.equal(signatures.length, 1);
    assert.ok(verifyBytes(publicKey, object, signatures[0]));
    assert.ok(!verifyBytes(generateSigningKey().publicKey, object, signatures[0]));
    const summary = await Deno.readFile(join(published, "summary"));
    const summarySig = signaturesOf(await Deno.readFile(join(published, "summary.sig")));
    assert.ok(verifyBytes(publicKey, summary, summarySig[0]), "summary.sig does not verify");
  },
);

/**
 * A stock ostree built with ed25519 support, which Debian's 2022.7 lacks:
 * scripts/ostree-ed25519.sh builds Debian's source package with libsodium
 * into this prefix (the same default as the script's).
 */
const ED25519_OSTREE = join(
  Deno.env.get("TWONEX_OSTREE_ED25519_PREFIX") ?? "/opt/2nex-ostree-ed25519",
  "bin/ostree",
);

/** ostree's refusals of a summary and of a commit whose ed25519 signature is not the key's. */
const SUMMARY_REFUSED = /^error: ed25519: Signature couldn't be verified with: key/m;
const COMMIT_REFUSED = /^error: Can't verify commit: ed25519: Signature couldn't be verified/m;

await e2eTest(
  "share: stock ostree with sign-verify pulls with the right key; a wrong key, no signature, a tampered summary or commit signature fail",
  [...TOOLS, ED25519_OSTREE],
  async () => {
    const version = await runTool(ED25519_OSTREE, ["--version"]);
    assert.match(
      version.stdout,
      /^\s*- sign-ed25519$/m,
      `${ED25519_OSTREE} lacks ed25519 (scripts/ostree-ed25519.sh builds one)`,
    );
    const { a, publicKey, published } = await publishedChain();
    await using _a = a;
    const bundle = "x86_64/app/1.0/main/bundles/default";
    const commit = (await ostree(["rev-parse", `--repo=${published}`, bundle])).trim();

    /** A fresh repository with the remote `cache` at `dir` (served over HTTP), then `pull REF`. */
    const pull = async (dir: string, key: string, settings: string[] = []) => {
      await using server = await serve(dir);
      const repo = a.path(`client-${crypto.randomUUID()}`);
      const stock = (args: string[]) => runTool(ED25519_OSTREE, [...args, `--repo=${repo}`]);
      assert.equal((await stock(["init", "--mode=bare-user-only"])).code, 0);
      const added = await stock([
        "remote",
        "add",
        "--set=gpg-verify=false",
        "--set=sign-verify=true",
        "--set=sign-verify-summary=true",
        `--set=verification-ed25519-key=${key}`,
        ...settings,
        "cache",
        server.url,
      ]);
      assert.equal(added.code, 0, added.stderr);
      return { repo, stock, result: await stock(["pull", "cache", bundle]) };
    };

    // The right key: the pull succeeds and the pulled program runs from a checkout.
    const right = await pull(published, publicKey);
    assert.equal(right.result.code, 0, right.result.stderr);
    const pulled = await right.stock(["rev-parse", `cache:${bundle}`]);
    assert.equal(pulled.stdout.trim(), commit);
    const checkout = a.path("stock-checkout");
    const co = await right.stock(["checkout", "--user-mode", `cache:${bundle}`, checkout]);
    assert.equal(co.code, 0, co.stderr);
    const ran = await runTool(join(checkout, "opt/app/bin/app"), []);
    assert.equal(ran.stdout, "app says: shared greetings\n");

    // Another key: the summary's signature is refused, and with the summary not
    // verified, the commit's.
    const otherKey = generateSigningKey().publicKey;
    const wrong = await pull(published, otherKey);
    assert.notEqual(wrong.result.code, 0, "a pull verified with a wrong key succeeded");
    assert.match(wrong.result.stderr, SUMMARY_REFUSED);
    const wrongCommit = await pull(published, otherKey, ["--set=sign-verify-summary=false"]);
    assert.notEqual(wrongCommit.result.code, 0, "a commit signed by another key was accepted");
    assert.match(wrongCommit.result.stderr, COMMIT_REFUSED);

    // Published without a key: no summary.sig, and no commit signature.
    const unsigned = a.path("unsigned");
    const plain = await a.run(["publish", unsigned]);
    assert.equal(plain.code, 0, plain.stderr);
    const noSummarySig = await pull(unsigned, publicKey);
    assert.notEqual(noSummarySig.result.code, 0, "an unsigned summary was accepted");
    assert.match(noSummarySig.result.stderr, /summary\.sig/);
    const noCommitSig = await pull(unsigned, publicKey, ["--set=sign-verify-summary=false"]);
    assert.notEqual(noCommitSig.result.code, 0, "an unsigned commit was accepted");
    assert.match(noCommitSig.result.stderr, /without detached metadata/);

    // A summary changed after signing (a ref added, the old summary.sig kept).
    const tamperedSummary = a.path("tampered-summary");
    await runTool("cp", ["-a", published, tamperedSummary]);
    await ostree(["refs", `--repo=${tamperedSummary}`, `--create=extra`, commit]);
    await ostree(["summary", `--repo=${tamperedSummary}`, "--update"]);
    await Deno.copyFile(join(published, "summary.sig"), join(tamperedSummary, "summary.sig"));
    assert.notDeepEqual(
      await Deno.readFile(join(tamperedSummary, "summary")),
      await Deno.readFile(join(published, "summary")),
    );
    const badSummary = await pull(tamperedSummary, publicKey);
    assert.notEqual(badSummary.result.code, 0, "a tampered summary was accepted");
    assert.match(badSummary.result.stderr, SUMMARY_REFUSED);

    // The commit's signature replaced by one of another key over the same bytes.
    const tamperedCommit = a.path("tampered-commit");
    await runTool("cp", ["-a", published, tamperedCommit]);
    const object = await Deno.readFile(
      join(tamperedCommit, "objects", commit.slice(0, 2), `${commit.slice(2)}.commit`),
    );
    const intruder = generateSigningKey();
    await Deno.writeFile(
      commitmetaPath(tamperedCommit, commit),
      withSignature(undefined, signBytes(intruder.secret, object)),
    );
    const badCommit = await pull(tamperedCommit, publicKey, ["--set=sign-verify-summary=false"]);
    assert.notEqual(badCommit.result.code, 0, "a commit signed by an intruder was accepted");
    assert.match(badCommit.result.stderr, COMMIT_REFUSED);
    // The intruder's own key does verify it: the refusal above is the key's, not the format's.
    const intruderPull = await pull(tamperedCommit, intruder.publicKey, [
      "--set=sign-verify-summary=false",
    ]);
    assert.equal(intruderPull.result.code, 0, intruderPull.result.stderr);
  },
);

/** The detached metadata file of `commit` in the archive repository `repo`. */
function commitmetaPath(repo: string, commit: string): string {
  return join(repo, "objects", commit.slice(0, 2), `${commit.slice(2)}.commitmeta`);
}

await e2eTest(
  "share: a tampered object, a wrong key, a hash B does not expect and a silent server are refused",
  TOOLS,
  async () => {
    const { a, publicKey, published, manifests } = await publishedChain();
    await using _a = a;

    // A flipped byte in one file object of app: ostree refuses it while pulling.
    const tampered = a.path("tampered");
    await runTool("cp", ["-a", published, tampered]);
    const appFile = await fileObjectOf(tampered, a.repo, "x86_64/app/1.0/main/tree");
    const bytes = await Deno.readFile(appFile);
    bytes[bytes.length - 5] ^= 0xff;
    await Deno.writeFile(appFile, bytes);
    await using tamperedServer = await serve(tampered);
    await refusedCase(
      manifests,
      entry(tamperedServer.url, publicKey),
      /substituter http:\/\/127\.0\.0\.1:\d+\/: download refused: .*; app@1\.0 \(main\) will be built locally/,
      { base: "substituted", app: "built" },
      0,
    );

    await using server = await serve(published);
    // A key that did not sign these results.
    await refusedCase(
      manifests,
      entry(server.url, generateSigningKey().publicKey),
      /: commit [0-9a-f]{64} is not signed by a trusted key .*; base@1\.0 \(main\) will be built locally/,
      { base: "built", app: "built" },
      0,
    );

    // B expects another hash for app: the published result is refused, the local
    // build gives A's hash again, which B's manifest refuses too (exit 3).
    const other = "0".repeat(64);
    const wrongHash = {
      ...manifests,
      app: manifests.app.replace(/checksum: [0-9a-f]{64}/, `checksum: ${other}`),
    };
    assert.notEqual(wrongHash.app, manifests.app);
    await refusedCase(
      wrongHash,
      entry(server.url, publicKey),
      /: hash mismatch: the result's content checksum is [0-9a-f]{64}, the manifest expects 0{64}; app@1\.0 \(main\) will be built locally/,
      { base: "substituted", app: "mismatch" },
      3,
    );

    // A server that accepts connections and never answers: the timeout, then a local build.
    const silent = Deno.listen({ hostname: "127.0.0.1", port: 0 });
    const held: Deno.Conn[] = [];
    const accepting = (async () => {
      for await (const conn of silent) held.push(conn);
    })();
    try {
      const url = `http://127.0.0.1:${(silent.addr as Deno.NetAddr).port}/`;
      const started = performance.now();
      await refusedCase(
        manifests,
        entry(url, publicKey, "    timeout: 2\n"),
        /: no answer within 2 s \(timeout\); base@1\.0 \(main\) will be built locally/,
        { base: "built", app: "built" },
        0,
      );
      // Asked once per run, not once per package.
      assert.ok(performance.now() - started < 60_000);
    } finally {
      silent.close();
      for (const conn of held) conn.close();
      await accepting.catch(() => {});
    }
  },
);

/** Builds app in a fresh B; asserts the warning, the statuses, the exit code and fsck. */
async function refusedCase(
  manifestTexts: { base: string; app: string; greeting: string },
  substituter: string,
  warning: RegExp,
  expected: Record<string, string>,
  code: number,
): Promise<void> {
  await using b = await consumer(manifestTexts, substituter);
  const build = await b.run(["build", "app", "--json"]);
  assert.match(build.stderr, warning);
  assert.deepEqual(statuses(buildSummary(build)), expected, build.stderr);
  assert.equal(build.code, code, build.stderr);
  await b.assertFsckClean();
}

/** The path in archive repository `archive` of a file object of `ref`'s tree in `repo`. */
async function fileObjectOf(archive: string, repo: string, ref: string): Promise<string> {
  const listing = await ostree(["ls", `--repo=${repo}`, "-R", "-C", ref]);
  const file = listing.split("\n").map((line) => line.trim().split(/\s+/))
    .find((fields) => fields[0].startsWith("-"));
  assert.ok(file, `no regular file in:\n${listing}`);
  const checksum = file[4];
  assert.match(checksum, /^[0-9a-f]{64}$/);
  return join(archive, "objects", checksum.slice(0, 2), `${checksum.slice(2)}.filez`);
}

await e2eTest(
  "share: a tree with `semantics: original` substitutes against its original checksums",
  ["ostree", "bwrap", "python3", "busybox", "bash", "ldd"],
  async () => {
    const fixture = join(repoRoot, "tests/fixtures/workspaces/original");
    const files = await filesOf(fixture, fixture);
    const config = new TextDecoder().decode(files["2nex.yaml"]);
    delete files["2nex.yaml"];
    await using a = await TestWorkspace.create(config, files);
    const built = await a.run(["build", "inetutils", "--json"]);
    assert.equal(built.code, 0, built.stderr);
    const keyFile = a.path("cache.key");
    const publicKey = (await a.run(["key", "generate", keyFile])).stdout.trim();
    const publish = await a.run(["publish", a.path("published"), "--key", keyFile]);
    assert.equal(publish.code, 0, publish.stderr);
    await using server = await serve(a.path("published"));

    await using b = await TestWorkspace.create(
      `${config}substituters:\n${entry(server.url, publicKey)}`,
      files,
    );
    const build = await b.run(["build", "inetutils", "--json"]);
    assert.equal(build.code, 0, build.stderr);
    const summary = buildSummary(build);
    assert.equal(summary.built, 0, build.stderr);
    for (const [slug, status] of Object.entries(statuses(summary))) {
      assert.equal(status, "substituted", `${slug}: ${build.stderr}`);
    }
    assert.doesNotMatch(build.stderr, /warning: substituter/);
    await b.assertFsckClean();
  },
);

/** Every file under `dir`, by path relative to `root`. */
async function filesOf(dir: string, root: string): Promise<Record<string, Uint8Array>> {
  const files: Record<string, Uint8Array> = {};
  for await (const item of Deno.readDir(dir)) {
    const path = join(dir, item.name);
    if (item.isDirectory) Object.assign(files, await filesOf(path, root));
    else files[relative(root, path)] = await Deno.readFile(path);
  }
  return files;
}
