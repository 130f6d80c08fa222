/**
 * Sources at the CLI level (SPEC section 7), served by a loopback HTTP server
 * the test runs: a wrong sha256 fails and caches nothing; a download cut short
 * is retried and leaves no partial file; `vendor DIR` then `build --offline` in
 * another workspace with DIR as its mirror works with no network permission at all.
 */
import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { join } from "node:path";
import {
  assertNoStackTrace,
  buildSummary,
  e2eTest,
  packageYaml,
  statuses,
  TestWorkspace,
} from "../helpers/e2e.ts";

const PAYLOAD = new TextEncoder().encode("a source file served over HTTP\n".repeat(4096));
const PAYLOAD_SHA = createHash("sha256").update(PAYLOAD).digest("hex");
const OTHER_SHA = createHash("sha256").update("something else").digest("hex");

/** A loopback server: /payload-1.0.txt always whole, /flaky-1.0.txt cut short on its first request. */
function startServer() {
  const requests = new Map<string, number>();
  const server = Deno.serve({ hostname: "127.0.0.1", port: 0, onListen() {} }, (request) => {
    const path = new URL(request.url).pathname;
    const count = (requests.get(path) ?? 0) + 1;
    requests.set(path, count);
    const headers = { "content-length": String(PAYLOAD.length) };
    if (path === "/payload-1.0.txt") return new Response(PAYLOAD, { headers });
    if (path === "/flaky-1.0.txt") {
      if (count > 1) return new Response(PAYLOAD, { headers });
      // Half the body, then the end: shorter than its content-length.
      const body = new ReadableStream<Uint8Array>({
        start(controller) {
          controller.enqueue(PAYLOAD.subarray(0, PAYLOAD.length / 2));
          setTimeout(() => controller.close(), 20);
        },
      });
      return new Response(body, { headers });
    }
    return new Response("not found", { status: 404 });
  });
  const base = `http://127.0.0.1:${server.addr.port}`;
  return { server, base, requests };
}

/** A package that copies its one URL source into its result. */
function fetching(slug: string, url: string, sha256: string): string {
  return packageYaml({
    slug,
    sources: [{ name: "src", url, sha256 }],
    script: `cp "$SOURCE_src" "$OUT_DIR/source.txt"`,
  });
}

await e2eTest("sources: a wrong sha256 exits 1 and leaves nothing in the cache", [
  "ostree",
  "bwrap",
], async () => {
  const { server, base } = startServer();
  try {
    await using ws = await TestWorkspace.create();
    const url = `${base}/payload-1.0.txt`;
    await ws.write("manifests/wrong.yaml", fetching("wrong", url, OTHER_SHA));
    const result = await ws.run(["build", "wrong"]);
    assert.equal(result.code, 1, result.stderr);
    assert.ok(result.stderr.includes(url), result.stderr);
    assert.ok(result.stderr.includes(OTHER_SHA), result.stderr);
    assert.ok(result.stderr.includes(PAYLOAD_SHA), result.stderr);
    assertNoStackTrace(result.stderr);
    assert.deepEqual(await ws.list(".2nex/cache/sources/sha256"), []);
    assert.deepEqual(await ws.list(".2nex/cache/sources/tmp"), []);
    assert.deepEqual(await ws.refs(), []);
  } finally {
    await server.shutdown();
  }
});

await e2eTest("sources: a source that fails to fetch stops only what depends on it", [
  "ostree",
  "bwrap",
], async () => {
  const { server, base } = startServer();
  try {
    await using ws = await TestWorkspace.create();
    await ws.write(
      "manifests/wrong.yaml",
      fetching("wrong", `${base}/payload-1.0.txt`, OTHER_SHA),
    );
    await ws.write(
      "manifests/unrelated.yaml",
      packageYaml({ slug: "unrelated", script: `echo fine > "$OUT_DIR/fine"` }),
    );
    const result = await ws.run(["build", "wrong", "unrelated", "--json"]);
    assert.equal(result.code, 1, result.stderr);
    assert.ok(result.stderr.includes(PAYLOAD_SHA), result.stderr);
    // SPEC: a failure stops only what depends on it; the unrelated package still builds.
    assert.deepEqual(statuses(buildSummary(result)), { wrong: "failed", unrelated: "built" });
    assert.ok((await ws.refs()).includes("x86_64/unrelated/1.0/main/tree"));
  } finally {
    await server.shutdown();
  }
});

await e2eTest("sources: a download cut short is retried and leaves no partial file", [
  "ostree",
  "bwrap",
], async () => {
  const { server, base, requests } = startServer();
  try {
    await using ws = await TestWorkspace.create();
    await ws.write("manifests/flaky.yaml", fetching("flaky", `${base}/flaky-1.0.txt`, PAYLOAD_SHA));
    const result = await ws.run(["build", "flaky", "--json"]);
    assert.equal(result.code, 0, result.stderr);
    assert.deepEqual(statuses(buildSummary(result)), { flaky: "built" });
    assert.equal(requests.get("/flaky-1.0.txt"), 2);
    assert.deepEqual(await ws.list(".2nex/cache/sources/sha256"), [PAYLOAD_SHA]);
    assert.deepEqual(await ws.list(".2nex/cache/sources/tmp"), []);
  } finally {
    await server.shutdown();
  }
});

