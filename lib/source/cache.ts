/**
 * The content-addressed source cache: `<cacheDir>/sources/sha256/<hex>`.
 *
 * A file enters the cache only through a temp file in `<cacheDir>/sources/tmp/`
 * that is hashed while it is written and renamed into place once its sha256
 * matches. So a path under `sources/sha256/` always holds exactly the bytes its
 * name promises, whatever happens to the process; a crash leaves at most a temp
 * file, which {@link cleanTemp} removes later.
 *
 * @example
 * ```ts
 * const cacheDir = ".2nex/cache";
 * const expected = "b0d8bd2c4ac1f0a1e1d1cf8a7cb1edab5f3b3e52e6e0d23f0bc27aeb2b0c8a17";
 * const chunk = new TextEncoder().encode("m4 source");
 * const sink = await HashingTempFile.create(tempDir(cacheDir), "m4");
 * try {
 *   await sink.write(chunk);
 *   const actual = await sink.finish();
 *   if (actual === expected) await sink.commit(cachedPath(cacheDir, expected));
 * } finally {
 *   await sink.discard();
 * }
 * ```
 * @module
 */
import { createHash, type Hash } from "node:crypto";
import { join } from "node:path";
import { guardIo, InvalidInputError } from "../util/mod.ts";

/** What 2nex is doing when writing the source cache fails. */
const WRITING_CACHE = "writing to the source cache";

const SHA256_HEX = /^[0-9a-f]{64}$/;

/** True when `value` is a sha256 written as 64 lowercase hex digits. */
export function isSha256(value: string): boolean {
  return SHA256_HEX.test(value);
}

/** `<cacheDir>/sources`: everything the source cache owns. */
export function sourcesDir(cacheDir: string): string {
  return join(cacheDir, "sources");
}

/** `<cacheDir>/sources/tmp`: where downloads and copies are written before they are verified. */
export function tempDir(cacheDir: string): string {
  return join(sourcesDir(cacheDir), "tmp");
}

/** The path a verified file with this sha256 has in the cache (whether or not it is there yet). */
export function cachedPath(cacheDir: string, sha256: string): string {
  if (!isSha256(sha256)) {
    // Callers validate manifests first; reaching this is a programming error, but a
    // path built from an unchecked string must never escape the cache directory.
    throw new InvalidInputError(`not a sha256 (64 lowercase hex digits): "${sha256}"`);
  }
  return join(sourcesDir(cacheDir), "sha256", sha256);
}

/** True when the cache holds a file for this sha256. */
export async function has(cacheDir: string, sha256: string): Promise<boolean> {
  try {
    return (await Deno.stat(cachedPath(cacheDir, sha256))).isFile;
  } catch (error) {
    if (error instanceof Deno.errors.NotFound) return false;
    throw error;
  }
}

/**
 * Removes temp files left in `sources/tmp` by interrupted downloads.
 * Only safe while no other process writes to the cache (the caller holds the
 * cache lock), unless `minAgeMs` restricts it to files nobody has touched for
 * that long. Returns how many files were removed.
 */
export async function cleanTemp(cacheDir: string, options: { minAgeMs?: number } = {}) {
  const dir = tempDir(cacheDir);
  const now = Date.now();
  let removed = 0;
  let entries: Deno.DirEntry[];
  try {
    entries = await Array.fromAsync(Deno.readDir(dir));
  } catch (error) {
    if (error instanceof Deno.errors.NotFound) return 0;
    throw error;
  }
  for (const entry of entries) {
    const path = join(dir, entry.name);
    if (options.minAgeMs !== undefined) {
      const info = await Deno.lstat(path).catch(() => undefined);
      const modified = info?.mtime?.getTime() ?? 0;
      if (info === undefined || now - modified < options.minAgeMs) continue;
    }
    try {
      await Deno.remove(path, { recursive: true });
      removed++;
    } catch (error) {
      if (!(error instanceof Deno.errors.NotFound)) throw error;
    }
  }
  return removed;
}

/** Bytes gathered before one write to a temp file. */
const WRITE_BUFFER_SIZE = 1024 * 1024;

/**
 * A temp file that hashes every byte written to it. The owner calls
 * {@link HashingTempFile.discard} in a `finally`: after a successful
 * {@link HashingTempFile.commit} it does nothing, otherwise it removes the file.
 */
export class HashingTempFile {
  readonly path: string;
  #file: Deno.FsFile | undefined;
  #hash: Hash = createHash("sha256");
  #digest: string | undefined;
  #bytes = 0;
  #committed = false;
  readonly #buffer = new Uint8Array(WRITE_BUFFER_SIZE);
  #buffered = 0;

  private constructor(path: string, file: Deno.FsFile) {
    this.path = path;
    this.#file = file;
  }

  /** Creates a new, empty temp file in `dir` (created if missing); `label` only helps a human reading the directory. */
  static async create(dir: string, label: string): Promise<HashingTempFile> {
    const safeLabel = label.replace(/[^A-Za-z0-9._-]/g, "_").slice(0, 64);
    const path = join(dir, `${safeLabel}.${crypto.randomUUID()}.part`);
    const file = await guardIo(WRITING_CACHE, path, async () => {
      await Deno.mkdir(dir, { recursive: true });
      return await Deno.open(path, { write: true, createNew: true, mode: 0o644 });
    });
    return new HashingTempFile(path, file);
  }

