/**
 * fetchSources against a scripted HTTP server on 127.0.0.1. The server speaks
 * raw HTTP/1.1 over TCP so that tests can drop a connection mid-body or stall.
 */
import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { join } from "node:path";
import { cachedPath, tempDir } from "../../lib/source/cache.ts";
import {
  type FetchEvent,
  type FetchItem,
  type FetchOptions,
  fetchSources,
} from "../../lib/source/fetch.ts";
import { FailureError, InvalidInputError, type TwonexError } from "../../lib/util/errors.ts";

const encoder = new TextEncoder();
const sha256 = (data: string | Uint8Array) => createHash("sha256").update(data).digest("hex");

type Handler = (conn: Deno.Conn, server: TestServer) => Promise<void>;

/** A loopback HTTP server whose routes write whatever bytes a test needs. */
class TestServer {
  readonly routes = new Map<string, Handler>();
  /** Paths requested, in order. */
  readonly requests: string[] = [];
  inFlight = 0;
  maxInFlight = 0;
  readonly #listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  readonly #conns = new Set<Deno.Conn>();
  readonly #handlers = new Set<Promise<void>>();
  readonly #closing = Promise.withResolvers<void>();
  readonly #accepting: Promise<void>;

  constructor() {
    this.#accepting = this.#accept();
  }

  get base(): string {
    return `http://127.0.0.1:${this.#listener.addr.port}`;
  }

  url(path: string): string {
    return this.base + path;
  }

  /** Resolves when the server shuts down: lets a stalling route wait without a timer. */
  get closing(): Promise<void> {
    return this.#closing.promise;
  }

  /** Serves `body` with status 200 at `path`. */
  file(path: string, body: string | Uint8Array): this {
    this.routes.set(path, (conn) => respond(conn, 200, {}, body));
    return this;
  }

  async close(): Promise<void> {
    this.#closing.resolve();
    this.#listener.close();
    for (const conn of this.#conns) closeQuietly(conn);
    await this.#accepting;
    await Promise.allSettled(this.#handlers);
  }

  async #accept() {
    try {
      for await (const conn of this.#listener) {
        this.#conns.add(conn);
        const handling = this.#serve(conn).finally(() => {
          this.#conns.delete(conn);
          this.#handlers.delete(handling);
          closeQuietly(conn);
        });
        this.#handlers.add(handling);
      }
    } catch {
      // The listener was closed.
    }
  }

  async #serve(conn: Deno.Conn) {
    const path = await readRequestPath(conn);
    if (path === undefined) return;
    this.requests.push(path);
    this.inFlight++;
    this.maxInFlight = Math.max(this.maxInFlight, this.inFlight);
    try {
      const handler = this.routes.get(path);
      if (handler) await handler(conn, this);
      else await respond(conn, 404, {}, "not found");
    } catch {
      // The client went away; that is what several tests provoke.
    } finally {
      this.inFlight--;
    }
  }
}

function closeQuietly(conn: Deno.Conn) {
  try {
    conn.close();
  } catch {
    // Already closed.
  }
}

async function readRequestPath(conn: Deno.Conn): Promise<string | undefined> {
  const buffer = new Uint8Array(16 * 1024);
  let text = "";
  while (!text.includes("\r\n\r\n")) {
    const n = await conn.read(buffer).catch(() => null);
    if (n === null) return undefined;
    text += new TextDecoder().decode(buffer.subarray(0, n));
  }
  return text.split(" ")[1];
}

async function writeAll(conn: Deno.Conn, data: Uint8Array) {
  for (let offset = 0; offset < data.length;) offset += await conn.write(data.subarray(offset));
}

/** Writes a complete response and lets the connection close (no keep-alive). */
async function respond(
  conn: Deno.Conn,
  status: number,
  headers: Record<string, string>,
  body: string | Uint8Array = "",
) {
  const bytes = typeof body === "string" ? encoder.encode(body) : body;
  await writeHead(conn, status, { "content-length": String(bytes.length), ...headers });
  await writeAll(conn, bytes);
}

