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
 *
 * The file is a header line, `{"format":3,"fingerprint":"…"}`, then a line
 * per entry: the path and the digest as JSON strings and the result as JSON,
 * separated by tabs (JSON text holds no raw tab or line break), in ASCII
 * (other characters escaped). An entry's result stays text, in the file's
 * bytes, until it is looked up: for 80,000 entries the parsed results took
 * 225 MB besides the file's 150 MB, although lint keeps only their summaries.
 * An entry found is written to the new file as it was read.
 *
 * Why this file is over 400 lines: the file format (header, entry lines, the
 * lazy reading of results) and the class that reads and writes it change
 * together; split apart, each half would have to know the other's byte layout.
 * @module
 */
import { createHash } from "node:crypto";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import type { LoadResult } from "./load.ts";
import { VERSION } from "../version.ts";

/** 2: positions of sources and dependencies without the file. 3: a line per entry. */
const FORMAT = 3;

/** An entry of the file read: its line is `bytes[start, end)`, its result `bytes[resultStart, end)`. */
interface Entry {
  digest: string;
  start: number;
  resultStart: number;
  end: number;
}

/** The entries of the file read, and its bytes. */
interface ReadEntries {
  bytes: Uint8Array;
  entries: Map<string, Entry>;
}

/** The sha256 of a file's bytes, in hex. */
export function digestBytes(bytes: Uint8Array): string {
  return createHash("sha256").update(bytes).digest("hex");
}

export class ManifestCache {
  /** Entries read from the file, and the file's bytes they are in. */
  readonly #previous: Map<string, Entry>;
  readonly #bytes: Uint8Array;
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
    previous: ReadEntries,
  ) {
    this.#previous = previous.entries;
    this.#bytes = previous.bytes;
  }

  /** Opens the cache at `file`; entries written under another fingerprint are ignored. */
  static open(file: string, fingerprint: string): ManifestCache {
    return new ManifestCache(file, fingerprint, readEntries(file, fingerprint));
  }

  /** True when the cache has a result for `path` (for some bytes). */
  has(path: string): boolean {
    return this.#previous.has(path);
  }

  /**
   * The result cached for `path` when its bytes still have `digest`: a new
   * copy, parsed from the file's text, at each call.
   */
  lookup(path: string, digest: string): LoadResult | undefined {
    const entry = this.#previous.get(path);
    if (!entry || entry.digest !== digest) return undefined;
    const json = new TextDecoder().decode(this.#bytes.subarray(entry.resultStart, entry.end));
    const result = parseResult(json);
    if (result === undefined) return undefined;
    this.#current.set(path, entry);
    return result;
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
    // The lines of the entries found, as they were read (and checked by lookup).
    let lines: Entry[] = [];
    let size = 0;
    const writeLines = () => {
      const bytes = new Uint8Array(size);
      let at = 0;
      for (const { start, end } of lines) {
        bytes.set(this.#bytes.subarray(start, end), at);
        at += end - start;
      }
      this.#write({ bytes, count: lines.length });
      lines = [];
      size = 0;
    };
    for (const entry of this.#current.values()) {
      lines.push(entry);
      size += entry.end - entry.start;
      if (size >= PART_BYTES) writeLines();
    }
    writeLines();
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
 * The cache file being written, under a temporary name: the header line, then
 * the entries' lines as they come.
 *
 * Every writer uses the same temporary name, so that a killed run leaves no
 * litter. Two runs writing at once may mix their texts; what is renamed into
 * place then holds lines that were each written whole by one of them, each
 * still checked against its file's digest, and torn lines, which do not parse
 * and are left out.
 */
class CacheWriter {
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
    return this.#bytes(part.bytes);
  }

  /** Closes the file and renames it to `file`. */
  async finish(file: string): Promise<void> {
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

/** The first line of every cache file 2nex writes. */
function headerText(fingerprint: string): string {
  return `{"format":${FORMAT},"fingerprint":${JSON.stringify(fingerprint)}}\n`;
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

/** The line of one entry: `"PATH"<tab>"DIGEST"<tab>RESULT_JSON`, ended by a line feed. */
function entryText(path: string, digest: string, resultJson: string): string {
  return ascii(`${JSON.stringify(path)}\t${JSON.stringify(digest)}\t${resultJson}\n`);
}

/** JSON text with every character outside ASCII escaped (`\uXXXX`, which JSON reads back). */
function ascii(json: string): string {
  return NOT_ASCII.test(json)
    ? json.replace(NOT_ASCII_ALL, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, "0")}`)
    : json;
}

const NOT_ASCII = /[\u0080-\uffff]/;
const NOT_ASCII_ALL = /[\u0080-\uffff]/g;

/** Cache entries serialised together: `count` lines of them, in UTF-8. */
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
      bytes: new TextEncoder().encode(this.#texts.join("")),
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

/**
 * The entries of the cache file at `file`, when it was written under
 * `fingerprint`. The file is kept as bytes (its text would be a second copy
 * while it is decoded), and only the path and digest of each line are decoded.
 */
function readEntries(file: string, fingerprint: string): ReadEntries {
  const none = { bytes: new Uint8Array(0), entries: new Map<string, Entry>() };
  if (!hasHeader(file, fingerprint)) return none;
  let bytes: Uint8Array;
  try {
    bytes = Deno.readFileSync(file);
  } catch {
    return none;
  }
  const entries = new Map<string, Entry>();
  const decoder = new TextDecoder();
  for (let start = bytes.indexOf(LINE_FEED) + 1; start > 0 && start < bytes.length;) {
    const lineEnd = bytes.indexOf(LINE_FEED, start);
    // A last line without its line feed was cut short.
    if (lineEnd === -1) break;
    const digestStart = bytes.indexOf(TAB, start) + 1;
    const resultStart = digestStart > 0 ? bytes.indexOf(TAB, digestStart) + 1 : 0;
    if (resultStart > 0 && resultStart <= lineEnd) {
      const keys = decoder.decode(bytes.subarray(start, resultStart - 1));
      const tab = digestStart - 1 - start;
      const path = jsonString(keys.slice(0, tab));
      const digest = jsonString(keys.slice(tab + 1));
      if (path !== undefined && digest !== undefined) {
        entries.set(path, { digest, start, resultStart, end: lineEnd + 1 });
      }
    }
    start = lineEnd + 1;
  }
  return { bytes, entries };
}

const LINE_FEED = 0x0a;
const TAB = 0x09;

/**
 * The string that `json` is the JSON text of; undefined when it is not one.
 * Most paths and every digest have nothing escaped: their text is taken as it
 * is, without JSON.parse.
 */
function jsonString(json: string): string | undefined {
  if (json.length < 2 || json[0] !== '"' || json[json.length - 1] !== '"') return undefined;
  const inner = json.slice(1, -1);
  if (!inner.includes("\\") && !inner.includes('"')) return inner;
  try {
    const value: unknown = JSON.parse(json);
    return typeof value === "string" ? value : undefined;
  } catch {
    return undefined;
  }
}

/** The result of an entry, from its JSON text; undefined when that is not one. */
function parseResult(json: string): LoadResult | undefined {
  let value: unknown;
  try {
    value = JSON.parse(json);
  } catch {
    return undefined;
  }
  if (typeof value !== "object" || value === null) return undefined;
  const result = value as Partial<LoadResult>;
  const valid = Array.isArray(result.diagnostics) &&
    (result.manifest === undefined || (typeof result.manifest === "object" &&
      result.manifest !== null && typeof result.manifest.path === "string"));
  return valid ? result as LoadResult : undefined;
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