  /** Bytes written so far. */
  get bytes(): number {
    return this.#bytes;
  }

  /**
   * Hashes and appends a chunk. Small chunks (a network body arrives in pieces
   * of 16–64 KiB) are gathered into one buffer first: fewer, larger writes.
   * The chunk may be reused by the caller as soon as the promise resolves.
   */
  async write(chunk: Uint8Array): Promise<void> {
    this.#open();
    this.#hash.update(chunk);
    this.#bytes += chunk.length;
    if (this.#buffered + chunk.length > this.#buffer.length) await this.#flush();
    if (chunk.length >= this.#buffer.length) {
      await this.#writeAll(chunk);
    } else {
      this.#buffer.set(chunk, this.#buffered);
      this.#buffered += chunk.length;
    }
  }

  /** Flushes the file to disk, closes it and returns the sha256 (lowercase hex) of what was written. */
  async finish(): Promise<string> {
    if (this.#digest !== undefined) return this.#digest;
    await this.#flush();
    const file = this.#open();
    // Synced before the rename so that after a power loss a cached name never
    // points at a short or empty file.
    await guardIo(WRITING_CACHE, this.path, () => file.sync());
    file.close();
    this.#file = undefined;
    this.#digest = this.#hash.digest("hex");
    return this.#digest;
  }

  /** Renames the finished file to `destination` (same filesystem), read-only. */
  async commit(destination: string, mode = 0o444): Promise<void> {
    if (this.#digest === undefined) throw new Error("HashingTempFile.commit before finish");
    await guardIo(WRITING_CACHE, destination, async () => {
      await Deno.chmod(this.path, mode);
      await Deno.mkdir(join(destination, ".."), { recursive: true });
      await Deno.rename(this.path, destination);
    });
    this.#committed = true;
  }

  /** Closes and removes the temp file unless it was committed. Never throws. */
  async discard(): Promise<void> {
    if (this.#file !== undefined) {
      try {
        this.#file.close();
      } catch {
        // Already closed by a failed write; removing it below is what matters.
      }
      this.#file = undefined;
    }
    if (this.#committed) return;
    await Deno.remove(this.path).catch(() => {});
  }

  async #flush(): Promise<void> {
    if (this.#buffered === 0) return;
    await this.#writeAll(this.#buffer.subarray(0, this.#buffered));
    this.#buffered = 0;
  }

  /** Writes all of `data`, even if the OS accepts it piecewise. */
  async #writeAll(data: Uint8Array): Promise<void> {
    const file = this.#open();
    await guardIo(WRITING_CACHE, this.path, async () => {
      for (let offset = 0; offset < data.length;) {
        offset += await file.write(data.subarray(offset));
      }
    });
  }

  #open(): Deno.FsFile {
    if (this.#file === undefined) throw new Error("HashingTempFile used after finish/discard");
    return this.#file;
  }
}

/** Bytes read per call when streaming a local file. */
const READ_BUFFER_SIZE = 1024 * 1024;

/**
 * The contents of a local file, in chunks of up to 1 MiB. Every chunk is a view
 * of one reused buffer (about twice as fast here as `FsFile.readable`'s 64 KiB
 * chunks), so a consumer must be done with a chunk before asking for the next.
 */
export async function* readFileChunks(path: string): AsyncGenerator<Uint8Array> {
  using file = await Deno.open(path, { read: true });
  const buffer = new Uint8Array(READ_BUFFER_SIZE);
  for (;;) {
    const count = await file.read(buffer);
    if (count === null) return;
    yield buffer.subarray(0, count);
  }
}

/** Streams `stream` through a new temp file in `dir`; the caller owns (and must discard) the result. */
export async function writeStreamToTemp(
  stream: AsyncIterable<Uint8Array>,
  dir: string,
  label: string,
  onChunk?: (bytes: number) => void,
): Promise<{ temp: HashingTempFile; sha256: string }> {
  const temp = await HashingTempFile.create(dir, label);
  try {
    for await (const chunk of stream) {
      await temp.write(chunk);
      onChunk?.(temp.bytes);
    }
    return { temp, sha256: await temp.finish() };
  } catch (error) {
    await temp.discard();
    throw error;
  }
}

/**
 * Copies a local file into the cache if (and only if) its sha256 is `expected`,
 * reading it once. Returns the actual sha256; the cache path exists afterwards
 * exactly when it equals `expected`.
 */
export async function importFile(
  cacheDir: string,
  source: string,
  expected: string,
): Promise<string> {
  const input = await Deno.open(source, { read: true });
  const { temp, sha256 } = await writeStreamToTemp(input.readable, tempDir(cacheDir), expected);
  try {
    if (sha256 === expected) await temp.commit(cachedPath(cacheDir, expected));
    return sha256;
  } finally {
    await temp.discard();
  }
}

/** The sha256 (lowercase hex) of a file, streamed. */
export async function hashFile(path: string): Promise<string> {
  const hash = createHash("sha256");
  for await (const chunk of readFileChunks(path)) hash.update(chunk);
  return hash.digest("hex");
}