async function writeHead(conn: Deno.Conn, status: number, headers: Record<string, string>) {
  const lines = [`HTTP/1.1 ${status} X`, "connection: close"];
  for (const [name, value] of Object.entries(headers)) lines.push(`${name}: ${value}`);
  await writeAll(conn, encoder.encode(lines.join("\r\n") + "\r\n\r\n"));
}

/** A workspace with a cache dir, removed afterwards, and a server closed afterwards. */
async function withSetup(body: (ctx: Context) => Promise<void>) {
  const dir = await Deno.makeTempDir({ prefix: "2nex-source-fetch-" });
  const server = new TestServer();
  const events: FetchEvent[] = [];
  const options: FetchOptions = {
    cacheDir: join(dir, "cache"),
    workspaceDir: join(dir, "ws"),
    mirrors: [],
    offline: false,
    retryDelayMs: 1,
    timeoutMs: 5000,
    onEvent: (event) => events.push(event),
  };
  await Deno.mkdir(join(dir, "ws", "manifests", "m4"), { recursive: true });
  try {
    await body({ dir, server, options, events, manifestDir: join(dir, "ws", "manifests", "m4") });
  } finally {
    await server.close();
    await Deno.remove(dir, { recursive: true });
  }
}

interface Context {
  dir: string;
  server: TestServer;
  options: FetchOptions;
  events: FetchEvent[];
  manifestDir: string;
}

function urlItem(ctx: Context, name: string, url: string, hash: string): FetchItem {
  return { name, sha256: hash, url, manifestDir: ctx.manifestDir };
}

/** Nothing under sources/sha256 and an empty (or missing) temp dir. */
function assertCacheEmpty(cacheDir: string) {
  for (const sub of ["sha256", "tmp"]) {
    let names: string[] = [];
    try {
      names = [...Deno.readDirSync(join(cacheDir, "sources", sub))].map((e) => e.name);
    } catch (error) {
      if (!(error instanceof Deno.errors.NotFound)) throw error;
    }
    assert.deepEqual(names, [], `sources/${sub} must be empty`);
  }
}

async function rejectsWith(
  promise: Promise<unknown>,
  kind: typeof FailureError | typeof InvalidInputError,
): Promise<TwonexError> {
  const error = await promise.then(() => undefined, (e) => e);
  assert.ok(error instanceof kind, `expected ${kind.name}, got ${error}`);
  return error;
}

const BODY = "the quick brown fox\n".repeat(1000);
const BODY_SHA = sha256(BODY);

Deno.test("downloads, verifies and caches a URL source; the second time uses the cache", async () => {
  await withSetup(async (ctx) => {
    ctx.server.file("/pkg/foo-1.0.tar.gz", BODY);
    const item = urlItem(ctx, "foo", ctx.server.url("/pkg/foo-1.0.tar.gz"), BODY_SHA);
    const result = await fetchSources([item], ctx.options);
    const path = cachedPath(ctx.options.cacheDir, BODY_SHA);
    assert.deepEqual(result, new Map([[BODY_SHA, path]]));
    assert.equal(await Deno.readTextFile(path), BODY);
    assert.deepEqual([...Deno.readDirSync(tempDir(ctx.options.cacheDir))], []);

    await fetchSources([item], ctx.options);
    assert.deepEqual(ctx.server.requests, ["/pkg/foo-1.0.tar.gz"]);
    assert.equal(ctx.events.at(-1)?.kind, "cached");
  });
});

