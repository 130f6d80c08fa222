/**
 * A cache of loaded manifests, so that the second `lint`, `graph` or `build`
 * of a large workspace does not parse and validate the files that did not
 * change. An entry is keyed by the file's path and the sha256 of its bytes, so
 * an edit is always seen, whatever happened to its modification time. The
 * whole cache belongs to one fingerprint of the 2nex code that wrote it: a new
 * 2nex, or during development a changed validator, starts from an empty cache.
 *
 * The cache is an optimisation only: a missing, unreadable, corrupt or
 * unwritable cache file means loading everything, never an error.
 * @module
 */
import { createHash } from "node:crypto";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import type { LoadResult } from "./load.ts";
import { VERSION } from "../version.ts";

/** 2: positions of sources and dependencies without the file. */
const FORMAT = 2;

interface Entry {
  digest: string;
  result: LoadResult;
}

interface CacheFile {
  format: number;
  fingerprint: string;
  entries: Record<string, Entry>;
}

/** The sha256 of a file's bytes, in hex. */
export function digestBytes(bytes: Uint8Array): string {
  return createHash("sha256").update(bytes).digest("hex");
}

export class ManifestCache {
  /** Entries read from the file. */
  readonly #previous: Map<string, Entry>;
  /** Entries of the files loaded by this run: what `save` writes, with #serialized. */
  readonly #current = new Map<string, Entry>();
  /** Entries of this run serialised already: {@link EntriesPart}s, in UTF-8. */
  readonly #serialized: Uint8Array<ArrayBuffer>[] = [];
  #stored = 0;

  private constructor(
    readonly file: string,
    readonly fingerprint: string,
    previous: Map<string, Entry>,
  ) {
    this.#previous = previous;
  }

  /** Opens the cache at `file`; entries written under another fingerprint are ignored. */
  static open(file: string, fingerprint: string): ManifestCache {
    return new ManifestCache(file, fingerprint, readEntries(file, fingerprint));
  }

  /** True when the cache has a result for `path` (for some bytes). */
  has(path: string): boolean {
    return this.#previous.has(path);
  }

  /** The result cached for `path` when its bytes still have `digest`. */
  lookup(path: string, digest: string): LoadResult | undefined {
    const entry = this.#previous.get(path);
    if (!entry || entry.digest !== digest) return undefined;
    this.#current.set(path, entry);
    return entry.result;
  }

  /** Remembers the result of loading `path`, unless JSON could not carry it exactly. */
  store(path: string, digest: string, result: LoadResult): void {
    if (!isCacheable(result)) return;
    this.#current.set(path, { digest, result });
    this.#stored++;
  }

  /**
   * Remembers entries serialised by the caller ({@link EntriesPart.take}):
   * threads that load many files serialise what they load as they go, rather
   * than leave it all to `save`.
   */
  storeSerialized(part: SerializedEntries): void {
    if (part.count === 0) return;
    this.#serialized.push(part.bytes);
    this.#stored += part.count;
  }

  /**
   * Writes the entries of this run, replacing the file atomically, when
   * anything changed. The text is made at once and its write starts at once,
   * on another thread, so the caller can go on until it awaits the promise
   * (which never rejects); only the rename waits for that.
   */
  async save(): Promise<void> {
    const unchanged = this.#stored === 0 && this.#current.size === this.#previous.size;
    if (unchanged) return;
    const bytes = this.#bytes();
    // One name for every writer, so that a killed run leaves no litter: whatever
    // the interleaving, the renamed file is one writer's whole text or invalid JSON.
    const temporary = `${this.file}.tmp`;
    try {
      // Synchronous up to here: the write has started on another thread when
      // the caller gets the promise, not only when it awaits it.
      Deno.mkdirSync(dirname(this.file), { recursive: true });
      await Deno.writeFile(temporary, bytes);
      await Deno.rename(temporary, this.file);
    } catch {
      // A read-only workspace or a full disk: the next run loads everything again.
      await Deno.remove(temporary).catch(() => {});
    }
  }

  /** The file's JSON (a CacheFile) in UTF-8: the parts serialised already, then the other entries. */
  #bytes(): Uint8Array {
    const encoder = new TextEncoder();
    const header = encoder.encode(
      `{"format":${FORMAT},"fingerprint":${JSON.stringify(this.fingerprint)},"entries":{`,
    );
    // Entries in #current were checked when stored, or read back from the file.
    const others = new EntriesPart();
    for (const [path, { digest, result }] of this.#current) {
      others.addJson(path, digest, JSON.stringify(result));
    }
    const rest = others.take();
    const parts = rest.count > 0 ? [...this.#serialized, rest.bytes] : this.#serialized;
    const comma = encoder.encode(",");
    const pieces = [header];
    for (const [index, part] of parts.entries()) {
      if (index > 0) pieces.push(comma);
      pieces.push(part);
    }
    pieces.push(encoder.encode("}}"));
    const bytes = new Uint8Array(pieces.reduce((sum, piece) => sum + piece.length, 0));
    let offset = 0;
    for (const piece of pieces) {
      bytes.set(piece, offset);
      offset += piece.length;
    }
    return bytes;
  }
}

