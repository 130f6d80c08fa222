/**
 * A snapshot of the refs (and of whatever else a caller notes beside them) that
 * one run read, kept in a file so that the next run of a no-op build reads one
 * file instead of a few small files per package.
 *
 * The snapshot is trusted only while the repository directory's change time
 * and modification time are what they were when its refs were read:
 * - stock ostree sets the repository directory's mtime after every ref write
 *   (`commit -b`, `reset`, `refs --create`, `refs --delete`, `pull-local`;
 *   checked with ostree 2022.7), which also changes its ctime;
 * - 2nex creates a marker file in the repository directory before it renames
 *   ref files and removes it afterwards ({@link withRefWriteMarker}); both
 *   change the directory's times. A 2nex killed in between leaves the marker;
 *   no snapshot is saved while one exists, and the next run that finds it
 *   removes it once no process holds its lock.
 *
 * Timestamps are coarse (a clock tick, a second on some file systems), so a
 * ref written in the same tick as the directory was stat'ed would go unseen:
 * a snapshot is saved only when the directory's last change is older than
 * {@link RACY_MARGIN_MS} at the moment its refs started to be read, as git does
 * for racy index entries. The file itself starts with a SHA-256 of its body;
 * a snapshot that is corrupt, truncated or of another repository is ignored.
 * @module
 */
import { createHash } from "node:crypto";
import { dirname, join } from "node:path";
import { TEMP_PREFIX } from "./objects.ts";
import { isValidRef } from "./refs.ts";

/** Markers of 2nex ref writes in progress, in the repository directory. */
export const REF_WRITE_MARKER_PREFIX = ".2nex-ref-write-";

/** A directory change younger than this when refs were read makes a snapshot untrustworthy. */
export const RACY_MARGIN_MS = 2000;

/** Format of the snapshot file; another value is ignored. */
const FORMAT = "2nex-ref-snapshot-1";

const HEX64 = /^[0-9a-f]{64}$/;

/** What identifies the state of the repository's refs: its directory's identity and times. */
interface RepoToken {
  dev: number;
  ino: number;
  mtimeMs: number;
  ctimeMs: number;
}

interface SnapshotFile {
  format: string;
  repo: string;
  token: RepoToken;
  /** Ref → commit, or null for a ref that was missing. */
  refs: Record<string, string | null>;
  /** Caller's notes (e.g. result records), valid under the same token. */
  notes: Record<string, unknown>;
}

function repoToken(repo: string): RepoToken {
  const info = Deno.statSync(repo);
  return {
    dev: info.dev,
    ino: info.ino ?? 0,
    mtimeMs: info.mtime?.getTime() ?? 0,
    ctimeMs: info.ctime?.getTime() ?? 0,
  };
}

function sameToken(a: RepoToken, b: RepoToken): boolean {
  return a.dev === b.dev && a.ino === b.ino && a.mtimeMs === b.mtimeMs &&
    a.ctimeMs === b.ctimeMs;
}

function digest(body: string): string {
  return createHash("sha256").update(body).digest("hex");
}

/** The snapshot's body if the file is whole, of this format and of `repo`. */
function parseSnapshot(text: string, repo: string): SnapshotFile | undefined {
  const newline = text.indexOf("\n");
  if (newline !== 64) return undefined;
  const body = text.slice(65);
  if (digest(body) !== text.slice(0, 64)) return undefined;
  let parsed: SnapshotFile;
  try {
    parsed = JSON.parse(body) as SnapshotFile;
  } catch {
    return undefined;
  }
  if (parsed === null || typeof parsed !== "object" || parsed.format !== FORMAT) return undefined;
  if (parsed.repo !== repo || typeof parsed.token !== "object" || parsed.token === null) {
    return undefined;
  }
  if (typeof parsed.refs !== "object" || parsed.refs === null) return undefined;
  if (typeof parsed.notes !== "object" || parsed.notes === null) return undefined;
  // Lookups trust a saved name without checking it again: a file holding one
  // that 2nex would refuse (`..`, an absolute path) was not written by 2nex.
  for (const [ref, commit] of Object.entries(parsed.refs)) {
    if (commit !== null && (typeof commit !== "string" || !HEX64.test(commit))) return undefined;
    if (!isValidRef(ref)) return undefined;
  }
  return parsed;
}

/** True when a 2nex ref write is under way, or was killed, in `repo`. */
function refWriteMarked(repo: string): boolean {
  for (const entry of Deno.readDirSync(repo)) {
    if (entry.name.startsWith(REF_WRITE_MARKER_PREFIX)) return true;
  }
  return false;
}

/**
 * Runs `write` (renames of ref files) between the creation and the removal of
 * a marker in the repository directory, so that both change the directory's
 * times and a run that reads refs meanwhile does not save what it read. The
 * writer holds an exclusive flock on its marker until it has removed it: the
 * kernel drops the lock when the process dies, which is how
 * {@link removeDeadRefWriteMarkers} tells a killed writer's marker from a
 * live one.
 */
export async function withRefWriteMarker<T>(repo: string, write: () => Promise<T>): Promise<T> {
  const name = `${REF_WRITE_MARKER_PREFIX}${crypto.randomUUID()}`;
  // Locked before it is visible: a marker in the repository directory that
  // nobody holds locked is always a dead writer's.
  const staged = join(repo, "tmp", `${TEMP_PREFIX}${name}`);
  const marker = join(repo, name);
  const file = await Deno.open(staged, { write: true, createNew: true });
  try {
    file.lockSync(true);
    try {
      await Deno.rename(staged, marker);
    } catch (error) {
      await Deno.remove(staged).catch(() => {});
      throw error;
    }
    try {
      return await write();
    } finally {
      await Deno.remove(marker);
    }
  } finally {
    file.close();
  }
}