Deno.test("a wrong sha256 is exit 1 naming the URL and both hashes, and caches nothing", async () => {
  await withSetup(async (ctx) => {
    ctx.server.file("/foo.tar.gz", BODY);
    const expected = sha256("something else");
    const url = ctx.server.url("/foo.tar.gz");
    const item = {
      ...urlItem(ctx, "foo", url, expected),
      position: { file: "m.yaml", line: 7, col: 5 },
    };
    const error = await rejectsWith(fetchSources([item], ctx.options), FailureError);
    assert.equal(error.exitCode, 1);
    assert.match(error.message, new RegExp(expected));
    assert.match(error.message, new RegExp(BODY_SHA));
    assert.ok(error.message.includes(url), error.message);
    assert.deepEqual(error.position, item.position);
    assert.deepEqual(ctx.server.requests, ["/foo.tar.gz"], "a mismatch is not retried");
    assertCacheEmpty(ctx.options.cacheDir);
  });
});

Deno.test("a connection dropped mid-body leaves nothing; with a retry the next attempt wins", async () => {
  await withSetup(async (ctx) => {
    let attempts = 0;
    ctx.server.routes.set("/drop.tar", async (conn) => {
      attempts++;
      if (attempts === 2) return await respond(conn, 200, {}, BODY);
      await writeHead(conn, 200, { "content-length": String(BODY.length) });
      await writeAll(conn, encoder.encode(BODY.slice(0, 5000)));
      // Returning closes the connection with the body incomplete.
    });
    const item = urlItem(ctx, "drop", ctx.server.url("/drop.tar"), BODY_SHA);
    const error = await rejectsWith(
      fetchSources([item], { ...ctx.options, retries: 0 }),
      FailureError,
    );
    assert.ok(error.message.includes(ctx.server.url("/drop.tar")), error.message);
    assertCacheEmpty(ctx.options.cacheDir);

    await fetchSources([item], { ...ctx.options, retries: 1 });
    assert.equal(attempts, 2);
    assert.equal(await Deno.readTextFile(cachedPath(ctx.options.cacheDir, BODY_SHA)), BODY);
    assert.deepEqual([...Deno.readDirSync(tempDir(ctx.options.cacheDir))], []);
  });
});

Deno.test("a server that stalls mid-body or before answering hits the idle timeout", async () => {
  await withSetup(async (ctx) => {
    ctx.server.routes.set("/stall-body", async (conn, server) => {
      await writeHead(conn, 200, { "content-length": String(BODY.length) });
      await writeAll(conn, encoder.encode(BODY.slice(0, 100)));
      await server.closing;
    });
    ctx.server.routes.set("/stall-head", async (_conn, server) => await server.closing);
    for (const path of ["/stall-body", "/stall-head"]) {
      const started = Date.now();
      const item = urlItem(ctx, "slow", ctx.server.url(path), BODY_SHA);
      const options = { ...ctx.options, timeoutMs: 200, retries: 1 };
      const error = await rejectsWith(fetchSources([item], options), FailureError);
      assert.match(error.message, /no data for 0\.2 s/);
      assert.ok(Date.now() - started < 3000, "the timeout must end the download");
      assertCacheEmpty(ctx.options.cacheDir);
    }
    assert.deepEqual(ctx.server.requests, [
      "/stall-body",
      "/stall-body",
      "/stall-head",
      "/stall-head",
    ]);
  });
});

Deno.test("redirects are followed; a redirect loop stops at the limit", async () => {
  await withSetup(async (ctx) => {
    ctx.server.file("/real/foo.tar", BODY);
    ctx.server.routes.set("/a", (conn) => respond(conn, 301, { location: "/b" }));
    ctx.server.routes.set(
      "/b",
      (conn) => respond(conn, 302, { location: ctx.server.url("/real/foo.tar") }),
    );
    ctx.server.routes.set("/loop", (conn) => respond(conn, 307, { location: "/loop" }));

    await fetchSources([urlItem(ctx, "foo", ctx.server.url("/a"), BODY_SHA)], ctx.options);
    assert.deepEqual(ctx.server.requests, ["/a", "/b", "/real/foo.tar"]);

    const loop = urlItem(ctx, "loop", ctx.server.url("/loop"), sha256("x"));
    const options = { ...ctx.options, maxRedirects: 3 };
    const error = await rejectsWith(fetchSources([loop], options), FailureError);
    assert.match(error.message, /more than 3 redirects/);
    assert.equal(ctx.server.requests.filter((p) => p === "/loop").length, 4);
  });
});