/** One entry of the cache file's `entries` object: `"PATH":{"digest":…,"result":RESULT_JSON}`. */
function entryText(path: string, digest: string, resultJson: string): string {
  return `${JSON.stringify(path)}:{"digest":${JSON.stringify(digest)},"result":${resultJson}}`;
}

/** Cache entries serialised together: `count` of them, comma-separated, in UTF-8. */
export interface SerializedEntries {
  bytes: Uint8Array<ArrayBuffer>;
  count: number;
}

/** Serialises loaded results for {@link ManifestCache.storeSerialized}. */
export class EntriesPart {
  readonly #texts: string[] = [];

  /** Adds the entry of `result`, unless JSON cannot carry it exactly ({@link isCacheable}). */
  add(path: string, digest: string, result: LoadResult): void {
    if (isCacheable(result)) this.addJson(path, digest, JSON.stringify(result));
  }

  /** Adds an entry whose result the caller checked with isCacheable and serialised. */
  addJson(path: string, digest: string, resultJson: string): void {
    this.#texts.push(entryText(path, digest, resultJson));
  }

  /** The entries added so far; the part is empty again afterwards. */
  take(): SerializedEntries {
    const part = {
      bytes: new TextEncoder().encode(this.#texts.join(",")),
      count: this.#texts.length,
    };
    this.#texts.length = 0;
    return part;
  }
}

/**
 * True when JSON carries `result` exactly. Only `vars` can hold values it
 * cannot (`.inf`, `.nan` and `-0` from YAML); every other field of a manifest
 * or diagnostic is text, a boolean or an integer, which a unit test checks by
 * a round trip of real manifests.
 */
export function isCacheable(result: LoadResult): boolean {
  return !result.manifest || isExactJson(result.manifest.vars);
}

function readEntries(file: string, fingerprint: string): Map<string, Entry> {
  let content: unknown;
  try {
    content = JSON.parse(Deno.readTextFileSync(file));
  } catch {
    return new Map();
  }
  if (!isCacheFile(content) || content.format !== FORMAT || content.fingerprint !== fingerprint) {
    return new Map();
  }
  const entries = new Map<string, Entry>();
  for (const [path, entry] of Object.entries(content.entries)) {
    if (isEntry(entry)) entries.set(path, entry);
  }
  return entries;
}

function isCacheFile(value: unknown): value is CacheFile {
  if (typeof value !== "object" || value === null) return false;
  const file = value as Partial<CacheFile>;
  return typeof file.format === "number" && typeof file.fingerprint === "string" &&
    typeof file.entries === "object" && file.entries !== null;
}

function isEntry(value: unknown): value is Entry {
  if (typeof value !== "object" || value === null) return false;
  const entry = value as Partial<Entry>;
  const result = entry.result as Partial<LoadResult> | undefined;
  return typeof entry.digest === "string" && typeof result === "object" && result !== null &&
    Array.isArray(result.diagnostics) &&
    (result.manifest === undefined || (typeof result.manifest === "object" &&
      result.manifest !== null && typeof result.manifest.path === "string"));
}

/**
 * True when `JSON.parse(JSON.stringify(value))` gives `value` back: plain
 * objects and arrays of text, booleans, null and finite numbers. (An absent
 * optional field, `undefined`, reads the same after the round trip.)
 */
function isExactJson(value: unknown, depth = 0): boolean {
  if (depth > 64) return false;
  switch (typeof value) {
    case "string":
    case "boolean":
    case "undefined":
      return true;
    case "number":
      return Number.isFinite(value) && !Object.is(value, -0);
    case "object": {
      if (value === null) return true;
      if (Array.isArray(value)) {
        return value.every((item) => item !== undefined && isExactJson(item, depth + 1));
      }
      const prototype = Object.getPrototypeOf(value);
      if (prototype !== Object.prototype && prototype !== null) return false;
      for (const key in value) {
        if (!isExactJson((value as Record<string, unknown>)[key], depth + 1)) return false;
      }
      return true;
    }
    default:
      return false;
  }
}

/**
 * A fingerprint of the code that loads manifests: the 2nex version and the
 * text of every module under lib/ (so that a changed validator never reads an
 * old cache), or, where the modules cannot be read (a compiled binary), the
 * size and time of the executable. Undefined when neither is known: no cache.
 */
export function codeFingerprint(): string | undefined {
  const hash = createHash("sha256").update(`2nex ${VERSION}\n`);
  try {
    const lib = fileURLToPath(new URL("../", import.meta.url));
    for (const file of moduleFiles(lib)) {
      hash.update(`${file}\n`).update(Deno.readFileSync(join(lib, file)));
    }
    return hash.digest("hex");
  } catch {
    try {
      const executable = Deno.statSync(Deno.execPath());
      return hash.update(`${executable.size} ${executable.mtime?.getTime()}`).digest("hex");
    } catch {
      return undefined;
    }
  }
}

/** The .ts files below `dir`, relative, sorted. */
function moduleFiles(dir: string, prefix = ""): string[] {
  const files: string[] = [];
  for (const entry of Deno.readDirSync(join(dir, prefix))) {
    const relative = prefix === "" ? entry.name : `${prefix}/${entry.name}`;
    if (entry.isDirectory) files.push(...moduleFiles(dir, relative));
    else if (entry.name.endsWith(".ts")) files.push(relative);
  }
  return files.sort();
}
