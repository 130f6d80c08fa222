/**
 * `2nex vendor DIR`: copies sources into a directory laid out as a mirror (each
 * file under the name the mirror lookup uses), plus a `SHA256SUMS` that
 * `sha256sum -c` accepts. A machine without network builds from it by listing
 * the directory under `mirrors:` and passing `--offline`.
 *
 * @module
 */
import { join } from "node:path";
import { FailureError, InvalidInputError, type SourcePosition } from "../util/mod.ts";
import { hashFile, HashingTempFile, readFileChunks } from "./cache.ts";
import { type FetchItem, type FetchOptions, fetchSources } from "./fetch.ts";
import { localFileName, urlFileName } from "./file_name.ts";

/** The checksum list written next to the vendored files. */
export const SUMS_FILE = "SHA256SUMS";

/** One file of the vendor directory after vendoring. */
export interface VendoredFile {
  /** File name inside the vendor directory. */
  name: string;
  sha256: string;
  /** Absolute path of the vendored file. */
  path: string;
  /** written: new; present: already there with the right content; replaced: there with other content, overwritten. */
  status: "written" | "present" | "replaced";
  /** Names of the sources this file serves. */
  sources: string[];
}

/** What {@link vendorSources} did. */
export interface VendorResult {
  files: VendoredFile[];
  /** Path of the SHA256SUMS file written. */
  sumsPath: string;
}

/** The file name a source has in a vendor directory or a mirror. */
export function vendorFileName(item: FetchItem): string | undefined {
  if (item.url !== undefined) return urlFileName(item.url);
  if (item.file !== undefined) return localFileName(item.file);
  return undefined;
}

/**
 * Fetches `items` (through the cache) and copies each into `destDir` by file
 * name, verified and atomically; merges `destDir/SHA256SUMS`. Two sources that
 * need the same file name with different contents are an InvalidInputError,
 * reported before anything is fetched.
 */
export async function vendorSources(
  items: FetchItem[],
  destDir: string,
  opts: FetchOptions,
): Promise<VendorResult> {
  const plan = planFiles(items);
  const cached = await fetchSources(items, opts);
  await Deno.mkdir(destDir, { recursive: true });

  const files: VendoredFile[] = [];
  for (const [name, entry] of plan) {
    const path = join(destDir, name);
    const status = await placeFile(cached.get(entry.sha256)!, path, entry.sha256, destDir, name);
    files.push({ name, sha256: entry.sha256, path, status, sources: entry.sources });
  }

  const sumsPath = join(destDir, SUMS_FILE);
  const sums = await readSums(sumsPath);
  for (const file of files) sums.set(file.name, file.sha256);
  await writeSums(sumsPath, sums, destDir);
  return { files, sumsPath };
}

interface PlannedFile {
  sha256: string;
  sources: string[];
  position?: SourcePosition;
}

/** File name → content, refusing names that would need two different contents. */
function planFiles(items: FetchItem[]): Map<string, PlannedFile> {
  const plan = new Map<string, PlannedFile>();
  for (const item of items) {
    const name = vendorFileName(item);
    if (name === undefined || name === SUMS_FILE) {
      throw new InvalidInputError(
        `source "${item.name}": cannot be vendored under the file name ${
          name === undefined ? `taken from "${item.url ?? item.file}"` : `"${name}"`
        }`,
        { position: item.position, hint: "mirrors look sources up by the URL's last path segment" },
      );
    }
    const planned = plan.get(name);
    if (planned === undefined) {
      plan.set(name, { sha256: item.sha256, sources: [item.name], position: item.position });
    } else if (planned.sha256 !== item.sha256) {
      throw new InvalidInputError(
        `sources "${planned.sources[0]}"${where(planned.position)} and "${item.name}"${
          where(item.position)
        } both need the file name "${name}" in a mirror, with different sha256 ` +
          `(${planned.sha256} and ${item.sha256})`,
        {
          position: item.position,
          hint: "a mirror holds one file per name; rename one of them (e.g. a URL with another " +
            "last path segment, or a file: source)",
        },
      );
    } else if (!planned.sources.includes(item.name)) {
      planned.sources.push(item.name);
    }
  }
  return plan;
}

function where(position: SourcePosition | undefined): string {
  return position === undefined ? "" : ` (${position.file}:${position.line}:${position.col})`;
}

/** Puts the cached file at `path` unless an identical file is already there. */
async function placeFile(
  cachedFile: string,
  path: string,
  sha256: string,
  destDir: string,
  name: string,
): Promise<VendoredFile["status"]> {
  let existed = false;
  try {
    const info = await Deno.stat(path);
    existed = true;
    if (!info.isFile) throw new FailureError(`${path} exists and is not a regular file`);
    if (await hashFile(path) === sha256) return "present";
  } catch (error) {
    if (!(error instanceof Deno.errors.NotFound)) throw error;
  }

  // Hidden name: a crash leaves a dot-file that no mirror lookup by name can match.
  const temp = await HashingTempFile.create(destDir, `.${name}`);
  try {
    for await (const chunk of readFileChunks(cachedFile)) await temp.write(chunk);
    const actual = await temp.finish();
    if (actual !== sha256) {
      // Only reachable if someone modified the cache behind our back; drop the
      // entry so that the next fetch gets a good copy.
      await Deno.remove(cachedFile).catch(() => {});
      throw new FailureError(
        `cache entry ${cachedFile} is corrupt (sha256 ${actual}, expected ${sha256})`,
        { hint: "run the command again to download it anew" },
      );
    }
    await temp.commit(path, 0o644);
    return existed ? "replaced" : "written";
  } finally {
    await temp.discard();
  }
}

/** Reads an existing SHA256SUMS (name → sha256); a missing file is empty. */
async function readSums(path: string): Promise<Map<string, string>> {
  const sums = new Map<string, string>();
  let text: string;
  try {
    text = await Deno.readTextFile(path);
  } catch (error) {
    if (error instanceof Deno.errors.NotFound) return sums;
    throw error;
  }
  for (const line of text.split("\n")) {
    const match = /^([0-9a-f]{64}) [ *](.+)$/.exec(line);
    if (match) sums.set(match[2], match[1]);
  }
  return sums;
}

/** Writes SHA256SUMS sorted by name, atomically. */
async function writeSums(path: string, sums: Map<string, string>, destDir: string) {
  const names = [...sums.keys()].sort();
  const text = names.map((name) => `${sums.get(name)}  ${name}\n`).join("");
  const temp = await HashingTempFile.create(destDir, `.${SUMS_FILE}`);
  try {
    await temp.write(new TextEncoder().encode(text));
    await temp.finish();
    await temp.commit(path, 0o644);
  } finally {
    await temp.discard();
  }
}