Deno.test("503 is retried with backoff until it succeeds; 404 is not retried", async () => {
  await withSetup(async (ctx) => {
    let calls = 0;
    ctx.server.routes.set("/busy.tar", (conn) => {
      calls++;
      return calls <= 2 ? respond(conn, 503, {}, "busy") : respond(conn, 200, {}, BODY);
    });
    await fetchSources([urlItem(ctx, "busy", ctx.server.url("/busy.tar"), BODY_SHA)], ctx.options);
    assert.equal(calls, 3);
    const retries = ctx.events.filter((e) => e.kind === "retry");
    assert.deepEqual(retries.map((e) => e.kind === "retry" && e.delayMs), [1, 2]);

    const missing = urlItem(ctx, "gone", ctx.server.url("/gone.tar"), sha256("gone"));
    const error = await rejectsWith(fetchSources([missing], ctx.options), FailureError);
    assert.match(error.message, /HTTP 404/);
    assert.equal(ctx.server.requests.filter((p) => p === "/gone.tar").length, 1);
  });
});

Deno.test("mirrors are tried in order by file name before the source's URL", async () => {
  await withSetup(async (ctx) => {
    const vendor = join(ctx.dir, "vendor");
    await Deno.mkdir(vendor);
    await Deno.writeTextFile(join(vendor, "foo 1.0.tar"), "stale content");
    ctx.server.file("/m2/foo%201.0.tar", BODY);
    ctx.server.file("/upstream/foo%201.0.tar", BODY);
    const options: FetchOptions = {
      ...ctx.options,
      mirrors: [
        { kind: "dir", path: vendor },
        { kind: "url", prefix: ctx.server.url("/m1/") },
        { kind: "url", prefix: ctx.server.url("/m2/") },
      ],
    };
    const item = urlItem(ctx, "foo", ctx.server.url("/upstream/foo%201.0.tar"), BODY_SHA);
    await fetchSources([item], options);
    assert.deepEqual(ctx.server.requests, ["/m1/foo%201.0.tar", "/m2/foo%201.0.tar"]);
    const skipped = ctx.events.filter((e) => e.kind === "skipped").map((e) =>
      "from" in e && e.from
    );
    assert.deepEqual(skipped, [join(vendor, "foo 1.0.tar"), ctx.server.url("/m1/foo%201.0.tar")]);

    // A good copy in the directory mirror means no request at all.
    await Deno.remove(ctx.options.cacheDir, { recursive: true });
    await Deno.writeTextFile(join(vendor, "foo 1.0.tar"), BODY);
    ctx.server.requests.length = 0;
    await fetchSources([item], options);
    assert.deepEqual(ctx.server.requests, []);
  });
});

Deno.test("file: sources are found relative to the manifest, the workspace, or a mirror", async () => {
  await withSetup(async (ctx) => {
    const ws = ctx.options.workspaceDir;
    const vendor = join(ctx.dir, "vendor");
    await Deno.mkdir(join(ctx.manifestDir, "patches"));
    await Deno.mkdir(join(ws, "shared"));
    await Deno.mkdir(vendor);
    await Deno.writeTextFile(join(ctx.manifestDir, "patches", "a.patch"), "patch a");
    await Deno.writeTextFile(join(ws, "shared", "b.patch"), "patch b");
    await Deno.writeTextFile(join(vendor, "c.patch"), "patch c");
    const options = { ...ctx.options, mirrors: [{ kind: "dir" as const, path: vendor }] };
    const item = (name: string, file: string, content: string): FetchItem => ({
      name,
      file,
      sha256: sha256(content),
      manifestDir: ctx.manifestDir,
    });
    const items = [
      item("a", "patches/a.patch", "patch a"),
      item("b", "shared/b.patch", "patch b"),
      item("c", "patches/c.patch", "patch c"),
    ];
    const result = await fetchSources(items, options);
    for (
      const [content, it] of [["patch a", items[0]], ["patch b", items[1]], [
        "patch c",
        items[2],
      ]] as const
    ) {
      assert.equal(await Deno.readTextFile(result.get(it.sha256)!), content);
    }

    const missing = item("d", "patches/d.patch", "patch d");
    const error = await rejectsWith(fetchSources([missing], options), FailureError);
    assert.match(error.message, /source "d" \(patches\/d\.patch\)/);
    assert.ok(error.message.includes(join(ctx.manifestDir, "patches", "d.patch")), error.message);
    assert.ok(error.message.includes(join(vendor, "d.patch")), error.message);
    assert.deepEqual(ctx.server.requests, []);
  });
});

