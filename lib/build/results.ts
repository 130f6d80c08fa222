/**
 * The result index: input key → what a build with that key committed. The
 * repository is the truth (ref `2nex/inputs/<key>`); this JSON file per key in
 * the cache lets a fully cached build answer without starting any process.
 * @module
 */
import { join } from "node:path";
import type { RefSnapshot } from "../store/mod.ts";
import { writeFileAtomic } from "../util/mod.ts";

export interface ResultRecord {
  inputKey: string;
  /** Output hash: the content checksum of the whole result. */
  outputHash: string;
  /**
   * With `semantics: original`: the original builder's checksum, which the
   * manifest's expected hash is compared with. Absent means `outputHash`.
   */
  checkedHash?: string;
  /** Commit of the whole result (the `tree` ref). */
  commit: string;
  /** Commits of each output and bundle: "outputs/NAME" / "bundles/NAME" → commit. */
  parts: Record<string, string>;
  /** Manifest path (for humans; not part of the key). */
  manifest: string;
  durationMs: number;
}

export class ResultIndex {
  /**
   * Lookups of this run: input key → the record the repository confirmed, or
   * undefined for none. A build asks about each key several times (the fetch
   * plan, the scheduler, each dependent), and each answer costs two small file
   * reads; the workspace lock keeps other 2nex runs of this workspace from
   * changing either while this one holds it, and this run's own writes go
   * through put and remove, which keep the answers current.
   */
  readonly #confirmed = new Map<string, ResultRecord | undefined>();

  /**
   * `snapshot`: the last run's records, trusted while the repository's refs are
   * unchanged (every record is written right after a ref write, under the
   * workspace lock); this run's reads are noted in it.
   */
  constructor(readonly cacheDir: string, private readonly snapshot?: RefSnapshot) {}

  private path(key: string): string {
    return join(this.cacheDir, "results", key.slice(0, 2), `${key}.json`);
  }

  /**
   * The record of `key` if the repository's index ref of `key` (read by
   * `commitOf`) points at its commit: a result this cache may use. Answered
   * from this run's earlier lookups when there was one.
   */
  confirmed(key: string, commitOf: (key: string) => string | undefined): ResultRecord | undefined {
    if (this.#confirmed.has(key)) return this.#confirmed.get(key);
    const record = this.getSync(key);
    const confirmed = record !== undefined && commitOf(key) === record.commit ? record : undefined;
    this.#confirmed.set(key, confirmed);
    return confirmed;
  }

  get(key: string): Promise<ResultRecord | undefined> {
    return Promise.resolve(this.getSync(key));
  }

  /** Synchronous on purpose: a read of a few hundred bytes costs less than an async op's round trip. */
  private getSync(key: string): ResultRecord | undefined {
    const note = `record:${key}`;
    if (this.snapshot?.hasNote(note)) {
      const known = this.snapshot.note(note) as ResultRecord | null;
      if (known === null || known.inputKey === key) return known ?? undefined;
    }
    const record = this.readSync(key);
    this.snapshot?.setNote(note, record ?? null);
    return record;
  }

  private readSync(key: string): ResultRecord | undefined {
    try {
      const record = JSON.parse(Deno.readTextFileSync(this.path(key))) as ResultRecord;
      return record.inputKey === key ? record : undefined;
    } catch {
      return undefined;
    }
  }

  /** Records a result; the caller has pointed the key's index ref at its commit. */
  async put(record: ResultRecord): Promise<void> {
    this.#confirmed.delete(record.inputKey);
    await writeFileAtomic(this.path(record.inputKey), JSON.stringify(record, null, 2) + "\n");
    this.snapshot?.setNote(`record:${record.inputKey}`, record);
    this.#confirmed.set(record.inputKey, record);
  }

  async remove(key: string): Promise<void> {
    this.#confirmed.set(key, undefined);
    this.snapshot?.setNote(`record:${key}`, null);
    await Deno.remove(this.path(key)).catch(() => {});
  }
}