await e2eTest(
  "sources: vendor DIR, then build --offline from that mirror with no network permission",
  [
    "ostree",
    "bwrap",
  ],
  async () => {
    const { server, base, requests } = startServer();
    let serverUp = true;
    try {
      const manifest = fetching("offline", `${base}/payload-1.0.txt`, PAYLOAD_SHA);
      await using online = await TestWorkspace.create();
      await online.write("manifests/offline.yaml", manifest);
      const vendorDir = online.path("vendored");
      const vendored = await online.run(["vendor", vendorDir, "offline"]);
      assert.equal(vendored.code, 0, vendored.stderr);
      assert.equal(requests.get("/payload-1.0.txt"), 1);
      assert.deepEqual(await online.list("vendored"), ["SHA256SUMS", "payload-1.0.txt"]);
      assert.match(
        await online.read("vendored/SHA256SUMS"),
        new RegExp(`${PAYLOAD_SHA}\\s+\\*?payload-1.0.txt`),
      );

      // The source's URL is dead from here on: only the mirror can provide it.
      await server.shutdown();
      serverUp = false;
      await using offline = await TestWorkspace.create(
        `manifests: [manifests]\nsource_date_epoch: 1704067200\nmirrors: [${
          JSON.stringify(vendorDir)
        }]\n`,
      );
      await offline.write("manifests/offline.yaml", manifest);
      const noNet = { withoutFlags: ["--allow-net"] };
      const built = await offline.run(["build", "--offline", "offline", "--json"], noNet);
      assert.equal(built.code, 0, built.stderr);
      assert.deepEqual(statuses(buildSummary(built)), { offline: "built" });
      const dir = offline.path("checkout");
      assert.equal((await offline.run(["checkout", "offline", dir], noNet)).code, 0);
      assert.deepEqual(await Deno.readFile(join(dir, "source.txt")), PAYLOAD);

      // Without the mirror, the same offline build says what is missing and fails cleanly.
      await offline.write("2nex.yaml", "manifests: [manifests]\nsource_date_epoch: 1704067200\n");
      await Deno.remove(offline.path(".2nex/cache/sources"), { recursive: true });
      const missing = await offline.run(["build", "--offline", "offline", "--rebuild"], noNet);
      assert.equal(missing.code, 1, missing.stderr);
      assert.match(missing.stderr, /--offline/);
      assertNoStackTrace(missing.stderr);
    } finally {
      if (serverUp) await server.shutdown();
    }
  },
);

await e2eTest(
  "sources: a mirror directory that is a symlink to a directory outside the workspace is read",
  ["ostree", "bwrap"],
  async () => {
    await using ws = await TestWorkspace.create(
      "manifests: [manifests]\nsource_date_epoch: 1704067200\nmirrors: [vendor/]\n",
    );
    // The shared vendor directory lies outside the workspace; vendor/ links to it.
    const shared = await Deno.makeTempDir({ prefix: "2nex-shared-vendor-" });
    try {
      await Deno.writeFile(join(shared, "payload-1.0.txt"), PAYLOAD);
      await Deno.symlink(shared, ws.path("vendor"));
      await ws.write(
        "manifests/linked.yaml",
        fetching("linked", "http://127.0.0.1:9/payload-1.0.txt", PAYLOAD_SHA),
      );
      const built = await ws.run(["build", "--offline", "linked", "--json"]);
      assert.equal(built.code, 0, built.stderr);
      assert.deepEqual(statuses(buildSummary(built)), { linked: "built" });

      // Reading through the linked mirror grants no more: a file in it that links
      // out of the shared directory is still refused, and nothing of it is cached.
      const outside = await Deno.makeTempDir({ prefix: "2nex-outside-" });
      try {
        const secret = new TextEncoder().encode("a host file outside every mirror\n");
        await Deno.writeFile(join(outside, "secret"), secret);
        await Deno.symlink(join(outside, "secret"), join(shared, "leak-1.0.txt"));
        const secretSha = createHash("sha256").update(secret).digest("hex");
        await ws.write(
          "manifests/leak.yaml",
          fetching("leak", "http://127.0.0.1:9/leak-1.0.txt", secretSha),
        );
        const leaked = await ws.run(["build", "--offline", "leak"]);
        assert.equal(leaked.code, 1, leaked.stderr);
        assert.match(leaked.stderr, /not read: outside the workspace and its mirror directories/);
        assertNoStackTrace(leaked.stderr);
        assert.ok(!(await ws.list(".2nex/cache/sources/sha256")).includes(secretSha));
      } finally {
        await Deno.remove(outside, { recursive: true });
      }
    } finally {
      await Deno.remove(shared, { recursive: true });
    }
  },
);