Deno.test("a local file outside the workspace and its mirrors is never read or hashed", async () => {
  await withSetup(async (ctx) => {
    const ws = ctx.options.workspaceDir;
    const vendor = join(ctx.dir, "vendor");
    const outside = join(ctx.dir, "outside");
    await Deno.mkdir(vendor);
    await Deno.mkdir(outside);
    const secret = join(outside, "shadow");
    await Deno.writeTextFile(secret, "secret", { mode: 0o600 });
    await Deno.symlink(secret, join(ctx.manifestDir, "link.patch"));
    await Deno.mkdir(join(ws, "up"));
    await Deno.symlink("../../outside", join(ws, "up", "dir"));
    // A mirror entry that leads outside is skipped just the same.
    await Deno.symlink(secret, join(vendor, "mirrored.tar"));
    const options = {
      ...ctx.options,
      offline: true,
      mirrors: [{ kind: "dir" as const, path: vendor }],
    };
    const cases: FetchItem[] = [
      { name: "abs", file: secret, sha256: BODY_SHA, manifestDir: ctx.manifestDir },
      { name: "link", file: "link.patch", sha256: BODY_SHA, manifestDir: ctx.manifestDir },
      { name: "dir", file: "up/dir/shadow", sha256: BODY_SHA, manifestDir: ctx.manifestDir },
      { name: "own hash", file: secret, sha256: sha256("secret"), manifestDir: ctx.manifestDir },
      urlItem(ctx, "mirror", "https://h.example/mirrored.tar", sha256("secret")),
    ];
    for (const item of cases) {
      const error = await rejectsWith(fetchSources([item], options), FailureError);
      const text = `${error.message}\n${error.hint}`;
      assert.match(text, /outside the workspace and its mirror directories/, item.name);
      if (item.sha256 !== sha256("secret")) {
        assert.ok(!text.includes(sha256("secret")), `hash printed for ${item.name}: ${text}`);
      }
      assertCacheEmpty(ctx.options.cacheDir);
    }
    assert.ok(!ctx.events.some((e) => e.kind === "skipped" && e.actualSha256 !== undefined));

    // Inside the workspace, through a symlink that stays inside: found.
    await Deno.writeTextFile(join(ws, "real.patch"), BODY);
    await Deno.symlink("../../real.patch", join(ctx.manifestDir, "inside.patch"));
    const inside: FetchItem = {
      name: "inside",
      file: "inside.patch",
      sha256: BODY_SHA,
      manifestDir: ctx.manifestDir,
    };
    const result = await fetchSources([inside], options);
    assert.equal(await Deno.readTextFile(result.get(BODY_SHA)!), BODY);
  });
});

Deno.test("offline never connects, and says what to do about a missing source", async () => {
  await withSetup(async (ctx) => {
    ctx.server.file("/foo.tar", BODY);
    const vendor = join(ctx.dir, "vendor");
    await Deno.mkdir(vendor);
    const options: FetchOptions = {
      ...ctx.options,
      offline: true,
      mirrors: [{ kind: "url", prefix: ctx.server.url("/m/") }, { kind: "dir", path: vendor }],
    };
    const item = urlItem(ctx, "foo", ctx.server.url("/foo.tar"), BODY_SHA);
    const error = await rejectsWith(fetchSources([item], options), FailureError);
    assert.match(error.message, /not in the cache or a mirror/);
    assert.ok(error.message.includes(ctx.server.url("/foo.tar")));
    assert.match(error.hint ?? "", /2nex fetch/);
    assertCacheEmpty(ctx.options.cacheDir);

    await Deno.writeTextFile(join(vendor, "foo.tar"), BODY);
    await fetchSources([item], options);
    assert.deepEqual(ctx.server.requests, [], "offline must not open a connection");
  });
});

