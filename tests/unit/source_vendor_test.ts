/**
 * vendorSources, offline builds from a vendor directory (also in a process that
 * has no net permission at all), and dropNetworkPermission.
 */
import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { join } from "node:path";
import type { FetchItem, FetchOptions } from "../../lib/source/fetch.ts";
import { fetchSources } from "../../lib/source/fetch.ts";
import { vendorSources } from "../../lib/source/vendor.ts";
import { InvalidInputError } from "../../lib/util/errors.ts";

const sha256 = (data: string) => createHash("sha256").update(data).digest("hex");
const MOD_URL = new URL("../../lib/source/mod.ts", import.meta.url).href;

interface Context {
  dir: string;
  base: string;
  /** Paths the server was asked for. */
  requests: string[];
  options: FetchOptions;
  items: FetchItem[];
}

const FILES: Record<string, string> = {
  "/dl/foo-1.0.tar.gz": "foo tarball",
  "/other/bar%2B1.tar": "bar tarball",
};

/** A static loopback server, a workspace with one manifest dir, and three sources. */
async function withSetup(body: (ctx: Context) => Promise<void>) {
  const dir = await Deno.makeTempDir({ prefix: "2nex-source-vendor-" });
  const requests: string[] = [];
  const server = Deno.serve({ hostname: "127.0.0.1", port: 0, onListen() {} }, (request) => {
    const path = new URL(request.url).pathname;
    requests.push(path);
    const content = FILES[path];
    return new Response(content ?? "not found", { status: content === undefined ? 404 : 200 });
  });
  const base = `http://127.0.0.1:${server.addr.port}`;
  const manifestDir = join(dir, "ws", "manifests", "foo");
  await Deno.mkdir(join(manifestDir, "patches"), { recursive: true });
  await Deno.writeTextFile(join(manifestDir, "patches", "fix.patch"), "a patch");
  const items: FetchItem[] = [
    { name: "foo", url: `${base}/dl/foo-1.0.tar.gz`, sha256: sha256("foo tarball"), manifestDir },
    { name: "bar", url: `${base}/other/bar%2B1.tar`, sha256: sha256("bar tarball"), manifestDir },
    { name: "fix", file: "patches/fix.patch", sha256: sha256("a patch"), manifestDir },
  ];
  const options: FetchOptions = {
    cacheDir: join(dir, "cache"),
    workspaceDir: join(dir, "ws"),
    mirrors: [],
    offline: false,
    retryDelayMs: 1,
  };
  try {
    await body({ dir, base, requests, options, items });
  } finally {
    await server.shutdown();
    await Deno.remove(dir, { recursive: true });
  }
}

Deno.test("vendor writes files by mirror name and a merged, sorted SHA256SUMS", async () => {
  await withSetup(async (ctx) => {
    const vendor = join(ctx.dir, "vendor");
    await Deno.mkdir(vendor);
    const oldSum = sha256("old");
    await Deno.writeTextFile(join(vendor, "SHA256SUMS"), `${oldSum}  old-2.0.tar\n`);

    const first = await vendorSources(ctx.items, vendor, ctx.options);
    assert.deepEqual(
      first.files.map((f) => [f.name, f.status]),
      [["foo-1.0.tar.gz", "written"], ["bar+1.tar", "written"], ["fix.patch", "written"]],
    );
    assert.equal(await Deno.readTextFile(join(vendor, "bar+1.tar")), "bar tarball");
    assert.equal(
      await Deno.readTextFile(first.sumsPath),
      [
        `${sha256("bar tarball")}  bar+1.tar\n`,
        `${sha256("a patch")}  fix.patch\n`,
        `${sha256("foo tarball")}  foo-1.0.tar.gz\n`,
        `${oldSum}  old-2.0.tar\n`,
      ].join(""),
    );
    // Only temp files start with a dot; none may be left behind.
    assert.deepEqual([...Deno.readDirSync(vendor)].filter((e) => e.name.startsWith(".")), []);

    await Deno.writeTextFile(join(vendor, "fix.patch"), "tampered");
    const second = await vendorSources(ctx.items, vendor, ctx.options);
    assert.deepEqual(second.files.map((f) => f.status), ["present", "present", "replaced"]);
    assert.equal(await Deno.readTextFile(join(vendor, "fix.patch")), "a patch");
    assert.deepEqual(ctx.requests.toSorted(), ["/dl/foo-1.0.tar.gz", "/other/bar%2B1.tar"]);

    // The checksum file is in the format coreutils checks (drop the entry without a file).
    await Deno.writeTextFile(
      first.sumsPath,
      (await Deno.readTextFile(first.sumsPath)).replace(`${oldSum}  old-2.0.tar\n`, ""),
    );
    const check = await command("sha256sum", ["-c", "SHA256SUMS"], vendor);
    assert.equal(check.code, 0, check.stderr);
    assert.match(check.stdout, /foo-1\.0\.tar\.gz: OK/);
  });
});

