/**
 * Streaming a large source: a 200 MB body generated on the fly by a loopback
 * server must reach the cache without the process's memory growing with it.
 * Also prints throughput figures (download + hash + write; local import).
 *
 * Slow-ish (a few seconds, 400 MB of disk writes), so it runs only when
 * TWONEX_LARGE_TESTS=1 (`deno task test:e2e` with that variable set).
 */
import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { join } from "node:path";
import { cachedPath, importFile, tempDir } from "../../lib/source/cache.ts";
import { fetchSources } from "../../lib/source/fetch.ts";

const SIZE_MB = 200;
const CHUNK = 1024 * 1024;
const MB = 1024 * 1024;
const enabled = Deno.env.get("TWONEX_LARGE_TESTS") === "1";

/** Chunk `index` of the generated body: a fixed pattern stamped with its index, so no two chunks are equal. */
function chunkAt(index: number, pattern: Uint8Array): Uint8Array {
  const chunk = pattern.slice();
  new DataView(chunk.buffer).setUint32(0, index);
  return chunk;
}

function makePattern(): Uint8Array {
  const pattern = new Uint8Array(CHUNK);
  for (let i = 0; i < CHUNK; i++) pattern[i] = (i * 31 + (i >> 8)) & 0xff;
  return pattern;
}

function expectedSha256(pattern: Uint8Array): string {
  const hash = createHash("sha256");
  for (let i = 0; i < SIZE_MB; i++) hash.update(chunkAt(i, pattern));
  return hash.digest("hex");
}

/** Samples RSS every few milliseconds; `peak` is the highest value seen. */
function rssSampler() {
  let peak = Deno.memoryUsage().rss;
  const timer = setInterval(() => {
    peak = Math.max(peak, Deno.memoryUsage().rss);
  }, 5);
  return {
    stop(): number {
      clearInterval(timer);
      return Math.max(peak, Deno.memoryUsage().rss);
    },
  };
}

Deno.test({
  name: `a ${SIZE_MB} MB download streams to the cache in bounded memory`,
  ignore: !enabled,
  async fn() {
    const pattern = makePattern();
    const sha256 = expectedSha256(pattern);
    const dir = await Deno.makeTempDir({ prefix: "2nex-source-large-" });
    const server = Deno.serve({ hostname: "127.0.0.1", port: 0, onListen() {} }, () => {
      let index = 0;
      const body = new ReadableStream<Uint8Array>({
        pull(controller) {
          if (index === SIZE_MB) controller.close();
          else controller.enqueue(chunkAt(index++, pattern));
        },
      });
      return new Response(body, { headers: { "content-length": String(SIZE_MB * CHUNK) } });
    });
    try {
      const url = `http://127.0.0.1:${server.addr.port}/big.tar`;
      const cacheDir = join(dir, "cache");
      const before = Deno.memoryUsage().rss;
      const sampler = rssSampler();
      const started = performance.now();
      await fetchSources([{ name: "big", url, sha256, manifestDir: dir }], {
        cacheDir,
        workspaceDir: dir,
        mirrors: [],
        offline: false,
      });
      const seconds = (performance.now() - started) / 1000;
      const growth = (sampler.stop() - before) / MB;
      const path = cachedPath(cacheDir, sha256);
      assert.equal((await Deno.stat(path)).size, SIZE_MB * CHUNK);
      assert.deepEqual([...Deno.readDirSync(tempDir(cacheDir))], []);
      console.log(
        `download+hash+write: ${SIZE_MB} MB in ${seconds.toFixed(2)} s ` +
          `(${(SIZE_MB / seconds).toFixed(0)} MB/s), peak RSS growth ${growth.toFixed(1)} MB`,
      );
      assert.ok(growth < 100, `RSS grew by ${growth.toFixed(1)} MB`);

      // The local path (directory mirrors, file: sources): hash while copying.
      const otherCache = join(dir, "cache2");
      const importSampler = rssSampler();
      const importBefore = Deno.memoryUsage().rss;
      const importStarted = performance.now();
      assert.equal(await importFile(otherCache, path, sha256), sha256);
      const importSeconds = (performance.now() - importStarted) / 1000;
      const importGrowth = (importSampler.stop() - importBefore) / MB;
      console.log(
        `local import (read+hash+write+fsync): ${SIZE_MB} MB in ${importSeconds.toFixed(2)} s ` +
          `(${(SIZE_MB / importSeconds).toFixed(0)} MB/s), peak RSS growth ` +
          `${importGrowth.toFixed(1)} MB`,
      );
      assert.ok(importGrowth < 100, `RSS grew by ${importGrowth.toFixed(1)} MB`);
    } finally {
      await server.shutdown();
      await Deno.remove(dir, { recursive: true });
    }
  },
});
