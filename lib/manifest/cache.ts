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
  /** Entries found by lookup: written by `save`, after the new ones. */
  readonly #current = new Map<string, Entry>();
  /** New entries stored one by one, serialised and written in parts. */
  readonly #pending = new EntriesPart();
  /**
   * The new file, written as entries come: 80,000 entries are 150 MB of JSON,
   * which held in memory until `save` (and then copied into one buffer) were
   * the largest part of a cold lint's peak memory. Null once writing failed.
   */
  #writer: CacheWriter | null | undefined;
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
    this.#pending.add(path, digest, result);
    if (this.#pending.size >= PART_BYTES) this.storeSerialized(this.#pending.take());
  }

  /**
   * Remembers entries serialised by the caller ({@link EntriesPart.take}):
   * threads that load many files serialise what they load as they go, rather
   * than leave it all to `save`. The entries go to the new file at once.
   */
  storeSerialized(part: SerializedEntries): void {
    if (part.count === 0) return;
    this.#stored += part.count;
    this.#write(part);
  }

  /**
   * Finishes the new file and puts it in place of the old one, atomically,
   * when anything changed. Never rejects: a read-only workspace or a full disk
   * means the next run loads everything again.
   */
  save(): Promise<void> {
    if (this.#pending.count > 0) this.storeSerialized(this.#pending.take());
    const unchanged = this.#stored === 0 && this.#current.size === this.#previous.size;
    if (unchanged) return Promise.resolve();
    // Entries in #current were checked when stored, or read back from the file.
    const found = new EntriesPart();
    for (const [path, { digest, result }] of this.#current) {
      found.addJson(path, digest, JSON.stringify(result));
      if (found.size >= PART_BYTES) this.#write(found.take());
    }
    this.#write(found.take());
    const writer = this.#writer ?? this.#openWriter();
    this.#writer = null;
    return writer ? writer.finish(this.file) : Promise.resolve();
  }

  #write(part: SerializedEntries): void {
    if (part.count === 0) return;
    const writer = this.#writer === undefined ? this.#openWriter() : this.#writer;
    if (writer && !writer.write(part)) this.#writer = null;
  }

  #openWriter(): CacheWriter | null {
    this.#writer = CacheWriter.open(this.file, this.fingerprint);
    return this.#writer;
  }
}

/** Serialised entries gathered before they are written: about a megabyte at a time. */
const PART_BYTES = 1 << 20;

/**
 * The cache file being written, under a temporary name, as a CacheFile: the
 * header, the entries as they come (comma-separated), and the end.
 *
 * Every writer uses the same temporary name, so that a killed run leaves no
 * litter. Two runs writing at once may mix their texts; what is renamed into
 * place is then invalid JSON (read as an empty cache) or entries that were each
 * written whole by one of them, each still checked against its file's digest.
 */
class CacheWriter {
  #first = true;

  private constructor(readonly temporary: string, readonly handle: Deno.FsFile) {}

  /** Starts the file next to `file`; null when it cannot be created. */
  static open(file: string, fingerprint: string): CacheWriter | null {
    const temporary = `${file}.tmp`;
    try {
      Deno.mkdirSync(dirname(file), { recursive: true });
      const handle = Deno.openSync(temporary, { write: true, create: true, truncate: true });
      const writer = new CacheWriter(temporary, handle);
      return writer.#bytes(new TextEncoder().encode(headerText(fingerprint))) ? writer : null;
    } catch {
      return null;
    }
  }

  /** Appends entries; false (and the file removed) when the write failed. */
  write(part: SerializedEntries): boolean {
    const comma = this.#first ? 0 : 1;
    const bytes = new Uint8Array(part.bytes.length + comma);
    if (comma) bytes[0] = COMMA;
    bytes.set(part.bytes, comma);
    this.#first = false;
    return this.#bytes(bytes);
  }

  /** Ends the file and renames it to `file`. */
  async finish(file: string): Promise<void> {
    if (!this.#bytes(new TextEncoder().encode("}}"))) return;
    try {
      this.handle.close();
      await Deno.rename(this.temporary, file);
    } catch {
      await Deno.remove(this.temporary).catch(() => {});
    }
  }

  #bytes(bytes: Uint8Array): boolean {
    try {
      for (let written = 0; written < bytes.length;) {
        written += this.handle.writeSync(bytes.subarray(written));
      }
      return true;
    } catch {
      try {
        this.handle.close();
        Deno.removeSync(this.temporary);
      } catch {
        // Gone already, or never there: nothing is left to undo.
      }
      return false;
    }
  }
}

const COMMA = ",".charCodeAt(0);

/** How every cache file 2nex writes begins: the CacheFile's fields up to its entries. */
function headerText(fingerprint: string): string {
  return `{"format":${FORMAT},"fingerprint":${JSON.stringify(fingerprint)},"entries":{`;
}

/**
 * True when the file at `file` begins as a cache file of `fingerprint` would.
 * A cache of another format or fingerprint (after every upgrade of 2nex) is
 * then left unread: parsing the 150 MB of 80,000 entries only to drop them
 * took more memory than all the rest of a cold lint.
 */
function hasHeader(file: string, fingerprint: string): boolean {
  const expected = new TextEncoder().encode(headerText(fingerprint));
  const start = new Uint8Array(expected.length);
  let handle: Deno.FsFile | undefined;
  try {
    handle = Deno.openSync(file, { read: true });
    let filled = 0;
    while (filled < start.length) {
      const read = handle.readSync(start.subarray(filled));
      if (read === null || read === 0) return false;
      filled += read;
    }
  } catch {
    return false;
  } finally {
    handle?.close();
  }
  return start.every((byte, index) => byte === expected[index]);
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
  #size = 0;

  /** Entries added since the last `take`. */
  get count(): number {
    return this.#texts.length;
  }

  /** Their length in UTF-16 code units: about their size in bytes. */
  get size(): number {
    return this.#size;
  }

  /** Adds the entry of `result`, unless JSON cannot carry it exactly ({@link isCacheable}). */
  add(path: string, digest: string, result: LoadResult): void {
    if (isCacheable(result)) this.addJson(path, digest, JSON.stringify(result));
  }

  /** Adds an entry whose result the caller checked with isCacheable and serialised. */
  addJson(path: string, digest: string, resultJson: string): void {
    const text = entryText(path, digest, resultJson);
    this.#texts.push(text);
    this.#size += text.length;
  }

  /** The entries added so far; the part is empty again afterwards. */
  take(): SerializedEntries {
    const part = {
      bytes: new TextEncoder().encode(this.#texts.join(",")),
      count: this.#texts.length,
    };
    this.#texts.length = 0;
    this.#size = 0;
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
  if (!hasHeader(file, fingerprint)) return new Map();
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