Deno.test("two sources wanting one vendor file name with different hashes are an input error", async () => {
  await withSetup(async (ctx) => {
    const clash: FetchItem = {
      ...ctx.items[0],
      name: "foo_fork",
      url: `${ctx.base}/fork/foo-1.0.tar.gz`,
      sha256: sha256("forked"),
      position: { file: "fork.yaml", line: 9, col: 5 },
    };
    const error = await vendorSources([ctx.items[0], clash], join(ctx.dir, "v"), ctx.options)
      .then(() => undefined, (e) => e);
    assert.ok(error instanceof InvalidInputError, String(error));
    assert.match(error.message, /"foo" and "foo_fork" \(fork\.yaml:9:5\).*"foo-1\.0\.tar\.gz"/s);
    assert.deepEqual(ctx.requests, [], "the clash is found before anything is fetched");
  });
});

Deno.test("after vendoring, an offline fetch with an empty cache works from the vendor dir", async () => {
  await withSetup(async (ctx) => {
    const vendor = join(ctx.dir, "vendor");
    await vendorSources(ctx.items, vendor, ctx.options);
    const requestsAfterVendor = ctx.requests.length;
    const offline: FetchOptions = {
      ...ctx.options,
      cacheDir: join(ctx.dir, "fresh-cache"),
      offline: true,
      mirrors: [{ kind: "dir", path: vendor }],
    };
    // The file: source is looked up in the vendor dir too, so remove the original.
    await Deno.remove(join(ctx.items[2].manifestDir, "patches", "fix.patch"));
    const result = await fetchSources(ctx.items, offline);
    assert.equal(result.size, 3);
    for (const item of ctx.items) {
      assert.equal(
        sha256(await Deno.readTextFile(result.get(item.sha256)!)),
        item.sha256,
      );
    }
    assert.equal(ctx.requests.length, requestsAfterVendor);
  });
});

/** Runs a short-lived program to completion. */
async function command(program: string, args: string[], cwd: string) {
  const output = await new Deno.Command(program, { args, cwd, stdin: "null" }).output();
  const decoder = new TextDecoder();
  return {
    code: output.code,
    stdout: decoder.decode(output.stdout),
    stderr: decoder.decode(output.stderr),
  };
}

/** Runs a script in a fresh Deno process with exactly the given permission flags. */
async function runDeno(dir: string, script: string, flags: string[], args: string[]) {
  const path = join(dir, "script.ts");
  await Deno.writeTextFile(path, script);
  const result = await command(
    Deno.execPath(),
    ["run", "--no-config", "--no-prompt", ...flags, path, ...args],
    dir,
  );
  return { ...result, output: result.stdout.trim() === "" ? {} : JSON.parse(result.stdout) };
}

Deno.test("an offline fetch from a vendor dir needs no net permission at all", async () => {
  await withSetup(async (ctx) => {
    const vendor = join(ctx.dir, "vendor");
    await vendorSources(ctx.items.slice(0, 2), vendor, ctx.options);
    const script = `
      import { fetchSources } from ${JSON.stringify(MOD_URL)};
      const [cacheDir, vendor, items] = Deno.args;
      const net = (await Deno.permissions.query({ name: "net" })).state;
      const result = await fetchSources(JSON.parse(items), {
        cacheDir, workspaceDir: vendor, mirrors: [{ kind: "dir", path: vendor }], offline: true,
      });
      console.log(JSON.stringify({ net, paths: [...result.values()] }));
    `;
    const { code, stderr, output } = await runDeno(
      ctx.dir,
      script,
      ["--allow-read", "--allow-write"],
      [join(ctx.dir, "sub-cache"), vendor, JSON.stringify(ctx.items.slice(0, 2))],
    );
    assert.equal(code, 0, stderr);
    assert.equal(output.net, "prompt", "the subprocess must not have had net permission");
    assert.equal(output.paths.length, 2);
    assert.equal(await Deno.readTextFile(output.paths[0]), "foo tarball");
    assert.equal(await Deno.readTextFile(output.paths[1]), "bar tarball");
  });
});

Deno.test("after dropNetworkPermission a download is refused and no request arrives", async () => {
  await withSetup(async (ctx) => {
    const script = `
      import { dropNetworkPermission, fetchSources } from ${JSON.stringify(MOD_URL)};
      const [cacheDir, items] = Deno.args;
      const query = { name: "net", host: "127.0.0.1" } as const;
      const before = (await Deno.permissions.query(query)).state;
      await dropNetworkPermission();
      await dropNetworkPermission();
      const net = before + " -> " + (await Deno.permissions.query(query)).state;
      try {
        await fetchSources(JSON.parse(items), {
          cacheDir, workspaceDir: cacheDir, mirrors: [], offline: false, retries: 0,
        });
        console.log(JSON.stringify({ net, error: null }));
      } catch (error) {
        console.log(JSON.stringify({ net, error: error.message, exitCode: error.exitCode }));
      }
    `;
    const { code, stderr, output } = await runDeno(
      ctx.dir,
      script,
      ["--allow-read", "--allow-write", "--allow-net=127.0.0.1"],
      [join(ctx.dir, "sub-cache"), JSON.stringify(ctx.items.slice(0, 1))],
    );
    assert.equal(code, 0, stderr);
    assert.match(output.net, /^granted -> (denied|prompt)$/);
    assert.match(output.error, /network access is not permitted/);
    assert.equal(output.exitCode, 1);
    assert.deepEqual(ctx.requests, []);
  });
});