/**
 * Removes the markers of ref writes whose process is gone (nobody holds their
 * lock); returns how many. A live writer's marker is left alone.
 */
export function removeDeadRefWriteMarkers(repo: string): number {
  let removed = 0;
  for (const entry of Deno.readDirSync(repo)) {
    if (!entry.name.startsWith(REF_WRITE_MARKER_PREFIX)) continue;
    const path = join(repo, entry.name);
    let file: Deno.FsFile;
    try {
      file = Deno.openSync(path, { read: true });
    } catch (error) {
      if (error instanceof Deno.errors.NotFound) continue; // Its writer just finished.
      throw error;
    }
    try {
      if (!file.tryLockSync(true)) continue;
      try {
        Deno.removeSync(path);
        removed++;
      } catch (error) {
        if (!(error instanceof Deno.errors.NotFound)) throw error;
      }
    } finally {
      file.close();
    }
  }
  return removed;
}

/** The refs and notes of the last run, and what this run reads. */
export class RefSnapshot {
  /** What the file holds (when trusted), kept as parsed: copying it into maps cost more than the parse. */
  readonly #savedRefs: Record<string, string | null>;
  readonly #savedNotes: Record<string, unknown>;
  /** What this run read or wrote that the file does not hold. */
  readonly #refs = new Map<string, string | null>();
  readonly #notes = new Map<string, unknown>();
  /** This process wrote refs: what it read may not be what the repository holds after. */
  #wrote = false;

  private constructor(
    readonly file: string,
    readonly repo: string,
    /** The repository's token when this run started reading refs. */
    readonly token: RepoToken,
    /** When this run stat'ed the repository, before reading any ref. */
    private readonly statedAt: number,
    private readonly racyMarginMs: number,
    /** True when the file's entries hold for the repository as it is. */
    readonly trusted: boolean,
    saved: SnapshotFile | undefined,
  ) {
    this.#savedRefs = saved?.refs ?? {};
    this.#savedNotes = saved?.notes ?? {};
  }

  /**
   * Reads the snapshot `file` of the repository `repo`. Its entries are used
   * only when the repository's token equals the saved one; otherwise this run
   * starts empty and reads every ref from the repository. `racyMarginMs`
   * exists for tests, which cannot wait for the real margin.
   */
  static open(file: string, repo: string, racyMarginMs = RACY_MARGIN_MS): RefSnapshot {
    const statedAt = Date.now();
    const token = repoToken(repo);
    let saved: SnapshotFile | undefined;
    try {
      saved = parseSnapshot(Deno.readTextFileSync(file), repo);
    } catch {
      saved = undefined;
    }
    const trusted = saved !== undefined && sameToken(saved.token, token);
    return new RefSnapshot(
      file,
      repo,
      token,
      statedAt,
      racyMarginMs,
      trusted,
      trusted ? saved : undefined,
    );
  }

  /** The commit of `ref` (null: missing) if known; undefined when it must be read. */
  ref(ref: string): string | null | undefined {
    if (this.#refs.has(ref)) return this.#refs.get(ref);
    return Object.hasOwn(this.#savedRefs, ref) ? this.#savedRefs[ref] : undefined;
  }

  /** Records what reading `ref` found. */
  noteRef(ref: string, commit: string | null): void {
    this.#refs.set(ref, commit);
  }

  /** Records a ref this process wrote: this run's snapshot is not saved. */
  wroteRef(ref: string, commit: string | null): void {
    this.#refs.set(ref, commit);
    this.#wrote = true;
  }

  /** A caller's note, if known. */
  note(key: string): unknown {
    if (this.#notes.has(key)) return this.#notes.get(key);
    return Object.hasOwn(this.#savedNotes, key) ? this.#savedNotes[key] : undefined;
  }

  hasNote(key: string): boolean {
    return this.#notes.has(key) || Object.hasOwn(this.#savedNotes, key);
  }

  /** Records a caller's note, read from files that change only along with a ref write. */
  setNote(key: string, value: unknown): void {
    this.#notes.set(key, value);
  }

  /**
   * Saves what this run read, atomically, when it can be trusted later: this
   * process wrote no ref, the repository's token has not changed since the run
   * started, no ref write is marked, and the token was not racy then. Returns
   * true when it wrote the file. A failure to write is not an error: the next
   * run reads the refs again.
   */
  save(): boolean {
    if (this.#wrote || (this.#refs.size === 0 && this.#notes.size === 0)) return false;
    try {
      if (this.statedAt - Math.max(this.token.mtimeMs, this.token.ctimeMs) < this.racyMarginMs) {
        return false;
      }
      if (refWriteMarked(this.repo)) {
        // A killed writer's marker would stop every later run from saving: remove it now
        // (which changes the token, so this run does not save either).
        removeDeadRefWriteMarkers(this.repo);
        return false;
      }
      if (!sameToken(repoToken(this.repo), this.token)) return false;
      const body = JSON.stringify(
        {
          format: FORMAT,
          repo: this.repo,
          token: this.token,
          // The saved entries hold under the same token (or there are none): keep them.
          refs: { ...this.#savedRefs, ...Object.fromEntries(this.#refs) },
          notes: { ...this.#savedNotes, ...Object.fromEntries(this.#notes) },
        } satisfies SnapshotFile,
      );
      const temp = join(dirname(this.file), `.tmp-${crypto.randomUUID()}`);
      try {
        Deno.mkdirSync(dirname(this.file), { recursive: true });
        Deno.writeTextFileSync(temp, `${digest(body)}\n${body}`);
        Deno.renameSync(temp, this.file);
      } catch {
        Deno.removeSync(temp);
        return false;
      }
      return true;
    } catch {
      return false;
    }
  }
}
