/**
 * Hostile sources (issue 14, items 4 and 5): a manifest must not make 2nex read
 * a host file outside the workspace and its mirrors (`file:` with an absolute
 * path, or through a symlink), print that file's hash, or write a host file
 * through a source URL whose last segment decodes to a path (`%2e%2e%2f…`).
 * Each case checks that the outside file is untouched and its hash never shown.
 */
import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { join } from "node:path";
import {
  assertNoStackTrace,
  e2eTest,
  type PackageSpec,
  packageYaml,
  TestWorkspace,
} from "../helpers/e2e.ts";

const TOOLS = ["ostree", "bwrap"];
const SECRET = "root:$y$j9T$not-a-real-hash:19000:0:99999:7:::\n";
const SECRET_SHA = sha256(SECRET);
const OTHER_SHA = sha256("something else");

function sha256(data: string | Uint8Array): string {
  return createHash("sha256").update(data).digest("hex");
}

/** A directory outside every workspace holding a root-only file; removed after `fn`. */
async function withOutsideFile(
  fn: (dir: string, secret: string) => Promise<void>,
): Promise<void> {
  const dir = await Deno.makeTempDir({ prefix: "2nex-e2e-outside-" });
  try {
    const secret = join(dir, "shadow");
    await Deno.writeTextFile(secret, SECRET, { mode: 0o600 });
    await Deno.chmod(secret, 0o600);
    await fn(dir, secret);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

/** A package that copies its one source into its result. */
function copying(slug: string, source: NonNullable<PackageSpec["sources"]>[number]): string {
  return packageYaml({
    slug,
    sources: [source],
    script: `cp "$SOURCE_${source.name}" "$OUT_DIR/copy"`,
  });
}

/** Every file under the workspace whose bytes are the secret's (cache, results, checkouts). */
async function copiesOfSecret(ws: TestWorkspace): Promise<string[]> {
  const found: string[] = [];
  const walk = async (dir: string): Promise<void> => {
    for await (const entry of Deno.readDir(dir)) {
      const path = join(dir, entry.name);
      if (entry.isDirectory) await walk(path);
      else if (entry.isFile) {
        const info = await Deno.stat(path);
        if (info.size === SECRET.length && sha256(await Deno.readFile(path)) === SECRET_SHA) {
          found.push(path);
        }
      }
    }
  };
  await walk(ws.dir);
  return found;
}

/** The repository's refs; none when a refusal came before the repository was even created. */
async function refsIfAny(ws: TestWorkspace): Promise<string[]> {
  const exists = await Deno.stat(ws.repo).then(() => true, () => false);
  return exists ? await ws.refs() : [];
}

/** The checks every outside-file case shares: refused with a position, nothing copied or shown. */
async function assertRefused(
  ws: TestWorkspace,
  secret: string,
  slug: string,
  expectedSha: string,
): Promise<void> {
  const lint = await ws.run(["lint"]);
  assert.equal(lint.code, 2, `lint accepted it:\n${lint.stdout}${lint.stderr}`);
  assert.match(lint.stderr, new RegExp(`manifests/${slug}\\.yaml:\\d+:\\d+: error: `));
  assertNoStackTrace(lint.stderr);

  for (const args of [["build", slug], ["fetch", slug]]) {
    const result = await ws.run(args);
    assert.notEqual(result.code, 0, `${args.join(" ")} accepted it:\n${result.stderr}`);
    assertNoStackTrace(result.stderr);
    if (expectedSha !== SECRET_SHA) {
      assert.ok(
        !(result.stdout + result.stderr).includes(SECRET_SHA),
        `the outside file's hash was printed:\n${result.stderr}`,
      );
    }
  }
  assert.deepEqual(await copiesOfSecret(ws), []);
  assert.deepEqual(await refsIfAny(ws), []);
  assert.equal(await Deno.readTextFile(secret), SECRET);
  assert.equal((await Deno.stat(secret)).mode! & 0o777, 0o600);
}

for (const [label, expected] of [["a wrong", OTHER_SHA], ["its own", SECRET_SHA]] as const) {
  await e2eTest(
    `hostile sources: file: with an absolute path outside the workspace and ${label} sha256 is refused`,
    TOOLS,
    () =>
      withOutsideFile(async (_dir, secret) => {
        await using ws = await TestWorkspace.create();
        await ws.write(
          "manifests/abs.yaml",
          copying("abs", { name: "src", file: secret, sha256: expected }),
        );
        await assertRefused(ws, secret, "abs", expected);
      }),
  );

  await e2eTest(
    `hostile sources: file: through a symlink in the workspace to the outside and ${label} sha256 is refused`,
    TOOLS,
    () =>
      withOutsideFile(async (_dir, secret) => {
        await using ws = await TestWorkspace.create();
        await ws.write(
          "manifests/link.yaml",
          copying("link", { name: "src", file: "patches/fix.patch", sha256: expected }),
        );
        await Deno.mkdir(ws.path("manifests/patches"), { recursive: true });
        await Deno.symlink(secret, ws.path("manifests/patches/fix.patch"));
        await assertRefused(ws, secret, "link", expected);
      }),
  );
}

await e2eTest(
  "hostile sources: file: through a relative symlink chain that leaves the workspace is refused",
  TOOLS,
  () =>
    withOutsideFile(async (dir, secret) => {
      await using ws = await TestWorkspace.create();
      await ws.write(
        "manifests/chain.yaml",
        copying("chain", { name: "src", file: "a/first", sha256: OTHER_SHA }),
      );
      // manifests/a/first -> ../b/second -> <relative path up to the outside file>
      await Deno.mkdir(ws.path("manifests/a"), { recursive: true });
      await Deno.mkdir(ws.path("manifests/b"), { recursive: true });
      await Deno.symlink("../b/second", ws.path("manifests/a/first"));
      const up = "../".repeat(ws.path("manifests/b").split("/").length - 1);
      await Deno.symlink(`${up}${dir.slice(1)}/shadow`, ws.path("manifests/b/second"));
      assert.equal(await Deno.readTextFile(ws.path("manifests/a/first")), SECRET);
      await assertRefused(ws, secret, "chain", OTHER_SHA);
    }),
);

await e2eTest(
  "hostile sources: a file: source inside the workspace, also through a symlink that stays inside, builds",
  TOOLS,
  async () => {
    await using ws = await TestWorkspace.create();
    const text = "a patch kept next to the manifest\n";
    await ws.write("patches/real.patch", text);
    await Deno.mkdir(ws.path("manifests/patches"), { recursive: true });
    await Deno.symlink("../../patches/real.patch", ws.path("manifests/patches/fix.patch"));
    await ws.write(
      "manifests/inside.yaml",
      copying("inside", { name: "src", file: "patches/fix.patch", sha256: sha256(text) }),
    );
    const lint = await ws.run(["lint"]);
    assert.equal(lint.code, 0, lint.stdout + lint.stderr);
    const build = await ws.run(["build", "inside"]);
    assert.equal(build.code, 0, build.stderr);
    assert.equal(await ws.run(["checkout", "inside", "out"]).then((r) => r.code), 0);
    assert.equal(await ws.read("out/copy"), text);
  },
);

/** A loopback server that answers every path with `payload`. */
function startServer(payload: Uint8Array<ArrayBuffer>) {
  const paths: string[] = [];
  const server = Deno.serve({ hostname: "127.0.0.1", port: 0, onListen() {} }, (request) => {
    paths.push(new URL(request.url).pathname);
    return new Response(payload, { headers: { "content-length": String(payload.length) } });
  });
  return { server, base: `http://127.0.0.1:${server.addr.port}`, paths };
}

/** `%2e%2e%2f` enough times to climb from any build tree to "/", then `target` with "/" encoded. */
function climbingSegment(target: string): string {
  return "%2e%2e%2f".repeat(40) + target.slice(1).replaceAll("/", "%2f");
}

for (const existing of [true, false]) {
  await e2eTest(
    `hostile sources: a URL whose last segment decodes to ../ cannot write ${
      existing ? "over an existing" : "a new"
    } host file`,
    TOOLS,
    async () => {
      const payload = new TextEncoder().encode("bytes chosen by the manifest's author\n");
      const { server, base } = startServer(payload);
      const outside = await Deno.makeTempDir({ prefix: "2nex-e2e-victim-" });
      try {
        const victim = join(outside, "victim");
        const original = "the host's own file\n";
        if (existing) await Deno.writeTextFile(victim, original);
        await using ws = await TestWorkspace.create();
        const url = `${base}/good/${climbingSegment(victim)}`;
        await ws.write(
          "manifests/climb.yaml",
          copying("climb", { name: "src", url, sha256: sha256(payload) }),
        );

        const lint = await ws.run(["lint"]);
        assert.equal(lint.code, 2, `lint accepted it:\n${lint.stdout}${lint.stderr}`);
        assert.match(lint.stderr, /manifests\/climb\.yaml:\d+:\d+: error: /);
        const build = await ws.run(["build", "climb"]);
        assert.notEqual(build.code, 0, `build accepted it:\n${build.stderr}`);
        assertNoStackTrace(build.stderr);

        if (existing) assert.equal(await Deno.readTextFile(victim), original);
        else await assert.rejects(Deno.lstat(victim), Deno.errors.NotFound);
        const left = (await Array.fromAsync(Deno.readDir(outside))).map((entry) => entry.name);
        assert.deepEqual(left, existing ? ["victim"] : []);
        assert.deepEqual(await refsIfAny(ws), []);
      } finally {
        await server.shutdown();
        await Deno.remove(outside, { recursive: true });
      }
    },
  );
}

await e2eTest(
  "hostile sources: a mirror directory is never read through a URL name that decodes to ../",
  TOOLS,
  () =>
    withOutsideFile(async (_dir, secret) => {
      await using ws = await TestWorkspace.create(
        "manifests: [manifests]\nmirrors: [mirror]\nsource_date_epoch: 1704067200\n",
      );
      await Deno.mkdir(ws.path("mirror"), { recursive: true });
      // No server: offline, a mirror is the only place a source could come from.
      const url = `http://127.0.0.1:9/good/${climbingSegment(secret)}`;
      await ws.write(
        "manifests/mirrored.yaml",
        copying("mirrored", { name: "src", url, sha256: OTHER_SHA }),
      );
      const build = await ws.run(["build", "--offline", "mirrored"]);
      assert.notEqual(build.code, 0, build.stderr);
      assertNoStackTrace(build.stderr);
      assert.ok(!(build.stdout + build.stderr).includes(SECRET_SHA), build.stderr);
      assert.deepEqual(await copiesOfSecret(ws), []);
    }),
);
