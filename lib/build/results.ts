/**
 * The result index: input key → what a build with that key committed. The
 * repository is the truth (ref `2nex/inputs/<key>`); this JSON file per key in
 * the cache lets a fully cached build answer without starting any process.
 * @module
 */
import { join } from "node:path";
import { writeFileAtomic } from "../util/fs.ts";

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
  constructor(readonly cacheDir: string) {}

  private path(key: string): string {
    return join(this.cacheDir, "results", key.slice(0, 2), `${key}.json`);
  }

  async get(key: string): Promise<ResultRecord | undefined> {
    try {
      const record = JSON.parse(await Deno.readTextFile(this.path(key))) as ResultRecord;
      return record.inputKey === key ? record : undefined;
    } catch {
      return undefined;
    }
  }

  async put(record: ResultRecord): Promise<void> {
    await writeFileAtomic(this.path(record.inputKey), JSON.stringify(record, null, 2) + "\n");
  }

  async remove(key: string): Promise<void> {
    await Deno.remove(this.path(key)).catch(() => {});
  }
}