Deno.test("identical sha256s are fetched once; concurrency is bounded", async () => {
  await withSetup(async (ctx) => {
    const items: FetchItem[] = [];
    for (let i = 0; i < 6; i++) {
      const body = `body ${i}`;
      ctx.server.routes.set(`/f${i}`, async (conn) => {
        await new Promise((resolve) => setTimeout(resolve, 30));
        await respond(conn, 200, {}, body);
      });
      items.push(urlItem(ctx, `s${i}`, ctx.server.url(`/f${i}`), sha256(body)));
    }
    items.push(urlItem(ctx, "again", ctx.server.url("/f0"), sha256("body 0")));
    const result = await fetchSources(items, { ...ctx.options, concurrency: 2 });
    assert.equal(result.size, 6);
    assert.equal(ctx.server.requests.length, 6);
    assert.equal(ctx.server.maxInFlight, 2);
  });
});

Deno.test("every failing source is reported, the others are still fetched", async () => {
  await withSetup(async (ctx) => {
    ctx.server.file("/ok.tar", BODY);
    const items = [
      urlItem(ctx, "bad1", ctx.server.url("/missing1"), sha256("1")),
      urlItem(ctx, "ok", ctx.server.url("/ok.tar"), BODY_SHA),
      urlItem(ctx, "bad2", ctx.server.url("/missing2"), sha256("2")),
    ];
    const error = await rejectsWith(fetchSources(items, ctx.options), FailureError);
    assert.match(error.message, /^2 sources could not be fetched/);
    assert.match(error.message, /"bad1"/);
    assert.match(error.message, /"bad2"/);
    assert.equal(await Deno.readTextFile(cachedPath(ctx.options.cacheDir, BODY_SHA)), BODY);
  });
});

Deno.test("invalid items are input errors (exit 2) before anything is fetched", async () => {
  await withSetup(async (ctx) => {
    const base = { name: "x", manifestDir: ctx.manifestDir };
    const cases: FetchItem[] = [
      { ...base, sha256: "ABC", url: ctx.server.url("/x") },
      { ...base, sha256: BODY_SHA },
      { ...base, sha256: BODY_SHA, url: ctx.server.url("/x"), file: "x" },
      { ...base, sha256: BODY_SHA, url: "ftp://h.example/x" },
    ];
    for (const item of cases) {
      const error = await rejectsWith(fetchSources([item], ctx.options), InvalidInputError);
      assert.equal(error.exitCode, 2);
    }
    assert.deepEqual(ctx.server.requests, []);
  });
});

Deno.test("aborting stops a stalled download at once and removes its temp file", async () => {
  await withSetup(async (ctx) => {
    ctx.server.routes.set("/stall", async (conn, server) => {
      await writeHead(conn, 200, { "content-length": String(BODY.length) });
      await writeAll(conn, encoder.encode(BODY.slice(0, 100)));
      await server.closing;
    });
    const controller = new AbortController();
    const item = urlItem(ctx, "stall", ctx.server.url("/stall"), BODY_SHA);
    const fetching = fetchSources([item], { ...ctx.options, signal: controller.signal });
    while (!ctx.events.some((e) => e.kind === "progress")) {
      await new Promise((resolve) => setTimeout(resolve, 5));
    }
    controller.abort(new Error("interrupted"));
    await assert.rejects(fetching, /interrupted/);
    assertCacheEmpty(ctx.options.cacheDir);
  });
});
